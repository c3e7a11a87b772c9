"""The default answerer: quotes the sentences that best answer the question, each cited.

No LLM: the answer is made of sentences from the documents, so every claim is a quoted span. When
another document answers the question about as confidently but says something else (a planted or
outdated file, two versions of a policy), its best sentence is attached as a conflict, so the reader
sees both sides instead of only the one that scored higher.

    >>> answer = ExtractiveAnswerer(settings.answering).answer(request)
    >>> answer.text
    'Meanwhile, Minister of Interior Sar Sokha maintained that ... [1]'
"""

from __future__ import annotations

from ..settings import AnswerSection
from ..text import tokenize
from ..types import Answer, Citation
from .base import AnswerRequest, abstention, quote_citation
from .scoring import ScoredSentence, question_terms, score_candidates

# A second sentence is quoted only when it is nearly as good as the best one; otherwise answers
# grow long with loosely related sentences.
SECOND_SENTENCE_MARGIN = 0.08

# How far above the abstain threshold another document's best sentence must score to be shown as a
# differing answer. Merely clearing the threshold is not enough: among several retrieved documents on
# one subject, one usually does by chance. The bar is on the support scale rather than a gap below the
# quoted sentence, because a sentence that repeats the question's words outscores every real answer,
# and a gap would then hide exactly the answer the reader needs to see. Fitted on the SQuAD train and
# calibration splits by ``python -m benchmarks.bench_poisoning --fit``.
CONFLICT_SUPPORT_MARGIN = 0.2

# A sentence whose own claim (its terms beyond the question's) mostly appears in a quoted sentence
# says the same thing in other words: agreement, not a differing answer.
RESTATEMENT_SHARE = 0.5

# Differing sources shown at most, so that the answer stays readable.
MAX_CONFLICTS = 2


def differing_answers(
    scored: list[ScoredSentence], quoted: list[ScoredSentence], question: str, min_support: float
) -> list[ScoredSentence]:
    """The best sentence of each document not quoted that answers with at least ``min_support`` but
    whose claim is not already in the quoted sentences; best first, at most ``MAX_CONFLICTS``."""
    asked = question_terms(question)
    quoted_terms = {term for terms in tokenize([q.candidate.text for q in quoted]) for term in terms}
    seen = {q.candidate.doc_id for q in quoted}
    found: list[ScoredSentence] = []
    for item in scored:
        if len(found) == MAX_CONFLICTS:
            break
        if item.candidate.doc_id in seen:
            continue
        # Only a document's best sentence speaks for it, as it would if that document were cited.
        seen.add(item.candidate.doc_id)
        if item.support < min_support:
            continue
        claim = set(tokenize([item.candidate.text])[0]) - asked
        # A sentence that adds nothing to the question's own words answers nothing either way.
        if claim and len(claim & quoted_terms) < RESTATEMENT_SHARE * len(claim):
            found.append(item)
    return found


def _citation(marker: int, item: ScoredSentence) -> Citation:
    return quote_citation(marker, item.candidate, round(item.support, 4))


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, settings: AnswerSection) -> None:
        self.settings = settings

    def select(self, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        best = scored[0].selection
        chosen = [scored[0]]
        for item in scored[1:]:
            if len(chosen) >= self.settings.max_sentences:
                break
            if best - item.selection <= SECOND_SENTENCE_MARGIN and item.support >= self.settings.abstain_threshold:
                chosen.append(item)
        return chosen

    def answer(self, request: AnswerRequest) -> Answer:
        scored = score_candidates(request)
        # Whether to answer at all is judged on the sentence that would be quoted.
        confidence = scored[0].support if scored else 0.0
        if not scored or confidence < self.settings.abstain_threshold:
            return abstention(request, self.name, confidence)
        quoted = self.select(scored)
        citations = [_citation(marker, item) for marker, item in enumerate(quoted, start=1)]
        others = differing_answers(
            scored, quoted, request.question, self.settings.abstain_threshold + CONFLICT_SUPPORT_MARGIN
        )
        return Answer(
            question=request.question,
            text=" ".join(f"{c.quote} [{c.marker}]" for c in citations),
            found=True,
            citations=citations,
            passages=request.passages,
            confidence=confidence,
            answerer=self.name,
            retrieval_query=request.retrieval_query,
            timings=request.timings,
            conflicts=[_citation(marker, item) for marker, item in enumerate(others, start=len(citations) + 1)],
        )
