"""BM25 in segments: the scores of bm25s over the whole corpus however the chunks are split into
segments, best-first search, removed chunks hidden, a save/load round trip, and the analyzer
fingerprint that decides when postings are rebuilt."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from assistant.store.bm25 import KeywordSearch, Postings, analyzer
from assistant.store.scope import Scope
from assistant.text import tokenize, tokenizer_identity

# Not in id order, as chunk ids stand after documents are removed and others added.
CHUNKS = {
    30: "The Harrow bridge has seven arches over the river.",
    10: "The orchard grows forty-two varieties of quince.",
    20: "Quince jam from the orchard is sold at the bridge market.",
    40: "The choir rehearses on Thursday evenings.",
    50: "Bridge players meet at the orchard cafe; the bridge club has forty members.",
    60: "Seven choirs sang at the river festival, and the bridge was closed for the evening.",
}
QUERIES = ["quince orchard", "bridge", "choir thursday", "seven bridge arches river", "forty"]

_EMPTY = np.zeros(0, dtype=np.int64)


def _search(groups: list[list[int]], hidden: dict[int, list[int]] | None = None) -> KeywordSearch:
    """KeywordSearch over segments holding these chunk ids (each segment's ids sorted)."""
    segments = []
    for ids in groups:
        ids = sorted(ids)
        postings = Postings.build([CHUNKS[i] for i in ids])
        rows = np.array([ids.index(i) for i in (hidden or {}).get(ids[0], [])], dtype=np.int64)
        segments.append((np.array(ids, dtype=np.int64), postings, rows))
    return KeywordSearch(segments)


def _bm25s(ids: list[int], query: str) -> dict[int, float]:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(tokenize([CHUNKS[i] for i in ids]), show_progress=False)
    scores = retriever.get_scores(tokenize([query])[0])
    return dict(zip(ids, scores.tolist()))


@pytest.mark.parametrize("groups", [[list(CHUNKS)], [[30, 10], [20], [40, 50, 60]], [[i] for i in CHUNKS]])
def test_scores_are_bm25s_over_the_whole_corpus_however_it_is_segmented(groups):
    search = _search(groups)
    ids = np.array(list(CHUNKS), dtype=np.int64)
    for query in QUERIES:
        expected = _bm25s(list(CHUNKS), query)
        np.testing.assert_allclose(search.scores(query, ids), [expected[i] for i in CHUNKS], rtol=1e-5, atol=1e-6)


def test_search_is_best_first_positive_only_and_matches_stems():
    search = _search([[30, 10], [20, 40, 50, 60]])
    ids, scores = search.search("varieties of quinces", k=10)
    assert ids.tolist() == [10, 20], "only chunks sharing a term, best first"
    assert scores[0] > scores[1] > 0
    assert search.search("varieties of quinces", k=1)[0].tolist() == [10]
    assert search.search("rehearsing choirs", k=3)[0][0] == 40, "stems match: rehearsing ~ rehearses"
    assert search.search("arches", k=0)[0].size == 0


def test_a_search_within_a_scope_ranks_its_chunks_alone_with_the_corpus_scores():
    search = _search([[30, 10], [20, 40, 50, 60]])
    everywhere = dict(zip(*(a.tolist() for a in search.search("bridge", k=10))))
    assert {30, 50, 60} <= set(everywhere)
    scope = Scope.of({"club": [50], "festival": [60, 40]})
    ids, scores = search.search("bridge", k=2, scope=scope)
    assert ids.tolist() == sorted([50, 60], key=lambda i: -everywhere[i]), "k is filled from inside the scope"
    assert scores.tolist() == [everywhere[i] for i in ids.tolist()], "scored over the whole corpus all the same"
    assert search.search("quince", k=5, scope=scope)[0].size == 0


def test_a_query_of_stop_words_or_unknown_words_scores_nothing():
    search = _search([list(CHUNKS)])
    for query in ("what is the of and", "zeppelin"):
        assert search.search(query, k=3)[0].size == 0
        assert not search.scores(query, np.array([10, 20])).any()


def test_removed_chunks_score_nothing_and_leave_the_corpus_statistics():
    search = _search([[10, 20, 30], [40, 50, 60]], hidden={40: [50]})
    assert len(search) == 5
    ids, _ = search.search("bridge", k=10)
    assert 50 not in ids.tolist() and {20, 30, 60} <= set(ids.tolist())
    assert search.scores("bridge club members", np.array([50]))[0] == 0


def test_save_and_load_round_trip(tmp_path):
    postings = Postings.build(list(CHUNKS.values()))
    postings.save(tmp_path)
    loaded = Postings.load(tmp_path)
    assert loaded.terms == postings.terms
    for name in ("indptr", "rows", "tf", "lengths"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(postings, name))


def test_an_empty_segment_builds_saves_and_loads(tmp_path):
    empty = Postings.build([])
    assert len(empty) == 0 and empty.df("bridge") == 0
    empty.save(tmp_path)
    loaded = Postings.load(tmp_path)
    search = KeywordSearch([(_EMPTY, loaded, _EMPTY)])
    assert len(search) == 0 and search.search("bridge", k=3)[0].size == 0


def test_the_analyzer_fingerprint_is_the_tokenizers_and_stable_across_processes():
    """Snapshot compares it with the manifest's to decide whether to rebuild BM25: a fingerprint that
    changed from run to run would rebuild every index on every open."""
    assert analyzer() == tokenizer_identity() == analyzer()
    code = "import json; from assistant.store.bm25 import analyzer; print(json.dumps(analyzer()))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == analyzer()


def _terms(postings: Postings) -> dict[str, list[tuple[int, float]]]:
    """Each term's (row, frequency) entries: postings compared regardless of column order."""
    out = {}
    for term, column in postings.terms.items():
        span = slice(postings.indptr[column], postings.indptr[column + 1])
        out[term] = list(zip(postings.rows[span].tolist(), postings.tf[span].tolist()))
    return out


def test_merged_postings_equal_postings_built_from_the_merged_texts():
    """Merging segments' postings (interleaved ids, a removed chunk dropped) gives what tokenising the
    surviving chunks again would, so a merge need not tokenise."""
    groups = [[10, 40], [20, 50, 60], [30]]
    dropped = 50  # removed since its segment was written; its terms go with it
    merged_ids = sorted(i for group in groups for i in group if i != dropped)
    parts = []
    for ids in groups:
        target = np.array([merged_ids.index(i) if i != dropped else -1 for i in ids], dtype=np.int64)
        parts.append((Postings.build([CHUNKS[i] for i in ids]), target))
    merged = Postings.merged(parts, len(merged_ids))
    built = Postings.build([CHUNKS[i] for i in merged_ids])
    assert _terms(merged) == _terms(built)
    np.testing.assert_array_equal(merged.lengths, built.lengths)
    assert "club" not in merged.terms, "a term only the dropped chunk had is gone"
