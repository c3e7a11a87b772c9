"""Sentence-aware chunking measured in the embedding model's own tokens.

We pack whole sentences ourselves instead of using llama-index's ``SentenceSplitter`` because the
answerer needs the exact character span of every sentence (ingest-time sentence vectors, quoted and
highlighted citations), and the splitter only returns chunk strings. Sentence boundaries come from the
trained Punkt model that ships with llama-index-core, so nothing is downloaded.

    >>> chunker = SentenceChunker(embedder, chunk_tokens=200, overlap_tokens=40)
    >>> chunks = chunker.chunk(document)
    >>> chunks[0].text == document.text[chunks[0].start:chunks[0].end]
    True
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..embedding import Embedder
from ..types import Chunk, Document, SentenceSpan

_BLANK_LINE = re.compile(r"\n\s*\n")
_LINE = re.compile(r"\n")


@lru_cache(maxsize=1)
def punkt():
    import llama_index.core
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    cache = Path(llama_index.core.__file__).parent / "_static" / "nltk_cache"
    if str(cache) not in nltk.data.path:
        nltk.data.path.append(str(cache))
    return PunktTokenizer("english")


def _blocks(text: str, start: int, end: int, line_breaks: bool) -> list[tuple[int, int]]:
    """Spans between hard boundaries: blank lines always, single line breaks where they end a line
    of structure (headings, list items) rather than wrap a paragraph (PDF text)."""
    pattern = _LINE if line_breaks else _BLANK_LINE
    spans, pos = [], start
    for match in pattern.finditer(text, start, end):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class SentenceChunker:
    """Splits a Document into sentences, then packs whole sentences into overlapping chunks."""

    def __init__(self, embedder: Embedder, chunk_tokens: int = 200, overlap_tokens: int = 40) -> None:
        if chunk_tokens > embedder.max_tokens:
            raise ValueError(
                f"chunk_tokens={chunk_tokens} exceeds the embedding model's limit of {embedder.max_tokens}"
            )
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens

    def sentences(self, text: str, start: int, end: int, line_breaks: bool) -> list[SentenceSpan]:
        tokenizer = punkt()
        spans: list[SentenceSpan] = []
        for block_start, block_end in _blocks(text, start, end, line_breaks):
            block = text[block_start:block_end]
            for s, e in tokenizer.span_tokenize(block):
                a, b = _trim(text, block_start + s, block_start + e)
                if b > a:
                    spans.append(SentenceSpan(a, b))
        return spans

    def _split_long(self, text: str, span: SentenceSpan, n_tokens: int) -> list[tuple[SentenceSpan, int]]:
        """A 'sentence' longer than a chunk (a table row, a run-on list) is cut at token boundaries."""
        if n_tokens <= self.chunk_tokens:
            return [(span, n_tokens)]
        offsets = self.embedder.token_offsets(text[span.start : span.end])
        pieces = []
        for i in range(0, len(offsets), self.chunk_tokens):
            window = offsets[i : i + self.chunk_tokens]
            a, b = _trim(text, span.start + window[0][0], span.start + window[-1][1])
            if b > a:
                pieces.append((SentenceSpan(a, b), len(window)))
        return pieces

    def chunk(self, document: Document) -> list[Chunk]:
        line_breaks = document.format != "pdf"
        chunks: list[Chunk] = []
        for page in document.pages:
            spans = self.sentences(document.text, page.start, page.end, line_breaks)
            counts = self.embedder.count_tokens([document.text[s.start : s.end] for s in spans])
            units: list[tuple[SentenceSpan, int]] = []
            for span, count in zip(spans, counts):
                units.extend(self._split_long(document.text, span, count))
            chunks.extend(self._pack(document, units, page.page if len(document.pages) > 1 else None))
        return chunks

    def _pack(self, document: Document, units: list[tuple[SentenceSpan, int]], page: int | None) -> list[Chunk]:
        chunks: list[Chunk] = []
        i = 0
        while i < len(units):
            j, total = i, 0
            while j < len(units) and (j == i or total + units[j][1] <= self.chunk_tokens):
                total += units[j][1]
                j += 1
            members = units[i:j]
            start, end = members[0][0].start, members[-1][0].end
            chunks.append(
                Chunk(
                    doc_id=document.doc_id,
                    text=document.text[start:end],
                    start=start,
                    end=end,
                    page=page,
                    sentences=[span for span, _ in members],
                    n_tokens=total,
                )
            )
            if j >= len(units):
                break
            # Step back over trailing sentences that fit in the overlap, but always move forward.
            back, overlap = j, 0
            while back - 1 > i and overlap + units[back - 1][1] <= self.overlap_tokens:
                back -= 1
                overlap += units[back][1]
            i = back
        return chunks
