"""Feedback on saved answers as an evaluation question set (the JSON Lines format of
``assistant/eval/questions.py``), so that what people marked right or corrected is measured on every
later change.

Which turns become questions:

* a correction (``correct_quote``) whatever the rating: the quote is the gold answer, and the document
  it is from the expected source when that document was among the answer's sources;
* a thumbs up on an answer: its cited quotes are the gold answers;
* a thumbs up on an abstention: a question the documents do not answer (``answers: []``);
* a thumbs down without a correction is left out, since nobody said what the right answer is, and
  counted, so that the caller can say how many were;
* a rating of 0 without a correction (a note only) says nothing to measure, and is left out.

A follow-up ("and who chairs it?") means nothing on its own. It is exported with the turns before it
as ``history`` (the format's field for follow-ups), not as the standalone query the assistant made
of it: the evaluation then asks it as the chat did, so rewriting follow-ups is measured too, and a
rewrite that went wrong in the chat is not frozen into the question set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ..types import Answer, Citation, Passage
from .models import Turn
from .store import ConversationStore


@dataclass
class FeedbackQuestions:
    """The question set (one dict per JSON line) and the down-votes left out of it for want of a
    correction."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    downvoted_uncorrected: int = 0


def _file_name(source: str) -> str:
    """The question format names a source by file name: it matches wherever the file is indexed."""
    return PurePath(source.replace("\\", "/")).name


def _source_of(doc_id: str | None, answer: Answer) -> str | None:
    shown: list[Citation | Passage] = [*answer.citations, *answer.conflicts, *answer.passages]
    return next((_file_name(s.source) for s in shown if doc_id is not None and s.doc_id == doc_id), None)


def _gold(turn: Turn) -> tuple[list[str], str | None] | None:
    """The gold answers and expected source the feedback on ``turn`` gives, or None for none."""
    feedback, answer = turn.feedback, turn.answer
    if feedback is None:
        return None
    if feedback.correct_quote is not None:
        return [" ".join(feedback.correct_quote.split())], _source_of(feedback.correct_doc_id, answer)
    if feedback.rating <= 0:
        return None
    if not answer.found:
        return [], None
    cited = sorted(answer.citations, key=lambda c: c.marker)
    # A found answer without a citation cannot be confirmed by quote; "answers: []" would call it
    # unanswerable, which the up-vote says it is not.
    if not cited:
        return None
    return list(dict.fromkeys(c.quote for c in cited)), _file_name(cited[0].source)


def _history(earlier: list[Turn]) -> list[dict[str, str]]:
    messages = []
    for turn in earlier:
        messages.append({"role": "user", "content": turn.question})
        messages.append({"role": "assistant", "content": turn.answer.text})
    return messages


def feedback_questions(store: ConversationStore, user: str | None = None) -> FeedbackQuestions:
    """The question set that the feedback in ``store`` gives (of ``user``, or of everyone with None).

    Ids are ``<conversation id>-<turn index>``: a turn keeps its id across exports, so reports of two
    runs line up question by question.
    """
    found = FeedbackQuestions()
    for conversation, turns in store.with_feedback(user):
        for turn in turns:
            gold = _gold(turn)
            if gold is None:
                if turn.feedback is not None and turn.feedback.rating < 0:
                    found.downvoted_uncorrected += 1
                continue
            answers, source = gold
            question: dict[str, Any] = {
                "id": f"{conversation.id}-{turn.index}",
                "question": turn.question,
                "answers": answers,
                "source": source,
            }
            if turn.index:
                question["history"] = _history([t for t in turns if t.index < turn.index])
            found.questions.append(question)
    return found
