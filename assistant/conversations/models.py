"""What a saved conversation is made of: the conversation, its turns and a person's feedback on a turn."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..types import Answer
from .errors import InvalidFeedbackError

MAX_TITLE_CHARS = 200
"""Longer titles are cut (on a word boundary): a title names a conversation in a list, it is no note."""

SHORT_TITLE_CHARS = 60
"""A title made from the first question fits one line of the chat's conversation list."""

# A correction quotes a sentence or a passage of a document, not a whole document; a note says why.
MAX_QUOTE_CHARS = 5000
MAX_NOTE_CHARS = 2000


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut to at most ``limit`` characters at a word boundary with an ellipsis.

    >>> shorten("How often does the pump's intake filter need cleaning?", 40)
    'How often does the pump's intake filter…'
    """
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    # Drop the word the cut falls in, unless it falls just after a whole word.
    if line[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


@dataclass(frozen=True)
class Feedback:
    """A person's judgement of one answer.

    ``rating`` is +1 (right), -1 (wrong) or 0 (no verdict, only a note or a correction). A correction
    names what the documents actually say: ``correct_quote`` from the document ``correct_doc_id``, at
    ``correct_start``/``correct_end`` in its text when the person picked it there.
    """

    rating: int
    correct_quote: str | None = None
    correct_doc_id: str | None = None
    correct_start: int | None = None
    correct_end: int | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.rating, bool) or self.rating not in (-1, 0, 1):
            raise InvalidFeedbackError(f"rating must be 1, -1 or 0, not {self.rating!r}")
        if self.correct_quote is not None and not (
            isinstance(self.correct_quote, str) and 0 < len(self.correct_quote.strip()) <= MAX_QUOTE_CHARS
        ):
            raise InvalidFeedbackError(f"correct_quote must be text of 1 to {MAX_QUOTE_CHARS} characters")
        if self.correct_doc_id is not None and not isinstance(self.correct_doc_id, str):
            raise InvalidFeedbackError("correct_doc_id must be a document id (text)")
        if (self.correct_start is None) != (self.correct_end is None):
            raise InvalidFeedbackError("give both correct_start and correct_end, or neither")
        if self.correct_start is not None and self.correct_end is not None:
            if not (0 <= self.correct_start < self.correct_end):
                raise InvalidFeedbackError("correct_start and correct_end must satisfy 0 <= start < end")
        if not isinstance(self.note, str) or len(self.note) > MAX_NOTE_CHARS:
            raise InvalidFeedbackError(f"note must be text of at most {MAX_NOTE_CHARS} characters")

    @property
    def corrected(self) -> bool:
        return self.correct_quote is not None


@dataclass(frozen=True)
class Turn:
    """One question and the answer it got; ``index`` counts the conversation's turns from 0."""

    index: int
    question: str
    answer: Answer
    created_at: str
    feedback: Feedback | None = None


@dataclass(frozen=True)
class Conversation:
    """A saved chat. ``documents`` is its scope (document ids; empty means every document);
    ``updated_at`` moves with a new turn, a new title or a new scope, not with feedback."""

    id: str
    user: str
    title: str
    created_at: str
    updated_at: str
    turns: int
    documents: list[str] = field(default_factory=list)
