"""``assistant eval``: score the assistant on a JSON Lines question set and write a report.

Register on the CLI app with ``app.command("eval")(eval_command)``. Then::

    assistant eval seeds/questions.jsonl --docs seeds --out artifacts/eval --min-answer-match 0.6
    assistant eval --from-feedback --export feedback.jsonl

``--from-feedback`` takes the questions from the feedback people gave in the chat (the index's saved
conversations, see ``assistant.conversations.feedback``) instead of a file; with ``--export`` it
writes them as a question file and evaluates nothing.

Exit status: 0 when every given minimum is met, 1 when one is missed, 2 when the question file, the
feedback or the index cannot be used, or the ``eval`` extra (matplotlib, for the charts) is not installed.
"""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .console import console
from .conversations import ConversationStore, conversations_path, feedback_questions
from .errors import AssistantError
from .eval import (
    LOWER_IS_BETTER,
    METRIC_LABELS,
    SCORE_METRICS,
    EvalQuestion,
    QuestionFileError,
    QuestionResult,
    evaluate,
    load_questions,
    parse_questions,
)
from .settings import RETRIEVAL_MODES, Settings

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


def _from_feedback(index: Path | None, user: str | None, export: Path | None) -> list[EvalQuestion]:
    """The question set the index's saved feedback gives, checked as a question file would be; with
    ``export`` also written there. Exits 2 when there is none to use."""
    path = conversations_path(Settings().index_dir if index is None else index)
    if not path.is_file():
        _errors.print(f"[red]No saved conversations[/red] at {path}: the chat saves them there.", highlight=False)
        raise typer.Exit(2)
    found = feedback_questions(ConversationStore(path), user)
    if found.downvoted_uncorrected:
        _errors.print(
            f"{found.downvoted_uncorrected} down-voted answer(s) without a correction left out: nobody said "
            "what the right answer is.",
            highlight=False,
        )
    if not found.questions:
        whose = "" if user is None else f" of user {user!r}"
        _errors.print(
            f"[red]No usable feedback[/red]{whose} in {path}: mark answers right (thumbs up), or correct "
            "them with the quote that answers, in the chat first.",
            highlight=False,
        )
        raise typer.Exit(2)
    lines = [json.dumps(q, ensure_ascii=False) for q in found.questions]
    loaded = parse_questions(lines, name=f"feedback in {path}")
    if export is not None:
        export.parent.mkdir(parents=True, exist_ok=True)
        export.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        _console.print(f"Wrote {len(loaded)} questions from feedback to {export}", highlight=False)
    return loaded


def eval_command(
    questions: Annotated[
        Optional[Path], typer.Argument(help="JSON Lines question set (id, question, answers, source).")
    ] = None,
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
    from_feedback: Annotated[
        bool,
        typer.Option("--from-feedback", help="Ask the questions people rated or corrected in the chat, not a file's."),
    ] = False,
    user: Annotated[
        Optional[str], typer.Option("--user", help="With --from-feedback: only this user's feedback.")
    ] = None,
    export: Annotated[
        Optional[Path],
        typer.Option("--export", help="With --from-feedback: write the questions to this .jsonl file and stop."),
    ] = None,
) -> None:
    """Run every question through the assistant, score the answers and write a report."""
    if mode is not None and mode not in RETRIEVAL_MODES:
        raise typer.BadParameter("must be hybrid, dense or bm25", param_hint="--mode")
    if from_feedback == (questions is not None):
        raise typer.BadParameter("give a question file or --from-feedback (one of the two)", param_hint="QUESTIONS")
    if not from_feedback and (user is not None or export is not None):
        raise typer.BadParameter("only with --from-feedback", param_hint="--user/--export")
    if from_feedback:
        try:
            loaded = _from_feedback(index, user, export)
        except AssistantError as exc:
            _errors.print(f"[red]Error:[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None
        if export is not None:
            return
    # The report's charts need matplotlib; say so now rather than after every question was asked.
    if find_spec("matplotlib") is None:
        _errors.print(
            "[red]Error:[/red] assistant eval needs the eval extra (matplotlib): pip install 'assistant\\[eval]'",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    if questions is not None:
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
