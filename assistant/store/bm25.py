"""Sparse retrieval: BM25 over chunk terms (``text.tokenize``: stemmed, stop words out), in segments.

bm25s, whose tokenizer this uses, indexes a corpus in one pass and bakes each term's IDF into the
stored scores, so adding one document would mean re-indexing every chunk. Here each segment keeps
raw term frequencies and chunk lengths (``Postings``, written once), and the corpus-wide IDF and mean
length are applied at question time (``KeywordSearch``). The scores are bm25s's default ("lucene"
variant, k1 = 1.5, b = 0.75) over the whole corpus; tests/store/test_bm25.py checks them against bm25s.
Chunks removed since their segment was written still count in term frequencies until the segment is
merged, as in Lucene.

    >>> postings = Postings.build(["the cat sat", "dogs run"])
    >>> search = KeywordSearch([(np.array([11, 12]), postings, np.zeros(0, dtype=np.int64))])
    >>> search.search("cats", k=1)
    (array([11]), array([0.277...], dtype=float32))
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

import numpy as np

from ..text import tokenize, tokenizer_identity
from .scope import Scope

K1 = 1.5
B = 0.75


def analyzer() -> dict:
    """What the persisted terms depend on; an index built by another analyzer is re-tokenised."""
    return tokenizer_identity()


@dataclass
class Postings:
    """One segment's term frequencies by term (compressed sparse columns), and each row's length."""

    terms: dict[str, int]  # term -> column
    indptr: np.ndarray  # int64, one more than there are terms
    rows: np.ndarray  # int32, rows of each column's entries
    tf: np.ndarray  # float32, term frequency of each entry
    lengths: np.ndarray  # float32, terms per row

    FILE = "postings.npz"
    TERMS = "terms.json"

    @classmethod
    def build(cls, texts: list[str]) -> Postings:
        return cls.from_batches([texts])

    @classmethod
    def from_batches(cls, batches: Iterable[list[str]]) -> Postings:
        """Postings of the texts of all batches, rows in order; batch by batch, so that a large segment
        is never tokenised all at once."""
        terms: dict[str, int] = {}
        columns: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        rows: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        offset = 0
        for texts in batches:
            tokenized = tokenize(texts) if texts else []
            lengths.append(np.fromiter((len(t) for t in tokenized), dtype=np.float32, count=len(tokenized)))
            for row, tokens in enumerate(tokenized, start=offset):
                if not tokens:
                    continue
                ids = np.fromiter((terms.setdefault(t, len(terms)) for t in tokens), dtype=np.int64, count=len(tokens))
                unique, n = np.unique(ids, return_counts=True)
                columns.append(unique)
                counts.append(n.astype(np.float32))
                rows.append(np.full(len(unique), row, dtype=np.int32))
            offset += len(tokenized)
        column = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
        order = np.argsort(column, kind="stable")  # rows stay ascending within a column
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(column, minlength=len(terms)), out=indptr[1:])
        return cls(
            terms,
            indptr,
            (np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32))[order],
            (np.concatenate(counts) if counts else np.zeros(0, dtype=np.float32))[order],
            np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.float32),
        )

    @classmethod
    def merged(cls, parts: list[tuple[Postings, np.ndarray]], rows: int) -> Postings:
        """The postings of several segments as one of ``rows`` rows, without tokenising again: each
        part is a segment's postings and where each of its rows goes (-1: dropped, a removed chunk).
        Equal to ``build`` over the merged rows' texts, up to the order of the terms."""
        terms: dict[str, int] = {}
        columns: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        lengths = np.zeros(rows, dtype=np.float32)
        for postings, target in parts:
            vocabulary = sorted(postings.terms, key=postings.terms.__getitem__)
            remap = np.fromiter(
                (terms.setdefault(t, len(terms)) for t in vocabulary), dtype=np.int64, count=len(vocabulary)
            )
            entry_rows = target[postings.rows]
            keep = entry_rows >= 0
            columns.append(np.repeat(remap, np.diff(postings.indptr))[keep])
            targets.append(entry_rows[keep])
            counts.append(postings.tf[keep])
            kept = target >= 0
            lengths[target[kept]] = postings.lengths[kept]
        column = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
        # Terms whose every row was dropped are left out, as ``build`` would never have seen them.
        used = np.bincount(column, minlength=len(terms)) > 0
        renumber = np.cumsum(used) - 1
        column = renumber[column]
        vocabulary = [t for t, i in sorted(terms.items(), key=lambda item: item[1]) if used[i]]
        row = np.concatenate(targets) if targets else np.zeros(0, dtype=np.int64)
        order = np.lexsort((row, column))
        indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(column, minlength=len(vocabulary)), out=indptr[1:])
        return cls(
            {t: i for i, t in enumerate(vocabulary)},
            indptr,
            row[order].astype(np.int32),
            (np.concatenate(counts) if counts else np.zeros(0, dtype=np.float32))[order],
            lengths,
        )

    @classmethod
    def load(cls, directory: Path) -> Postings:
        with np.load(directory / cls.FILE) as data:
            arrays = {name: data[name] for name in ("indptr", "rows", "tf", "lengths")}
        vocabulary = json.loads((directory / cls.TERMS).read_text())
        if len(vocabulary) + 1 != len(arrays["indptr"]):
            terms = len(arrays["indptr"]) - 1
            raise ValueError(f"{cls.TERMS} lists {len(vocabulary)} terms and {cls.FILE} has {terms}")
        return cls({t: i for i, t in enumerate(vocabulary)}, **arrays)

    def save(self, directory: Path) -> None:
        np.savez(directory / self.FILE, indptr=self.indptr, rows=self.rows, tf=self.tf, lengths=self.lengths)
        vocabulary = sorted(self.terms, key=self.terms.__getitem__)
        (directory / self.TERMS).write_text(json.dumps(vocabulary, ensure_ascii=False))

    def __len__(self) -> int:
        return len(self.lengths)

    def df(self, term: str) -> int:
        column = self.terms.get(term)
        return 0 if column is None else int(self.indptr[column + 1] - self.indptr[column])


