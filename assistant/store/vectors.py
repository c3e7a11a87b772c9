"""Dense vector stores behind a narrow interface, so a server-backed store can replace FAISS.

    >>> store = FaissVectorStore(384)
    >>> store.add(np.array([7], dtype=np.int64), vectors)
    >>> ids, scores = store.search(query_vectors, k=5)

Ids are the chunk ids the text store hands out: 64-bit, never reused after a delete (llama-index's
``FaissVectorStore`` cannot delete and ``FaissMapVectorStore`` reuses ids, hence this thin layer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class VectorStore(Protocol):
    dimension: int

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> int: ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ``(ids, scores)`` per query row, by inner product; missing slots have id -1."""
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of these ids, one row each (to score candidates found another way)."""
        ...

    def save(self, directory: Path) -> None: ...


class FaissVectorStore:
    """Exact inner-product search over normalised vectors (cosine), with stable 64-bit ids."""

    FILE = "vectors.faiss"

    def __init__(self, dimension: int, index=None) -> None:
        import faiss

        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    @classmethod
    def load(cls, directory: Path) -> FaissVectorStore:
        import faiss

        index = faiss.read_index(str(directory / cls.FILE))
        return cls(index.d, index)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        if vectors.shape[1] != self.dimension:
            raise ValueError(f"vectors have dimension {vectors.shape[1]}, the store holds {self.dimension}")
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> int:
        import faiss

        if len(ids) == 0:
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64))))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self))
        if k == 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.int64), empty.astype(np.float32)
        scores, ids = self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return ids, scores

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._index.reconstruct(int(i)) for i in ids])

    def save(self, directory: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(directory / self.FILE))
