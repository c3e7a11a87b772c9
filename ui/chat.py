"""The chat's event handlers: questions (optionally scoped to some documents), saved conversations,
feedback on answers and the cited page view.

Everything goes through the public ``Assistant`` API: answers from ``ask_stream``, conversations
and feedback from ``assistant.conversations``, page images from ``assistant.page_image``. A
conversation belongs to the signed-in user (``--auth``), or to the one local user without it; the
store refuses another user's conversation as if it did not exist.

Usage::

    h = ChatHandlers(assistant)
    for outputs in h.chat("What did the minister claim?", [], [], [], prefs, None, [], request):
        ...   # ChatView tuples, streamed to the page
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr

from assistant import Assistant, AssistantError
from assistant.conversations import Conversation, Feedback, Turn, to_markdown
from assistant.types import Answer, DocumentInfo

from .pages import page_view_html
from .render import answer_html, answer_plain, esc, sources_html

# Formats whose sources can be shown as the page image, quote highlighted.
PAGED_FORMATS = frozenset({"pdf", "image"})
# Gradio's chat feedback values, as the Chatbot shows them.
LIKE, DISLIKE = "Like", "Dislike"
# A reply the client may not use (Gradio leaves the component as it is).
SKIP = gr.skip


def user_of(request: gr.Request | None) -> str:
    """The signed-in user's name, or "" when the app runs without ``--auth``."""
    return (getattr(request, "username", None) or "") if request is not None else ""


def _bot(html: str) -> dict[str, str]:
    return {"role": "assistant", "content": html}


def _user(question: str) -> dict[str, str]:
    return {"role": "user", "content": esc(question)}


def conversation_label(c: Conversation) -> str:
    """``Interior minister claims · 2026-12-01 14:05`` for the sidebar list."""
    return f"{c.title or 'Untitled'} · {c.updated_at.replace('T', ' ')[:16]}"


def _feedback_value(feedback: Feedback | None) -> str | None:
    if feedback is None or not feedback.rating:
        return None
    return LIKE if feedback.rating > 0 else DISLIKE


class ChatView(NamedTuple):
    """What one chat event updates, in the order the app lists the outputs."""

    question: Any
    chatbot: Any
    sources: Any
    history: Any
    turns: Any
    copy_text: Any
    conversation: Any
    conversations: Any

    @classmethod
    def skip(cls) -> ChatView:
        return cls(*(SKIP() for _ in cls._fields))


