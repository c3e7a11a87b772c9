"""Typed values that cross module boundaries.

Data flows one way: files -> Document -> Chunk -> (index) -> Passage -> Answer with Citations.
Every offset is a character offset into ``Document.text`` (the text extracted from the file), so any
chunk or quoted sentence can be shown and highlighted in its source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PageSpan:
    """Where one page (1-based) lies in ``Document.text``; plain-text formats have a single page."""

    page: int
    start: int
    end: int


HEADING_SEPARATOR = " > "
"""Joins a heading path for display and storage: ``"2 Setup > 2.4 Library Notes"``."""


def with_heading(heading: str, text: str) -> str:
    """What the chunk vector and BM25 see: the section's heading path names what the text is about."""
    return f"{heading}\n{text}" if heading else text


BLOCK_KINDS = ("heading", "paragraph", "list_item", "table_row", "code", "field")
"""What a block of a document is. Prose (paragraphs, list items, fields) is split into sentences;
a table row or a code block is quoted whole; a heading is never quoted, it names the blocks below it."""


@dataclass(frozen=True)
class Block:
    """One structural piece of ``Document.text``: ``text[start:end]`` is exactly its content.

    ``heading`` is the path of headings the block sits under, outermost first (a heading block's
    path ends with its own text).
    """

    kind: str
    start: int
    end: int
    heading: tuple[str, ...] = ()


@dataclass(frozen=True)
class WordBox:
    """One word read by OCR: ``Document.text[start:end]`` is the word (a word hyphenated at a line end
    covers only its part on that line), and ``left``/``top``/``width``/``height`` its box in pixels of
    the page image that was read, with the engine's ``confidence`` (0-100) in it."""

    start: int
    end: int
    left: int
    top: int
    width: int
    height: int
    confidence: float


@dataclass(frozen=True)
class OcrPage:
    """A page (1-based) whose text came from OCR: the image's size in pixels, its resolution (pixels
    per inch, None when an image file does not say; a PDF page is ``width * 72 / dpi`` points wide),
    the mean confidence (0-100) of its words, and the words that are in ``Document.text``.
    ``rotation`` is how far the page was turned clockwise (0, 90, 180, 270 degrees) to be read upright:
    the size and the boxes are those of the turned image."""

    page: int
    width: int
    height: int
    dpi: float | None
    confidence: float
    words: tuple[WordBox, ...] = ()
    rotation: int = 0


