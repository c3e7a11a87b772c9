"""The Gradio app: a chat with cited, highlighted sources (and the cited page itself), saved
conversations in a sidebar, answers scoped to chosen documents, feedback on answers, documents and
evaluation tabs, and per-session settings.

Everything it knows goes through the public ``Assistant`` API (handlers in ui/chat.py and
ui/documents.py; this module lays the page out and wires events). Per-session state (the open chat,
its sources, top-k, retrieval mode) lives in ``gr.State``, which Gradio keeps per browser session;
conversations are saved per user on the server, so they survive a reload and a restart.

Usage::

    from assistant import Assistant
    from ui.app import build_app, launch, mount
    demo = build_app(Assistant.open("index"))
    launch(demo, host="127.0.0.1", port=7860)          # blocks; block=False returns at once
    app = mount(demo, fastapi_app)                      # or: on an existing FastAPI app at "/"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr  # ui/__init__.py has already turned gradio's analytics off
from fastapi import FastAPI

from assistant import Assistant
from assistant.settings import UISection
from assistant.types import MB, UploadLimits

from .chat import DISLIKE, LIKE, ChatHandlers
from .documents import DOC_HEADERS, DocumentHandlers
from .evaluate import FAILURE_HEADERS, TOP_K_RANGE, EvalHandlers
from .examples import examples_for
from .render import sources_html

MODES = [("Hybrid (dense + BM25)", "hybrid"), ("Dense (MiniLM)", "dense"), ("BM25 (keywords)", "bm25")]

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


def _css() -> str:
    return (ASSETS / "app.css").read_text(encoding="utf-8")


def _head() -> str:
    return f"<script>{(ASSETS / 'app.js').read_text(encoding='utf-8')}</script>"


def build_app(assistant: Assistant, config: UiConfig = UiConfig()) -> gr.Blocks:
    """The whole UI over ``assistant``; launch it with :func:`launch`."""
    h = ChatHandlers(assistant)
    docs = DocumentHandlers(
        assistant, config.upload_dir or assistant.upload_dir, config.limits, config.ingest_in_background
    )
    ev = EvalHandlers(assistant)
    settings = assistant.settings
    default_prefs = {"top_k": settings.top_k, "mode": settings.retrieval_mode, "answerer": settings.answerer}
    examples = list(config.examples) if config.examples is not None else examples_for(assistant.documents())

    with gr.Blocks(title="Document assistant", analytics_enabled=False) as demo:
        prefs = gr.State(default_prefs)
        history = gr.State([])
        turns = gr.State([])
        conversation = gr.State(None)
        # The conversation this browser had open, so a reload reopens it (the store checks its owner).
        remembered = gr.BrowserState(None, storage_key="assistant-conversation")

        with gr.Sidebar(label="Conversations", elem_id="sidebar", width=300):
            # The open conversation's controls first: the list below grows all day.
            title = gr.Textbox(label="Name", placeholder="Open a conversation", elem_id="conversation-title")
            with gr.Row():
                rename_button = gr.Button("Rename", size="sm", elem_id="rename")
                delete_button = gr.Button("Delete", size="sm", variant="stop", elem_id="delete")
            export_button = gr.Button("Export as Markdown", size="sm", elem_id="export")
            export_file = gr.File(label="Markdown", visible=False, interactive=False, elem_id="export-file")
            conversations = gr.Radio(choices=[], label="Conversations", elem_id="conversations")

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
                        feedback_options=(LIKE, DISLIKE),
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
                    scope = gr.Dropdown(
                        choices=[],
                        value=[],
                        multiselect=True,
                        label="Search in",
                        info="Only these documents answer; leave empty for all of them.",
                        elem_id="scope",
                    )
                    with gr.Row():
                        clear_button = gr.Button("New chat", elem_id="clear", size="sm")
                        copy_button = gr.Button("Copy answer", elem_id="copy", size="sm")
                    if examples:
                        gr.Examples(examples=[[q] for q in examples], inputs=[question], label="Example questions")
                with gr.Column(scale=2, elem_id="sources-column"):
                    page_view = gr.HTML("", elem_id="page-view")
                    sources = gr.HTML(sources_html(None, 0), elem_id="sources")
                    mark_button = gr.Button(
                        "Select the right answer in a source, then press here",
                        size="sm",
                        elem_id="mark-answer",
                    )
            copy_text = gr.Textbox(visible="hidden", elem_id="copy-text")
            # Written and pressed by app.js: which page to show, the words selected as the right answer.
            page_request = gr.Textbox(visible="hidden", elem_id="page-request")
            page_go = gr.Button(visible="hidden", elem_id="page-request-go")
            selection = gr.Textbox(visible="hidden", elem_id="selection")
            selection_go = gr.Button(visible="hidden", elem_id="selection-go")

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
                "the documents do not answer. `assistant eval --from-feedback` makes one from the "
                "answers people marked in the chat.",
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
                    example_button = gr.Button("Use the documents' own question set", size="sm", elem_id="eval-example")
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

        private: dict[str, Any] = dict(api_visibility="private")
        remember: dict[str, Any] = dict(fn=lambda c: c, inputs=[conversation], outputs=[remembered], **private)
        # What opening, restoring, starting or deleting a conversation updates (ChatHandlers.new_chat).
        whole_chat = [chatbot, sources, history, turns, copy_text, conversation, conversations, scope, title]

        chat_io: dict[str, Any] = dict(
            fn=h.chat,
            inputs=[question, chatbot, history, turns, prefs, conversation, scope],
            outputs=[question, chatbot, sources, history, turns, copy_text, conversation, conversations],
            concurrency_limit=config.chat_concurrency,
            concurrency_id="chat",
        )
        # A first answer saves the conversation: the sidebar's name box then shows its title.
        name_it: dict[str, Any] = dict(fn=h.title_of, inputs=[conversation], outputs=[title], **private)
        question.submit(api_name="chat", **chat_io).then(**remember).then(**name_it)
        ask_button.click(**private, **chat_io).then(**remember).then(**name_it)
        chatbot.select(h.select_turn, inputs=[turns], outputs=[sources, copy_text], **private)
        chatbot.like(h.like, inputs=[conversation], **private)
        for clearing in (clear_button.click, chatbot.clear):
            clearing(h.new_chat, outputs=whole_chat, **private).then(**remember)
        conversations.input(h.open_conversation, inputs=[conversations], outputs=whole_chat, **private).then(**remember)
        rename_button.click(h.rename, inputs=[conversation, title], outputs=[conversations], **private)
        delete_button.click(h.delete, inputs=[conversation], outputs=whole_chat, **private).then(**remember)
        export_button.click(h.export, inputs=[conversation], outputs=[export_file], **private)
        scope.input(h.set_scope, inputs=[conversation, scope], **private)
        page_go.click(h.page, inputs=[page_request], outputs=[page_view], **private)
        selection_go.click(h.mark_answer, inputs=[selection, conversation], **private)
        # Runs in the browser only: app.js reads the selection and hands it to `selection`.
        mark_button.click(None, js="() => window.assistantMarkSelection()", **private)
        # Runs in the browser only: the answer's plain text is already there, in copy_text.
        copy_button.click(
            None,
            inputs=[copy_text],
            js="(text) => { if (text) { navigator.clipboard.writeText(text); } }",
            **private,
        )

        doc_outputs = [docs_table, remove_choice, scope]
        writes: dict[str, Any] = dict(concurrency_limit=1, concurrency_id="index-writes")
        add_button.click(
            docs.add_files,
            inputs=[upload],
            outputs=[docs_status, *doc_outputs, upload],
            api_name="add_documents",
            **writes,
        )
        remove_button.click(
            docs.remove_document,
            inputs=[remove_choice],
            outputs=[docs_status, *doc_outputs],
            api_name="remove_document",
            **writes,
        )
        reindex_button.click(docs.reindex, outputs=[docs_status, *doc_outputs], api_name="reindex", **writes)
        example_button.click(ev.corpus_questions, outputs=[eval_file], **private)
        # Its own queue, one run at a time: a long evaluation never waits on or holds up the chat.
        run_button.click(
            ev.run,
            inputs=[eval_file, eval_top_k],
            outputs=[eval_summary, eval_failures, eval_charts, eval_downloads],
            api_name="evaluate",
            concurrency_limit=1,
            concurrency_id="evaluate",
        )
        demo.load(docs.document_rows, outputs=doc_outputs, **private).then(
            h.restore, inputs=[remembered], outputs=whole_chat, **private
        )

        for component, key in ((top_k, "top_k"), (mode, "mode"), (answerer, "answerer")):
            component.change(
                lambda value, p, key=key: {**p, key: value},
                inputs=[component, prefs],
                outputs=[prefs],
                **private,
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
