"""Hybrid retrieval: dense and BM25 candidates, scored exactly, then fused.

    >>> retriever = HybridRetriever(settings)
    >>> passages = retriever.retrieve(snapshot, [Query("Who chairs the NCCT?", vector)], top_k=5)
    >>> passages[0].dense_rank, passages[0].bm25_rank, passages[0].fused_score

Candidates are the union of the top ``candidate_k`` chunks by chunk vector, by best sentence vector
and by BM25. Each candidate then gets its exact scores, whichever list it came from: the dense score
mixes the chunk's cosine with its best sentence's (``sentence_weight``), and BM25 is divided by the
query's top BM25 score so the two scales meet. Fusion is a weighted mean of the two (``convex``,
the default) or weighted reciprocal rank fusion (``rrf``). On held-out SQuAD v1.1 questions the
convex mix with sentence scores put the right paragraph first for 0.81 of questions, against 0.73
for equal-weight RRF over chunk vectors and 0.77 for BM25 alone (benchmarks/tune_fusion.py).

Several queries (the raw follow-up and its history-aware form) are scored in the same pass and
their fused scores averaged by weight; a passage keeps its best ranks and scores across them so the
UI can say why it was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..settings import RetrievalMode, Settings
from ..store.index import Snapshot
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


def _top(ids: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The ids of the k highest scores (unordered)."""
    if len(ids) <= k:
        return ids
    return ids[np.argpartition(-scores, k - 1)[:k]]


def _ranks(candidates: np.ndarray, scores: np.ndarray, positive_only: bool = False) -> dict[int, int]:
    order = np.lexsort((candidates, -scores))
    return {int(candidates[i]): rank for rank, i in enumerate(order, start=1) if not positive_only or scores[i] > 0}


class HybridRetriever:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def retrieve(
        self, snapshot: Snapshot, queries: list[Query], top_k: int, mode: RetrievalMode | None = None
    ) -> list[Passage]:
        mode = mode or self.settings.retrieval_mode
        k = max(self.settings.candidate_k, top_k)
        total = sum(q.weight for q in queries) or 1.0
        evidence: dict[int, _Evidence] = {}
        for query in queries:
            self._score(snapshot, query, k, mode, query.weight / total, evidence)
        ranked = sorted(evidence.items(), key=lambda item: (-item[1].fused, item[0]))[:top_k]
        records = snapshot.text.chunks([chunk_id for chunk_id, _ in ranked])
        passages = []
        for chunk_id, ev in ranked:
            record = records.get(chunk_id)
            if record is None:
                continue
            passages.append(
                Passage(
                    chunk_id=chunk_id, doc_id=record.doc_id, source=record.source, title=record.title,
                    page=record.page, text=record.text, start=record.start, end=record.end,
                    fused_score=ev.fused, dense_rank=ev.dense_rank, dense_score=ev.dense_score,
                    sentence_score=ev.sentence_score, bm25_rank=ev.bm25_rank, bm25_score=ev.bm25_score,
                )
            )
        return passages

    def _score(
        self, snapshot: Snapshot, query: Query, k: int, mode: RetrievalMode, share: float,
        evidence: dict[int, _Evidence],
    ) -> None:
        """Adds one query's share of the fused score to ``evidence``."""
        settings = self.settings
        use_dense, use_bm25 = mode in ("hybrid", "dense"), mode in ("hybrid", "bm25")
        found: list[np.ndarray] = []
        cosine: dict[int, float] = {}
        best_sentence = None
        if use_dense:
            ids, scores = snapshot.vectors.search(query.vector[None, :], k)
            keep = ids[0] >= 0
            cosine = dict(zip(ids[0][keep].tolist(), scores[0][keep].tolist()))
            found.append(ids[0][keep])
            if len(snapshot.sentences):
                best_sentence = snapshot.sentences.best_per_chunk(query.vector)
                if settings.sentence_weight > 0:
                    found.append(_top(*best_sentence, k))
        bm25_all = snapshot.bm25.scores(query.text) if use_bm25 else None
        if bm25_all is not None:
            positive = bm25_all > 0
            found.append(_top(snapshot.bm25.chunk_ids[positive], bm25_all[positive], k))
        candidates = np.unique(np.concatenate(found)).astype(np.int64) if found else np.zeros(0, dtype=np.int64)
        if len(candidates) == 0:
            return
        bm25 = bm25_all[snapshot.bm25.positions(candidates)] if bm25_all is not None else None

        dense = sentence = None
        if use_dense:
            missing = [c for c in candidates.tolist() if c not in cosine]
            if missing:
                cosine.update(zip(missing, (snapshot.vectors.vectors(np.asarray(missing)) @ query.vector).tolist()))
            chunk_cos = np.array([cosine[c] for c in candidates.tolist()], dtype=np.float32)
            dense = chunk_cos
            if best_sentence is not None:
                owners, best = best_sentence
                at = np.clip(np.searchsorted(owners, candidates), 0, len(owners) - 1)
                sentence = np.where(owners[at] == candidates, best[at], chunk_cos)
                dense = (1 - settings.sentence_weight) * chunk_cos + settings.sentence_weight * sentence
        dense_ranks = _ranks(candidates, dense) if dense is not None else {}
        bm25_ranks = _ranks(candidates, bm25, positive_only=True) if bm25_all is not None else {}

        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = bm25 if bm25_all is not None else np.zeros(len(candidates))
        elif settings.fusion == "rrf":
            rrf = settings.rrf_k
            fused = np.array([
                settings.dense_weight / (rrf + dense_ranks[c])
                + (settings.bm25_weight / (rrf + bm25_ranks[c]) if c in bm25_ranks else 0.0)
                for c in candidates.tolist()
            ])
        else:
            top = float(bm25_all.max()) if bm25_all is not None and bm25_all.max() > 0 else 1.0
            lexical = bm25 / top if bm25_all is not None else np.zeros(len(candidates))
            weights = settings.dense_weight + settings.bm25_weight or 1.0
            fused = (settings.dense_weight * dense + settings.bm25_weight * lexical) / weights

        for i, chunk_id in enumerate(candidates.tolist()):
            ev = evidence.setdefault(chunk_id, _Evidence())
            ev.fused += share * float(fused[i])
            if dense is not None:
                ev.dense_rank = _min(ev.dense_rank, dense_ranks[chunk_id])
                ev.dense_score = _max(ev.dense_score, float(cosine[chunk_id]))
                if sentence is not None:
                    ev.sentence_score = _max(ev.sentence_score, float(sentence[i]))
            if chunk_id in bm25_ranks:
                ev.bm25_rank = _min(ev.bm25_rank, bm25_ranks[chunk_id])
                ev.bm25_score = _max(ev.bm25_score, float(bm25[i]))


def _min(a: int | None, b: int) -> int:
    return b if a is None else min(a, b)


def _max(a: float | None, b: float) -> float:
    return b if a is None else max(a, b)
