"""The Evaluate tab: run a question set through the app's assistant and show the report.

It goes through the public ``assistant.evaluate`` API against the same open ``Assistant`` the chat
uses, so it measures exactly what users get. Each run writes report.json, report.md and the charts
into a fresh temporary folder, from where Gradio serves them for download.

Usage::

    tab = EvalHandlers(assistant)
    view = tab.run(tab.corpus_questions(), top_k=None)   # the question set shipped with the corpus
    view.summary        # HTML: counts and the headline metrics
    view.failures       # DataFrame: one row per failed question
    view.charts, view.downloads
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

import gradio as gr
import pandas as pd

from assistant import Assistant, evaluate
from assistant.eval import (
    CITATION_SUPPORT_NOTE,
    LOWER_IS_BETTER,
    METRIC_LABELS,
    SCORE_METRICS,
    EvalReport,
    QuestionFileError,
    QuestionResult,
    corpus_question_files,
    load_questions,
)

from .render import esc

FAILURE_HEADERS = ["ID", "Question", "Expected", "Got", "Why"]
# The same bounds as `assistant eval --top-k`.
TOP_K_RANGE = (1, 100)
ERROR_STYLE = "color: #b91c1c"


class EvalView(NamedTuple):
    """The tab's outputs, in the order the Run button's event lists them."""

    summary: str
    failures: pd.DataFrame
    charts: list[tuple[str, str]] | None
    downloads: list[str] | None


def _value(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} s" if name.startswith("latency") else f"{value:.3f}"


def summary_html(report: EvalReport) -> str:
    """Counts, settings and every metric the report measured, labelled as in report.md."""
    c, s = report.counts, report.settings
    rows = "".join(
        f'<tr data-metric="{name}"><th>{esc(METRIC_LABELS[name].replace("@k", f"@{report.k}"))}</th>'
        f"<td>{_value(name, report.metrics[name])}</td></tr>"
        for name in (*SCORE_METRICS, *LOWER_IS_BETTER)
    )
    return (
        '<div class="eval-summary">'
        f"<p><b>{c['questions']} questions</b> ({c['answerable']} answerable, {c['unanswerable']} "
        f"unanswerable), <b>{c['failures']} failed</b>. Top-k {report.k}, "
        f"{esc(str(s['retrieval_mode']))} retrieval, {esc(str(s['answerer']))} answerer.</p>"
        f'<table class="eval-metrics">{rows}</table>'
        f"<details><summary>How citation support is measured</summary>{esc(CITATION_SUPPORT_NOTE)}</details>"
        "</div>"
    )


def _failure_row(r: QuestionResult) -> list[str]:
    expected = "; ".join(r.answers) if r.answers else "(unanswerable: should refuse)"
    got = r.answer if r.found else f"(refused) {r.answer}"
    return [r.id, r.question, expected, got, r.failure or ""]


def failures_frame(report: EvalReport) -> pd.DataFrame:
    # A DataFrame keeps its column headers even with no rows, unlike a bare list.
    return pd.DataFrame([_failure_row(r) for r in report.failures], columns=FAILURE_HEADERS)


def error_view(message: str) -> EvalView:
    """A message in place of the results; earlier results are cleared so they cannot be misread."""
    return EvalView(
        f'<div class="eval-error" style="{ERROR_STYLE}">{message}</div>',
        pd.DataFrame(columns=FAILURE_HEADERS),
        None,
        None,
    )


def question_file_error(name: str, exc: QuestionFileError) -> EvalView:
    """The bad lines, one per item; line 0 stands for the whole file (missing, empty, not UTF-8)."""
    items = "".join(f"<li>{esc(str(e) if e.line else e.message)}</li>" for e in exc.errors)
    return error_view(f"Invalid question file <b>{esc(name)}</b>:<ul>{items}</ul>")


def parse_top_k(value: float | None) -> int | None:
    """None (blank) keeps the assistant's own top-k; raises ValueError outside TOP_K_RANGE."""
    if value is None:
        return None
    low, high = TOP_K_RANGE
    # The range test comes first: it also rejects NaN and infinity, which int() cannot take.
    if not low <= value <= high or int(value) != value:
        raise ValueError(f"Top-k must be a whole number from {low} to {high}.")
    return int(value)


class EvalHandlers:
    """The tab's event handlers, over the app's shared ``Assistant``."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def corpus_questions(self) -> str | None:
        """A copy of the question set shipped with the indexed documents (``questions.jsonl`` beside
        them), or None with a warning when they ship none.

        Gradio serves only files under the working directory or the system's temp folder, and the
        corpus may lie anywhere, so the file is copied rather than handed over.
        """
        shipped = corpus_question_files(s for d in self.assistant.documents() for s in d.sources)
        if not shipped:
            gr.Warning("The indexed documents ship no question set (a questions.jsonl beside them).")
            return None
        folder = Path(tempfile.mkdtemp(prefix="assistant-eval-questions-"))
        return str(shutil.copy(shipped[0], folder / shipped[0].name))

    def run(self, questions_file: str | None, top_k: float | None, progress: gr.Progress = gr.Progress()) -> EvalView:
        """Evaluate on ``questions_file``; a bad file or top-k comes back as a message, not raised."""
        if not questions_file:
            return error_view("Choose a question file first, or use the example questions.")
        try:
            k = parse_top_k(top_k)
        except ValueError as exc:
            return error_view(esc(str(exc)))
        try:
            questions = load_questions(questions_file)
        except QuestionFileError as exc:
            return question_file_error(Path(questions_file).name, exc)

        def advance(done: int, total: int, result: QuestionResult) -> None:
            progress((done, total), desc=f"Asking {result.id}", unit="questions")

        progress((0, len(questions)), desc="Asking", unit="questions")
        out_dir = Path(tempfile.mkdtemp(prefix="assistant-eval-"))
        report = evaluate(questions, assistant=self.assistant, out_dir=out_dir, top_k=k, progress=advance)
        files = report.files
        return EvalView(
            summary_html(report),
            failures_frame(report),
            [(files["metrics_png"], "Scores"), (files["latency_png"], "Latency")],
            [files["json"], files["markdown"]],
        )
