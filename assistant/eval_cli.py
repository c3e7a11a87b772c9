"""``assistant eval``: score the assistant on a JSON Lines question set and write a report.

Register on the CLI app with ``app.command("eval")(eval_command)``. Then::

    assistant eval tests/questions/seed.jsonl --docs seeds --out artifacts/eval --min-answer-match 0.6

Exit status: 0 when every given minimum is met, 1 when one is missed, 2 when the question file or
the index cannot be used, or the ``eval`` extra (matplotlib, for the charts) is not installed.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .console import console
from .errors import AssistantError
from .eval import (
    LOWER_IS_BETTER,
    METRIC_LABELS,
    SCORE_METRICS,
    QuestionFileError,
    QuestionResult,
    evaluate,
    load_questions,
)
from .settings import RETRIEVAL_MODES

_console = console()
_errors = console(stderr=True)


def _summary_table(metrics: dict[str, float | None], k: int) -> Table:
    table = Table(title="Evaluation", show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name in (*SCORE_METRICS, *LOWER_IS_BETTER):
        value = metrics[name]
        shown = "n/a" if value is None else (f"{value:.2f} s" if name.startswith("latency") else f"{value:.3f}")
        table.add_row(METRIC_LABELS[name].replace("@k", f"@{k}"), shown)
    return table


def eval_command(
    questions: Annotated[Path, typer.Argument(help="JSON Lines question set (id, question, answers, source).")],
    index: Annotated[
        Optional[Path], typer.Option("--index", help="Index folder to ask (default: the configured index).")
    ] = None,
    docs: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--docs", help="Files or folders to index first (repeatable); without --index into a temporary index."
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for report.json, report.md and charts.")] = Path(
        "artifacts/eval"
    ),
    top_k: Annotated[
        Optional[int], typer.Option("--top-k", min=1, max=100, help="Passages retrieved per question.")
    ] = None,
    mode: Annotated[Optional[str], typer.Option("--mode", help="Retrieval mode: hybrid, dense or bm25.")] = None,
    answerer: Annotated[
        Optional[str], typer.Option("--answerer", help="extractive (default), local-llm or openai.")
    ] = None,
    min_answer_match: Annotated[Optional[float], typer.Option(help="Fail (exit 1) below this answer match.")] = None,
    min_abstention_precision: Annotated[
        Optional[float], typer.Option(help="Fail below this abstention precision.")
    ] = None,
    min_abstention_recall: Annotated[Optional[float], typer.Option(help="Fail below this abstention recall.")] = None,
    min_source_hit: Annotated[Optional[float], typer.Option(help="Fail below this source hit@k.")] = None,
    min_citation_support: Annotated[Optional[float], typer.Option(help="Fail below this citation support.")] = None,
    min_cited_source: Annotated[
        Optional[float], typer.Option(help="Fail below this share of answers citing the expected file.")
    ] = None,
) -> None:
    """Run every question through the assistant, score the answers and write a report."""
    if mode is not None and mode not in RETRIEVAL_MODES:
        raise typer.BadParameter("must be hybrid, dense or bm25", param_hint="--mode")
    # The report's charts need matplotlib; say so now rather than after every question was asked.
    if find_spec("matplotlib") is None:
        _errors.print(
            "[red]Error:[/red] assistant eval needs the eval extra (matplotlib): pip install 'assistant\\[eval]'",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    try:
        loaded = load_questions(questions)
    except QuestionFileError as exc:
        _errors.print(f"[red]Invalid question file[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None

    minimums = {
        name: value
        for name, value in (
            ("answer_match", min_answer_match),
            ("abstention_precision", min_abstention_precision),
            ("abstention_recall", min_abstention_recall),
            ("source_hit_at_k", min_source_hit),
            ("citation_support", min_citation_support),
            ("cited_source", min_cited_source),
        )
        if value is not None
    }
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=_errors, transient=True) as bar:
        task = bar.add_task("Asking", total=len(loaded))

        def advance(done: int, total: int, result: QuestionResult) -> None:
            bar.update(task, completed=done, description=f"Asking {result.id}")

        try:
            overrides: dict[str, Any] = {"answerer": answerer} if answerer else {}
            report = evaluate(
                loaded,
                index_dir=index,
                docs=docs,
                out_dir=out,
                top_k=top_k,
                mode=mode,
                progress=advance,
                **overrides,
            )
        except AssistantError as exc:
            _errors.print(f"[red]Error:[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None

    _console.print(_summary_table(report.metrics, report.k))
    c = report.counts
    _console.print(
        f"{c['questions']} questions, {c['failures']} failed. Report: {report.files['markdown']} "
        f"(JSON: {report.files['json']})",
        highlight=False,
    )
    misses = report.missed(minimums)
    for miss in misses:
        _errors.print(f"[red]Below threshold:[/red] {miss}", highlight=False)
    if misses:
        raise typer.Exit(1)
