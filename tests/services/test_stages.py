"""The stages QAService composes, each run on its own over the seed index with the real model:
query building, candidate collection (on both stores, which supply the sentences), and the answerer
protocols that replace attribute probing."""

from __future__ import annotations

from assistant.answer.base import StreamingAnswerer
from assistant.answer.candidates import CandidateCollector
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.retrieve.query import Condenser, QueryBuilder

HISTORY = [
    {"role": "user", "content": "Who chairs the National Committee for Counter Trafficking?"},
    {"role": "assistant", "content": "Sar Sokha chairs it."},
]


class Rewriter:
    """A condenser as an LLM answerer provides one: it rewrites the follow-up."""

    def condense(self, question: str, history: list[dict[str, str]]) -> str | None:
        return "What did Sar Sokha report about trafficking incidents?"


def test_a_question_without_history_is_one_query(seed_assistant):
    plan = QueryBuilder(seed_assistant.settings.retrieval, seed_assistant.embedder).run(
        "What did the interior minister claim?", [], None
    )
    assert [q.text for q in plan.queries] == ["What did the interior minister claim?"]
    assert plan.retrieval_query == plan.question and plan.vectors.shape == (1, 384)


def test_a_follow_up_adds_a_standalone_query_from_the_history(seed_assistant):
    builder = QueryBuilder(seed_assistant.settings.retrieval, seed_assistant.embedder)
    lexical = builder.run("What did he report?", HISTORY, None)
    assert len(lexical.queries) == 2 and "Committee" in lexical.retrieval_query
    written = builder.run("What did he report?", HISTORY, Rewriter())
    assert written.retrieval_query == "What did Sar Sokha report about trafficking incidents?"
    assert [q.text for q in written.queries] == ["What did he report?", written.retrieval_query]


def test_candidates_are_the_quotable_sentences_of_the_answer_passages_once_each(seed_backend_assistant):
    assistant = seed_backend_assistant
    passages = assistant.retrieve("What did the interior minister claim?", top_k=10)
    candidates = CandidateCollector(assistant.settings.answering).run(assistant.view().text, passages)
    keys = [(c.doc_id, c.index) for c in candidates]
    assert len(keys) == len(set(keys)) > 0
    assert {c.passage_rank for c in candidates} <= set(range(assistant.settings.answering.passages))
    for c in candidates:
        assert c.passage.text[c.start - c.passage.start : c.end - c.passage.start] == c.text


def test_answerer_abilities_are_declared_protocols(seed_assistant):
    extractive = ExtractiveAnswerer(seed_assistant.settings.answering)
    assert not isinstance(extractive, StreamingAnswerer) and not isinstance(extractive, Condenser)
    assert isinstance(Rewriter(), Condenser)
