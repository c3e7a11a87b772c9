"""The sentence index: every chunk scored by its best sentence against a query, with real sentence
embeddings, rows in any order, a sentence shared by two chunks, and a save/load round trip."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.store.sentences import SentenceIndex

# (chunk id, sentence); chunk 7 and chunk 3 share the middle sentence, as overlapping chunks do.
ROWS = [
    (7, "The granary roof was rebuilt in 1921."),
    (3, "The mill pond froze in the winter of 1947."),
    (7, "Its beams are oak from the Harrow estate."),
    (3, "Its beams are oak from the Harrow estate."),
    (5, "The choir rehearses on Thursday evenings."),
    (3, "Skaters came from Velden to the pond."),
]


@pytest.fixture(scope="module")
def encode(seed_assistant):
    return seed_assistant.embedder.encode


@pytest.fixture(scope="module")
def rows(encode) -> tuple[np.ndarray, np.ndarray]:
    return np.array([c for c, _ in ROWS], dtype=np.int64), encode([s for _, s in ROWS])


def _expected(chunk_of_row: np.ndarray, vectors: np.ndarray, query: np.ndarray) -> dict[int, float]:
    scores = vectors @ query
    return {int(c): float(scores[chunk_of_row == c].max()) for c in np.unique(chunk_of_row)}


@pytest.mark.parametrize(
    ("question", "best_chunk"),
    [("When was the roof rebuilt?", 7), ("Where did the skaters come from?", 3), ("When does the choir meet?", 5)],
)
def test_each_chunk_scores_its_best_sentence(rows, encode, question, best_chunk):
    chunk_of_row, vectors = rows
    index = SentenceIndex.build(chunk_of_row, vectors)
    assert len(index) == 6
    query = encode([question])[0]
    chunk_ids, best = index.best_per_chunk(query)
    assert chunk_ids.tolist() == [3, 5, 7]
    assert dict(zip(chunk_ids.tolist(), best.tolist())) == pytest.approx(
        _expected(chunk_of_row, vectors, query), abs=1e-6
    )
    assert int(chunk_ids[np.argmax(best)]) == best_chunk


def test_a_shared_sentence_counts_for_both_chunks(rows, encode):
    chunk_of_row, vectors = rows
    chunk_ids, best = SentenceIndex.build(chunk_of_row, vectors).best_per_chunk(
        encode(["What wood are the beams made of?"])[0]
    )
    scores = dict(zip(chunk_ids.tolist(), best.tolist()))
    assert scores[3] == pytest.approx(scores[7]) and scores[3] > scores[5]


def test_save_and_load_round_trip(rows, encode, tmp_path):
    chunk_of_row, vectors = rows
    index = SentenceIndex.build(chunk_of_row, vectors)
    assert SentenceIndex.load(tmp_path) is None, "a generation from before sentence retrieval"
    index.save(tmp_path)
    loaded = SentenceIndex.load(tmp_path)
    query = encode(["Who came to the frozen pond?"])[0]
    for got, want in zip(loaded.best_per_chunk(query), index.best_per_chunk(query)):
        np.testing.assert_array_equal(got, want)


def test_an_empty_index_scores_no_chunk(encode):
    dimension = encode(["x"]).shape[1]
    index = SentenceIndex.build(np.zeros(0, dtype=np.int64), np.zeros((0, dimension), dtype=np.float32))
    chunk_ids, best = index.best_per_chunk(encode(["anything"])[0])
    assert len(index) == 0 and chunk_ids.size == 0 and best.size == 0
