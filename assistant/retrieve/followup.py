"""History-aware queries: a short or pronoun-laden follow-up borrows the previous turn's context.

>>> contextual_query("what did he say about foreign criminals?",
...                  [{"role": "user", "content": "What did the interior minister claim?"}], 12)
'What did the interior minister claim? what did he say about foreign criminals?'
"""

from __future__ import annotations

import re

_REFERRING = re.compile(
    r"\b(he|she|him|her|his|hers|they|them|their|theirs|it|its|this|that|these|those|there|then|"
    r"the same|the former|the latter|such|also|else|more)\b",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\s*\[\d+\]")
_CONTEXT_WORDS = 60


def normalize_history(history) -> list[dict[str, str]]:
    """Accept OpenAI/Gradio ``{"role", "content"}`` messages or ``(user, assistant)`` pairs."""
    messages: list[dict[str, str]] = []
    for item in history or []:
        if isinstance(item, dict):
            role, content = item.get("role"), item.get("content")
            if role in ("user", "assistant") and isinstance(content, str) and content.strip():
                messages.append({"role": role, "content": content})
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            user, assistant = item
            if isinstance(user, str) and user.strip():
                messages.append({"role": "user", "content": user})
            if isinstance(assistant, str) and assistant.strip():
                messages.append({"role": "assistant", "content": assistant})
        else:
            raise TypeError(
                "history items must be {'role': 'user'|'assistant', 'content': str} or (user, assistant) pairs"
            )
    return messages


def recent_history(messages: list[dict[str, str]], max_turns: int, max_chars: int) -> list[dict[str, str]]:
    """The latest messages within both limits, oldest first. A follow-up draws on the last turn or two,
    so older ones are dropped rather than refused; the cap keeps a client that sends a whole day's
    conversation (or a hostile one) from costing seconds per question."""
    kept: list[dict[str, str]] = []
    chars = 0
    for message in reversed(messages[-max_turns:] if max_turns else []):
        chars += len(message["content"])
        if chars > max_chars:
            break
        kept.append(message)
    return kept[::-1]


def needs_context(question: str, max_words: int) -> bool:
    return len(question.split()) <= max_words or bool(_REFERRING.search(question))


def contextual_query(question: str, history, max_words: int) -> str | None:
    """The question prefixed with the last user turn (and the gist of the last answer), or None when the
    question stands alone or there is no history."""
    messages = normalize_history(history)
    if not messages or not needs_context(question, max_words):
        return None
    last_user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    last_answer = ""
    if messages[-1]["role"] == "assistant":
        words = _MARKER.sub("", messages[-1]["content"]).split()
        last_answer = " ".join(words[:_CONTEXT_WORDS])
    parts = [p.strip() for p in (last_user, last_answer, question) if p.strip()]
    return " ".join(parts) if len(parts) > 1 else None
