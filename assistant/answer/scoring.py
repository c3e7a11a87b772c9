"""How well a sentence answers a question, from features that cost no model call at question time.

Features per candidate sentence: cosine similarity to the question (ingest-time sentence vectors),
the share of the question's stemmed content terms it contains, its passage's rank prior, its
passage's dense cosine, and whether it holds the kind of thing the question asks for (a number for
"how many", a date for "when", a name for "who").

Two weighted sums use them. The selection score picks the sentences to quote; the support score of
the picked sentence decides abstention, so ``Settings.abstain_threshold`` is on its scale. They are
separate because they answer different questions: which sentence of these passages answers best
(passage-level features barely matter), and whether the documents answer at all (they matter most).
Both weightings and the threshold were fitted on SQuAD v2.0 dev by
``benchmarks/calibrate_abstention.py`` (results in benchmarks/results/).

    >>> scored = score_candidates(request)
    >>> scored[0].selection >= scored[-1].selection
    True
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass
from functools import lru_cache

import numpy as np

from ..text import tokenize
from .base import AnswerRequest, CandidateSentence

FEATURES = ("similarity", "overlap", "rank_prior", "passage_similarity", "answer_type")

# Verbs that frame a question ("what did the minister claim / say / report?") rather than name what
# the answer is about; documents word them differently ("maintained", "stated"), so they are left
# out of the question's terms when measuring overlap. BM25 still uses them.
QUESTION_FRAME_VERBS = (
    "say",
    "said",
    "says",
    "claim",
    "claimed",
    "claims",
    "state",
    "stated",
    "tell",
    "told",
    "report",
    "reported",
    "mention",
    "mentioned",
    "describe",
    "described",
    "think",
    "believe",
    "argue",
    "argued",
    "maintain",
    "maintained",
    "stress",
    "stressed",
    "note",
    "noted",
    "explain",
    "explained",
    "announce",
    "announced",
    "suggest",
    "suggested",
    "according",
    "happen",
    "happened",
    "mean",
    "meant",
)


@lru_cache(maxsize=1)
def _frame_terms() -> frozenset[str]:
    return frozenset(term for terms in tokenize(list(QUESTION_FRAME_VERBS)) for term in terms)


_MONTHS = "january february march april may june july august september october november december"
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred "
    "thousand million billion trillion dozen half percent"
)
# What a question asks for, by its opening words, and a test for a sentence that can hold it.
_ANSWER_TYPES: tuple[tuple[re.Pattern, re.Pattern], ...] = (
    (
        re.compile(
            r"\b(how (many|much|long|old|far|big|large|tall|high)|what (percentage|percent|number|amount))\b", re.I
        ),
        re.compile(rf"\d|\b({'|'.join(_NUMBER_WORDS.split())})\b", re.I),
    ),
    (
        re.compile(r"\b(when|what (year|date|month|day|century|decade)|which (year|century|decade))\b", re.I),
        re.compile(
            rf"\b(1\d{{3}}|20\d{{2}}|\d{{1,2}}(st|nd|rd|th)|century|decade|{'|'.join(_MONTHS.split())})\b", re.I
        ),
    ),
)
_WHO = re.compile(r"^\W*(who|whom|whose)\b|\b(which|what) (person|people|company|organi[sz]ation|team|group)\b", re.I)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")


def answer_type_match(question: str, sentence: str) -> float:
    """1.0 when the sentence can hold what the question asks for (or the question asks for nothing
    recognisable), 0.0 when it cannot: "how many" with no number, "when" with no date, "who" with no
    name other than those in the question."""
    for asks, holds in _ANSWER_TYPES:
        if asks.search(question):
            return float(bool(holds.search(sentence)))
    if _WHO.search(question):
        named = {w.lower() for w in re.findall(r"[A-Za-z]+", question)}
        return float(any(m.group(0).lower() not in named for m in _NAME.finditer(sentence)))
    return 1.0


@dataclass(frozen=True)
class SupportWeights:
    """Weights of ``FEATURES`` in one of the two scores."""

    similarity: float
    overlap: float
    rank_prior: float
    passage_similarity: float
    answer_type: float

    def vector(self) -> np.ndarray:
        return np.array(astuple(self), dtype=np.float32)


SELECTION_WEIGHTS = SupportWeights(similarity=0.1, overlap=0.7, rank_prior=0.0, passage_similarity=0.0, answer_type=0.2)
SUPPORT_WEIGHTS = SupportWeights(similarity=0.5, overlap=0.45, rank_prior=0.0, passage_similarity=0.0, answer_type=0.05)


@dataclass
class ScoredSentence:
    candidate: CandidateSentence
    similarity: float
    overlap: float
    selection: float
    support: float


def question_terms(question: str) -> set[str]:
    """The question's content terms (stemmed, stop words and framing verbs removed): what it is about."""
    return set(tokenize([question])[0]) - _frame_terms()


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
    asked = question_terms(request.question)
    sentence_terms = tokenize([c.text for c in request.candidates])
    rows = []
    for candidate, sim, terms in zip(request.candidates, similarity, sentence_terms):
        passage_sim = candidate.passage.dense_score
        rows.append(
            (
                float(sim),
                term_overlap(asked, set(terms)),
                1.0 / (1.0 + candidate.passage_rank),
                float(passage_sim) if passage_sim is not None else 0.0,
                answer_type_match(request.question, candidate.text),
            )
        )
    return np.asarray(rows, dtype=np.float32)


def score_candidates(
    request: AnswerRequest,
    selection: SupportWeights = SELECTION_WEIGHTS,
    support: SupportWeights = SUPPORT_WEIGHTS,
) -> list[ScoredSentence]:
    """Candidates scored and sorted by selection score, best first; one entry per distinct sentence."""
    features = candidate_features(request)
    chosen = features @ selection.vector()
    supported = features @ support.vector()
    scored = [
        ScoredSentence(candidate, float(row[0]), float(row[1]), float(a), float(b))
        for candidate, row, a, b in zip(request.candidates, features, chosen, supported)
    ]
    scored.sort(key=lambda s: -s.selection)
    return scored
