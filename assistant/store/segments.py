"""Segments: the search structures of a set of chunks, written once into their own folder.

A segment holds its chunk ids (sorted), their vectors (``DenseSegment``) and their BM25 term
frequencies (``Postings``). The index database is the source of truth; a segment is derived from its
rows and can be rebuilt from them, which is how a damaged one is repaired. Each file's sha256 is
recorded with the segment, so a damaged file is found when the segment is opened, not by a wrong answer.

    >>> segment = Segment.build("seg-000004", [(chunk_ids, texts, vectors)], policy)
    >>> checksum = segment.save(root / "segments")
    >>> Segment.load(root / "segments", "seg-000004", "flat", {}, checksum)

Search across segments, with chunks removed since a segment was written hidden, is ``SegmentSet``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import KeywordSearch, Postings
from .dense import AnnPolicy, DenseSegment, best_k
from .scope import Scope

IDS = "ids.npy"


class SegmentDamaged(Exception):
    """A segment's files are missing or do not match their recorded checksum."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"segment {name}: {reason}")
        self.name = name
        self.reason = reason


def _checksum(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode())
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.iterdir(), folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass
class Segment:
    name: str
    ids: np.ndarray  # sorted chunk ids; row i of ``dense`` and ``postings`` is ids[i]
    dense: DenseSegment
    postings: Postings

    @classmethod
    def build(
        cls,
        name: str,
        batches: Iterable[tuple[np.ndarray, list[str], np.ndarray]],
        policy: AnnPolicy,
        kept: Iterable[tuple[np.ndarray, Postings]] = (),
        kept_vectors: Iterable[tuple[np.ndarray, np.ndarray]] = (),
    ) -> Segment:
        """A segment of the ``(chunk_ids, texts, vectors)`` batches, whose texts are tokenised here, and
        of the chunks of ``kept`` segments (merged): each one's ``(chunk_ids, postings)`` as written,
        with ``kept_vectors``, ``(chunk_ids, vectors)`` batches of those of their chunks still live.
        Each input is in ascending id order (as ``TextStore`` yields rows); a merge does not tokenise
        again, and a kept chunk that is not live is dropped."""
        ids: list[np.ndarray] = []
        vectors: list[np.ndarray] = []

        def texts() -> Iterator[list[str]]:
            for batch_ids, batch_texts, batch_vectors in batches:
                ids.append(np.asarray(batch_ids, dtype=np.int64))
                vectors.append(np.asarray(batch_vectors, dtype=np.float32))
                yield batch_texts

        postings = Postings.from_batches(texts())
        fresh = sum(len(i) for i in ids)
        for batch_ids, batch_vectors in kept_vectors:
            ids.append(np.asarray(batch_ids, dtype=np.int64))
            vectors.append(np.asarray(batch_vectors, dtype=np.float32))
        every = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        order = np.argsort(every, kind="stable")
        all_ids = every[order]
        if np.any(np.diff(all_ids) <= 0) or np.any(np.diff(every[:fresh]) <= 0):
            raise ValueError("a segment's chunk ids must be given in ascending order, each once")
        dimension = vectors[0].shape[1] if vectors else 0
        matrix = np.concatenate(vectors)[order] if vectors else np.zeros((0, dimension), dtype=np.float32)
        kept = list(kept)
        if kept:
            position = np.empty(len(every), dtype=np.int64)
            position[order] = np.arange(len(every))
            parts = [(postings, position[:fresh])]
            for segment_ids, segment_postings in kept:
                at = np.clip(np.searchsorted(all_ids, segment_ids), 0, max(len(all_ids) - 1, 0))
                live = all_ids[at] == segment_ids if len(all_ids) else np.zeros(len(segment_ids), dtype=bool)
                parts.append((segment_postings, np.where(live, at, -1)))
            postings = Postings.merged(parts, len(all_ids))
        return cls(name, all_ids, DenseSegment.build(matrix, policy), postings)

    @staticmethod
    def load_terms(parent: Path, name: str, checksum: str) -> tuple[np.ndarray, Postings]:
        """A segment's chunk ids and postings, checked against its checksum: what a merge needs of it."""
        folder = parent / name
        try:
            if _checksum(folder) != checksum:
                raise SegmentDamaged(name, "its files do not match their recorded checksum")
            ids, postings = np.load(folder / IDS), Postings.load(folder)
        except (OSError, ValueError, EOFError) as exc:
            raise SegmentDamaged(name, f"{type(exc).__name__}: {exc}") from exc
        if len(ids) != len(postings):
            raise SegmentDamaged(name, "its files disagree on the number of chunks")
        return ids, postings

    def save(self, parent: Path) -> str:
        """Write the segment's folder durably; returns its checksum (to record with it)."""
        folder = parent / self.name
        folder.mkdir(parents=True)
        np.save(folder / IDS, self.ids)
        self.dense.save(folder)
        self.postings.save(folder)
        _fsync_tree(folder)
        return _checksum(folder)

    @classmethod
    def load(cls, parent: Path, name: str, kind: str, params: dict, checksum: str) -> Segment:
        folder = parent / name
        try:
            if _checksum(folder) != checksum:
                raise SegmentDamaged(name, "its files do not match their recorded checksum")
            ids = np.load(folder / IDS)
            segment = cls(name, ids, DenseSegment.load(folder, kind, params), Postings.load(folder))
        except (OSError, ValueError, RuntimeError, EOFError) as exc:
            raise SegmentDamaged(name, f"{type(exc).__name__}: {exc}") from exc
        if not (len(segment.dense) == len(segment.postings) == len(ids)):
            raise SegmentDamaged(name, "its files disagree on the number of chunks")
        return segment

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, chunk_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(found, rows)``: which of these chunk ids are in the segment, and their rows."""
        if len(self.ids) == 0:
            return np.zeros(len(chunk_ids), dtype=bool), np.zeros(0, dtype=np.int64)
        at = np.clip(np.searchsorted(self.ids, chunk_ids), 0, len(self.ids) - 1)
        found = self.ids[at] == chunk_ids
        return found, at[found]


class SegmentSet:
    """The live segments of one generation as one dense index and one keyword index.

    ``removed`` maps a segment's name to the chunk ids removed from it since it was written. A search
    within a scope scores the scope's chunks of an approximate segment exactly when they are fewer
    than ``exact_below`` (the size up to which a segment is built without an approximate index)."""

    def __init__(
        self, segments: list[Segment], removed: dict[str, np.ndarray], exact_below: int = AnnPolicy.min_rows
    ) -> None:
        self.segments = segments
        self._exact_below = exact_below
        self._hidden = [s.rows(np.asarray(removed.get(s.name, []), dtype=np.int64))[1] for s in segments]
        self.keywords = KeywordSearch([(s.ids, s.postings, h) for s, h in zip(segments, self._hidden)])
        self._n = sum(len(s) - len(h) for s, h in zip(segments, self._hidden))

    def __len__(self) -> int:
        return self._n

    def search(self, query: np.ndarray, k: int, scope: Scope | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ``(chunk_ids, scores)`` by inner product over every segment, best first; with a
        scope, over its chunks only."""
        ids, scores = [], []
        for segment, hidden in zip(self.segments, self._hidden):
            if scope is None:
                rows, values = segment.dense.search(query, k, hidden)
            else:
                rows, values = self._search_within(segment, hidden, query, k, scope)
            ids.append(segment.ids[rows])
            scores.append(values)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        all_ids, all_scores = np.concatenate(ids), np.concatenate(scores)
        order = np.lexsort((all_ids, -all_scores))[:k]
        return all_ids[order], all_scores[order]

    def _search_within(
        self, segment: Segment, hidden: np.ndarray, query: np.ndarray, k: int, scope: Scope
    ) -> tuple[np.ndarray, np.ndarray]:
        rows = segment.rows(scope.chunk_ids)[1]
        if len(hidden):
            rows = rows[~np.isin(rows, hidden)]
        if len(rows) == 0:
            return rows, np.zeros(0, dtype=np.float32)
        if segment.dense.kind != "flat" and len(rows) < self._exact_below:
            return best_k(rows, segment.dense.scores(query, rows), min(k, len(rows)))
        return segment.dense.search(query, k, hidden, within=rows)

    def scores(self, query: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        """Exact inner products for these chunks (nan for one that is in no segment)."""
        out = np.full(len(chunk_ids), np.nan, dtype=np.float32)
        for segment in self.segments:
            found, rows = segment.rows(chunk_ids)
            if len(rows):
                out[found] = segment.dense.scores(query, rows)
        return out
