"""Question-file validation and the shipped seed question set."""

from __future__ import annotations

import json

import pytest
from support import SEED_QUESTIONS, SEEDS

from assistant.eval import metrics as m
from assistant.eval.questions import QuestionFileError, load_questions, validate_lines

SEED_ARTICLE = SEEDS / "000_fcc0bbe20b5887f6.txt"


def test_bad_lines_are_reported_with_their_line_numbers(tmp_path):
    lines = [
        '{"id": "ok", "question": "Who?", "answers": ["Hun Manet"], "source": "a.txt"}',
        "",
        "{not json",
        '{"id": "no-answers", "question": "Who?"}',
        '{"id": "ok", "question": "Again?", "answers": []}',
        '["a list"]',
        '{"id": "h", "question": "And?", "answers": [], "history": [{"role": "bot", "content": "x"}]}',
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(QuestionFileError) as caught:
        load_questions(path)
    errors = [(e.line, e.message.split(" ")[0]) for e in caught.value.errors]
    assert errors == [(3, "not"), (4, '"answers"'), (5, "duplicate"), (6, "expected"), (7, '"history"')]
    assert "line 3: not valid JSON" in str(caught.value)
    valid, _ = validate_lines(lines)
    assert [q.id for q in valid] == ["ok"]


def test_history_and_unknown_keys_are_kept():
    line = {
        "id": "f",
        "question": "What did he say?",
        "answers": [],
        "source": None,
        "history": [{"role": "user", "content": "Who is Sokha?"}, {"role": "assistant", "content": "A minister."}],
        "tag": "follow-up",
    }
    (question,), errors = validate_lines([json.dumps(line)])
    assert errors == []
    assert not question.answerable and question.line == 1
    assert question.history[1] == {"role": "assistant", "content": "A minister."}
    assert question.extra == {"tag": "follow-up"}


def test_seed_question_set_is_valid_paraphrased_and_grounded():
    questions = load_questions(SEED_QUESTIONS)
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    answerable = [q for q in questions if q.answerable]
    assert len(questions) >= 15
    assert len(questions) - len(answerable) >= 4
    assert any(q.history for q in questions)
    for q in questions:
        # paraphrased: no question repeats a run of the article verbatim
        assert m.normalize_answer(q.question.rstrip("?")) not in m.normalize_answer(article), q.id
    for q in answerable:
        assert q.source == SEED_ARTICLE.name
        assert m.answer_in_text(article, q.answers), q.id
