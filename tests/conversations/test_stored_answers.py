"""``Answer.from_dict``: a saved answer (``to_dict`` as JSON) comes back equal, and one saved by
another version (fields added or not yet there) still loads."""

from __future__ import annotations

import json
from dataclasses import replace

from assistant.types import Answer, Citation, Passage


def _through_json(answer: Answer) -> Answer:
    return Answer.from_dict(json.loads(json.dumps(answer.to_dict())))


def test_real_answers_survive_json_unchanged(answers):
    for answer in answers.values():
        assert _through_json(answer) == answer
    found = answers["observance"]
    assert found.citations and found.passages
    with_conflict = replace(found, conflicts=[replace(found.citations[0], marker=2)])
    assert _through_json(with_conflict) == with_conflict


def test_unknown_keys_are_ignored_and_missing_optional_keys_take_defaults(answers):
    saved = answers["observance"].to_dict()
    saved["reviewed_by"] = "a later version"
    del saved["timings"], saved["conflicts"]
    citation = saved["citations"][0]
    citation["ocr_confidence"] = 91.5
    del citation["heading"], citation["dense_rank"], citation["bm25_rank"]
    passage = saved["passages"][0]
    passage["ocr"] = True
    del passage["sentence_score"]

    loaded = Answer.from_dict(saved)
    assert loaded.text == answers["observance"].text and loaded.found
    assert loaded.timings == {} and loaded.conflicts == []
    assert isinstance(loaded.citations[0], Citation) and isinstance(loaded.passages[0], Passage)
    assert (loaded.citations[0].heading, loaded.citations[0].dense_rank) == ("", None)
    assert loaded.citations[0].quote == answers["observance"].citations[0].quote
    assert loaded.passages[0].sentence_score is None
    assert loaded.passages[0].text == answers["observance"].passages[0].text
