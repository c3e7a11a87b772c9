"""How well a sentence answers a question: embedding similarity, stemmed term overlap, passage rank.

The same support score drives sentence choice and abstention, so the abstention threshold in
``Settings.abstain_threshold`` is on this scale (calibrated by ``benchmarks/calibrate_abstention.py``).

    >>> scored = score_candidates(request)
    >>> scored[0].support >= scored[-1].support
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..store.bm25 import tokenize
from .base import AnswerRequest, CandidateSentence

# Weights chosen on SQuAD v1.1 dev questions (benchmarks/calibrate_abstention.py prints the grid).
SIMILARITY_WEIGHT = 0.6
OVERLAP_WEIGHT = 0.3
RANK_WEIGHT = 0.1


@dataclass
class ScoredSentence:
    candidate: CandidateSentence
    similarity: float
    overlap: float
    support: float


def term_overlap(question_terms: set[str], sentence_terms: set[str]) -> float:
    """Share of the question's content terms (stemmed, stop words removed) found in the sentence."""
    if not question_terms:
        return 0.0
    return len(question_terms & sentence_terms) / len(question_terms)


def score_candidates(request: AnswerRequest) -> list[ScoredSentence]:
    """Candidates scored and sorted best first; one entry per distinct sentence."""
    if not request.candidates:
        return []
    vectors = np.stack([c.vector for c in request.candidates])
    similarity = (vectors @ request.query_vectors.T).max(axis=1)
    question_terms = set(tokenize([request.question])[0])
    sentence_terms = tokenize([c.text for c in request.candidates])
    scored = []
    for candidate, sim, terms in zip(request.candidates, similarity, sentence_terms):
        overlap = term_overlap(question_terms, set(terms))
        prior = 1.0 / (1.0 + candidate.passage_rank)
        support = SIMILARITY_WEIGHT * float(sim) + OVERLAP_WEIGHT * overlap + RANK_WEIGHT * prior
        scored.append(ScoredSentence(candidate, float(sim), overlap, support))
    scored.sort(key=lambda s: -s.support)
    return scored
