"""Sentence scoring features on hand-made cases, and the two scores on the seed article."""

from __future__ import annotations

import pytest

from assistant.answer.scoring import answer_type_match, score_candidates


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("How many victims were reported?", "No statistics were disclosed.", 0.0),
        ("How many victims were reported?", "Some 1,200 victims were rescued.", 1.0),
        ("How much did it cost?", "It cost three million dollars.", 1.0),
        ("When was the day observed?", "The day was observed on December 12.", 1.0),
        ("What year was it founded?", "It was founded in 1998.", 1.0),
        ("When was the day observed?", "The day was observed with speeches.", 0.0),
        ("Who chairs the committee?", "The committee is chaired by Sar Sokha.", 1.0),
        ("Who chairs the National Committee?", "The National Committee met again.", 0.0),
        ("What did the minister claim?", "He said nothing new.", 1.0),
    ],
)
def test_answer_type_match(question, sentence, expected):
    assert answer_type_match(question, sentence) == expected


def test_sentences_are_ranked_by_selection_and_carry_support(seed_assistant):
    request = seed_assistant.prepare("Who chairs the National Committee for Counter Trafficking?")
    scored = score_candidates(request)
    assert [s.selection for s in scored] == sorted((s.selection for s in scored), reverse=True)
    assert "Sokha, who chairs" in scored[0].candidate.text
    assert all(0.0 <= s.overlap <= 1.0 for s in scored)