class ChatHandlers:
    """The chat tab's handlers, bound to one shared ``Assistant`` (which is thread-safe)."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        # A local model loads on its first question in that session's choice, then stays loaded.
        self.answerers = assistant.answerers()
        self.related_floor = assistant.settings.ui.related_floor
        self._known: dict[str, DocumentInfo] = {}

    # -- answering ------------------------------------------------------------------------------

    def _ask_kwargs(self, prefs: dict[str, Any], scope: Sequence[str] | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"top_k": int(prefs["top_k"]), "mode": prefs["mode"]}
        if len(self.answerers) > 1 and prefs.get("answerer"):
            kwargs["answerer"] = prefs["answerer"]
        if scope:
            kwargs["documents"] = list(scope)
        return kwargs

    def _doc_text(self, doc_id: str) -> str | None:
        try:
            return self.assistant.document_text(doc_id)
        except AssistantError:
            # Removed by another session since the answer was retrieved: show the passage alone.
            return None

    def _learn(self, docs: Sequence[DocumentInfo]) -> None:
        self._known.update((d.doc_id, d) for d in docs)

    def _info(self, doc_ids: set[str]) -> dict[str, DocumentInfo]:
        """What the index says of ``doc_ids`` (a removed document is left out). A doc id names one
        content, whose format and title never change, so the listing is read again only for a
        document not seen before, not on every answer."""
        if not doc_ids <= self._known.keys():
            self._learn(self.assistant.documents())
        return {d: self._known[d] for d in doc_ids if d in self._known}

    def _paged(self, answers: Sequence[Answer]) -> set[str]:
        """The documents cited in ``answers`` whose citations can open their page image."""
        cited = {c.doc_id for a in answers for c in (*a.citations, *a.conflicts)}
        return {d for d, info in self._info(cited).items() if info.format in PAGED_FORMATS}

    def _turn(self, answer: Answer, turn: int, paged: set[str]) -> dict[str, str]:
        panel = sources_html(answer, turn, self._doc_text, self.related_floor, paged)
        return {"sources": panel, "plain": answer_plain(answer)}

    def chat(
        self,
        question: str,
        messages: list[dict[str, Any]],
        history: list[dict[str, str]],
        turns: list[dict[str, str]],
        prefs: dict[str, Any],
        conversation: str | None,
        scope: list[str] | None,
        request: gr.Request,
    ) -> Iterator[ChatView]:
        """Answer ``question`` within ``scope`` (doc ids; empty: all) and save it in the conversation."""
        question = (question or "").strip()
        if not question:
            yield ChatView.skip()
            return
        turn = len(turns)
        messages = [*messages, _user(question), _bot('<div class="answer pending">Searching your documents…</div>')]
        yield ChatView.skip()._replace(question="", chatbot=messages)
        answer: Answer | None = None
        partial = ""
        try:
            for item in self.assistant.ask_stream(question, history, **self._ask_kwargs(prefs, scope)):
                if isinstance(item, Answer):
                    answer = item
                else:
                    partial += item
                    messages[-1] = _bot(f'<div class="answer streaming">{esc(partial)}</div>')
                    yield ChatView.skip()._replace(chatbot=messages)
        except AssistantError as exc:
            messages[-1] = _bot(f'<div class="answer error">{esc(str(exc))}</div>')
            yield ChatView.skip()._replace(chatbot=messages)
            return
        if answer is None:
            raise gr.Error("The answerer finished without an answer.")
        messages[-1] = _bot(answer_html(answer, turn, self.related_floor))
        shown = self._turn(answer, turn, self._paged([answer]))
        history = [*history, {"role": "user", "content": question}, _bot(answer.text)]
        user = user_of(request)
        store = self.assistant.conversations
        if conversation is None:
            conversation = store.create(user, documents=scope or ()).id
        store.add_turn(user, conversation, question, answer)
        yield ChatView(
            SKIP(),
            messages,
            shown["sources"],
            history,
            [*turns, shown],
            shown["plain"],
            conversation,
            self.conversation_list(request, conversation),
        )

    @staticmethod
    def select_turn(turns: list[dict[str, str]], evt: gr.SelectData) -> tuple[Any, Any]:
        """Show the sources of the answer the user clicked (each turn adds two messages)."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        turn = int(index) // 2
        if not 0 <= turn < len(turns):
            return SKIP(), SKIP()
        return turns[turn]["sources"], turns[turn]["plain"]

    # -- conversations --------------------------------------------------------------------------

    def conversation_list(self, request: gr.Request, selected: str | None = None) -> Any:
        """The sidebar's list of the user's conversations, newest first."""
        mine = self.assistant.conversations.list(user_of(request))
        return gr.update(choices=[(conversation_label(c), c.id) for c in mine], value=selected)

    def title_of(self, conversation: str | None, request: gr.Request) -> str:
        """The open conversation's name, for the sidebar's name box ("" for a chat not yet saved)."""
        if not conversation:
            return ""
        try:
            meta, _ = self.assistant.conversations.get(user_of(request), conversation)
        except AssistantError:
            return ""
        return meta.title

    def new_chat(self, request: gr.Request) -> tuple[Any, ...]:
        """An empty chat; the conversation is saved with its first answer."""
        return (
            [],
            sources_html(None, 0),
            [],
            [],
            "",
            None,
            self.conversation_list(request),
            gr.update(value=[]),
            "",
        )

    def open_conversation(self, conversation: str | None, request: gr.Request) -> tuple[Any, ...]:
        """The saved conversation back in the chat, with its sources, scope and feedback."""
        if not conversation:
            return tuple(SKIP() for _ in range(9))
        try:
            meta, saved = self.assistant.conversations.get(user_of(request), conversation)
        except AssistantError as exc:
            gr.Warning(str(exc))
            return self.new_chat(request)
        return self._restored(meta, saved)

    def _restored(self, meta: Conversation, saved: Sequence[Turn]) -> tuple[Any, ...]:
        docs = self.assistant.documents()
        self._learn(docs)
        paged = self._paged([t.answer for t in saved])
        messages: list[dict[str, Any]] = []
        history: list[dict[str, str]] = []
        turns: list[dict[str, str]] = []
        for t in saved:
            messages += [_user(t.question), _bot(answer_html(t.answer, t.index, self.related_floor))]
            history += [{"role": "user", "content": t.question}, _bot(t.answer.text)]
            turns.append(self._turn(t.answer, t.index, paged))
        known = {d.doc_id for d in docs}
        chatbot = gr.update(value=messages, feedback_value=[_feedback_value(t.feedback) for t in saved])
        last = turns[-1] if turns else {"sources": sources_html(None, 0), "plain": ""}
        return (
            chatbot,
            last["sources"],
            history,
            turns,
            last["plain"],
            meta.id,
            gr.update(value=meta.id),
            gr.update(value=[d for d in meta.documents if d in known]),
            meta.title,
        )

    def restore(self, remembered: str | None, request: gr.Request) -> tuple[Any, ...]:
        """On page load: the sidebar, and the conversation this browser had open, if it is still there."""
        if remembered:
            try:
                meta, saved = self.assistant.conversations.get(user_of(request), remembered)
            except AssistantError:
                pass
            else:
                restored = self._restored(meta, saved)
                return (*restored[:6], self.conversation_list(request, meta.id), *restored[7:])
        return (*(SKIP() for _ in range(6)), self.conversation_list(request), SKIP(), SKIP())

    def rename(self, conversation: str | None, title: str, request: gr.Request) -> Any:
        title = (title or "").strip()
        if not conversation or not title:
            gr.Warning("Open a conversation and type its new name first.")
            return SKIP()
        try:
            self.assistant.conversations.rename(user_of(request), conversation, title)
        except AssistantError as exc:
            gr.Warning(str(exc))
        return self.conversation_list(request, conversation)

    def delete(self, conversation: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not conversation:
            gr.Warning("Open the conversation to delete first.")
            return tuple(SKIP() for _ in range(9))
        try:
            self.assistant.conversations.delete(user_of(request), conversation)
        except AssistantError as exc:
            gr.Warning(str(exc))
        return self.new_chat(request)

    def set_scope(self, conversation: str | None, scope: list[str] | None, request: gr.Request) -> None:
        """A conversation's scope is saved with it, so reopening it asks within the same documents."""
        if conversation:
            try:
                self.assistant.conversations.set_documents(user_of(request), conversation, scope or [])
            except AssistantError as exc:
                gr.Warning(str(exc))

    def export(self, conversation: str | None, request: gr.Request) -> Any:
        """The conversation as a Markdown file with its citations, offered for download."""
        if not conversation:
            gr.Warning("Open a conversation to export first.")
            return gr.update(value=None, visible=False)
        try:
            meta, saved = self.assistant.conversations.get(user_of(request), conversation)
        except AssistantError as exc:
            gr.Warning(str(exc))
            return gr.update(value=None, visible=False)
        # Gradio serves files from the system's temp folder; one folder per export keeps names apart.
        folder = Path(tempfile.mkdtemp(prefix="assistant-conversation-"))
        path = folder / f"{_file_stem(meta.title)}.md"
        path.write_text(to_markdown(meta, saved), encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    # -- feedback -------------------------------------------------------------------------------

    def like(self, conversation: str | None, data: gr.LikeData, request: gr.Request) -> None:
        """Thumbs up or down on an answer, saved with its turn (undoing clears it)."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        if not conversation:
            return
        rating = 0 if data.liked is None else 1 if data.liked in (True, LIKE) else -1
        self._feedback(conversation, int(index) // 2, request, rating=rating)

    def mark_answer(self, selection: str, conversation: str | None, request: gr.Request) -> None:
        """ "This is the right answer": the text the user selected in a source becomes the expected
        answer of that turn's question."""
        try:
            picked = json.loads(selection or "{}")
        except json.JSONDecodeError:
            picked = {}
        quote = " ".join(str(picked.get("text", "")).split())
        if not conversation or not quote or picked.get("turn") is None:
            gr.Warning("Select the right answer's words in a source first, then press the button.")
            return
        self._feedback(
            conversation,
            int(picked["turn"]),
            request,
            rating=1,
            correct_quote=quote,
            correct_doc_id=str(picked.get("doc") or "") or None,
        )
        gr.Info(f'Saved "{quote[:80]}" as the right answer.')

    def _feedback(self, conversation: str, turn: int, request: gr.Request, **fields: Any) -> None:
        store = self.assistant.conversations
        user = user_of(request)
        try:
            _, saved = store.get(user, conversation)
            current = next((t.feedback for t in saved if t.index == turn), None)
            kept = {k: getattr(current, k) for k in Feedback.__dataclass_fields__} if current else {}
            store.set_feedback(user, conversation, turn, Feedback(**{**kept, **fields}))
        except AssistantError as exc:
            gr.Warning(str(exc))

    # -- the cited page -------------------------------------------------------------------------

    def page(self, request_json: str) -> str:
        """The page a citation points to, rendered, its quote highlighted (PDFs and images)."""
        try:
            wanted = json.loads(request_json or "{}")
            doc_id = str(wanted["doc"])
            page = int(wanted["page"]) if wanted.get("page") else None
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            return ""
        quote = str(wanted.get("quote") or "") or None
        try:
            image = self.assistant.page_image(doc_id, page, quote)
        except AssistantError as exc:
            return f'<div class="page-view error">{esc(str(exc))}</div>'
        info = self._info({doc_id}).get(doc_id)
        title = info.title if info else doc_id[:12]
        return page_view_html(image, title, str(wanted.get("at", "")))


def _file_stem(title: str) -> str:
    """A file name for ``title``: letters, digits and dashes only."""
    stem = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")
    return "-".join(filter(None, stem.split("-")))[:60] or "conversation"
