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
import time
from collections.abc import Iterator
from pathlib import Path

from .answer.base import Answerer, AnswerRequest, CandidateSentence
from .answer.registry import make_answerer
from .embedding import Embedder, load_embedder
from .errors import DocumentNotFoundError, IndexNotFoundError, InvalidQuestionError
from .ingest.isolation import ingest_in_child
from .ingest.pipeline import Ingestor, ProgressCallback
from .retrieve.followup import contextual_query, normalize_history, recent_history
from .retrieve.hybrid import HybridRetriever, Query
from .settings import MAX_TOP_K, RETRIEVAL_MODES, RetrievalMode, Settings
from .store.index import IndexDirectory, Restored, Snapshot
from .types import Answer, Document, DocumentInfo, IngestReport, Passage


class Assistant:
    """Question answering over one index directory. Thread-safe: many chats may ask at once while an
    ingest runs; each question sees one whole generation of the index."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or load_embedder(settings)
        self.index = IndexDirectory(settings.index_dir)
        self.retriever = HybridRetriever(settings)
        self.answerer = make_answerer(settings)
        self._answerers: dict[str, Answerer] = {settings.answerer: self.answerer}
        self._answerers_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._snapshot_lock = threading.Lock()
        # Set when opening found the live generation damaged and made an earlier one live again.
        self.restored: Restored | None = None

    @classmethod
    def open(cls, index_dir: str | Path | None = None, create: bool = False, **overrides) -> "Assistant":
        """Open the index at ``index_dir`` (default: ``Settings().index_dir``) with setting overrides.

        With ``create=True`` a missing index is fine (it is created by the first ``ingest``);
        otherwise it raises ``IndexNotFoundError``. A model mismatch raises ``IndexMismatchError``.
        """
        if index_dir is not None:
            overrides["index_dir"] = Path(index_dir)
        assistant = cls(Settings(**overrides))
        if assistant.index.exists() or not create:
            assistant.snapshot()
        return assistant

    def snapshot(self) -> Snapshot:
        """The live generation, reopened when an ingest (in any process) has switched it."""
        current = self.index.current()
        snap = self._snapshot
        if snap is not None and snap.name == current:
            return snap
        with self._snapshot_lock:
            if self._snapshot is None or self._snapshot.name != self.index.current():
                self._snapshot = self.index.open(self.embedder.identity)
                self.restored = self._snapshot.restored or self.restored
            return self._snapshot

    def answerer_for(self, name: str | None = None) -> Answerer:
        """The configured answerer, or the one registered as ``name`` (made on first use, then kept:
        a local model loads once)."""
        if name is None:
            return self.answerer
        with self._answerers_lock:
            if name not in self._answerers:
                self._answerers[name] = make_answerer(self.settings.model_copy(update={"answerer": name}))
            return self._answerers[name]

    def _validate(self, question: str) -> str:
        if isinstance(question, (bytes, bytearray)):
            raise InvalidQuestionError("The question must be text (str), not bytes; decode it first.")
        if not isinstance(question, str):
            raise InvalidQuestionError(f"The question must be text (str), not {type(question).__name__}.")
        if not question.strip():
            raise InvalidQuestionError("The question is empty; type a question about your documents.")
        try:
            question.encode("utf-8")
        except UnicodeEncodeError as exc:
            # Lone surrogates: what Python makes of bytes that were not UTF-8 (a mis-encoded terminal
            # argument, say); the tokenizer would fail on them with a TypeError.
            raise InvalidQuestionError(
                f"The question is not valid text: character {exc.start + 1} is an unpaired surrogate "
                "(was it typed in another encoding than UTF-8?)."
            ) from exc
        if len(question) > self.settings.max_question_chars:
            raise InvalidQuestionError(
                f"The question is {len(question):,} characters long; the limit is "
                f"{self.settings.max_question_chars:,} (ASSISTANT_MAX_QUESTION_CHARS). Ask a shorter question."
            )
        return question.strip()

    def _validate_options(self, top_k: int | None, mode: str | None) -> tuple[int, RetrievalMode | None]:
        """Per-call options, checked as strictly as the same settings are at ``open()``."""
        if top_k is None:
            top_k = self.settings.top_k
        elif isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
            raise InvalidQuestionError(f"top_k must be a whole number from 1 to {MAX_TOP_K}, not {top_k!r}.")
        if mode is not None and mode not in RETRIEVAL_MODES:
            raise InvalidQuestionError(f"mode must be one of {', '.join(RETRIEVAL_MODES)}, not {mode!r}.")
        return top_k, mode

    def prepare(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: RetrievalMode | None = None,
        answerer: str | None = None,
    ) -> AnswerRequest:
        """Everything before answering: validation, history-aware query, retrieval, candidate sentences.

        The result is what an answerer receives; custom answerers and calibration scripts start here.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        question = self._validate(question)
        top_k, mode = self._validate_options(top_k, mode)
        messages = recent_history(
            normalize_history(history), self.settings.max_history_turns, self.settings.max_history_chars
        )
        snapshot = self.snapshot()
        contextual = None
        condense = getattr(self.answerer_for(answerer), "condense", None)
        if condense is not None and messages:
            contextual = condense(question, messages)
        if contextual is None:
            contextual = contextual_query(question, messages, self.settings.followup_max_words)
        texts = [question] + ([contextual] if contextual else [])
        vectors = self.embedder.encode(texts)
        timings["embed"] = time.perf_counter() - started
        t = time.perf_counter()
        queries = [Query(text, vector) for text, vector in zip(texts, vectors)]
        passages = self.retriever.retrieve(snapshot, queries, top_k=top_k, mode=mode)
        timings["retrieve"] = time.perf_counter() - t
        t = time.perf_counter()
        quotable = passages[: self.settings.answer_passages]
        sentences = snapshot.text.chunk_sentences([p.chunk_id for p in quotable])
        candidates: list[CandidateSentence] = []
        seen: set[tuple[str, int]] = set()
        for rank, passage in enumerate(quotable):
            for s in sentences.get(passage.chunk_id, []):
                if not s.quotable or (s.doc_id, s.idx) in seen:
                    continue
                seen.add((s.doc_id, s.idx))
                text = passage.text[s.start - passage.start : s.end - passage.start]
                candidates.append(
                    CandidateSentence(passage, rank, s.doc_id, s.idx, s.start, s.end, text, s.vector, s.heading)
                )
        timings["candidates"] = time.perf_counter() - t
        request = AnswerRequest(
            question=question,
            retrieval_query=contextual or question,
            query_vectors=vectors,
            passages=passages,
            candidates=candidates,
            history=messages,
            timings=timings,
        )
        return request

    def ask(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: RetrievalMode | None = None,
        answerer: str | None = None,
    ) -> Answer:
        """Answer ``question`` from the documents, with citations, or abstain (``found=False``).

        ``history`` is the chat so far, as ``{"role", "content"}`` messages or ``(user, assistant)``
        pairs; ``top_k``, ``mode`` and ``answerer`` (a registered name, e.g. "local-llm") override
        the settings for this call only.
        """
        *_, answer = self.ask_stream(question, history, top_k, mode, answerer)
        return answer

    def ask_stream(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: RetrievalMode | None = None,
        answerer: str | None = None,
    ) -> Iterator[str | Answer]:
        """Like ``ask``, but yields text as the answerer writes it, then the final ``Answer``, whose text
        (verified sentences, renumbered markers) replaces the streamed draft. The extractive answerer
        yields its whole answer at once."""
        started = time.perf_counter()
        request = self.prepare(question, history, top_k, mode, answerer)
        t = time.perf_counter()
        chosen = self.answerer_for(answerer)
        stream = getattr(chosen, "stream", None)
        for item in stream(request) if stream else [chosen.answer(request)]:
            if isinstance(item, Answer):
                item.timings["answer"] = time.perf_counter() - t
                item.timings["total"] = time.perf_counter() - started
            yield item

    def retrieve(
        self, question: str, history: list | None = None, top_k: int | None = None, mode: RetrievalMode | None = None
    ) -> list[Passage]:
        """Ranked passages only, without answering (for retrieval benchmarks and search UIs)."""
        request = self.prepare(question, history, top_k, mode)
        return request.passages

    def ingest(
        self,
        paths: list[str | Path],
        prune: bool = False,
        progress: ProgressCallback | None = None,
        background: bool = False,
    ) -> IngestReport:
        """Add or update files and folders; unchanged files cost only a hash. See ``Ingestor.run``.

        ``background=True`` runs it in a child process at low CPU priority, with the same result: a
        server does so, so that one user's upload does not slow the questions of others.
        """
        targets = [Path(p) for p in paths]
        if background:
            report = ingest_in_child(self.settings, targets, prune, progress)
        else:
            report = Ingestor(self.settings, self.embedder).run(targets, self.index, prune, progress)
        if self.index.exists():
            self.snapshot()
        return report

    def remove(self, target: str) -> IngestReport:
        """Remove a document by id (or unique id prefix) or by its file path."""
        if not self.index.exists():
            raise IndexNotFoundError(f"No index at {self.index.root}; nothing to remove.")
        report = Ingestor(self.settings, self.embedder).remove(target, self.index)
        self.snapshot()
        return report

    def documents(self) -> list[DocumentInfo]:
        if not self.index.exists():
            return []
        return self.snapshot().text.documents()

    def document(self, doc_id: str) -> Document | None:
        return self.snapshot().text.document(doc_id) if self.index.exists() else None

    def document_text(self, doc_id: str) -> str:
        document = self.document(doc_id)
        if document is None:
            raise DocumentNotFoundError(f"No indexed document has the id {doc_id!r}")
        return document.text

    def info(self) -> dict:
        """Counts, model and size of the live index (for ``assistant info``)."""
        snap = self.snapshot()
        manifest = snap.manifest
        return {
            "index_dir": str(self.index.root),
            "generation": snap.name,
            "restored": self.restored.message() if self.restored else None,
            "documents": manifest.counts.get("documents", 0),
            "sources": manifest.counts.get("sources", 0),
            "chunks": manifest.counts.get("chunks", 0),
            "sentences": manifest.counts.get("sentences", 0),
            "embedding_model": manifest.embedding,
            "chunker": manifest.chunker,
            "format_version": manifest.format_version,
            "size_bytes": self.index.size_bytes(),
            "updated_at": manifest.updated_at,
            "answerer": self.answerer.name,
        }


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
