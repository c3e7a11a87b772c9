"""Run a question set through ``Assistant.ask`` and score every answer.

    >>> from assistant import Assistant
    >>> report = evaluate("seeds/questions.jsonl", assistant=Assistant.open("index"), out_dir="eval-out")
    >>> report.metrics["answer_match"], report.missed({"answer_match": 0.8})

``evaluate`` can also build a throw-away index from ``docs`` (files or folders), so a question set and
its documents are enough to measure the assistant.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AssistantError
from ..types import Answer
from . import metrics as m
from .questions import EvalQuestion, load_questions
from .report import write_report
from .results import EvalReport, QuestionResult

if TYPE_CHECKING:
    from ..assistant import Assistant

__all__ = [
    "EvalReport",
    "ProgressCallback",
    "QuestionResult",
    "evaluate",
    "run_questions",
    "score_answer",
    "summarize",
]

ProgressCallback = Callable[[int, int, QuestionResult], None]
"""Called as ``progress(done, total, result)`` after each question."""


def score_answer(question: EvalQuestion, answer: Answer, latency_s: float) -> QuestionResult:
    """Score one ``Answer`` against its gold question (pure: no model, no index)."""
    prediction = m.strip_markers(answer.text) if answer.found else ""
    cited = [c.source for c in sorted(answer.citations, key=lambda c: c.marker)]
    retrieved = [p.source for p in answer.passages]
    supported = sum(m.quote_supports(c.quote, question.answers) for c in answer.citations) if question.answers else 0
    source = question.source if question.answers else None
    return QuestionResult(
        id=question.id,
        question=question.question,
        answers=question.answers,
        source=question.source,
        has_history=bool(question.history),
        found=answer.found,
        answer=answer.text,
        answer_match=m.answer_in_text(prediction, question.answers) if question.answers else None,
        f1=m.best_f1(prediction, question.answers) if question.answers else None,
        retrieved_rank=m.source_rank(source, retrieved) if source else None,
        cited_rank=m.source_rank(source, cited) if source else None,
        citations=len(answer.citations),
        citations_supported=supported,
        confidence=answer.confidence,
        answerer=answer.answerer,
        latency_s=latency_s,
        cited_sources=list(dict.fromkeys(cited)),
        retrieved_sources=list(dict.fromkeys(retrieved)),
    )


def _error_result(question: EvalQuestion, error: Exception, latency_s: float) -> QuestionResult:
    return QuestionResult(
        id=question.id,
        question=question.question,
        answers=question.answers,
        source=question.source,
        has_history=bool(question.history),
        found=False,
        answer="",
        answer_match=False if question.answers else None,
        f1=0.0 if question.answers else None,
        retrieved_rank=None,
        cited_rank=None,
        citations=0,
        citations_supported=0,
        confidence=0.0,
        answerer="",
        latency_s=latency_s,
        error=str(error),
    )


def summarize(results: Sequence[QuestionResult], k: int) -> tuple[dict[str, int], dict[str, float | None]]:
    """Counts and aggregate metrics over scored questions."""
    answerable = [r for r in results if r.answerable]
    sourced = [r for r in answerable if r.source]
    answered = [r for r in answerable if r.found and r.citations]
    abstention = m.abstention_scores((r.answerable, r.found) for r in results)
    latencies = [r.latency_s for r in results]
    n_citations = sum(r.citations for r in answered)
    counts = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(results) - len(answerable),
        "with_source": len(sourced),
        "with_history": sum(r.has_history for r in results),
        "errors": sum(r.error is not None for r in results),
        "failures": sum(r.failure is not None for r in results),
        "citations_checked": n_citations,
    }
    metrics: dict[str, float | None] = {
        "answer_match": m.mean(float(bool(r.answer_match)) for r in answerable),
        "token_f1": m.mean(r.f1 or 0.0 for r in answerable),
        "source_hit_at_k": m.mean(float(r.retrieved_rank is not None and r.retrieved_rank <= k) for r in sourced),
        "source_mrr": m.mean(1.0 / r.retrieved_rank if r.retrieved_rank else 0.0 for r in sourced),
        "cited_source_hit": m.mean(float(r.cited_rank is not None) for r in sourced),
        # Unlike cited_source_hit, refusals are left out, so quoting the wrong document is not
        # confounded with declining to answer.
        "cited_source": m.mean(float(r.cited_source_ok) for r in sourced if r.cited_source_ok is not None),
        "abstention_precision": abstention.precision,
        "abstention_recall": abstention.recall,
        "false_refusal_rate": abstention.false_refusal_rate,
        "citation_support": sum(r.citations_supported for r in answered) / n_citations if n_citations else None,
        "latency_p50_s": m.percentile(latencies, 50),
        "latency_p95_s": m.percentile(latencies, 95),
    }
    return counts, metrics


def run_questions(
    assistant: Assistant,
    questions: Sequence[EvalQuestion],
    *,
    top_k: int | None = None,
    mode: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[QuestionResult]:
    """Ask every question in turn; an ``AssistantError`` on one question is recorded, not raised."""
    results = []
    for done, question in enumerate(questions, start=1):
        started = time.perf_counter()
        try:
            answer = assistant.ask(question.question, history=question.history or None, top_k=top_k, mode=mode)
            result = score_answer(question, answer, time.perf_counter() - started)
        except AssistantError as exc:
            result = _error_result(question, exc, time.perf_counter() - started)
        results.append(result)
        if progress:
            progress(done, len(questions), result)
    return results


def evaluate(
    questions: str | Path | Sequence[EvalQuestion],
    *,
    assistant: Assistant | None = None,
    index_dir: str | Path | None = None,
    docs: str | Path | Sequence[str | Path] | None = None,
    out_dir: str | Path | None = None,
    top_k: int | None = None,
    mode: str | None = None,
    progress: ProgressCallback | None = None,
    **settings_overrides: Any,
) -> EvalReport:
    """Evaluate the assistant on a question set and, with ``out_dir``, write report.json/.md and charts.

    Give an open ``assistant``, or an ``index_dir`` to open, or ``docs`` to index first (into
    ``index_dir`` when given, else into a temporary index removed afterwards).
    ``settings_overrides`` go to ``Assistant.open`` (e.g. ``abstain_threshold=0.5``).
    """
    from ..assistant import Assistant

    if isinstance(docs, (str, Path)):
        docs = [docs]
    questions_file = None
    if isinstance(questions, (str, Path)):
        questions_file = str(questions)
        questions = load_questions(questions)
    temporary_index = assistant is None and bool(docs) and index_dir is None
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as scratch:
        if assistant is None:
            if temporary_index:
                index_dir = Path(scratch) / "index"
            assistant = Assistant.open(index_dir=index_dir, create=bool(docs), **settings_overrides)
        if docs:
            assistant.ingest([Path(d) for d in docs])
        results = run_questions(assistant, questions, top_k=top_k, mode=mode, progress=progress)
        settings = assistant.settings
        k = top_k or settings.top_k
        counts, metric_values = summarize(results, k)
        report = EvalReport(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            questions_file=questions_file,
            index_dir=None if temporary_index else str(settings.index_dir),
            settings={
                "retrieval_mode": mode or settings.retrieval_mode,
                "top_k": k,
                "answerer": settings.answerer,
                "abstain_threshold": settings.abstain_threshold,
                "fusion": settings.fusion,
                "dense_weight": settings.dense_weight,
                "bm25_weight": settings.bm25_weight,
                "sentence_weight": settings.sentence_weight,
                "embedding_model": settings.embedding_model_name,
            },
            k=k,
            counts=counts,
            metrics=metric_values,
            results=results,
        )
    if out_dir is not None:
        report.files = write_report(report, Path(out_dir))
    return report
