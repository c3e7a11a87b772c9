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
from .embedding import Embedder, load_embedder
from .ingest.pipeline import ProgressCallback
from .ingest.uploads import store_uploads
from .services import Library, QAService
from .services.uploads import ingest_uploads
from .settings import Settings
from .store.index import Repaired
from .store.protocols import IndexView, Store
from .types import MB, Answer, ChunkInfo, Document, DocumentInfo, IngestReport, Passage, UploadLimits, UploadResult


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
    ) -> AnswerRequest:
        return self.qa.prepare(question, history, top_k, mode, answerer)

    def ask(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        answerer: str | None = None,
    ) -> Answer:
        """Answer ``question`` from the documents, with citations, or abstain (``found=False``).

        ``history`` is the chat so far, as ``{"role", "content"}`` messages or ``(user, assistant)``
        pairs; ``top_k``, ``mode`` and ``answerer`` (a registered name, e.g. "local-llm") override
        the settings for this call only.
        """
        return self.qa.ask(question, history, top_k, mode, answerer)

    def ask_stream(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        answerer: str | None = None,
    ) -> Iterator[str | Answer]:
        """Like ``ask``, but yields text as the answerer writes it, then the final ``Answer``, whose text
        (verified sentences, renumbered markers) replaces the streamed draft. The extractive answerer
        yields its whole answer at once."""
        return self.qa.ask_stream(question, history, top_k, mode, answerer)

    def retrieve(
        self, question: str, history: list | None = None, top_k: int | None = None, mode: str | None = None
    ) -> list[Passage]:
        """Ranked passages only, without answering (for retrieval benchmarks and search UIs)."""
        return self.qa.retrieve(question, history, top_k, mode)


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
