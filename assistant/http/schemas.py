"""The API's request and response bodies, as pydantic models: they validate what comes in and make
the OpenAPI schema (``/openapi.json``) say exactly what goes out.

The answer's shape is ``Answer.to_dict`` (the CLI's ``--json``); these models describe it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..settings import MAX_TOP_K, RetrievalMode


class _Out(BaseModel):
    # A score can be NaN (a chunk without sentences has no sentence score); JSON has no NaN.
    model_config = ConfigDict(ser_json_inf_nan="null")


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str


DOCUMENTS_DESCRIPTION = (
    "Answer from these documents only, each named by its id (or 8+ first characters), title, file or folder "
    "path; a name that matches none, or a title or prefix that matches several, is refused (400)."
)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="The question; the server's max_question_chars limit applies.")
    history: list[Message] = Field(default_factory=list, description="The chat so far, oldest first, for follow-ups.")
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="Passages to retrieve (default: the setting).")
    mode: RetrievalMode | None = Field(None, description="Retrieval mode (default: the setting).")
    answerer: str | None = Field(None, description="A registered answerer (GET /v1/info lists them).")
    documents: list[str] | None = Field(None, description=DOCUMENTS_DESCRIPTION)
    stream: bool = Field(False, description="Answer as Server-Sent Events: delta..., answer, done.")


class CitationOut(_Out):
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
    score: float | None
    fused_score: float | None
    dense_rank: int | None = None
    bm25_rank: int | None = None
    heading: str = ""
    ocr: bool = Field(False, description="The quote's page was read by OCR (a scan): its text may hold misreadings.")
    ocr_confidence: float | None = Field(None, description="That page's mean OCR confidence, 0-100.")


class PassageOut(_Out):
    chunk_id: int
    doc_id: str
    source: str
    title: str
    page: int | None
    text: str
    start: int
    end: int
    fused_score: float | None
    dense_rank: int | None = None
    dense_score: float | None = None
    sentence_score: float | None = None
    bm25_rank: int | None = None
    bm25_score: float | None = None
    heading: str = ""
    ocr: bool = Field(False, description="The passage's page was read by OCR (a scan).")
    ocr_confidence: float | None = Field(None, description="That page's mean OCR confidence, 0-100.")


class AnswerOut(_Out):
    question: str
    answer: str = Field(description="The answer with [n] markers, or why the documents cannot answer.")
    found: bool = Field(description="False when the documents do not support an answer (an abstention).")
    confidence: float | None
    answerer: str
    retrieval_query: str
    citations: list[CitationOut]
    conflicts: list[CitationOut]
    passages: list[PassageOut]
    timings: dict[str, float | None]


class DeltaEvent(BaseModel):
    """The data of a ``delta`` event of a streamed answer: text as the answerer writes it."""

    text: str


def event_stream(*events: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI content of a ``text/event-stream`` response whose every event is one of ``events``
    (``itemSchema``: the schema of one event, ``{"event", "data"}``)."""
    return {"text/event-stream": {"itemSchema": {"oneOf": list(events)}}}


def json_event(schema: str, event: str = "message") -> dict[str, Any]:
    """An event named ``event`` whose data is JSON of the component ``schema``."""
    data = {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": {"$ref": f"#/components/schemas/{schema}"},
    }
    return {"type": "object", "properties": {"event": {"const": event}, "data": data}, "required": ["event", "data"]}


def fixed_event(data: str, event: str = "message") -> dict[str, Any]:
    """An event named ``event`` whose data is always ``data``."""
    return {
        "type": "object",
        "properties": {"event": {"const": event}, "data": {"const": data}},
        "required": ["event", "data"],
    }


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    sources: list[str]
    format: str
    pages: int
    chunks: int
    added_at: str
    sections: list[str]


class PageOut(BaseModel):
    page: int
    start: int
    end: int


class ChunkOut(BaseModel):
    """A chunk as indexed: ``start``/``end`` locate it in the document's ``text``."""

    chunk_id: int
    text: str
    start: int
    end: int
    page: int | None
    heading: str


class DocumentDetail(DocumentOut):
    """A document as the index read it: the offsets of citations, pages and chunks are into ``text``."""

    text: str
    page_spans: list[PageOut]
    chunk_spans: list[ChunkOut]


class SkippedOut(BaseModel):
    name: str
    reason: str


class RenamedOut(BaseModel):
    name: str
    stored_as: str


class IngestOut(BaseModel):
    files_seen: int
    files_read: int
    files_unchanged: int
    skipped: list[SkippedOut] = Field(description="Files that could not be indexed, and why.")
    documents_added: int
    documents_removed: int
    sources_added: int
    sources_removed: int
    chunks_added: int
    chunks_removed: int
    seconds: float
    notices: list[str]


class UploadOut(BaseModel):
    indexed: IngestOut
    rejected: list[SkippedOut] = Field(description="Uploads refused before indexing (type, size, count).")
    renamed: list[RenamedOut] = Field(description="Uploads stored under another name: a different file had theirs.")


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, description="A file or folder on the server, inside an --allow-ingest folder.")


class RemovedOut(BaseModel):
    documents_removed: int
    chunks_removed: int


class PageImageOut(BaseModel):
    """A drawn page without its pixels (``Accept: application/json``): where the quote was marked."""

    doc_id: str
    page: int = Field(description="The page drawn, 1-based (a one-page document's own page for page.png).")
    width: int = Field(description="The PNG's size in pixels.")
    height: int
    # Lists of four, not tuples: schemathesis misreads the ``prefixItems`` of a tuple's schema.
    boxes: list[Annotated[list[int], Field(min_length=4, max_length=4)]] = Field(
        description="The quote's rectangles, [left, top, right, bottom] in the PNG's pixels, one per line."
    )
    found: bool = Field(description="The quote was found and marked (False without a quote).")
    ocr: bool = Field(description="The page was read by OCR (a scan): the boxes are its words'.")
    stale: bool = Field(description="The file changed since it was indexed: drawn as it is now, nothing marked.")


class InfoOut(BaseModel):
    version: str
    index_dir: str
    generation: str
    documents: int
    sources: int
    chunks: int
    sentences: int
    size_bytes: int
    updated_at: str | None
    embedding_model: dict[str, Any]
    answerer: str = Field(description="The default answerer.")
    answerers: list[str]
    segments: list[dict[str, Any]]
    repaired: str | None


class Health(BaseModel):
    status: Literal["ok"]
