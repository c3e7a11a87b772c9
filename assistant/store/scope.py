"""A question's scope: the documents it is restricted to, which every search filters by before ranking.

    >>> scope = Scope.of(view.text.document_chunk_ids(["3f2a...", "9c1e..."]))
    >>> view.dense.search(query_vector, k=10, scope=scope)     # the best 10 inside those documents

It carries both the document ids and their chunk ids, so that each store filters by what it indexes:
the embedded store's segments by chunk id, the PostgreSQL store in SQL by document id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scope:
    doc_ids: tuple[str, ...]
    chunk_ids: np.ndarray  # int64, ascending, each once

    @classmethod
    def of(cls, chunks_by_doc: Mapping[str, Sequence[int]]) -> Scope:
        """The scope of these documents, given each one's chunk ids."""
        ids = [np.asarray(ids, dtype=np.int64) for ids in chunks_by_doc.values()]
        chunk_ids = np.unique(np.concatenate(ids)) if ids else np.zeros(0, dtype=np.int64)
        return cls(tuple(chunks_by_doc), chunk_ids)

    def __len__(self) -> int:
        """The number of chunks in scope."""
        return len(self.chunk_ids)


def chunk_ids_by_document(rows: Iterable[tuple[str, int | None]]) -> dict[str, list[int]]:
    """``(doc_id, chunk_id)`` rows of a documents-left-join-chunks query, grouped by document: a
    document without chunks is kept, with none, so that it counts as found."""
    found: dict[str, list[int]] = {}
    for doc_id, chunk_id in rows:
        ids = found.setdefault(doc_id, [])
        if chunk_id is not None:
            ids.append(chunk_id)
    return found
