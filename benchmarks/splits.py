"""The fixed data splits (``benchmarks/splits/``), loaded by every script that fits or reports.

SQuAD dev is split by article: the reader is trained on ``train``, its temperature and abstain
threshold are fitted on ``calibration``, and reported figures use only ``test-v2`` (SQuAD v2.0 dev's
remaining articles) and ``test-v1`` (the SQuAD v1.1 dev articles that v2.0 dev does not contain).
``tests/test_splits.py`` asserts that no article, paragraph or question is shared.

    >>> [q.title for q in squad_split("test-v1")][:1]
    ['Super_Bowl_50']
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .squad_data import SquadQuestion, load_squad

SPLITS_DIR = Path(__file__).resolve().parent / "splits"
SQUAD_SPLITS = ("train", "calibration", "test-v2", "test-v1")


@lru_cache(maxsize=1)
def squad_titles() -> dict[str, frozenset[str]]:
    """Article titles of each SQuAD split."""
    raw = json.loads((SPLITS_DIR / "squad.json").read_text())
    return {name: frozenset(raw[name]) for name in SQUAD_SPLITS}


def squad_split(name: str) -> list[SquadQuestion]:
    """The questions of one split: SQuAD v2.0 dev (unanswerable ones included) for ``train``,
    ``calibration`` and ``test-v2``; SQuAD v1.1 dev for ``test-v1``."""
    titles = squad_titles()[name]
    source = "dev-v1.1" if name == "test-v1" else "dev-v2.0"
    return [q for q in load_squad(source).questions if q.title in titles]
