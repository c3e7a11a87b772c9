"""Answers on the seed article: correct, cited to quoted sentences, abstaining when it should; on both
stores (``backends``) where the store supplies what the answer is made of (passages, sentences,
sources), on the embedded one alone for the refusals that come before any read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import SEED_FILE

from assistant import Answer, Assistant, InvalidQuestionError
from assistant.answer.base import AnswerRequest
from assistant.answer.extractive import ExtractiveAnswerer


def test_interior_minister_claim_is_cited_to_the_seed(seed_backend_assistant):
    answer = seed_backend_assistant.ask("What did the interior minister claim?")
    assert answer.found
    assert "Sar Sokha" in answer.text and "no trafficking crime bosses" in answer.text
    first = answer.citations[0]
    assert first.source == str(SEED_FILE.resolve())
    text = SEED_FILE.read_text()
    assert text[first.start : first.end] == first.quote
    passage = next(p for p in answer.passages if p.chunk_id == first.chunk_id)
    assert passage.text[first.passage_start : first.passage_end] == first.quote
    assert "[1]" in answer.text


def test_who_chairs_the_committee(seed_backend_assistant):
    answer = seed_backend_assistant.ask("Who chairs the National Committee for Counter Trafficking?")
    assert answer.found and "Sokha" in answer.citations[0].quote


def test_victim_numbers_were_not_disclosed(seed_backend_assistant):
    answer = seed_backend_assistant.ask("How many trafficking victims were reported?")
    assert answer.found
    assert "No statistics" in answer.text


@pytest.mark.parametrize("question", ["Who won the football World Cup?", "What is the boiling point of mercury?"])
def test_unrelated_questions_abstain_with_closest_passages(seed_backend_assistant, question):
    answer = seed_backend_assistant.ask(question)
    assert not answer.found
    assert answer.citations == []
    assert "don't contain an answer" in answer.text
    assert answer.passages, "the closest passages are still offered"


def test_passages_explain_why_they_were_retrieved(seed_backend_assistant):
    answer = seed_backend_assistant.ask("Who chairs the NCCT?")
    top = answer.passages[0]
    assert top.fused_score > 0 and (top.dense_rank or top.bm25_rank)
    scores = [p.fused_score for p in answer.passages]
    assert scores == sorted(scores, reverse=True)
    assert set(answer.timings) >= {"embed", "retrieve", "answer", "total"}


def test_mode_and_top_k_apply_per_call(seed_backend_assistant):
    dense = seed_backend_assistant.ask("Who chairs the NCCT?", mode="dense", top_k=2)
    assert len(dense.passages) == 2 and all(p.bm25_rank is None for p in dense.passages)
    bm25 = seed_backend_assistant.ask("Who chairs the NCCT?", mode="bm25")
    assert all(p.dense_rank is None for p in bm25.passages)
    assert seed_backend_assistant.settings.retrieval_mode == "hybrid"


def test_followup_uses_the_history(seed_backend_assistant):
    first = seed_backend_assistant.ask("What did the interior minister claim?")
    history = [
        {"role": "user", "content": "What did the interior minister claim?"},
        {"role": "assistant", "content": first.text},
    ]
    answer = seed_backend_assistant.ask("What did he say about foreign criminals?", history=history)
    assert answer.found
    assert "interior minister" in answer.retrieval_query
    assert "foreign criminals" in answer.text
    # The same pair given as tuples works too.
    again = seed_backend_assistant.ask(
        "What did he say about foreign criminals?", history=[(history[0]["content"], first.text)]
    )
    assert again.text == answer.text


@pytest.mark.parametrize("question", ["", "   \n\t"])
def test_empty_question_is_refused(seed_assistant, question):
    with pytest.raises(InvalidQuestionError, match="empty"):
        seed_assistant.ask(question)


def test_huge_question_is_refused_with_the_limit(seed_assistant):
    with pytest.raises(InvalidQuestionError, match="limit is 2,000"):
        seed_assistant.ask("why " * 500_000)


class ScriptedAnswerer:
    """Streams the draft a model might write, citation markers split over deltas, then answers as the
    extractive answerer does: what ``ask_stream`` does with any streaming answerer's text."""

    name = "scripted"
    DELTAS = ("Sar Sokha maintained", " that no crime bosses operate [", "1", "]", ". He chairs the NCCT [2,", " 3].")

    def __init__(self, settings) -> None:
        self.inner = ExtractiveAnswerer(settings.answering)

    def answer(self, request: AnswerRequest) -> Answer:
        return self.inner.answer(request)

    def stream(self, request: AnswerRequest) -> Iterator[str | Answer]:
        yield from self.DELTAS
        yield self.answer(request)


def test_a_streamed_draft_shows_no_markers_and_the_answer_brings_them(seed_index):
    assistant = Assistant.open(seed_index)
    assistant.answerer = ScriptedAnswerer(assistant.settings)
    *deltas, answer = assistant.ask_stream("What did the interior minister claim?")
    assert "".join(deltas) == "Sar Sokha maintained that no crime bosses operate. He chairs the NCCT."
    assert not any(ch in delta for delta in deltas for ch in "[]")
    assert isinstance(answer, Answer) and answer.found and "[1]" in answer.text
