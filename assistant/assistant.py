"""The public QA API that the CLI, the UI and the evaluation all use.

>>> from assistant import Assistant
>>> assistant = Assistant.open("index")
>>> answer = assistant.ask("What did the interior minister claim?")
>>> answer.found, answer.citations[0].quote
(True, 'Meanwhile, Minister of Interior Sar Sokha maintained that ...')
>>> assistant.ask("What did he say about foreign criminals?", history=[...])
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from .answer.base import Answerer, AnswerRequest
from .conversations import ConversationStore, conversations_path
from .embedding import Embedder, load_embedder
from .errors import DocumentNotFoundError
from .ingest.pipeline import ProgressCallback
from .ingest.uploads import store_uploads
from .services import Library, QAService
from .services.pages import DEFAULT_WIDTH as DEFAULT_PAGE_WIDTH
from .services.pages import page_image
from .services.uploads import ingest_uploads
from .settings import Settings
from .store.index import Repaired
from .store.protocols import IndexView, Store
from .types import (
    MB,
    Answer,
    ChunkInfo,
    Document,
    DocumentInfo,
    IngestReport,
    PageImage,
    Passage,
    UploadLimits,
    UploadResult,
)


class Assistant:
    """Question answering over one index directory: the public API, one object over the two services
    (``library`` for the index, ``qa`` for answering). Thread-safe: many chats may ask at once while
    an ingest runs; each question sees one whole generation of the index."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or load_embedder(settings)
        self.library = Library(settings, self.embedder)
        self.qa = QAService(settings, self.embedder, self.library)

    @classmethod
    def open(cls, index_dir: str | Path | None = None, create: bool = False, **overrides) -> Assistant:
        """Open the index at ``index_dir`` (default: ``Settings().index_dir``) with setting overrides.

        With ``create=True`` a missing index is fine (it is created by the first ``ingest``);
        otherwise it raises ``IndexNotFoundError``. A model mismatch raises ``IndexMismatchError``.
        """
        if index_dir is not None:
            overrides["index_dir"] = Path(index_dir)
        assistant = cls(Settings(**overrides))
        if not create:
            # Opened now, so that a missing or mismatched index is reported here; an ingest (``create``)
            # checks for itself, and rebuilds an index of an older layout or the other backend.
            assistant.view()
        return assistant

    # -- the index ---------------------------------------------------------------------------------

    @property
    def index(self) -> Store:
        return self.library.store

    @property
    def repaired(self) -> Repaired | None:
        """Set when opening found a segment's files damaged and rebuilt them from the index database."""
        return self.library.repaired

    def view(self) -> IndexView:
        """The live index, to read chunks and documents directly (see ``Library.view``)."""
        return self.library.view()

    def compact(self) -> dict:
        return self.library.compact()

    def ingest(
        self,
        paths: Sequence[str | Path],
        prune: bool = False,
        progress: ProgressCallback | None = None,
        background: bool = False,
    ) -> IngestReport:
        return self.library.ingest(paths, prune, progress, background)

    def reindex(
        self, also: Sequence[str | Path] = (), progress: ProgressCallback | None = None, background: bool = False
    ) -> IngestReport:
        return self.library.reindex(also, progress, background)

    # -- uploads (the UI's Documents tab and the API take files the same way) ---------------------

    @property
    def upload_dir(self) -> Path:
        """Where uploads are kept, so that a re-index finds them: ``<index_dir>/uploads``."""
        return Path(self.settings.index_dir) / "uploads"

    @property
    def upload_limits(self) -> UploadLimits:
        ui = self.settings.ui
        return UploadLimits(
            max_files=ui.max_upload_files,
            max_file_bytes=int(ui.max_upload_mb * MB),
            max_total_bytes=int(ui.max_upload_total_mb * MB),
        )

    def store_uploads(
        self,
        files: Sequence[str | Path],
        names: Sequence[str] | None = None,
        upload_dir: Path | None = None,
        limits: UploadLimits | None = None,
    ) -> UploadResult:
        """Check uploaded files (type, size, count; ``names`` are the names their sender gave) and copy
        the accepted ones into ``upload_dir`` (default ``upload_dir``) under safe names; each refused
        one is listed with the reason. Index them with ``ingest_uploads``."""
        return store_uploads(files, upload_dir or self.upload_dir, limits or self.upload_limits, names)

    def ingest_uploads(
        self, stored: UploadResult, progress: ProgressCallback | None = None, background: bool = False
    ) -> IngestReport:
        """Index what ``store_uploads`` accepted. If the ingest fails, the files it stored are deleted
        again; files that could not be read are deleted too, so a re-index does not retry them."""
        return ingest_uploads(self.library, stored, progress, background)

    def remove(self, target: str, delete_from: str | Path | None = None) -> IngestReport:
        return self.library.remove(target, delete_from)

    def documents(self) -> list[DocumentInfo]:
        return self.library.documents()

    def document(self, doc_id: str) -> Document | None:
        return self.library.document(doc_id)

    def page_image(
        self, doc_id: str, page: int | None = None, quote: str | None = None, width_px: int = DEFAULT_PAGE_WIDTH
    ) -> PageImage:
        """Page ``page`` of a PDF or image document as a PNG about ``width_px`` wide, with ``quote`` (a
        citation's) marked on it: what a citation's page and quote point at. ``page`` None is a one-page
        document's page, as its citations name none. Raises ``DocumentNotFoundError`` for an unknown id
        and ``PageImageError`` when the page cannot be drawn (a text document, no such page, the file
        gone); a file changed since it was indexed is drawn with nothing marked (``stale``)."""
        document = self.library.document(doc_id)
        if document is None:
            raise DocumentNotFoundError(f"No indexed document has the id {doc_id!r}")
        return page_image(document, Path(document.path), page, quote, width_px=width_px)

    def resolve_documents(self, names: Sequence[str]) -> list[str]:
        """The ids of the documents ``names`` name, to pass as ``ask(..., documents=...)``: each name is a
        document id or an id prefix (8+ characters), a title (any case), a file path, or a folder path
        (every document with a file under it). A name that matches nothing, or a title or prefix that
        matches several documents, raises ``DocumentScopeError`` naming it."""
        return self.library.resolve_documents(names)

    def document_text(self, doc_id: str) -> str:
        return self.library.document_text(doc_id)

    def chunks(self, doc_id: str) -> list[ChunkInfo]:
        """The document's chunks as indexed, in document order (none for an unknown id)."""
        return self.library.chunks(doc_id)

    def info(self) -> dict:
        return {**self.library.info(), "answerer": self.qa.answerer.name}

    # -- answering ---------------------------------------------------------------------------------

    @property
    def answerer(self) -> Answerer:
        """The default answerer; assigning one (a wrapper that records, say) makes it the default."""
        return self.qa.answerer

    @answerer.setter
    def answerer(self, answerer: Answerer) -> None:
        self.qa.answerer = answerer

    def answerers(self) -> list[str]:
        return self.qa.answerers()

    def answerer_for(self, name: str | None = None) -> Answerer:
        return self.qa.answerer_for(name)

    def prepare(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        answerer: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> AnswerRequest:
        return self.qa.prepare(question, history, top_k, mode, answerer, documents)

    def ask(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        answerer: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> Answer:
        """Answer ``question`` from the documents, with citations, or abstain (``found=False``).

        ``history`` is the chat so far, as ``{"role", "content"}`` messages or ``(user, assistant)``
        pairs; ``top_k``, ``mode`` and ``answerer`` (a registered name, e.g. "local-llm") override
        the settings for this call only. ``documents`` (ids; ``resolve_documents`` finds them by name)
        restricts the question to those documents: it is answered from them alone, or abstains. An
        empty list or an unknown id raises ``DocumentScopeError``.
        """
        return self.qa.ask(question, history, top_k, mode, answerer, documents)

    def ask_stream(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        answerer: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Like ``ask``, but yields text as the answerer writes it, then the final ``Answer``, whose text
        (verified sentences, with their citation markers) replaces the streamed draft. The draft comes
        without markers, so that none changes number when the answer settles. The extractive answerer
        yields its whole answer at once."""
        return self.qa.ask_stream(question, history, top_k, mode, answerer, documents)

    def retrieve(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> list[Passage]:
        """Ranked passages only, without answering (for retrieval benchmarks and search UIs)."""
        return self.qa.retrieve(question, history, top_k, mode, documents)

    @property
    def conversations(self) -> ConversationStore:
        """Saved chats and the feedback on their answers, per user, in
        ``<index_dir>/conversations.sqlite`` (created on first use). With the PostgreSQL backend
        (``store``) the index is on the server but the conversations still live in that local file,
        so each server that shares the index keeps its own."""
        # setdefault is atomic, so threads that race here all get the one store; a store that loses the
        # race is dropped unused (it opens its file only when called).
        store: ConversationStore = vars(self).setdefault(
            "_conversations", ConversationStore(conversations_path(self.settings.index_dir))
        )
        return store


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    """The assistant over the default index, built from ``seeds/`` the first time it is needed."""
    global _default
    with _default_lock:
        if _default is None:
            assistant = Assistant(Settings())
            if not assistant.index.exists():
                assistant.ingest([assistant.settings.seeds_dir])
            _default = assistant
        return _default


def ask(question: str, history: list | None = None) -> Answer:
    """Ask the default index (built from ``seeds/`` on first use)."""
    return default_assistant().ask(question, history)
