"""The Gradio app: a chat with cited, highlighted sources, documents and evaluation tabs, and
per-session settings.

Everything it knows about answering goes through the public ``Assistant`` API. Per-user state
(chat history, the answers' sources, top-k, retrieval mode) lives in ``gr.State``, which Gradio
keeps per browser session, so one user's settings never change another's.

Usage::

    from assistant import Assistant
    from ui.app import build_app, launch, mount
    demo = build_app(Assistant.open("index"))
    launch(demo, host="127.0.0.1", port=7860)          # blocks; block=False returns at once
    app = mount(demo, fastapi_app)                      # or: on an existing FastAPI app at "/"
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr  # ui/__init__.py has already turned gradio's analytics off
from fastapi import FastAPI

from assistant import Assistant, AssistantError
from assistant.settings import UISection
from assistant.types import MB, Answer, DocumentInfo, IngestReport, UploadLimits

from .evaluate import FAILURE_HEADERS, TOP_K_RANGE, EvalHandlers, example_copy
from .examples import examples_for
from .render import answer_html, answer_plain, esc, md_esc, sources_html

MODES = [("Hybrid (dense + BM25)", "hybrid"), ("Dense (MiniLM)", "dense"), ("BM25 (keywords)", "bm25")]
DOC_HEADERS = ["Name", "File", "Format", "Pages", "Chunks", "Added", "ID"]

ASSETS = Path(__file__).parent / "assets"


@dataclass(frozen=True)
class UiConfig:
    """Options of one app instance; ``upload_dir`` defaults to ``<index_dir>/uploads``."""

    upload_dir: Path | None = None
    limits: UploadLimits = UploadLimits()
    examples: Sequence[str] | None = None
    chat_concurrency: int = 8
    # Index uploads in a child process at low CPU priority, so one upload does not slow everyone's
    # questions; off, they are indexed in the serving process (a benchmark compares the two).
    ingest_in_background: bool = True

    @classmethod
    def of(cls, ui: UISection, **options: Any) -> UiConfig:
        """The options the settings' ``ui`` section gives, with ``options`` (e.g. ``examples``) on top."""
        limits = UploadLimits(
            max_files=ui.max_upload_files,
            max_file_bytes=int(ui.max_upload_mb * MB),
            max_total_bytes=int(ui.max_upload_total_mb * MB),
        )
        return cls(
            limits=limits, chat_concurrency=ui.chat_concurrency, ingest_in_background=ui.ingest_in_background, **options
        )


def _file_names(doc: DocumentInfo) -> str:
    return ", ".join(Path(s).name for s in doc.sources)


def _when(iso: str) -> str:
    """``2026-11-26T00:42:35+00:00`` -> ``2026-11-26 00:42``."""
    return iso.replace("T", " ")[:16]


def _bot(html: str) -> dict[str, str]:
    return {"role": "assistant", "content": html}


