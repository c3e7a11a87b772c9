"""The stage between retrieval and answering: the quotable sentences of the retrieved passages.

Each sentence arrives with the vector computed at ingest time, so an answerer scores candidates with
arithmetic, not a model pass. A sentence shared by two overlapping passages is offered once.

    >>> candidates = CandidateCollector(settings.answering).run(view.text, passages)
    >>> candidates[0].text, candidates[0].passage_rank
"""

from __future__ import annotations

from ..settings import AnswerSection
from ..store.protocols import ChunkTexts
from ..types import Passage
from .base import CandidateSentence


class CandidateCollector:
    def __init__(self, settings: AnswerSection) -> None:
        self.settings = settings

    def run(self, text: ChunkTexts, passages: list[Passage]) -> list[CandidateSentence]:
        quotable = passages[: self.settings.passages]
        sentences = text.chunk_sentences([p.chunk_id for p in quotable])
        candidates: list[CandidateSentence] = []
        seen: set[tuple[str, int]] = set()
        for rank, passage in enumerate(quotable):
            for s in sentences.get(passage.chunk_id, []):
                if not s.quotable or (s.doc_id, s.idx) in seen:
                    continue
                seen.add((s.doc_id, s.idx))
                sentence = passage.text[s.start - passage.start : s.end - passage.start]
                candidates.append(
                    CandidateSentence(passage, rank, s.doc_id, s.idx, s.start, s.end, sentence, s.vector, s.heading)
                )
        return candidates
