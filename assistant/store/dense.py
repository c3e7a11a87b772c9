"""Chunk vectors of one segment: exact search over a matrix when the segment is small, an approximate
(ANN) FAISS index when it is large, chosen by size and recorded with the segment.

    >>> part = DenseSegment.build(vectors, AnnPolicy(min_rows=50_000))
    >>> rows, scores = part.search(query, k=10, hidden=np.array([3]))
    >>> part.scores(query, rows)

Rows are positions in the segment (the segment maps them to chunk ids). ``hidden`` rows (chunks
removed after the segment was written) never come back from a search.

Why not one FAISS index for the whole corpus: a FAISS file is rewritten whole, so adding one document
would rewrite every vector. Segments are written once and merged a few at a time (``store.index``);
``assistant compact`` merges them all.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

AnnKind = Literal["hnsw", "ivf"]


def _faiss() -> Any:
    """The faiss module, untyped: its bundled stubs lack the search-parameter classes used here
    (``SearchParametersHNSW``, ``SearchParametersIVF`` with ``sel``) and ``make_direct_map``."""
    import faiss

    return faiss


@lru_cache(maxsize=1)
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """A context in which numpy's matrix products use one thread. A multi-threaded product leaves
    OpenBLAS threads spinning, and the next query embedding on the same two cores then took 2-3x
    longer; the question path is one thread per question anyway."""
    return _blas().limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class AnnPolicy:
    """Which index a segment of a given size gets; the parameters come from settings (``storage``)."""

    min_rows: int = 50_000
    kind: AnnKind = "hnsw"
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 64
    ivf_nprobe: int = 32

    def kind_for(self, rows: int) -> str:
        return self.kind if rows >= self.min_rows else "flat"

    def params(self, kind: str, rows: int) -> dict:
        """The parameters a segment of this kind and size is built and searched with (recorded)."""
        if kind == "hnsw":
            return {"m": self.hnsw_m, "ef_construction": self.hnsw_ef_construction, "ef_search": self.hnsw_ef_search}
        if kind == "ivf":
            # The usual rule of thumb: about 4 sqrt(n) lists, each with the 39 training points FAISS asks for.
            return {"lists": max(1, min(int(4 * math.sqrt(rows)), rows // 39)), "nprobe": self.ivf_nprobe}
        return {}

    def as_dict(self) -> dict:
        return asdict(self)


class DenseSegment:
    """One segment's vectors: a matrix (``flat``), or a FAISS HNSW or IVF index over them."""

    MATRIX = "vectors.npy"
    ANN = "vectors.faiss"

    def __init__(self, kind: str, params: dict, matrix: np.ndarray | None = None, ann=None) -> None:
        self.kind = kind
        self.params = params
        self._matrix = matrix
        self._ann = ann

    @classmethod
    def build(cls, vectors: np.ndarray, policy: AnnPolicy) -> DenseSegment:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        kind = policy.kind_for(len(vectors))
        params = policy.params(kind, len(vectors))
        if kind == "flat":
            return cls(kind, params, matrix=vectors)
        faiss = _faiss()
        dimension = vectors.shape[1]
        if kind == "hnsw":
            ann = faiss.IndexHNSWFlat(dimension, params["m"], faiss.METRIC_INNER_PRODUCT)
            ann.hnsw.efConstruction = params["ef_construction"]
            ann.add(vectors)
        else:
            quantizer = faiss.IndexFlatIP(dimension)
            ann = faiss.IndexIVFFlat(quantizer, dimension, params["lists"], faiss.METRIC_INNER_PRODUCT)
            # k-means on a sample: 64 points per list kept recall@10 at 1M vectors (bench_ann.py), and
            # training time grows with the sample.
            rng = np.random.default_rng(0)
            sample = vectors[rng.choice(len(vectors), min(len(vectors), 64 * params["lists"]), replace=False)]
            ann.train(sample)
            ann.add(vectors)
            ann.make_direct_map()
        return cls(kind, params, ann=ann)

    @classmethod
    def load(cls, directory: Path, kind: str, params: dict) -> DenseSegment:
        if kind == "flat":
            return cls(kind, params, matrix=np.load(directory / cls.MATRIX, mmap_mode="r"))
        ann = _faiss().read_index(str(directory / cls.ANN))
        if kind == "ivf":
            ann.make_direct_map()
        return cls(kind, params, ann=ann)

    def save(self, directory: Path) -> None:
        if self._matrix is not None:
            np.save(directory / self.MATRIX, self._matrix)
        else:
            _faiss().write_index(self._ann, str(directory / self.ANN))

    def __len__(self) -> int:
        return len(self._matrix) if self._matrix is not None else int(self._ann.ntotal)

    def search(
        self, query: np.ndarray, k: int, hidden: np.ndarray, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Up to k ``(rows, scores)`` by inner product, best first, never a ``hidden`` row; with
        ``within`` (a question's scope: rows ascending, none hidden), only those rows."""
        n = len(self)
        k = min(k, n - len(hidden) if within is None else len(within))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self._matrix is not None:
            with one_blas_thread():
                if within is not None:
                    return best_k(within, np.asarray(self._matrix[within]) @ query, k)
                scores = self._matrix @ query
            if len(hidden):
                scores[hidden] = -np.inf
            return best_k(np.arange(n, dtype=np.int64), scores, k)
        return self._search_ann(query, k, hidden, within)

    def _search_ann(
        self, query: np.ndarray, k: int, hidden: np.ndarray, within: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()
        selector = None
        # A scope's rows are a share of the segment's: the graph walk (HNSW) or the lists scanned (IVF)
        # grow by its inverse, so that a scoped search meets as many in-scope rows as an unscoped one
        # meets rows. Without it, a scope of a few percent of the rows lost most of its true neighbours
        # (tests/store/test_segments.py searches one).
        widen = 1.0
        if within is not None:
            selector = faiss.IDSelectorBatch(within.astype(np.int64))
            widen = len(self) / len(within)
        elif len(hidden):
            selector = faiss.IDSelectorNot(faiss.IDSelectorBatch(hidden.astype(np.int64)))
        if self.kind == "hnsw":
            ef = math.ceil(max(self.params["ef_search"], k) * widen)
            params = faiss.SearchParametersHNSW(efSearch=ef, sel=selector)
        else:
            nprobe = min(self.params["lists"], math.ceil(self.params["nprobe"] * widen))
            params = faiss.SearchParametersIVF(nprobe=nprobe, sel=selector)
        scores, rows = self._ann.search(np.ascontiguousarray(query[None, :], dtype=np.float32), k, params=params)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def scores(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact inner products for these rows (candidates found another way)."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        if self._matrix is not None:
            return np.asarray(self._matrix[rows], dtype=np.float32) @ query
        return self._ann.reconstruct_batch(rows.astype(np.int64)) @ query


def best_k(rows: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best ``(rows, scores)`` of these, best first."""
    top = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
    top = top[np.argsort(-scores[top], kind="stable")]
    return rows[top].astype(np.int64), scores[top].astype(np.float32)
