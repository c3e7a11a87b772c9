"""Hybrid retrieval: dense and BM25 candidates, scored exactly, then fused.

    >>> retriever = HybridRetriever(settings.retrieval)
    >>> passages = retriever.retrieve(view, [Query("Who chairs the NCCT?", vector)], top_k=5)
    >>> passages[0].dense_rank, passages[0].bm25_rank, passages[0].fused_score

Candidates are the union of the top ``candidate_k`` chunks by chunk vector and by BM25. Each
candidate then gets its exact scores, whichever list it came from: the dense score mixes the chunk's
cosine with its best sentence's (``sentence_weight``, from the sentence vectors stored at ingest), and
BM25 is divided by the query's top BM25 score so the two scales meet. Fusion is a weighted mean of the two (``convex``,
the default) or weighted reciprocal rank fusion (``rrf``). On SQuAD tuning questions the convex mix
with sentence scores puts the right paragraph first more often than equal-weight RRF over chunk
vectors or BM25 alone (benchmarks/tune_fusion.py; figures in benchmarks/results/fusion-tuning-*).

Several queries (the raw follow-up and its history-aware form) are scored in the same pass and
their fused scores averaged by weight; a passage keeps its best ranks and scores across them so the
UI can say why it was chosen.

A question restricted to some documents (a ``Scope``) draws its candidates from their chunks alone:
the stores filter before ranking, so the top k are the scope's best, never fewer for what lies outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..settings import RetrievalMode, RetrievalSection
from ..store.protocols import IndexView
from ..store.scope import Scope
from ..types import Passage


@dataclass
class Query:
    text: str
    vector: np.ndarray
    weight: float = 1.0


@dataclass
class _Evidence:
    fused: float = 0.0
    dense_rank: int | None = None
    dense_score: float | None = None
    sentence_score: float | None = None
    bm25_rank: int | None = None
    bm25_score: float | None = None


@dataclass
class _Pool:
    """One query's candidates and the scores already known for them."""

    ids: np.ndarray
    cosine: dict[int, float] = field(default_factory=dict)
    bm25_peak: float = 0.0


def _ranks(candidates: np.ndarray, scores: np.ndarray, positive_only: bool = False) -> dict[int, int]:
    order = np.lexsort((candidates, -scores))
    return {int(candidates[i]): rank for rank, i in enumerate(order, start=1) if not positive_only or scores[i] > 0}


