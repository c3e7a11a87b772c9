"""What retrieval and answering read from an index, as protocols: the embedded store (FAISS, BM25 and
SQLite files, ``store.index.Snapshot``) implements them, and a server store can implement them
without any change to retrieval or answering.

    def retrieve(view: IndexView, ...):
        ids, scores = view.vectors.search(query_vectors, k)
        records = view.text.chunks(list(ids[0]))
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..types import Document, DocumentInfo
from .textstore import ChunkRecord, SentenceRecord
from .vectors import VectorStore


class ChunkTexts(Protocol):
    """Chunks, their sentences and the documents, by id."""

    def chunks(self, chunk_ids: list[int]) -> dict[int, ChunkRecord]: ...

    def chunk_sentences(self, chunk_ids: list[int]) -> dict[int, list[SentenceRecord]]: ...

    def documents(self) -> list[DocumentInfo]: ...

    def document(self, doc_id: str) -> Document | None: ...


class KeywordIndex(Protocol):
    """BM25 over every chunk; scores are aligned with ``chunk_ids``."""

    @property
    def chunk_ids(self) -> np.ndarray: ...

    def __len__(self) -> int: ...

    def positions(self, ids: np.ndarray) -> np.ndarray: ...

    def scores(self, query: str) -> np.ndarray | None: ...


class SentenceVectors(Protocol):
    """Every chunk's sentence vectors, to score a chunk by its best-matching sentence."""

    def __len__(self) -> int: ...

    def best_per_chunk(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class IndexView(Protocol):
    """One consistent generation of an index, opened for questions."""

    # Read-only properties, so that a store may hold any class that fits each protocol.
    @property
    def name(self) -> str: ...

    @property
    def text(self) -> ChunkTexts: ...

    @property
    def vectors(self) -> VectorStore: ...

    @property
    def bm25(self) -> KeywordIndex: ...

    @property
    def sentences(self) -> SentenceVectors: ...
