"""What retrieval, answering and ingest need from an index, as protocols: the embedded store (SQLite
and segment files, ``store.index``) implements them, and a database server can implement them without
any change to retrieval, answering or ingest.

Every search is "the best k" plus "the scores of these candidates", so that a server answers each
with one query instead of shipping whole score arrays:

    with store.reading() as view:
        ids, scores = view.dense.search(query_vector, k)
        bm25 = view.keywords.scores(question, ids)
        records = view.text.chunks(list(ids))
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import numpy as np

from ..types import Chunk, Document, DocumentInfo
from .index import Merged, Repaired
from .manifest import Manifest
from .scope import Scope
from .textstore import ChunkRecord, SentenceRecord


class ChunkTexts(Protocol):
    """Chunks, their sentences and the documents, by id."""

    def chunks(self, chunk_ids: list[int]) -> dict[int, ChunkRecord]: ...

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        """A document's chunks in document order (none for an unknown id)."""
        ...

    def chunk_sentences(self, chunk_ids: list[int]) -> dict[int, list[SentenceRecord]]: ...

    def document_chunk_ids(self, doc_ids: list[str]) -> dict[str, list[int]]:
        """Each of these documents' chunk ids (a question's ``Scope``); an unknown id is left out."""
        ...

    def documents(self) -> list[DocumentInfo]: ...

    def document(self, doc_id: str) -> Document | None: ...

    def ocr_confidence(self, doc_ids: Sequence[str]) -> dict[str, dict[int, float]]:
        """Per document, its OCR'd pages with text and their mean confidence (0-100); documents that no
        OCR read are left out."""
        ...


class DenseIndex(Protocol):
    """Chunk vectors, by inner product (cosine: vectors are normalised)."""

    def __len__(self) -> int: ...

    def search(self, query: np.ndarray, k: int, scope: Scope | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Up to k ``(chunk_ids, scores)``, best first, only chunks in ``scope`` when one is given;
        approximate on a large index, exact over a scope no larger than an index searched exactly."""
        ...

    def scores(self, query: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        """Exact scores of these chunks (nan for one not indexed)."""
        ...


class KeywordIndex(Protocol):
    """Term search over chunk text (BM25, or the server's full-text ranking)."""

    def __len__(self) -> int: ...

    def search(self, query: str, k: int, scope: Scope | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Up to k ``(chunk_ids, scores)`` with a positive score, best first, only chunks in ``scope``
        when one is given (scored over the whole corpus all the same)."""
        ...

    def scores(self, query: str, chunk_ids: np.ndarray) -> np.ndarray:
        """The score of each of these chunks; 0 where none of the query's terms occurs."""
        ...


class SentenceScores(Protocol):
    """Each chunk's best-matching sentence, from the sentence vectors stored at ingest."""

    def best(self, query: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        """The highest sentence score of each chunk (nan for a chunk without sentences)."""
        ...


class IndexView(Protocol):
    """One consistent generation of an index, opened for questions."""

    # Read-only properties, so that a store may hold any class that fits each protocol.
    @property
    def name(self) -> str: ...

    @property
    def manifest(self) -> Manifest: ...

    @property
    def text(self) -> ChunkTexts: ...

    @property
    def dense(self) -> DenseIndex: ...

    @property
    def keywords(self) -> KeywordIndex: ...

    @property
    def sentences(self) -> SentenceScores: ...


class StoreWriter(Protocol):
    """One atomic change to an index: everything up to ``commit`` becomes live at once, or not at all.

    ``rebuild_reason`` is set when the index must be rebuilt before taking new documents; the writer
    then starts empty and ``stale_sources`` lists the files the index held, to re-read.
    """

    rebuild_reason: str | None
    stale_sources: list[str]

    def doc_for_source(self, path: str) -> str | None: ...

    def has_document(self, doc_id: str) -> bool: ...

    def sources(self) -> dict[str, str]: ...

    def add_document(
        self, document: Document, chunks: list[Chunk], chunk_vectors: np.ndarray, sentence_vectors: np.ndarray
    ) -> list[int]:
        """Store a document, its chunks and vectors; returns (and sets on the chunks) their new ids."""
        ...

    def add_source(self, path: str, doc_id: str) -> None: ...

    def remove_source(self, path: str) -> str | None:
        """Forget one file name; returns its document id if no other name still refers to it."""
        ...

    def remove_document(self, doc_id: str) -> list[int]: ...

    def commit(self) -> str: ...


class Store(Protocol):
    """An index: questions read it in consistent views, one writer at a time changes it.

    ``where`` names it for messages (a folder, or a server address without its password);
    ``repaired`` is set when opening it rebuilt damaged search files.
    """

    where: str
    repaired: Repaired | None

    def exists(self) -> bool: ...

    def reading(self) -> AbstractContextManager[IndexView]:
        """One generation for the length of the block, whatever is committed meanwhile."""
        ...

    def view(self) -> IndexView:
        """The live generation, outside a transaction: each call on it reads what is committed by then."""
        ...

    def writer(self, chunker: dict, rebuild_stale: bool = True) -> AbstractContextManager[StoreWriter]: ...

    def compact(self) -> Manifest:
        """Rewrite the search structures whole (after large removals); returns the new manifest."""
        ...

    def size_bytes(self) -> int: ...

    def close(self) -> None: ...


@runtime_checkable
class Merging(Protocol):
    """A store whose ingests leave large merges for later (the embedded store's segments; a database
    server maintains its own indexes). ``Ingestor.run`` runs them once its ingest is committed."""

    def merge(self) -> list[Merged]:
        """Run the merges that are due; returns what each did (none when nothing was due)."""
        ...