class HybridRetriever:
    def __init__(self, settings: RetrievalSection) -> None:
        self.settings = settings

    def retrieve(
        self,
        view: IndexView,
        queries: list[Query],
        top_k: int,
        mode: RetrievalMode | None = None,
        scope: Scope | None = None,
    ) -> list[Passage]:
        """The ``top_k`` best passages; with a scope, the best within it (candidates are drawn from its
        chunks alone, so that top_k fills from inside it)."""
        mode = mode or self.settings.mode
        k = max(self.settings.candidate_k, top_k)
        total = sum(q.weight for q in queries) or 1.0
        evidence: dict[int, _Evidence] = {}
        for query in queries:
            self._score(view, query, k, mode, query.weight / total, evidence, scope)
        ranked = sorted(evidence.items(), key=lambda item: (-item[1].fused, item[0]))[:top_k]
        records = view.text.chunks([chunk_id for chunk_id, _ in ranked])
        passages = []
        for chunk_id, ev in ranked:
            record = records.get(chunk_id)
            if record is None:
                continue
            passages.append(
                Passage(
                    chunk_id=chunk_id,
                    doc_id=record.doc_id,
                    source=record.source,
                    title=record.title,
                    page=record.page,
                    text=record.text,
                    start=record.start,
                    end=record.end,
                    fused_score=ev.fused,
                    dense_rank=ev.dense_rank,
                    dense_score=ev.dense_score,
                    sentence_score=ev.sentence_score,
                    bm25_rank=ev.bm25_rank,
                    bm25_score=ev.bm25_score,
                    heading=record.heading,
                )
            )
        return passages

    def _score(
        self,
        view: IndexView,
        query: Query,
        k: int,
        mode: RetrievalMode,
        share: float,
        evidence: dict[int, _Evidence],
        scope: Scope | None,
    ) -> None:
        """Adds one query's share of the fused score to ``evidence``."""
        use_dense, use_bm25 = mode in ("hybrid", "dense"), mode in ("hybrid", "bm25")
        pool = self._candidates(view, query, k, use_dense, use_bm25, scope)
        if len(pool.ids) == 0:
            return
        bm25 = view.keywords.scores(query.text, pool.ids) if use_bm25 else None
        chunk_cos = sentence = dense = None
        if use_dense:
            chunk_cos, sentence, dense = self._dense(view, query, pool)
        dense_ranks = _ranks(pool.ids, dense) if dense is not None else {}
        bm25_ranks = _ranks(pool.ids, bm25, positive_only=True) if bm25 is not None else {}
        fused = self._fuse(mode, pool, dense, bm25, dense_ranks, bm25_ranks)

        for i, chunk_id in enumerate(pool.ids.tolist()):
            ev = evidence.setdefault(chunk_id, _Evidence())
            ev.fused += share * float(fused[i])
            if dense is not None and chunk_cos is not None:
                ev.dense_rank = _min(ev.dense_rank, dense_ranks[chunk_id])
                ev.dense_score = _max(ev.dense_score, float(chunk_cos[i]))
                if sentence is not None:
                    ev.sentence_score = _max(ev.sentence_score, float(sentence[i]))
            if bm25 is not None and chunk_id in bm25_ranks:
                ev.bm25_rank = _min(ev.bm25_rank, bm25_ranks[chunk_id])
                ev.bm25_score = _max(ev.bm25_score, float(bm25[i]))

    def _candidates(
        self, view: IndexView, query: Query, k: int, use_dense: bool, use_bm25: bool, scope: Scope | None
    ) -> _Pool:
        """The top k chunks (in scope) by chunk vector and by BM25, with the scores seen on the way."""
        pool = _Pool(np.zeros(0, dtype=np.int64))
        found: list[np.ndarray] = []
        if use_dense:
            ids, scores = view.dense.search(query.vector, k, scope)
            pool.cosine = dict(zip(ids.tolist(), scores.tolist()))
            found.append(ids)
        if use_bm25:
            ids, scores = view.keywords.search(query.text, k, scope)
            pool.bm25_peak = float(scores[0]) if len(scores) else 0.0
            found.append(ids)
        if found:
            pool.ids = np.unique(np.concatenate(found)).astype(np.int64)
        return pool

    def _dense(self, view: IndexView, query: Query, pool: _Pool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact chunk cosine, best-sentence cosine and their mix for every candidate."""
        missing = np.asarray([c for c in pool.ids.tolist() if c not in pool.cosine], dtype=np.int64)
        if len(missing):
            pool.cosine.update(zip(missing.tolist(), view.dense.scores(query.vector, missing).tolist()))
        chunk_cos = np.nan_to_num(np.array([pool.cosine[c] for c in pool.ids.tolist()], dtype=np.float32))
        best = view.sentences.best(query.vector, pool.ids)
        sentence = np.where(np.isnan(best), chunk_cos, best)
        weight = self.settings.sentence_weight
        return chunk_cos, sentence, (1 - weight) * chunk_cos + weight * sentence

    def _fuse(
        self,
        mode: RetrievalMode,
        pool: _Pool,
        dense: np.ndarray | None,
        bm25: np.ndarray | None,
        dense_ranks: dict[int, int],
        bm25_ranks: dict[int, int],
    ) -> np.ndarray:
        settings = self.settings
        lexical = bm25 if bm25 is not None else np.zeros(len(pool.ids))
        # Dense scores exist in every mode but "bm25".
        semantic = dense if dense is not None else np.zeros(len(pool.ids))
        if mode == "dense":
            return semantic
        if mode == "bm25":
            return lexical
        if settings.fusion == "rrf":
            rrf = settings.rrf_k
            return np.array(
                [
                    settings.dense_weight / (rrf + dense_ranks[c])
                    + (settings.bm25_weight / (rrf + bm25_ranks[c]) if c in bm25_ranks else 0.0)
                    for c in pool.ids.tolist()
                ]
            )
        top = pool.bm25_peak if bm25 is not None and pool.bm25_peak > 0 else 1.0
        weights = settings.dense_weight + settings.bm25_weight or 1.0
        return (settings.dense_weight * semantic + settings.bm25_weight * lexical / top) / weights


def _min(a: int | None, b: int) -> int:
    return b if a is None else min(a, b)


def _max(a: float | None, b: float) -> float:
    return b if a is None else max(a, b)
