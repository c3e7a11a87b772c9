"""The FAISS vector store on real sentence embeddings: search by cosine, the caller's 64-bit ids kept
through removals, and a save/load round trip that changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.store.vectors import FaissVectorStore

TEXTS = {
    101: "The Kestrel Point lighthouse was built in 1871 by Ada Morrow.",
    205: "The orchard grows forty-two varieties of quince.",
    307: "The Harrow bridge over the river has seven stone arches.",
    2**40 + 9: "The village choir rehearses every Thursday evening.",
}
QUERIES = {
    101: "Who built the lighthouse?",
    205: "How many kinds of quince are grown?",
    307: "How many arches does the bridge have?",
    2**40 + 9: "When does the choir practise?",
}


@pytest.fixture(scope="module")
def embedded(seed_assistant) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids = np.array(list(TEXTS), dtype=np.int64)
    encode = seed_assistant.embedder.encode
    return ids, encode(list(TEXTS.values())), encode([QUERIES[i] for i in TEXTS])


def _store(embedded) -> FaissVectorStore:
    ids, vectors, _ = embedded
    store = FaissVectorStore(vectors.shape[1])
    store.add(ids, vectors)
    return store


def test_each_question_finds_its_sentence_first_with_its_cosine(embedded):
    ids, vectors, queries = embedded
    store = _store(embedded)
    assert len(store) == 4
    found, scores = store.search(queries, k=4)
    assert found[:, 0].tolist() == ids.tolist()
    np.testing.assert_allclose(scores, np.sort(scores, axis=1)[:, ::-1])
    expected = queries @ vectors.T  # normalised vectors: the inner product is the cosine
    for row in range(len(ids)):
        for column, chunk_id in enumerate(found[row]):
            assert scores[row, column] == pytest.approx(expected[row, ids.tolist().index(chunk_id)], abs=1e-5)


def test_k_is_capped_by_the_store_and_an_empty_store_finds_nothing(embedded):
    _, vectors, queries = embedded
    found, scores = _store(embedded).search(queries[:1], k=50)
    assert found.shape == scores.shape == (1, 4)
    empty = FaissVectorStore(vectors.shape[1])
    found, scores = empty.search(queries, k=5)
    assert found.shape == scores.shape == (4, 0) and found.dtype == np.int64
    empty.add(np.array([], dtype=np.int64), np.zeros((0, vectors.shape[1]), dtype=np.float32))
    assert len(empty) == 0 and empty.remove(np.array([], dtype=np.int64)) == 0


def test_removed_ids_are_never_found_and_the_others_keep_theirs(embedded):
    ids, vectors, queries = embedded
    store = _store(embedded)
    assert store.remove(np.array([101, 999], dtype=np.int64)) == 1, "an unknown id removes nothing"
    assert len(store) == 3
    found, _ = store.search(queries, k=4)
    assert 101 not in found and found[1:, 0].tolist() == ids[1:].tolist()
    # Removal compacts FAISS's storage; each remaining id must still give back its own vector.
    np.testing.assert_array_equal(store.vectors(ids[1:]), vectors[1:])
    # A new vector takes a new id, the store never hands the old one to it.
    store.add(np.array([4000], dtype=np.int64), vectors[:1])
    found, _ = store.search(queries[:1], k=1)
    assert found.tolist() == [[4000]]
    assert store.vectors(np.array([], dtype=np.int64)).shape == (0, vectors.shape[1])


def test_vectors_of_another_dimension_are_refused(embedded):
    store = _store(embedded)
    with pytest.raises(ValueError, match="dimension 8, the store holds"):
        store.add(np.array([1], dtype=np.int64), np.ones((1, 8), dtype=np.float32))
    assert len(store) == 4


def test_save_and_load_give_the_same_store(embedded, tmp_path):
    ids, vectors, queries = embedded
    store = _store(embedded)
    store.remove(np.array([205], dtype=np.int64))
    store.save(tmp_path)
    loaded = FaissVectorStore.load(tmp_path)
    assert (loaded.dimension, len(loaded)) == (store.dimension, 3)
    for got, want in zip(loaded.search(queries, k=3), store.search(queries, k=3)):
        np.testing.assert_array_equal(got, want)
    kept = ids[[0, 2, 3]]
    np.testing.assert_array_equal(loaded.vectors(kept), vectors[[0, 2, 3]])
