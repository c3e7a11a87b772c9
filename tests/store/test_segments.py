"""Segments: exact and approximate vector search with removed rows hidden, and files that are checked
against their recorded checksum when opened."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.store.dense import AnnPolicy, DenseSegment
from assistant.store.scope import Scope
from assistant.store.segments import Segment, SegmentDamaged, SegmentSet

_NONE = np.zeros(0, dtype=np.int64)


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 32)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_each_kind_finds_the_exact_neighbours_of_a_small_set_and_hides_removed_rows(kind):
    vectors = _vectors(400)
    policy = AnnPolicy(min_rows=1 if kind != "flat" else 10_000, kind="ivf" if kind == "ivf" else "hnsw", ivf_nprobe=64)
    part = DenseSegment.build(vectors, policy)
    assert part.kind == kind
    query = vectors[7] + 0.1 * vectors[8]
    query /= np.linalg.norm(query)
    exact = np.argsort(-(vectors @ query))[:10]
    rows, scores = part.search(query, 10, _NONE)
    assert rows.tolist() == exact.tolist()
    np.testing.assert_allclose(scores, (vectors @ query)[exact], rtol=1e-5)
    np.testing.assert_allclose(part.scores(query, rows[::-1]), scores[::-1], rtol=1e-5)
    rows, _ = part.search(query, 10, np.array([7], dtype=np.int64))
    assert 7 not in rows.tolist() and rows[:9].tolist() == [r for r in exact.tolist() if r != 7][:9]


def test_a_segment_set_searches_across_segments_by_chunk_id(tmp_path):
    vectors = _vectors(30, seed=1)
    ids = np.arange(100, 130, dtype=np.int64)
    texts = [f"text {i}" for i in range(30)]
    policy = AnnPolicy()
    first = Segment.build("seg-000001", [(ids[:20], texts[:20], vectors[:20])], policy)
    second = Segment.build("seg-000002", [(ids[20:], texts[20:], vectors[20:])], policy)
    whole = SegmentSet([first, second], {"seg-000001": np.array([105])})
    assert len(whole) == 29
    query = vectors[5]
    found, scores = whole.search(query, 30)
    assert 105 not in found.tolist() and len(found) == 29
    expected = [int(ids[i]) for i in np.argsort(-(vectors @ query)) if ids[i] != 105]
    assert found.tolist() == expected
    assert np.isnan(whole.scores(query, np.array([999]))[0])


def test_a_damaged_segment_file_is_caught_by_its_checksum(tmp_path):
    vectors = _vectors(12, seed=2)
    segment = Segment.build("seg-000003", [(np.arange(12), [f"t {i}" for i in range(12)], vectors)], AnnPolicy())
    checksum = segment.save(tmp_path)
    loaded = Segment.load(tmp_path, "seg-000003", "flat", {}, checksum)
    np.testing.assert_array_equal(loaded.ids, segment.ids)
    path = tmp_path / "seg-000003" / "vectors.npy"
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF  # one flipped byte in a vector: it would load fine and answer wrongly
    path.write_bytes(bytes(data))
    with pytest.raises(SegmentDamaged, match="checksum"):
        Segment.load(tmp_path, "seg-000003", "flat", {}, checksum)
    (tmp_path / "seg-000003" / "ids.npy").unlink()
    with pytest.raises(SegmentDamaged):
        Segment.load(tmp_path, "seg-000003", "flat", {}, checksum)


def test_ids_must_come_in_ascending_order():
    with pytest.raises(ValueError, match="ascending"):
        Segment.build("seg-000001", [(np.array([3, 2]), ["a", "b"], _vectors(2))], AnnPolicy())


def _clustered(n: int, seed: int = 3) -> np.ndarray:
    """Vectors in clusters, as text embeddings are (an approximate index finds their neighbours well)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, 32))
    vectors = (centres[rng.integers(40, size=n)] + 0.5 * rng.normal(size=(n, 32))).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_a_search_within_a_few_rows_finds_their_exact_neighbours(kind):
    """A scope of 2% of the rows: the approximate index looks further (more of the graph, more lists)
    until it has met as many rows of the scope as it would meet rows unscoped."""
    vectors = _clustered(4000)
    policy = AnnPolicy(min_rows=1 if kind != "flat" else 10_000, kind="ivf" if kind == "ivf" else "hnsw")
    part = DenseSegment.build(vectors, policy)
    rng = np.random.default_rng(4)
    within = np.sort(rng.choice(len(vectors), 80, replace=False)).astype(np.int64)
    misses = 0
    for q in rng.choice(len(vectors), 20, replace=False):
        query = vectors[q]
        exact = within[np.argsort(-(vectors[within] @ query))[:10]]
        rows, scores = part.search(query, 10, _NONE, within=within)
        assert set(rows.tolist()) <= set(within.tolist()) and len(rows) == 10
        np.testing.assert_allclose(scores, vectors[rows] @ query, rtol=1e-5)
        misses += len(set(exact.tolist()) - set(rows.tolist()))
    assert misses <= 2, f"{misses} of 200 true neighbours missed"


def test_a_segment_set_searches_a_scope_exactly_or_by_its_index_and_never_a_removed_chunk():
    vectors = _clustered(600, seed=5)
    ids = np.arange(1000, 1600, dtype=np.int64)
    texts = [f"text {i}" for i in range(600)]
    approximate = Segment.build("seg-000001", [(ids[:400], texts[:400], vectors[:400])], AnnPolicy(min_rows=1))
    flat = Segment.build("seg-000002", [(ids[400:], texts[400:], vectors[400:])], AnnPolicy())
    assert approximate.dense.kind == "hnsw" and flat.dense.kind == "flat"
    scope = Scope.of({"a": ids[::7].tolist(), "b": [1001, 1450, 1451]})
    query = vectors[1]
    live = [c for c in scope.chunk_ids.tolist() if c != 1001]
    expected = sorted(live, key=lambda c: -float(vectors[c - 1000] @ query))[:12]
    for exact_below in (1, 10_000):  # the scope's share of the HNSW segment by its index, then exactly
        whole = SegmentSet([approximate, flat], {"seg-000001": np.array([1001])}, exact_below=exact_below)
        found, scores = whole.search(query, 12, scope)
        assert found.tolist() == expected, exact_below
        np.testing.assert_allclose(scores, [vectors[c - 1000] @ query for c in expected], rtol=1e-5)
    assert whole.search(query, 5, Scope.of({"none": []}))[0].size == 0
