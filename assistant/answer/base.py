"""The answerer seam: every answerer takes an ``AnswerRequest`` and returns an ``Answer``.

An answerer is chosen by ``Settings.answerer``; the extractive one needs no LLM. Candidate sentences
arrive with the vectors computed at ingest time, so scoring them costs arithmetic, not a model pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..types import Answer, Passage

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
    name: str

    def answer(self, request: AnswerRequest) -> Answer: ...


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
