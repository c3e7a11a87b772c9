"""Example questions come from the loaded corpus (its question set, else its headings), not from any
known corpus."""

from __future__ import annotations

import json

from assistant.types import DocumentInfo
from ui.examples import examples_for

HISTORY = {"role": "user", "content": "How is the pump primed?"}


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


def test_a_corpus_that_ships_its_question_set_offers_its_own_questions(tmp_path):
    corpus = tmp_path / "manuals"
    corpus.mkdir()
    (corpus / "questions.jsonl").write_text(
        "\n".join(
            json.dumps(q)
            for q in [
                {"id": "a", "question": "How is the pump primed?", "answers": ["with water"]},
                {"id": "b", "question": "Who won the World Cup?", "answers": []},
                {"id": "c", "question": "And after that?", "answers": ["x"], "history": [HISTORY]},
                {"id": "d", "question": "What voltage does it need?", "answers": ["230 V"]},
            ]
        ),
        encoding="utf-8",
    )
    pump = DocumentInfo("p", "Pump manual", [str(corpus / "pump.md")], "markdown", 1, 3, "2026-12-01", ["Safety"])
    # Answerable questions first, then one the documents do not answer; follow-ups need history.
    assert examples_for([pump]) == [
        "How is the pump primed?",
        "What voltage does it need?",
        "Who won the World Cup?",
    ]
    assert examples_for([pump], limit=2) == ["How is the pump primed?", "Who won the World Cup?"]
    (corpus / "questions.jsonl").write_text("not json\n", encoding="utf-8")
    assert examples_for([pump]) == ["What does Pump manual say about Safety?"]
