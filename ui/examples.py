"""Example questions for whatever corpus is loaded.

Known documents (the seed article) get questions that are known to be answerable, plus one that
is not, so a first-time user sees both a cited answer and an abstention. Other documents get a
generic question about their title.

Usage::

    from ui.examples import examples_for
    examples_for(assistant.documents())   # ['What did the interior minister claim?', ...]
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.types import DocumentInfo

# Keyed by document title (the file's stem), which survives re-ingesting from another folder.
KNOWN_EXAMPLES: dict[str, list[str]] = {
    "000_fcc0bbe20b5887f6": [
        "What did the interior minister claim?",
        "Who chairs the National Committee for Counter Trafficking?",
        "Who won the football World Cup?",
    ],
}


def examples_for(documents: Sequence[DocumentInfo], limit: int = 5) -> list[str]:
    """Up to ``limit`` example questions for the indexed ``documents``, known ones first."""
    known: list[str] = []
    generic: list[str] = []
    for doc in documents:
        if doc.title in KNOWN_EXAMPLES:
            known.extend(KNOWN_EXAMPLES[doc.title])
        else:
            generic.append(f"What is {doc.title} about?")
    return list(dict.fromkeys(known + generic))[:limit]
