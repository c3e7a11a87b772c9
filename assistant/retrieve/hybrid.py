"""Hybrid retrieval: dense (FAISS) and BM25 candidates fused with weighted reciprocal rank fusion.

    >>> retriever = HybridRetriever(settings)
    >>> passages = retriever.retrieve(snapshot, [Query("Who chairs the NCCT?", vector)], top_k=5)
    >>> passages[0].dense_rank, passages[0].bm25_rank, passages[0].fused_score

Several queries (the raw follow-up and its history-aware form) are fused in the same pass; a passage
keeps its best dense and BM25 rank and score across them so the UI can say why it was chosen.
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
    bm25_rank: int | None = None
    bm25_score: float | None = None


class HybridRetriever:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def retrieve(
        self, snapshot: Snapshot, queries: list[Query], top_k: int, mode: RetrievalMode | None = None
    ) -> list[Passage]:
        mode = mode or self.settings.retrieval_mode
        k = max(self.settings.candidate_k, top_k)
        rrf = self.settings.rrf_k
        evidence: dict[int, _Evidence] = {}
        if mode in ("hybrid", "dense"):
            weight = self.settings.dense_weight if mode == "hybrid" else 1.0
            ids, scores = snapshot.vectors.search(np.stack([q.vector for q in queries]), k)
            for query, row_ids, row_scores in zip(queries, ids, scores):
                for rank, (chunk_id, score) in enumerate(zip(row_ids, row_scores), start=1):
                    if chunk_id < 0:
                        continue
                    ev = evidence.setdefault(int(chunk_id), _Evidence())
                    ev.fused += query.weight * weight / (rrf + rank)
                    ev.dense_rank = rank if ev.dense_rank is None else min(ev.dense_rank, rank)
                    ev.dense_score = float(score) if ev.dense_score is None else max(ev.dense_score, float(score))
        if mode in ("hybrid", "bm25"):
            weight = self.settings.bm25_weight if mode == "hybrid" else 1.0
            for query in queries:
                for rank, (chunk_id, score) in enumerate(snapshot.bm25.search(query.text, k), start=1):
                    ev = evidence.setdefault(chunk_id, _Evidence())
                    ev.fused += query.weight * weight / (rrf + rank)
                    ev.bm25_rank = rank if ev.bm25_rank is None else min(ev.bm25_rank, rank)
                    ev.bm25_score = score if ev.bm25_score is None else max(ev.bm25_score, score)
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
                    bm25_rank=ev.bm25_rank, bm25_score=ev.bm25_score,
                )
            )
        return passages
