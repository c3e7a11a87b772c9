"""The SQuAD splits keep fitted and reported data apart: a leak here would make every reported figure
in-sample, and nothing else would notice."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from assistant.answer.scoring import SELECTION_WEIGHTS, SUPPORT_WEIGHTS
from assistant.settings import Settings
from benchmarks.splits import SQUAD_SPLITS, squad_split, squad_titles
from benchmarks.squad_data import DATA_DIR, load_squad

FITTING = ("train", "calibration")
REPORTED = ("test-v1", "test-v2")
CALIBRATION = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "abstention-calibration.json"

needs_squad = pytest.mark.skipif(
    not (DATA_DIR / "squad").is_dir(),
    reason=f"SQuAD dev sets not found in {DATA_DIR / 'squad'} (set ASSISTANT_DATA_DIR or check out ../shared/data)",
)


@pytest.fixture(scope="module")
def dev_titles() -> dict[str, set[str]]:
    return {name: {q.title for q in load_squad(name).questions} for name in ("dev-v1.1", "dev-v2.0")}


def _normalized(context: str) -> str:
    # Whitespace differs between SQuAD releases; a paragraph is the same paragraph regardless.
    return " ".join(context.split())


def test_splits_share_no_article():
    titles = squad_titles()
    for i, a in enumerate(SQUAD_SPLITS):
        for b in SQUAD_SPLITS[i + 1 :]:
            assert not titles[a] & titles[b], f"{a} and {b} share {sorted(titles[a] & titles[b])}"


@needs_squad
def test_every_v2_article_is_in_exactly_one_v2_split(dev_titles):
    titles = squad_titles()
    v2_splits = ("train", "calibration", "test-v2")
    for title in dev_titles["dev-v2.0"]:
        holders = [name for name in v2_splits if title in titles[name]]
        assert len(holders) == 1, f"{title} is in {holders}"
    assert set().union(*(titles[name] for name in v2_splits)) == dev_titles["dev-v2.0"]


@needs_squad
def test_test_v1_is_the_v1_articles_missing_from_v2(dev_titles):
    assert squad_titles()["test-v1"] == dev_titles["dev-v1.1"] - dev_titles["dev-v2.0"]


@needs_squad
def test_no_reported_paragraph_or_question_is_fitted_on():
    # SQuAD v1.1 and v2.0 dev share question ids and paragraphs, and the tuning scripts ask the
    # v1.1 versions of the fitting articles' questions, so both versions count as fitted on.
    fitting_titles = squad_titles()["train"] | squad_titles()["calibration"]
    fitted = [q for name in FITTING for q in squad_split(name)]
    fitted += [q for q in load_squad("dev-v1.1").questions if q.title in fitting_titles]
    fitted_contexts = {_normalized(q.context) for q in fitted}
    fitted_ids = {q.qid for q in fitted}
    for name in REPORTED:
        reported = squad_split(name)
        assert reported, f"{name} is empty"
        shared_contexts = {q.title for q in reported if _normalized(q.context) in fitted_contexts}
        assert not shared_contexts, f"{name} paragraphs of {sorted(shared_contexts)} are in the fitting splits"
        shared_ids = sorted(q.qid for q in reported if q.qid in fitted_ids)
        assert not shared_ids, f"{name} question ids in the fitting splits: {shared_ids[:5]}"


def test_the_answerer_ships_the_recorded_fit():
    """The answerer's weights and threshold are the ones a calibration run recorded, never edited by
    hand after looking at reported figures."""
    fitted = json.loads(CALIBRATION.read_text())
    assert asdict(SELECTION_WEIGHTS) == fitted["selection_weights"]
    assert asdict(SUPPORT_WEIGHTS) == fitted["support_weights"]
    assert Settings().abstain_threshold == fitted["chosen"]["threshold"]