class ChatHandlers:
    """The event handlers, bound to one shared ``Assistant`` (which is thread-safe)."""

    def __init__(self, assistant: Assistant, config: UiConfig) -> None:
        self.assistant = assistant
        self.config = config
        self.upload_dir = config.upload_dir or assistant.upload_dir
        # A local model loads on its first question in that session's choice, then stays loaded.
        self.answerers = assistant.answerers()

    # -- chat -----------------------------------------------------------------------------------

    def _ask_kwargs(self, prefs: dict[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"top_k": int(prefs["top_k"]), "mode": prefs["mode"]}
        if len(self.answerers) > 1 and prefs.get("answerer"):
            kwargs["answerer"] = prefs["answerer"]
        return kwargs

    def _answers(self, question: str, history: list[dict[str, str]], prefs: dict[str, Any]) -> Iterator[str | Answer]:
        """Text deltas as the answerer writes them, then the final Answer."""
        yield from self.assistant.ask_stream(question, history, **self._ask_kwargs(prefs))

    def _doc_text(self, doc_id: str) -> str | None:
        try:
            return self.assistant.document_text(doc_id)
        except AssistantError:
            # Removed by another session since the answer was retrieved: show the passage alone.
            return None

    def chat(
        self,
        question: str,
        messages: list[dict[str, Any]],
        history: list[dict[str, str]],
        turns: list[dict[str, str]],
        prefs: dict[str, Any],
    ) -> Iterator[tuple[Any, ...]]:
        """Answer ``question``; yields (question box, chat, sources, history, turns, copy text)."""
        question = (question or "").strip()
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        turn = len(turns)
        messages = [
            *messages,
            {"role": "user", "content": esc(question)},
            _bot('<div class="answer pending">Searching your documents…</div>'),
        ]
        yield "", messages, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        answer: Answer | None = None
        partial = ""
        try:
            for item in self._answers(question, history, prefs):
                if isinstance(item, Answer):
                    answer = item
                else:
                    partial += item
                    messages[-1] = _bot(f'<div class="answer streaming">{esc(partial)}</div>')
                    yield gr.skip(), messages, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        except AssistantError as exc:
            messages[-1] = _bot(f'<div class="answer error">{esc(str(exc))}</div>')
            yield gr.skip(), messages, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        if answer is None:
            raise gr.Error("The answerer finished without an answer.")
        messages[-1] = _bot(answer_html(answer, turn))
        panel = sources_html(answer, turn, self._doc_text)
        history = [*history, {"role": "user", "content": question}, _bot(answer.text)]
        plain = answer_plain(answer)
        turns = [*turns, {"sources": panel, "plain": plain}]
        yield gr.skip(), messages, panel, history, turns, plain

    @staticmethod
    def select_turn(turns: list[dict[str, str]], evt: gr.SelectData) -> tuple[Any, Any]:
        """Show the sources of the answer the user clicked (each turn adds two messages)."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        turn = int(index) // 2
        if not 0 <= turn < len(turns):
            return gr.skip(), gr.skip()
        return turns[turn]["sources"], turns[turn]["plain"]

    @staticmethod
    def clear() -> tuple[Any, ...]:
        return [], sources_html(None, 0), [], [], ""

    # -- documents ------------------------------------------------------------------------------

    def document_rows(self) -> tuple[Any, Any]:
        """The documents table and the remove dropdown's choices."""
        docs = self.assistant.documents()
        rows = [[d.title, _file_names(d), d.format, d.pages, d.chunks, _when(d.added_at), d.doc_id[:12]] for d in docs]
        choices = [(f"{d.title} — {_file_names(d)} ({d.doc_id[:8]})", d.doc_id) for d in docs]
        return gr.update(value=rows or None), gr.update(choices=choices, value=None)

    def _progress_callback(self, progress: gr.Progress):
        def report(done: int, total: int, current: str) -> None:
            progress((done, max(total, 1)), desc=f"Indexing {current}", unit="files")

        return report

    def add_files(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Store the uploads safely, index them, and report what went in and what did not."""
        if not files:
            return ("Choose one or more files first.", *self.document_rows(), gr.skip())
        stored = self.assistant.store_uploads(files, upload_dir=self.upload_dir, limits=self.config.limits)
        lines = [f"- **{md_esc(r.name)}**: {md_esc(r.reason)}" for r in stored.rejected]
        report: IngestReport | None = None
        if stored.accepted:
            try:
                report = self.assistant.ingest_uploads(
                    stored, progress=self._progress_callback(progress), background=self.config.ingest_in_background
                )
            except AssistantError as exc:
                lines.append(f"- {md_esc(str(exc))}")
        if report is not None:
            for skipped in report.skipped:
                lines.append(f"- **{md_esc(Path(skipped.path).name)}**: {md_esc(skipped.reason)}")
        added = report.files_read if report else 0
        summary = f"Indexed {added} file(s)"
        if report is not None and report.files_unchanged:
            summary += f", {report.files_unchanged} already indexed"
        if lines:
            summary += ". Not indexed:\n" + "\n".join(lines)
        else:
            summary += "."
        indexed = {p.name for p in stored.accepted} - {Path(s.path).name for s in report.skipped} if report else set()
        kept_apart = [r for r in stored.renamed if r.stored_as in indexed]
        if kept_apart:
            summary += "\n\nKept apart from a different file of the same name already uploaded:\n" + "\n".join(
                f"- **{md_esc(r.name)}** is stored as **{md_esc(r.stored_as)}** (to replace the old one, "
                "remove it, then upload this again)"
                for r in kept_apart
            )
        if report is not None and report.notices:
            summary = "\n".join(md_esc(n) for n in report.notices) + "\n\n" + summary
        return (summary, *self.document_rows(), None)

    def remove_document(self, doc_id: str | None) -> tuple[Any, ...]:
        """Remove a document from the index, and its uploaded file so re-indexing keeps it gone."""
        if not doc_id:
            return ("Choose a document to remove.", *self.document_rows())
        info = next((d for d in self.assistant.documents() if d.doc_id == doc_id), None)
        try:
            self.assistant.remove(doc_id, delete_from=self.upload_dir)
        except AssistantError as exc:
            return (md_esc(str(exc)), *self.document_rows())
        name = info.title if info else doc_id[:12]
        return (f"Removed **{md_esc(name)}**.", *self.document_rows())

    def reindex(self, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Re-read every indexed file and the upload folder; files gone from disk are dropped."""
        try:
            report = self.assistant.reindex(
                also=[self.upload_dir] if self.upload_dir.is_dir() else [],
                progress=self._progress_callback(progress),
                background=self.config.ingest_in_background,
            )
        except AssistantError as exc:
            return (md_esc(str(exc)), *self.document_rows())
        notices = "".join(f"{md_esc(n)}\n\n" for n in report.notices)
        return (
            f"{notices}Re-indexed: {report.files_read} changed, {report.files_unchanged} unchanged, "
            f"{report.sources_removed} removed.",
            *self.document_rows(),
        )


def _css() -> str:
    return (ASSETS / "app.css").read_text(encoding="utf-8")


def _head() -> str:
    return f"<script>{(ASSETS / 'app.js').read_text(encoding='utf-8')}</script>"


def build_app(assistant: Assistant, config: UiConfig = UiConfig()) -> gr.Blocks:
    """The whole UI over ``assistant``; launch it with :func:`launch`."""
    h = ChatHandlers(assistant, config)
    ev = EvalHandlers(assistant)
    settings = assistant.settings
    default_prefs = {"top_k": settings.top_k, "mode": settings.retrieval_mode, "answerer": settings.answerer}
    examples = list(config.examples) if config.examples is not None else examples_for(assistant.documents())

    with gr.Blocks(title="Document assistant", analytics_enabled=False) as demo:
        prefs = gr.State(default_prefs)
        history = gr.State([])
        turns = gr.State([])
        gr.Markdown("## Ask your documents\nAnswers quote the documents, with a source for each claim.")
        with gr.Tab("Chat", id="chat-tab"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Chat",
                        elem_id="chat",
                        height=520,
                        # Per-message copy would copy the message's HTML; "Copy answer" copies text.
                        buttons=[],
                        placeholder="Ask a question about the indexed documents.",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            show_label=False,
                            placeholder="Ask a question…",
                            elem_id="question",
                            scale=5,
                            autofocus=True,
                        )
                        ask_button = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
                    with gr.Row():
                        clear_button = gr.Button("Clear chat", elem_id="clear", size="sm")
                        copy_button = gr.Button("Copy answer", elem_id="copy", size="sm")
                    if examples:
                        gr.Examples(examples=[[q] for q in examples], inputs=[question], label="Example questions")
                with gr.Column(scale=2, elem_id="sources-column"):
                    sources = gr.HTML(sources_html(None, 0), elem_id="sources")
            copy_text = gr.Textbox(visible="hidden", elem_id="copy-text")

        with gr.Tab("Documents", id="documents-tab"):
            docs_table = gr.Dataframe(headers=DOC_HEADERS, interactive=False, elem_id="documents", wrap=True)
            with gr.Row():
                with gr.Column():
                    upload = gr.File(
                        label="Add documents",
                        file_count="multiple",
                        file_types=sorted(config.limits.suffixes),
                        type="filepath",
                        elem_id="upload",
                    )
                    gr.Markdown(config.limits.describe(), elem_classes=["hint"])
                    add_button = gr.Button("Add to index", variant="primary", elem_id="add")
                with gr.Column():
                    # Custom values let API clients pass a doc id; remove_document checks it exists.
                    remove_choice = gr.Dropdown(
                        label="Document", choices=[], allow_custom_value=True, elem_id="remove-choice"
                    )
                    remove_button = gr.Button("Remove document", variant="stop", elem_id="remove")
                    reindex_button = gr.Button("Re-index all", elem_id="reindex")
            docs_status = gr.Markdown(elem_id="docs-status")

        with gr.Tab("Evaluate", id="evaluate-tab"):
            gr.Markdown(
                "Score the assistant on a question set, one JSON object a line: "
                '`{"id", "question", "answers": [...], "source"}`, with `answers: []` for a question '
                "the documents do not answer.",
                elem_classes=["hint"],
            )
            with gr.Row():
                with gr.Column():
                    eval_file = gr.File(
                        label="Question set (.jsonl)",
                        file_types=[".jsonl"],
                        type="filepath",
                        elem_id="eval-file",
                    )
                    example_button = gr.Button("Use the example questions", size="sm", elem_id="eval-example")
                with gr.Column():
                    eval_top_k = gr.Number(
                        label="Passages retrieved (top-k)",
                        value=settings.top_k,
                        minimum=TOP_K_RANGE[0],
                        maximum=TOP_K_RANGE[1],
                        precision=0,
                        elem_id="eval-top-k",
                    )
                    run_button = gr.Button("Run evaluation", variant="primary", elem_id="eval-run")
            eval_summary = gr.HTML(elem_id="eval-summary")
            eval_failures = gr.Dataframe(
                headers=FAILURE_HEADERS,
                interactive=False,
                wrap=True,
                column_widths=["10%", "30%", "20%", "25%", "15%"],
                label="Failed questions",
                elem_id="eval-failures",
            )
            eval_charts = gr.Gallery(
                label="Charts", columns=2, height="auto", object_fit="contain", elem_id="eval-charts"
            )
            eval_downloads = gr.File(label="Report", file_count="multiple", interactive=False, elem_id="eval-downloads")

        with gr.Tab("Settings", id="settings-tab"):
            gr.Markdown("These settings apply to this browser session only.")
            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages retrieved (top-k)", elem_id="top-k")
            mode = gr.Radio(MODES, value=settings.retrieval_mode, label="Retrieval mode", elem_id="mode")
            answerer = gr.Dropdown(
                h.answerers or [settings.answerer],
                value=settings.answerer,
                label="Answerer",
                info="extractive quotes sentences; local-llm writes an answer with the local model "
                "(loads on first use, about half a minute an answer on two cores); openai asks the "
                "configured server",
                visible=len(h.answerers) > 1,
                elem_id="answerer",
            )

        chat_io: dict[str, Any] = dict(
            fn=h.chat,
            inputs=[question, chatbot, history, turns, prefs],
            outputs=[question, chatbot, sources, history, turns, copy_text],
            concurrency_limit=config.chat_concurrency,
            concurrency_id="chat",
        )
        question.submit(api_name="chat", **chat_io)
        ask_button.click(api_visibility="private", **chat_io)
        chatbot.select(h.select_turn, inputs=[turns], outputs=[sources, copy_text], api_visibility="private")
        for clearing in (clear_button.click, chatbot.clear):
            clearing(h.clear, outputs=[chatbot, sources, history, turns, copy_text], api_visibility="private")
        # Runs in the browser only: the answer's plain text is already there, in copy_text.
        copy_button.click(
            None,
            inputs=[copy_text],
            js="(text) => { if (text) { navigator.clipboard.writeText(text); } }",
            api_visibility="private",
        )

        writes: dict[str, Any] = dict(concurrency_limit=1, concurrency_id="index-writes")
        add_button.click(
            h.add_files,
            inputs=[upload],
            outputs=[docs_status, docs_table, remove_choice, upload],
            api_name="add_documents",
            **writes,
        )
        remove_button.click(
            h.remove_document,
            inputs=[remove_choice],
            outputs=[docs_status, docs_table, remove_choice],
            api_name="remove_document",
            **writes,
        )
        reindex_button.click(h.reindex, outputs=[docs_status, docs_table, remove_choice], api_name="reindex", **writes)
        example_button.click(example_copy, outputs=[eval_file], api_visibility="private")
        # Its own queue, one run at a time: a long evaluation never waits on or holds up the chat.
        run_button.click(
            ev.run,
            inputs=[eval_file, eval_top_k],
            outputs=[eval_summary, eval_failures, eval_charts, eval_downloads],
            api_name="evaluate",
            concurrency_limit=1,
            concurrency_id="evaluate",
        )
        demo.load(h.document_rows, outputs=[docs_table, remove_choice], api_visibility="private")

        for component, key in ((top_k, "top_k"), (mode, "mode"), (answerer, "answerer")):
            component.change(
                lambda value, p, key=key: {**p, key: value},
                inputs=[component, prefs],
                outputs=[prefs],
                api_visibility="private",
            )
    return demo


def launch(
    demo: gr.Blocks,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: list[tuple[str, str]] | None = None,
    block: bool = True,
    limits: UploadLimits = UploadLimits(),
) -> None:
    """Serve ``demo``; with ``block=False`` it returns once the server is up (tests, notebooks)."""
    demo.queue(default_concurrency_limit=1)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        prevent_thread_lock=not block,
        share=False,
        quiet=True,
        max_file_size=limits.max_file_bytes,
        **_page_options(),
    )


def mount(
    demo: gr.Blocks,
    app: FastAPI,
    auth: list[tuple[str, str]] | None = None,
    limits: UploadLimits = UploadLimits(),
) -> FastAPI:
    """``demo`` served at ``/`` of ``app`` (the HTTP API), so that one server and port carry both;
    ``auth`` guards the UI only (the API has its keys)."""
    demo.queue(default_concurrency_limit=1)
    return gr.mount_gradio_app(app, demo, path="/", auth=auth, max_file_size=limits.max_file_bytes, **_page_options())


def _page_options() -> dict[str, Any]:
    """How the page looks and behaves, whether launched alone or mounted."""
    return dict(
        ssr_mode=False,
        show_error=True,
        css=_css(),
        head=_head(),
        theme=gr.themes.Soft(font=["ui-sans-serif", "system-ui", "sans-serif"]),
    )