@dataclass
class Document:
    """Text read from one file, before chunking: the reading the index stores and shows.

    ``doc_id`` is the sha256 of the file's bytes, so the same content under two names is one document.
    ``text`` is the document as a person reads it (wrapped lines joined, inline markup and page
    furniture gone); ``blocks`` lie in it in order, never overlapping, separated by blank lines.
    ``ocr_pages`` are the pages read from images (a scan, a photo), with their word boxes; ``notices``
    tell a person what about the reading is doubtful (pages OCR read poorly or not at all).
    """

    doc_id: str
    path: str
    title: str
    text: str
    format: str
    pages: list[PageSpan] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    ocr_pages: list[OcrPage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SentenceSpan:
    """A unit of ``Document.text[start:end]`` under the section ``heading`` (a path, or "").

    Sentences, rows and listings are ``quotable``; a heading is embedded and searched like a sentence
    (a question often names the section it is about) but never quoted as an answer.
    """

    start: int
    end: int
    heading: str = ""
    quotable: bool = True


@dataclass
class Chunk:
    """A run of whole sentences (under the embedding model's token limit) from one page of a document.

    ``heading`` is the heading path of the chunk's first sentence (``"Install > Linux"``), or "".
    """

    doc_id: str
    text: str
    start: int
    end: int
    page: int | None
    sentences: list[SentenceSpan]
    n_tokens: int
    chunk_id: int | None = None
    heading: str = ""

    @property
    def embedding_text(self) -> str:
        return with_heading(self.heading, self.text)


@dataclass
class Passage:
    """A retrieved chunk with the evidence for why it was retrieved ("why this source").

    ``ocr`` is True when the chunk's page was read by OCR (a scan, a photo): its text may hold reading
    errors; ``ocr_confidence`` is then that page's mean OCR confidence, 0-100 as Tesseract gives it.
    """

    chunk_id: int
    doc_id: str
    source: str
    title: str
    page: int | None
    text: str
    start: int
    end: int
    fused_score: float
    dense_rank: int | None = None
    dense_score: float | None = None
    sentence_score: float | None = None
    bm25_rank: int | None = None
    bm25_score: float | None = None
    heading: str = ""
    ocr: bool = False
    ocr_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        """The inverse of ``to_dict``. Unknown keys are ignored and missing optional ones take their
        defaults, so a passage saved by another version of the assistant still loads."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass
class Citation:
    """One quoted span that an answer rests on; ``marker`` is the n of the inline ``[n]``.

    ``start``/``end`` locate ``quote`` in the document text; ``passage_start``/``passage_end`` locate
    it inside ``Passage.text`` for highlighting. ``score`` is how well the quote answers the question.
    ``ocr`` and ``ocr_confidence`` (0-100) say that the quote's page was read by OCR, as ``Passage``'s.
    """

    marker: int
    source: str
    title: str
    page: int | None
    chunk_id: int
    doc_id: str
    quote: str
    start: int
    end: int
    passage_start: int
    passage_end: int
    score: float
    fused_score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    heading: str = ""
    ocr: bool = False
    ocr_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        """The inverse of ``to_dict``. Unknown keys are ignored and missing optional ones take their
        defaults, so a citation saved by another version of the assistant still loads."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass
class Answer:
    """What ``Assistant.ask`` returns.

    ``found`` is False when the documents do not support an answer: ``text`` then says so, ``citations``
    is empty and ``passages`` holds the closest passages ("related, but not an answer").
    ``conflicts`` are quotes from other documents than the cited ones that answer the question about as
    well but say something else; their markers continue after the citations' and appear in no text.
    Without a model that judges contradiction they are shown as "sources differ", not as proven
    contradictions. ``timings`` holds seconds per pipeline step.
    """

    question: str
    text: str
    found: bool
    citations: list[Citation]
    passages: list[Passage]
    confidence: float
    answerer: str
    retrieval_query: str
    timings: dict[str, float] = field(default_factory=dict)
    conflicts: list[Citation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the CLI's ``--json``: ``answer``, ``found``, ``citations[]``, ``conflicts[]``
        and more."""
        return {
            "question": self.question,
            "answer": self.text,
            "found": self.found,
            "confidence": self.confidence,
            "answerer": self.answerer,
            "retrieval_query": self.retrieval_query,
            "citations": [c.to_dict() for c in self.citations],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "passages": [p.to_dict() for p in self.passages],
            "timings": self.timings,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The inverse of ``to_dict``: an answer saved as JSON (a conversation's turn) made whole again.
        Unknown keys are ignored and missing optional ones take their defaults, so an answer saved by
        another version of the assistant still loads."""
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values["text"] = data["answer"]
        values["citations"] = [Citation.from_dict(c) for c in data.get("citations", [])]
        values["conflicts"] = [Citation.from_dict(c) for c in data.get("conflicts", [])]
        values["passages"] = [Passage.from_dict(p) for p in data.get("passages", [])]
        return cls(**values)


@dataclass
class PageImage:
    """One page of a document drawn as a PNG with a quote marked on it (``Assistant.page_image``).

    ``boxes`` are the quote's rectangles, ``(left, top, right, bottom)`` in pixels of the image, one
    per line of text it spans; they are drawn on the image too. ``found`` is False when no quote was
    given or it is not on the page. ``ocr``: the page was read by OCR, and the boxes are its words'.
    ``stale``: the file (``source``) has changed since it was indexed; the page is drawn as it is now
    and nothing is marked, as the indexed text may no longer be where it was.
    """

    png: bytes
    width: int
    height: int
    page: int
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)
    ocr: bool = False
    found: bool = False
    stale: bool = False
    source: str = ""


@dataclass
class ChunkInfo:
    """One stored chunk of a document: what retrieval searches and citations point into (offsets into
    the document's text)."""

    chunk_id: int
    text: str
    start: int
    end: int
    page: int | None
    heading: str = ""


@dataclass
class DocumentInfo:
    """A document as the index lists it (for ``assistant info`` and the UI's documents tab)."""

    doc_id: str
    title: str
    sources: list[str]
    format: str
    pages: int
    chunks: int
    added_at: str
    sections: list[str] = field(default_factory=list)
    """The first section headings of the document, in order (none for documents without headings)."""


@dataclass
class SkippedFile:
    path: str
    reason: str


@dataclass
class IngestReport:
    """Summary of one ingest run."""

    files_seen: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    documents_added: int = 0
    documents_removed: int = 0
    sources_added: int = 0
    sources_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    embeddings_computed: int = 0
    seconds: float = 0.0
    segments_merged: int = 0
    merge_seconds: float = 0.0
    notices: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.documents_added or self.documents_removed or self.sources_added or self.sources_removed)


# What ingest reads (tests/ingest/test_uploads.py checks it against the readers' own list).
UPLOAD_SUFFIXES = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
)
MB = 1 << 20


def size_text(n: int) -> str:
    """A byte count for people: ``size_text(262144) == '256 KB'``, ``size_text(20971520) == '20 MB'``."""
    if n < MB:
        return f"{n / 1024:.3g} KB"
    return f"{n / MB:.3g} MB"


@dataclass(frozen=True)
class UploadLimits:
    """What one upload (through the UI or the API) may contain; ``Assistant.upload_limits`` gives the
    configured ones."""

    max_files: int = 20
    max_file_bytes: int = 20 * MB
    max_total_bytes: int = 100 * MB
    suffixes: frozenset[str] = UPLOAD_SUFFIXES

    def describe(self) -> str:
        """One line for people, e.g. "Up to 20 files, 20 MB each, 100 MB in all: .docx, .htm ..."."""
        return (
            f"Up to {self.max_files} files, {size_text(self.max_file_bytes)} each, "
            f"{size_text(self.max_total_bytes)} in all: {', '.join(sorted(self.suffixes))}"
        )


@dataclass(frozen=True)
class RejectedUpload:
    name: str
    reason: str


@dataclass(frozen=True)
class RenamedUpload:
    """An upload stored under another name because a different file already had its name."""

    name: str
    stored_as: str


@dataclass
class UploadResult:
    """What ``Assistant.store_uploads`` did with each file: stored (``accepted``) or refused, and why."""

    accepted: list[Path] = field(default_factory=list)
    rejected: list[RejectedUpload] = field(default_factory=list)
    renamed: list[RenamedUpload] = field(default_factory=list)
    # The accepted files this upload created; an identical file already there is accepted, not new.
    created: list[Path] = field(default_factory=list)
