"""Every chunk's sentence vectors in one matrix, so a query is scored against all sentences at once.

A question usually targets one sentence, and a 200-token chunk's single vector blurs it with its
neighbours: on SQuAD tuning questions the best sentence finds the right paragraph first more often
than the chunk vector (benchmarks/tune_fusion.py). The sentence vectors are already computed at
ingest for the extractive answerer, so this costs no model pass, only a
matrix product (about 5 ms per 50k sentences here). Rows are grouped by chunk; a sentence inside
two overlapping chunks appears under both.

    >>> index = SentenceIndex.build(np.array([4, 4, 9]), vectors)
    >>> chunk_ids, best = index.best_per_chunk(query_vector)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


class SentenceIndex:
    VECTORS = "sentence_vectors.npy"
    CHUNKS = "sentence_chunks.npy"

    def __init__(self, chunk_of_row: np.ndarray, vectors: np.ndarray) -> None:
        self._chunk_of_row = chunk_of_row
        self._vectors = vectors
        self.chunk_ids, self._starts = np.unique(chunk_of_row, return_index=True)

    @classmethod
    def build(cls, chunk_of_row: np.ndarray, vectors: np.ndarray) -> SentenceIndex:
        order = np.argsort(chunk_of_row, kind="stable")
        return cls(
            np.asarray(chunk_of_row, dtype=np.int64)[order], np.ascontiguousarray(vectors[order], dtype=np.float32)
        )

    @classmethod
    def load(cls, directory: Path) -> SentenceIndex | None:
        """The saved index, or None when the generation predates it (the caller rebuilds it)."""
        vectors, chunks = directory / cls.VECTORS, directory / cls.CHUNKS
        if not (vectors.exists() and chunks.exists()):
            return None
        return cls(np.load(chunks), np.load(vectors, mmap_mode="r"))

    def save(self, directory: Path) -> None:
        np.save(directory / self.CHUNKS, self._chunk_of_row)
        np.save(directory / self.VECTORS, self._vectors)

    def __len__(self) -> int:
        return len(self._vectors)

    def best_per_chunk(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(chunk_ids, best)``: for every chunk, the highest query-sentence inner product."""
        if len(self._vectors) == 0:
            return self.chunk_ids, np.zeros(0, dtype=np.float32)
        # One BLAS thread: a multi-threaded product leaves OpenBLAS threads spinning, and the next
        # query embedding (torch's own threads on the same two cores) then took 2-3x longer
        # (warm ask p50 56-71 ms against 32 ms on an 11.6k-chunk index).
        with _blas().limit(limits=1, user_api="blas"):
            scores = self._vectors @ query
        return self.chunk_ids, np.maximum.reduceat(scores, self._starts)
