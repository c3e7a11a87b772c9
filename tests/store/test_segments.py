"""Segments: exact and approximate vector search with removed rows hidden, and files that are checked
against their recorded checksum when opened."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.store.dense import AnnPolicy, DenseSegment
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
