"""Example questions drawn from whatever corpus is loaded.

A document with section headings suggests a question about one of its sections; one without suggests
a question about the document as a whole. Nothing here knows any particular corpus: a deployment
that wants hand-written examples passes them in (``assistant serve --example``, ``UiConfig.examples``).

Usage::

    from ui.examples import examples_for
    examples_for(assistant.documents())   # ['What does Traitlets say about Running the tests?', ...]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.types import DocumentInfo

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


def examples_for(documents: Sequence[DocumentInfo], limit: int = 5) -> list[str]:
    """Up to ``limit`` example questions for the indexed ``documents``, one per document."""
    questions = []
    for doc in documents:
        section = _section(doc)
        questions.append(f"What does {doc.title} say about {section}?" if section else f"What is {doc.title} about?")
    return list(dict.fromkeys(questions))[:limit]
