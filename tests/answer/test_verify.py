"""The citation check (``answer.verify``) and the parsing of generated text it checks
(``answer.generative``), on the real seed index (no LLM needed)."""

from __future__ import annotations

import pytest
from llm_helpers import SEED_QUESTION, request_for, seed_assistant

from assistant.answer.generative import cited_numbers, is_abstention, split_sentences, strip_markers
from assistant.answer.verify import SupportCheck, numbers


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    assistant = seed_assistant(tmp_path_factory.mktemp("verify"))
    return assistant, request_for(assistant, SEED_QUESTION)


def _support(seed, claim: str, rank: int = 0):
    assistant, request = seed
    vector = assistant.embedder.encode([claim])[0]
    return SupportCheck().score(claim, vector, request.passages[rank], request.candidates)


def test_a_faithful_paraphrase_is_supported_by_its_sentence(seed):
    result = _support(seed, "Interior Minister Sar Sokha claimed that no trafficking crime bosses operate in Cambodia.")
    assert result.supported, result
    assert "Sar Sokha maintained" in result.sentence.text


@pytest.mark.parametrize(
    "claim",
    [
        "The minister announced a new high-speed railway to Bangkok.",
        "Sar Sokha said 4,500 crime bosses were arrested in 2024.",
        "Hun Manet won the football championship.",
    ],
)
def test_claims_the_passage_does_not_make_are_not_supported(seed, claim):
    assert not _support(seed, claim).supported


def test_numbers_must_appear_in_the_passage():
    assert numbers("In 2024 about 1,200 cases, 3.5%") == {"2024", "1200", "3.5"}


def test_generated_text_is_split_with_markers_kept_on_their_sentence():
    text = "Sar Sokha said no bosses operate there. [1] He called for cooperation [1, 2]. Manet agreed [3]."
    sentences = split_sentences(text)
    assert sentences == [
        "Sar Sokha said no bosses operate there. [1]",
        "He called for cooperation [1, 2].",
        "Manet agreed [3].",
    ]
    assert [cited_numbers(s) for s in sentences] == [[1], [1, 2], [3]]
    assert strip_markers(sentences[1]) == "He called for cooperation."


def test_abstentions_are_recognised_in_the_models_own_words():
    assert is_abstention("The documents do not answer this question.", "The documents do not answer this question.")
    assert is_abstention("The provided sources do not mention the budget.", "x")
    assert not is_abstention("Sar Sokha said no crime bosses operate in Cambodia [1].", "x")
