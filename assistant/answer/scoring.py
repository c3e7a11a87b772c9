"""How well a sentence answers a question, from features that cost no model call at question time.

Features per candidate sentence: cosine similarity to the question (ingest-time sentence vectors),
the share of the question's stemmed content terms it contains, its passage's rank prior, and its
passage's dense cosine. The support score is their weighted sum; it drives both sentence choice and
abstention, so ``Settings.abstain_threshold`` is on this scale. Weights and threshold were fitted on
SQuAD v2.0 dev by ``benchmarks/calibrate_abstention.py`` (results in benchmarks/results/).

    >>> scored = score_candidates(request)
    >>> scored[0].support >= scored[-1].support
    True
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from functools import lru_cache

import numpy as np

from ..store.bm25 import tokenize
from .base import AnswerRequest, CandidateSentence

FEATURES = ("similarity", "overlap", "rank_prior", "passage_similarity")

# Verbs that frame a question ("what did the minister claim / say / report?") rather than name what
# the answer is about; documents word them differently ("maintained", "stated"), so they are left
# out of the question's terms when measuring overlap. BM25 still uses them.
QUESTION_FRAME_VERBS = (
    "say", "said", "says", "claim", "claimed", "claims", "state", "stated", "tell", "told", "report",
    "reported", "mention", "mentioned", "describe", "described", "think", "believe", "argue", "argued",
    "maintain", "maintained", "stress", "stressed", "note", "noted", "explain", "explained", "announce",
    "announced", "suggest", "suggested", "according", "happen", "happened", "mean", "meant",
)


@lru_cache(maxsize=1)
def _frame_terms() -> frozenset[str]:
    return frozenset(term for terms in tokenize(list(QUESTION_FRAME_VERBS)) for term in terms)


@dataclass(frozen=True)
class SupportWeights:
    similarity: float = 0.25
    overlap: float = 0.3
    rank_prior: float = 0.05
    passage_similarity: float = 0.4

    def vector(self) -> np.ndarray:
        return np.array(astuple(self), dtype=np.float32)


DEFAULT_WEIGHTS = SupportWeights()


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


def candidate_features(request: AnswerRequest) -> np.ndarray:
    """One row per candidate, columns as in ``FEATURES``."""
    if not request.candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    vectors = np.stack([c.vector for c in request.candidates])
    similarity = (vectors @ request.query_vectors.T).max(axis=1)
    question_terms = set(tokenize([request.question])[0]) - _frame_terms()
    sentence_terms = tokenize([c.text for c in request.candidates])
    rows = []
    for candidate, sim, terms in zip(request.candidates, similarity, sentence_terms):
        passage_sim = candidate.passage.dense_score
        rows.append(
            (
                float(sim),
                term_overlap(question_terms, set(terms)),
                1.0 / (1.0 + candidate.passage_rank),
                float(passage_sim) if passage_sim is not None else 0.0,
            )
        )
    return np.asarray(rows, dtype=np.float32)


def score_candidates(request: AnswerRequest, weights: SupportWeights = DEFAULT_WEIGHTS) -> list[ScoredSentence]:
    """Candidates scored and sorted best first; one entry per distinct sentence."""
    features = candidate_features(request)
    support = features @ weights.vector()
    scored = [
        ScoredSentence(candidate, float(row[0]), float(row[1]), float(value))
        for candidate, row, value in zip(request.candidates, features, support)
    ]
    scored.sort(key=lambda s: -s.support)
    return scored
