"""A saved conversation as Markdown, to keep or share: each question, its answer with the ``[n]``
markers, and the sources the markers point to. Feedback stays out: it is a note to the assistant's
keepers, not part of what the documents said."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..types import Citation
from .models import Conversation, Turn


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _date(timestamp: str) -> str:
    return datetime.fromisoformat(timestamp).strftime("%Y-%m-%d %H:%M %Z").strip()


def source_line(citation: Citation) -> str:
    """``[1] Title, p. 3, Setup > Linux: "the quoted sentence"``: where the quote is, then the quote."""
    parts = [f"[{citation.marker}] {_one_line(citation.title) or citation.source}"]
    if citation.page is not None:
        parts.append(f"p. {citation.page}")
    if citation.heading:
        parts.append(_one_line(citation.heading))
    return f'{", ".join(parts)}: "{_one_line(citation.quote)}"'


def _turn(number: int, turn: Turn) -> list[str]:
    answer = turn.answer
    lines = [f"## {number}. {_one_line(turn.question)}", ""]
    if not answer.found:
        lines += [f"**Not answered from the documents.** {answer.text.strip()}", ""]
        return lines
    lines += [answer.text.strip(), ""]
    for heading, citations in (("Sources", answer.citations), ("Sources that say otherwise", answer.conflicts)):
        if citations:
            lines += [f"{heading}:", ""]
            lines += [f"- {source_line(c)}" for c in sorted(citations, key=lambda c: c.marker)]
            lines.append("")
    return lines


def to_markdown(conversation: Conversation, turns: Sequence[Turn]) -> str:
    """The conversation as a Markdown document: title, date, then every question and answer in order."""
    lines = [f"# {_one_line(conversation.title) or 'Conversation'}", "", _date(conversation.created_at), ""]
    for number, turn in enumerate(turns, start=1):
        lines += _turn(number, turn)
    return "\n".join(lines).rstrip() + "\n"
