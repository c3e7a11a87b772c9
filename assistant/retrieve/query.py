"""The first stage of answering: the queries retrieval runs for a question and its chat history.

A follow-up ("What did he say about it?") is retrieved by the question itself and by a standalone
form of it: written by the answerer when it can condense (an LLM), else built from the history's
content words. Both are embedded in one batch.

    >>> plan = QueryBuilder(settings.retrieval, embedder).run("What did he claim?", history, condenser=None)
    >>> plan.retrieval_query, [q.text for q in plan.queries]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..embedding import Embedder
from ..settings import RetrievalSection
from .followup import contextual_query
from .hybrid import Query


@runtime_checkable
class Condenser(Protocol):
    """Rewrites a follow-up into a standalone question from the chat history (an LLM answerer can);
    None when it cannot, and the lexical form is used."""

    def condense(self, question: str, history: list[dict[str, str]]) -> str | None: ...


@dataclass
class QueryPlan:
    question: str
    retrieval_query: str
    """The standalone form retrieval used (the question itself when there is no history)."""
    queries: list[Query]
    vectors: np.ndarray
    """Normalised query vectors, row 0 the question's."""


class QueryBuilder:
    def __init__(self, settings: RetrievalSection, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder

    def run(self, question: str, history: list[dict[str, str]], condenser: Condenser | None) -> QueryPlan:
        contextual = condenser.condense(question, history) if condenser is not None and history else None
        if contextual is None:
            contextual = contextual_query(question, history, self.settings.followup_max_words)
        texts = [question] + ([contextual] if contextual else [])
        vectors = self.embedder.encode(texts)
        queries = [Query(text, vector) for text, vector in zip(texts, vectors)]
        return QueryPlan(question, contextual or question, queries, vectors)
