"""The default answerer: quotes the sentences that best answer the question, each cited.

No LLM: the answer is made of sentences from the documents, so every claim is a quoted span.

    >>> answer = ExtractiveAnswerer(settings).answer(request)
    >>> answer.text
    'Meanwhile, Minister of Interior Sar Sokha maintained that ... [1]'
"""

from __future__ import annotations

from ..settings import Settings
from ..types import Answer, Citation
from .base import AnswerRequest, abstention
from .scoring import ScoredSentence, score_candidates

# A second sentence is quoted only when it is nearly as good as the best one; otherwise answers
# grow long with loosely related sentences.
SECOND_SENTENCE_MARGIN = 0.08


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def select(self, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        best = scored[0].selection
        chosen = [scored[0]]
        for item in scored[1:]:
            if len(chosen) >= self.settings.answer_max_sentences:
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
        citations: list[Citation] = []
        parts: list[str] = []
        for marker, item in enumerate(self.select(scored), start=1):
            c = item.candidate
            passage = c.passage
            citations.append(
                Citation(
                    marker=marker, source=passage.source, title=passage.title, page=passage.page,
                    chunk_id=passage.chunk_id, doc_id=c.doc_id, quote=c.text, start=c.start, end=c.end,
                    passage_start=c.start - passage.start, passage_end=c.end - passage.start,
                    score=round(item.support, 4), fused_score=passage.fused_score,
                    dense_rank=passage.dense_rank, bm25_rank=passage.bm25_rank, heading=c.heading,
                )
            )
            parts.append(f"{c.text} [{marker}]")
        return Answer(
            question=request.question,
            text=" ".join(parts),
            found=True,
            citations=citations,
            passages=request.passages,
            confidence=confidence,
            answerer=self.name,
            retrieval_query=request.retrieval_query,
            timings=request.timings,
        )