class KeywordSearch:
    """BM25 over several segments as one corpus: ``[(chunk_ids, postings, hidden_rows), ...]``, with
    each segment's ids sorted and aligned with its rows. ``hidden_rows`` (removed chunks) score 0."""

    def __init__(self, segments: list[tuple[np.ndarray, Postings, np.ndarray]]) -> None:
        self._segments = segments
        live = [len(p) - len(hidden) for _, p, hidden in segments]
        self._n = sum(live)
        total = sum(float(p.lengths.sum()) - float(p.lengths[hidden].sum()) for _, p, hidden in segments)
        self._mean_length = total / self._n if self._n else 0.0
        self._cache: OrderedDict[str, list[tuple[np.ndarray, np.ndarray]] | None] = OrderedDict()
        self._cache_lock = Lock()

    def __len__(self) -> int:
        return self._n

    def _scores(self, query: str) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """Each segment's ``(rows, scores)`` of the rows that hold a query term, rows ascending; None
        when no query term survives analysis or is known. Only the query terms' postings are touched,
        so a question costs what its terms occur in, not the size of the corpus. The last few queries
        are kept: the retriever asks for the best chunks and then for the scores of other candidates of
        the same query."""
        with self._cache_lock:
            if query in self._cache:
                self._cache.move_to_end(query)
                return self._cache[query]
        terms = tokenize([query])[0] if self._n else []
        scores: list[tuple[np.ndarray, np.ndarray]] | None = None
        # As bm25s, a term repeated in the query counts once per occurrence.
        frequencies = [(t, sum(p.df(t) for _, p, _ in self._segments)) for t in terms]
        weights = [(t, float(np.log(1 + (self._n - df + 0.5) / (df + 0.5)))) for t, df in frequencies if df]
        if weights:
            scores = [self._segment_scores(postings, hidden, weights) for _, postings, hidden in self._segments]
        with self._cache_lock:
            self._cache[query] = scores
            while len(self._cache) > 8:
                self._cache.popitem(last=False)
        return scores

    def _segment_scores(
        self, postings: Postings, hidden: np.ndarray, weights: list[tuple[str, float]]
    ) -> tuple[np.ndarray, np.ndarray]:
        rows: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for term, idf in weights:
            column = postings.terms.get(term)
            if column is None:
                continue
            span = slice(postings.indptr[column], postings.indptr[column + 1])
            term_rows, tf = postings.rows[span], postings.tf[span]
            norm = K1 * (1 - B + B * postings.lengths[term_rows] / self._mean_length)
            rows.append(term_rows)
            values.append(idf * tf / (tf + norm))
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        every, weight = np.concatenate(rows), np.concatenate(values)
        if len(every) * 16 < len(postings):
            # Few rows hold a query term: sort just those.
            unique, position = np.unique(every, return_inverse=True)
            summed = np.bincount(position, weights=weight, minlength=len(unique)).astype(np.float32)
        else:
            # Common terms: one pass over the segment's rows costs less than sorting their postings.
            dense = np.bincount(every, weights=weight, minlength=len(postings))
            unique = np.flatnonzero(dense)
            summed = dense[unique].astype(np.float32)
        keep = ~np.isin(unique, hidden) if len(hidden) else slice(None)
        return unique[keep].astype(np.int64), summed[keep]

    def search(self, query: str, k: int, scope: Scope | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Up to k ``(chunk_ids, scores)`` with a positive score, best first (ties by id); with a scope,
        its chunks only (scored against the whole corpus all the same)."""
        scores = self._scores(query)
        if scores is None or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        ids = np.concatenate([ids[rows] for (ids, _, _), (rows, _) in zip(self._segments, scores)])
        values = np.concatenate([values for _, values in scores])
        if scope is not None:
            inside = np.isin(ids, scope.chunk_ids)
            ids, values = ids[inside], values[inside]
        if len(ids) > k:
            top = np.argpartition(-values, k - 1)[:k]
            ids, values = ids[top], values[top]
        order = np.lexsort((ids, -values))
        return ids[order], values[order]

    def scores(self, query: str, chunk_ids: np.ndarray) -> np.ndarray:
        """The score of each of these chunks (0 for one without a query term, or not indexed)."""
        out = np.zeros(len(chunk_ids), dtype=np.float32)
        scores = self._scores(query)
        if scores is None or len(chunk_ids) == 0:
            return out
        for (ids, _, _), (rows, values) in zip(self._segments, scores):
            if len(rows) == 0:
                continue
            scored = ids[rows]  # ascending, as rows are
            at = np.clip(np.searchsorted(scored, chunk_ids), 0, len(scored) - 1)
            found = scored[at] == chunk_ids
            out[found] = values[at[found]]
        return out
