"""Pack a document's quotable units into chunks measured in the embedding model's own tokens.

We pack whole units ourselves instead of using llama-index's ``SentenceSplitter`` because the
answerer needs the exact character span of every sentence (ingest-time sentence vectors, quoted and
highlighted citations), and the splitter only returns chunk strings. Chunks never cross a page, prefer
to end where a block ends and start afresh at a new section, and carry their section's heading path.

    >>> chunker = SentenceChunker(embedder, chunk_tokens=200, overlap_tokens=40)
    >>> chunks = chunker.chunk(document)
    >>> chunks[0].text == document.text[chunks[0].start:chunks[0].end]
    True
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from ..embedding import Embedder
from ..text import trim
from ..types import Chunk, Document, SentenceSpan
from .segment import blocks_of, segment


@dataclass(frozen=True)
class _Sized:
    span: SentenceSpan
    tokens: int
    block: int


class SentenceChunker:
    """Splits a Document into units (see ``segment``), then packs whole units into overlapping chunks."""

    def __init__(self, embedder: Embedder, chunk_tokens: int = 200, overlap_tokens: int = 40) -> None:
        if chunk_tokens > embedder.max_tokens:
            raise ValueError(
                f"chunk_tokens={chunk_tokens} exceeds the embedding model's limit of {embedder.max_tokens}"
            )
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens

    def _split_long(self, text: str, span: SentenceSpan, block: int, n_tokens: int) -> list[_Sized]:
        """A unit longer than a chunk (a code listing, a wide table row) is cut at token boundaries."""
        if n_tokens <= self.chunk_tokens:
            return [_Sized(span, n_tokens, block)]
        offsets = self.embedder.token_offsets(text[span.start : span.end])
        pieces = []
        for i in range(0, len(offsets), self.chunk_tokens):
            window = offsets[i : i + self.chunk_tokens]
            a, b = trim(text, span.start + window[0][0], span.start + window[-1][1])
            if b > a:
                pieces.append(_Sized(SentenceSpan(a, b, span.heading, span.quotable), len(window), block))
        return pieces

    def chunk(self, document: Document) -> list[Chunk]:
        units = segment(document)
        blocks = blocks_of(document)
        counts = self.embedder.count_tokens([document.text[u.start : u.end] for u in units])
        sized: list[_Sized] = []
        for unit, count in zip(units, counts):
            sized.extend(self._split_long(document.text, unit.span(blocks), unit.block, count))
        # Units are in text order, so each page's units are one slice (a unit belongs to the page it
        # starts on).
        starts = [s.span.start for s in sized]
        chunks: list[Chunk] = []
        paged = len(document.pages) > 1
        for page in document.pages:
            members = sized[bisect_left(starts, page.start) : bisect_left(starts, page.end)]
            chunks.extend(self._pack(document, members, page.page if paged else None))
        return chunks

    def _pack(self, document: Document, units: list[_Sized], page: int | None) -> list[Chunk]:
        chunks: list[Chunk] = []
        i = 0
        while i < len(units):
            j = self._end(units, i)
            members = units[i:j]
            # The chunk's text starts at its first quotable unit: a heading it opens with is in its
            # sentences (searched) and its heading path (embedded), and would only repeat there.
            quotable = [m for m in members if m.span.quotable] or members
            start, end = quotable[0].span.start, members[-1].span.end
            chunks.append(
                Chunk(
                    doc_id=document.doc_id,
                    text=document.text[start:end],
                    start=start,
                    end=end,
                    page=page,
                    sentences=[m.span for m in members],
                    n_tokens=sum(m.tokens for m in members),
                    heading=members[0].span.heading,
                )
            )
            if j >= len(units):
                break
            # Step back over trailing units that fit in the overlap (within the same section), but
            # always move forward.
            back, overlap = j, 0
            while (
                back - 1 > i
                and overlap + units[back - 1].tokens <= self.overlap_tokens
                and units[back - 1].span.heading == units[j].span.heading
            ):
                back -= 1
                overlap += units[back].tokens
            i = back
        return chunks

    def _end(self, units: list[_Sized], i: int) -> int:
        """Where the chunk starting at unit ``i`` ends: as full as the limit allows, but at a new
        section once it holds a quarter of the limit, and back at the last block boundary when that
        keeps at least half of it."""
        j, total, boundary = i, 0, None
        while j < len(units) and (j == i or total + units[j].tokens <= self.chunk_tokens):
            if j > i and total >= self.chunk_tokens // 4 and units[j].span.heading != units[j - 1].span.heading:
                return j
            if j > i and units[j].block != units[j - 1].block and total >= self.chunk_tokens // 2:
                boundary = j
            total += units[j].tokens
            j += 1
        if j < len(units) and boundary is not None and units[j].block == units[j - 1].block:
            j = boundary
        while j < len(units) and j - 1 > i and not units[j - 1].span.quotable:
            j -= 1  # a heading opens the next chunk, never closes this one
        return j
