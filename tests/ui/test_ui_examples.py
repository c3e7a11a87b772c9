"""Example questions come from the loaded documents, not from any known corpus."""

from __future__ import annotations

from assistant.types import DocumentInfo
from ui.examples import examples_for


def _doc(title: str, sections: list[str]) -> DocumentInfo:
    return DocumentInfo("id-" + title, title, [f"/docs/{title}.md"], "markdown", 1, 3, "2026-11-30", sections)


def test_a_section_of_each_document_or_the_document_itself():
    docs = [
        _doc("Pump manual", ["Pump manual", "1 Safety", "2 Priming"]),
        _doc("Release notes", []),
        _doc("Licence", ["2.1. Grant of licence"]),
    ]
    assert examples_for(docs) == [
        "What does Pump manual say about Safety?",
        "What is Release notes about?",
        "What does Licence say about Grant of licence?",
    ]
    assert len(examples_for([_doc(f"Doc {i}", []) for i in range(9)], limit=5)) == 5
