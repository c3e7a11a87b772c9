"""Example questions drawn from whatever corpus is loaded.

A corpus that ships its question set (``questions.jsonl`` beside its documents, in the evaluation
format) offers its own questions: answerable ones, and one it does not answer, so a newcomer sees
an abstention too. Otherwise a document with section headings suggests a question about one of its
sections, and one without suggests a question about the document as a whole. Nothing here knows any
particular corpus: a deployment that wants hand-written examples passes them in (``assistant serve
--example``, ``UiConfig.examples``).

Usage::

    from ui.examples import examples_for
    examples_for(assistant.documents())   # ['What does Traitlets say about Running the tests?', ...]
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from assistant.eval import QuestionFileError, corpus_question_files, load_questions
from assistant.types import DocumentInfo

log = logging.getLogger(__name__)

# Section numbers ("2.1", "3.", "IV.") read badly inside a question.
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.)\s+")


def _section(doc: DocumentInfo) -> str | None:
    """The first heading that names a part of the document rather than the document itself (a
    document's first heading is usually its own title, so it is passed over when others follow)."""
    for heading in doc.sections[1:] or doc.sections:
        name = _NUMBERING.sub("", heading).strip(" :.")
        if name and name.lower() != doc.title.lower():
            return name
    return None


def shipped_questions(documents: Sequence[DocumentInfo], limit: int = 5) -> list[str]:
    """Up to ``limit`` questions from the corpus's own question sets: answerable ones first, then one
    the documents do not answer. A set that does not parse is passed over (and logged)."""
    answerable: list[str] = []
    unanswerable: list[str] = []
    for path in corpus_question_files(s for d in documents for s in d.sources):
        try:
            questions = load_questions(path)
        except QuestionFileError as exc:
            log.warning("example questions: %s is not a valid question set (%s)", path, exc)
            continue
        for q in questions:
            # A follow-up needs its history, which an example button cannot give.
            if not q.history:
                (answerable if q.answerable else unanswerable).append(q.question)
    if not answerable:
        return []
    picked = list(dict.fromkeys(answerable))[: limit - 1 if unanswerable else limit]
    return picked + unanswerable[:1]


def heading_questions(documents: Sequence[DocumentInfo], limit: int = 5) -> list[str]:
    """Up to ``limit`` questions about the documents' sections, one per document."""
    questions = []
    for doc in documents:
        section = _section(doc)
        if section:
            questions.append(f"What does {doc.title} say about {section}?")
        elif not doc.title.endswith("…"):
            # A title cut from the opening sentence (a text file named by an id) reads badly as a name.
            questions.append(f"What is {doc.title} about?")
    return list(dict.fromkeys(questions))[:limit]


def examples_for(documents: Sequence[DocumentInfo], limit: int = 5) -> list[str]:
    """Up to ``limit`` example questions for the indexed ``documents``."""
    return shipped_questions(documents, limit) or heading_questions(documents, limit)
