"""The answering service: a question in, an answer with citations (or an abstention) out.

Four stages, each a class with one ``run``: ``QueryBuilder`` (the question and, for a follow-up, its
standalone form, embedded), ``HybridRetriever`` (ranked passages), ``CandidateCollector`` (their
quotable sentences) and the answerer (``Answerer``, ``StreamingAnswerer`` when it writes as it goes).

    >>> qa = QAService(settings, embedder, library)
    >>> answer = qa.ask("What did the interior minister claim?")
    >>> request = qa.prepare("What did he claim?", history=[...])   # everything before answering
    >>> qa.ask("Who chairs it?", documents=[doc_id])                # within these documents only

A question restricted to some documents (``documents``: their ids) is retrieved from their chunks
alone, so it cites nothing else and abstains when they do not answer it, whatever other documents say.
Streamed text comes without citation markers; the final ``Answer`` brings them, settled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

from ..answer.base import Answerer, AnswerRequest, StreamingAnswerer
from ..answer.candidates import CandidateCollector
from ..answer.markers import without_markers
from ..answer.registry import available_answerers, make_answerer
from ..embedding import Embedder
from ..errors import DocumentScopeError, InvalidQuestionError
from ..retrieve.followup import normalize_history, recent_history
from ..retrieve.hybrid import HybridRetriever
from ..retrieve.query import Condenser, QueryBuilder
from ..settings import MAX_TOP_K, RETRIEVAL_MODES, RetrievalMode, Settings
from ..store.protocols import IndexView
from ..store.scope import Scope
from ..types import Answer, Passage
from .library import Library
from .pages import mark_ocr


class QAService:
    def __init__(self, settings: Settings, embedder: Embedder, library: Library) -> None:
        self.settings = settings
        self.library = library
        self.queries = QueryBuilder(settings.retrieval, embedder)
        self.retriever = HybridRetriever(settings.retrieval)
        self.candidates = CandidateCollector(settings.answering)
        self.answerer: Answerer = make_answerer(settings)
        self._answerers: dict[str, Answerer] = {settings.answerer: self.answerer}
        self._answerers_lock = threading.Lock()

    @staticmethod
    def answerers() -> list[str]:
        """The answerers that can be chosen per question (``ask(..., answerer=NAME)``)."""
        return available_answerers()

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
        return top_k, mode  # type: ignore[return-value]  # checked against RETRIEVAL_MODES above

    @staticmethod
    def _validate_documents(documents: Sequence[str] | None) -> list[str] | None:
        if documents is None:
            return None
        if isinstance(documents, (str, bytes)):
            raise DocumentScopeError(f"documents must be a list of document ids, not one {type(documents).__name__}.")
        ids = list(documents)
        if not all(isinstance(d, str) for d in ids):
            raise DocumentScopeError("documents must be a list of document ids (strings).")
        if not ids:
            raise DocumentScopeError(
                "The list of documents to search is empty: name at least one, or leave it out to search them all."
            )
        return list(dict.fromkeys(ids))

    @staticmethod
    def _scope(view: IndexView, doc_ids: list[str]) -> Scope:
        """The scope of these documents, as the view holds them; an id it lacks is refused, never ignored
        (a question meant for one document must not be answered from all of them)."""
        found = view.text.document_chunk_ids(doc_ids)
        unknown = [d for d in doc_ids if d not in found]
        if unknown:
            raise DocumentScopeError(
                f"Unknown document id{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}: no indexed "
                "document has it (Assistant.resolve_documents finds ids by title, path or id prefix)."
            )
        return Scope.of({d: found[d] for d in doc_ids})

    def prepare(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        answerer: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> AnswerRequest:
        """Everything before answering: validation, the queries, retrieval, candidate sentences.

        The result is what an answerer receives; custom answerers and calibration scripts start here.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        question = self._validate(question)
        top_k, mode = self._validate_options(top_k, mode)
        doc_ids = self._validate_documents(documents)
        messages = recent_history(
            normalize_history(history), self.settings.max_history_turns, self.settings.max_history_chars
        )
        chosen = self.answerer_for(answerer)
        plan = self.queries.run(question, messages, chosen if isinstance(chosen, Condenser) else None)
        timings["embed"] = time.perf_counter() - started
        with self.library.reading() as view:
            t = time.perf_counter()
            scope = self._scope(view, doc_ids) if doc_ids is not None else None
            passages = self.retriever.retrieve(view, plan.queries, top_k=top_k, mode=mode, scope=scope)
            mark_ocr(view.text, passages)
            timings["retrieve"] = time.perf_counter() - t
            t = time.perf_counter()
            candidates = self.candidates.run(view.text, passages)
            timings["candidates"] = time.perf_counter() - t
        return AnswerRequest(
            question=question,
            retrieval_query=plan.retrieval_query,
            query_vectors=plan.vectors,
            passages=passages,
            candidates=candidates,
            history=messages,
            timings=timings,
        )

    def ask(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        answerer: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> Answer:
        *_, answer = self.ask_stream(question, history, top_k, mode, answerer, documents)
        assert isinstance(answer, Answer)
        return answer

    def ask_stream(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        answerer: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        started = time.perf_counter()
        request = self.prepare(question, history, top_k, mode, answerer, documents)
        t = time.perf_counter()
        chosen = self.answerer_for(answerer)
        items = chosen.stream(request) if isinstance(chosen, StreamingAnswerer) else [chosen.answer(request)]
        for item in without_markers(items):
            if isinstance(item, Answer):
                item.timings["answer"] = time.perf_counter() - t
                item.timings["total"] = time.perf_counter() - started
            yield item

    def retrieve(
        self,
        question: str,
        history: list | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> list[Passage]:
        return self.prepare(question, history, top_k, mode, documents=documents).passages
