"""The answerer seam: every answerer takes an ``AnswerRequest`` and returns an ``Answer``.

An answerer is chosen by ``Settings.answerer``; the extractive one needs no LLM. Candidate sentences
arrive with the vectors computed at ingest time, so scoring them costs arithmetic, not a model pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from ..types import Answer, Citation, Passage

NO_ANSWER = "The documents don't contain an answer to that."


@dataclass
class CandidateSentence:
    """One sentence of a retrieved passage; ``passage_rank`` is 0 for the best passage."""

    passage: Passage
    passage_rank: int
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    vector: np.ndarray
    heading: str = ""


@dataclass
class AnswerRequest:
    question: str
    retrieval_query: str
    query_vectors: np.ndarray
    """Normalised vectors of the question and, for a follow-up, its history-aware form (row 0: question)."""
    passages: list[Passage]
    candidates: list[CandidateSentence]
    history: list[dict[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class Answerer(Protocol):
    """Reads the candidates of a request and answers, with citations, or abstains."""

    name: str

    def answer(self, request: AnswerRequest) -> Answer: ...


@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """An answerer that can show its text as it writes it (an LLM); the last item is the ``Answer``."""

    def stream(self, request: AnswerRequest) -> Iterator[str | Answer]: ...


def abstention(request: AnswerRequest, answerer: str, confidence: float) -> Answer:
    """The answer that says plainly the documents are silent, with the closest passages attached."""
    return Answer(
        question=request.question,
        text=NO_ANSWER,
        found=False,
        citations=[],
        passages=request.passages,
        confidence=confidence,
        answerer=answerer,
        retrieval_query=request.retrieval_query,
        timings=request.timings,
    )


def quote_citation(marker: int, sentence: CandidateSentence, score: float, passage: Passage | None = None) -> Citation:
    """The citation quoting ``sentence``, located inside ``passage`` (default: the passage it came from)."""
    passage = passage or sentence.passage
    return Citation(
        marker=marker,
        source=passage.source,
        title=passage.title,
        page=passage.page,
        chunk_id=passage.chunk_id,
        doc_id=sentence.doc_id,
        quote=sentence.text,
        start=sentence.start,
        end=sentence.end,
        passage_start=sentence.start - passage.start,
        passage_end=sentence.end - passage.start,
        score=score,
        fused_score=passage.fused_score,
        dense_rank=passage.dense_rank,
        bm25_rank=passage.bm25_rank,
        heading=sentence.heading,
        ocr=passage.ocr,
        ocr_confidence=passage.ocr_confidence,
    )
