"""The ``assistant`` command: ingest files, ask questions, inspect the index.

$ assistant ingest docs/ --index my-index
$ assistant ask "What did the interior minister claim?" --index my-index --json
$ assistant info --index my-index
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .assistant import Assistant
from .console import console
from .errors import AssistantError
from .eval_cli import eval_command
from .settings import RETRIEVAL_MODES
from .types import Citation

app = typer.Typer(
    help="Grounded question answering over your own documents: every answer cited to a quoted span.",
    no_args_is_help=True,
    add_completion=False,
)
out = console()
err = console(stderr=True)
# The CLI prints what the library logs as warnings (a repaired index) itself, as notes.
logging.getLogger("assistant").addHandler(logging.NullHandler())

# Control characters, less tab and newline; Rich keeps ESC, so a file name could carry a sequence
# that recolours the terminal, rewrites its title or moves the cursor over earlier output.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """Text from documents or file names, safe to print: control characters made visible, Rich markup
    escaped."""
    return escape(_CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text))


IndexOption = Annotated[
    Optional[Path], typer.Option("--index", "-i", help="Index directory (default: ./index, or ASSISTANT_INDEX_DIR).")
]


def _fail(exc: Exception, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {shown(str(exc))}")
    return typer.Exit(code)


def _open(index: Path | None, **overrides) -> Assistant:
    """The assistant over ``index``, saying so when opening it repaired a damaged segment."""
    assistant = Assistant.open(index, **overrides)
    if assistant.repaired:
        err.print(f"[yellow]note[/] {shown(assistant.repaired.message())}")
    return assistant


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    index: IndexOption = None,
    prune: Annotated[bool, typer.Option(help="Remove documents whose files no longer exist.")] = False,
) -> None:
    """Index .txt, .md, .html, .pdf, .docx and scanned .png/.jpg/.tif files; unchanged files cost a hash."""
    try:
        assistant = _open(index, create=True)
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("Reading", total=None)

            def progress(done: int, total: int, name: str) -> None:
                bar.update(task, completed=done, total=total, description=shown(name[:40]))

            report = assistant.ingest(paths, prune=prune, progress=progress)
    except AssistantError as exc:
        raise _fail(exc) from None
    for notice in report.notices:
        err.print(f"[cyan]note[/] {shown(notice)}")
    for skipped in report.skipped:
        err.print(f"[yellow]skipped[/] {shown(skipped.path)}: {shown(skipped.reason)}")
    out.print(
        f"files read {report.files_read}, unchanged {report.files_unchanged}, skipped {len(report.skipped)}; "
        f"documents +{report.documents_added} -{report.documents_removed}; "
        f"chunks +{report.chunks_added} -{report.chunks_removed}; "
        f"embeddings {report.embeddings_computed}; {report.seconds:.1f} s"
    )
    if report.files_read + report.files_unchanged == 0 and not report.sources_removed:
        err.print("[bold red]Error:[/] nothing could be indexed from the given paths.")
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question.")],
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    top_k: Annotated[Optional[int], typer.Option("--top-k", min=1, max=100, help="Passages to retrieve.")] = None,
    mode: Annotated[Optional[str], typer.Option(help="hybrid, dense or bm25.")] = None,
    answerer: Annotated[
        Optional[str], typer.Option(help="extractive (default), local-llm or openai (see README).")
    ] = None,
    stream: Annotated[bool, typer.Option(help="Print a generative answer as it is written.")] = False,
    doc: Annotated[
        Optional[list[str]],
        typer.Option(
            "--doc",
            help="Ask only this document: its id (or 8+ first characters), title, file or folder path. Repeatable.",
        ),
    ] = None,
) -> None:
    """Answer a question from the indexed documents, with numbered, quoted sources."""
    if mode is not None and mode not in RETRIEVAL_MODES:
        raise _fail(ValueError(f"--mode must be one of {', '.join(RETRIEVAL_MODES)}"), 2)
    overrides = {"answerer": answerer} if answerer else {}
    try:
        assistant = _open(index, **overrides)
        documents = assistant.resolve_documents(doc) if doc else None
        if stream and not as_json:
            for item in assistant.ask_stream(question, top_k=top_k, mode=mode, documents=documents):
                if isinstance(item, str):
                    err.print(shown(item), end="", highlight=False)
                else:
                    answer = item
            err.print()
        else:
            answer = assistant.ask(question, top_k=top_k, mode=mode, documents=documents)
    except AssistantError as exc:
        raise _fail(exc) from None
    if as_json:
        sys.stdout.write(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    out.print(shown(answer.text), highlight=False)
    if answer.found:
        out.print("\n[bold]Sources[/]")
        for c in answer.citations:
            _print_source(c)
        if answer.conflicts:
            # "Differ", not "contradict": nothing here judges whether both claims can be true.
            others = "another document answers" if len(answer.conflicts) == 1 else "other documents answer"
            out.print(f"\n[bold yellow]Sources differ:[/] {others} this differently")
            for c in answer.conflicts:
                _print_source(c)
    elif answer.passages:
        out.print("\n[bold]Closest passages (related, but not an answer)[/]")
        for p in answer.passages[:3]:
            out.print(f"- {shown(Path(p.source).name)}: {shown(p.text[:160])}...", highlight=False)


def _print_source(c: Citation) -> None:
    page = f", page {c.page}" if c.page else ""
    page += f", {c.heading}" if c.heading else ""
    out.print(f"[{c.marker}] {shown(Path(c.source).name)}{shown(page)} (chunk {c.chunk_id}, score {c.score:.2f})")
    out.print(f'    "{shown(c.quote)}"', highlight=False)


@app.command()
def info(
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show the index: documents, chunks, embedding model, size on disk."""
    try:
        assistant = _open(index)
        details = assistant.info()
        documents = assistant.documents()
    except AssistantError as exc:
        raise _fail(exc) from None
    if as_json:
        details["document_list"] = [d.__dict__ for d in documents]
        sys.stdout.write(json.dumps(details, indent=2) + "\n")
        return
    model = details["embedding_model"]
    out.print(
        f"{details['index_dir']} ({details['generation']}): {details['documents']} documents, "
        f"{details['chunks']} chunks, {details['sentences']} sentences, "
        f"{len(details['segments'])} segment(s), {details['size_bytes'] / 1e6:.1f} MB; "
        f"model {model['name']} ({model['dimension']} dims, "
        f"{model.get('backend', 'sentence-transformers')}); "
        f"updated {details['updated_at']}"
    )
    table = Table("document", "id", "format", "pages", "chunks", "added")
    for d in documents:
        table.add_row(shown(d.title), d.doc_id[:12], d.format, str(d.pages), str(d.chunks), d.added_at)
    out.print(table)


