"""BM25 over chunk texts: scores aligned with the chunk ids in their stored order, best-first search,
a save/load round trip, and the analyzer fingerprint the index is rebuilt on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from assistant.store.bm25 import BM25Index, analyzer
from assistant.text import tokenizer_identity

# Not in id order, as chunk ids stand after documents are removed and others added.
CHUNKS = {
    30: "The Harrow bridge has seven arches over the river.",
    10: "The orchard grows forty-two varieties of quince.",
    20: "Quince jam from the orchard is sold at the bridge market.",
    40: "The choir rehearses on Thursday evenings.",
}


@pytest.fixture(scope="module")
def bm25() -> BM25Index:
    return BM25Index.build(list(CHUNKS), list(CHUNKS.values()))


def test_scores_are_aligned_with_the_chunk_ids(bm25):
    assert bm25.chunk_ids.tolist() == [30, 10, 20, 40] and len(bm25) == 4
    scores = bm25.scores("quince orchard")
    assert scores.shape == (4,)
    by_id = dict(zip(bm25.chunk_ids.tolist(), scores.tolist()))
    assert by_id[10] > 0 and by_id[20] > 0 and by_id[30] == 0 and by_id[40] == 0
    scores = bm25.scores("arches")
    assert [int(i) for i in bm25.chunk_ids[scores > 0]] == [30]


def test_positions_find_ids_in_the_stored_order(bm25):
    positions = bm25.positions(np.array([20, 40, 30], dtype=np.int64))
    assert positions.tolist() == [2, 3, 0]
    assert bm25.chunk_ids[positions].tolist() == [20, 40, 30]


def test_search_is_best_first_positive_only_and_matches_stems(bm25):
    hits = bm25.search("varieties of quinces", k=10)
    assert [chunk_id for chunk_id, _ in hits] == [10, 20], "only chunks sharing a term, best first"
    assert hits[0][1] > hits[1][1] > 0
    assert bm25.search("varieties of quinces", k=1) == hits[:1]
    assert bm25.search("rehearsing choirs", k=3)[0][0] == 40, "stems match: rehearsing ~ rehearses"
    assert bm25.search("arches", k=0) == []


def test_a_query_of_stop_words_or_unknown_words_scores_nothing(bm25):
    assert bm25.scores("what is the of and") is None
    assert bm25.search("what is the of and", k=3) == []
    assert bm25.search("zeppelin", k=3) == []


def test_save_and_load_round_trip(bm25, tmp_path):
    bm25.save(tmp_path)
    assert (tmp_path / BM25Index.DIR / BM25Index.IDS).is_file()
    loaded = BM25Index.load(tmp_path)
    assert loaded.chunk_ids.tolist() == bm25.chunk_ids.tolist()
    for query in ("quince orchard", "bridge", "choir thursday"):
        np.testing.assert_allclose(loaded.scores(query), bm25.scores(query))
    assert loaded.search("bridge", k=5) == bm25.search("bridge", k=5)


def test_an_empty_index_builds_saves_and_loads(tmp_path):
    empty = BM25Index.build([], [])
    assert len(empty) == 0 and empty.scores("bridge") is None and empty.search("bridge", k=3) == []
    empty.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert len(loaded) == 0 and loaded.scores("bridge") is None


def test_the_analyzer_fingerprint_is_the_tokenizers_and_stable_across_processes():
    """Snapshot compares it with the manifest's to decide whether to rebuild BM25: a fingerprint that
    changed from run to run would rebuild every index on every open."""
    assert analyzer() == tokenizer_identity() == analyzer()
    code = "import json; from assistant.store.bm25 import analyzer; print(json.dumps(analyzer()))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == analyzer()