@app.command()
def remove(
    target: Annotated[str, typer.Argument(help="Document id (or its first 8+ characters) or file path.")],
    index: IndexOption = None,
) -> None:
    """Remove a document from the index."""
    try:
        report = _open(index).remove(target)
    except AssistantError as exc:
        raise _fail(exc) from None
    out.print(f"removed {report.documents_removed} document(s), {report.chunks_removed} chunks")


@app.command()
def compact(index: IndexOption = None) -> None:
    """Merge the index's search segments into one and drop removed chunks for good. Ingests merge small
    segments as they go; this is for after large removals, or to build one approximate index over all."""
    try:
        details = _open(index).compact()
    except AssistantError as exc:
        raise _fail(exc) from None
    kinds = ", ".join(f"{s['name']} ({s['chunks']:,} chunks, {s['kind']})" for s in details["segments"]) or "none"
    out.print(f"{details['index_dir']} ({details['generation']}): segments {kinds}")


app.command("eval")(eval_command)

PLUGIN_GROUP = "assistant.commands"


def _unavailable(name: str, exc: Exception) -> Callable[[], None]:
    def command() -> None:
        raise _fail(RuntimeError(f"the {name!r} command could not be loaded: {type(exc).__name__}: {exc}"))

    return command


def add_plugin_commands(cli: typer.Typer, plugins: Iterable[EntryPoint]) -> None:
    """Register each entry point as the command of its name (the chat UI adds ``serve`` this way, so
    the core never imports the UI).

    A plugin that fails to load becomes a command that says why and exits 1: the other commands keep
    working, ``--help`` still lists it, and running it explains itself instead of "No such command".
    """
    for plugin in plugins:
        try:
            command = plugin.load()
        except Exception as exc:  # a plugin can fail in any way; it must not take the CLI down
            cli.command(
                plugin.name,
                help=f"(could not be loaded: {type(exc).__name__})",
                # Whatever options the real command takes, the reason is shown rather than a usage error.
                context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
            )(_unavailable(plugin.name, exc))
        else:
            cli.command(plugin.name)(command)


add_plugin_commands(app, entry_points(group=PLUGIN_GROUP))

if __name__ == "__main__":
    app()
