"""The OpenAI-compatible endpoints through the official ``openai`` client, as any OpenAI front end
would call them."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
from seed_questions import ANSWERED, FIRST, FOLLOW_UP, SEED_NAME, UNANSWERED
from support import SEED_TITLE

from assistant.http.openai_schemas import ChatMessage, ContentPart
from assistant.http.routes.openai import conversation


@pytest.fixture
def ai(api) -> openai.OpenAI:
    return openai.OpenAI(base_url=api.url + "/v1", api_key=api.key, max_retries=0, timeout=60)


def test_chat_completion_has_the_answer_and_its_sources(ai: openai.OpenAI):
    completion = ai.chat.completions.create(
        model="assistant",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": ANSWERED["question"]}],
        temperature=0.2,
    )
    content = completion.choices[0].message.content or ""
    assert ANSWERED["answers"][0] in content and "[1]" in content and "\n\nSources:\n[1] " in content
    assert completion.choices[0].finish_reason == "stop" and completion.usage and completion.usage.total_tokens > 0
    sources = completion.model_extra["sources"]
    assert Path(sources[0]["source"]).name == SEED_NAME and sources[0]["quote"] in content


def test_streamed_chat_completion(ai: openai.OpenAI):
    stream = ai.chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": ANSWERED["question"]}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert ANSWERED["answers"][0] in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert Path(chunks[-1].model_extra["sources"][0]["source"]).name == SEED_NAME


def test_abstention_is_a_normal_message(ai: openai.OpenAI):
    completion = ai.chat.completions.create(
        model="assistant", messages=[{"role": "user", "content": UNANSWERED["question"]}]
    )
    assert completion.choices[0].message.content and completion.model_extra["sources"] == []


def test_follow_up_from_the_messages(ai: openai.OpenAI):
    first = ai.chat.completions.create(model="assistant", messages=[{"role": "user", "content": FIRST}])
    messages = [
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},
    ]
    follow_up = ai.chat.completions.create(model="assistant", messages=messages)  # type: ignore[arg-type]
    assert "crime bosses" in (follow_up.choices[0].message.content or "")


def test_messages_become_the_question_and_its_history():
    question, history = conversation(
        [
            ChatMessage(role="system", content="Answer in French."),
            ChatMessage(role="user", content=FIRST),
            ChatMessage(role="assistant", content='He is Sar Sokha. [1]\n\nSources:\n[1] article: "Sar Sokha"'),
            ChatMessage(role="user", content=[ContentPart(type="text", text=FOLLOW_UP)]),
        ]
    )
    assert question == FOLLOW_UP
    assert history == [{"role": "user", "content": FIRST}, {"role": "assistant", "content": "He is Sar Sokha. [1]"}]


def test_models_and_an_unknown_model(ai: openai.OpenAI):
    ids = [m.id for m in ai.models.list()]
    assert ids[0] == "assistant" and "extractive" in ids
    with pytest.raises(openai.NotFoundError) as raised:
        ai.chat.completions.create(model="gpt-imaginary", messages=[{"role": "user", "content": "Hi?"}])
    assert raised.value.code == "model_not_found" and "gpt-imaginary" in raised.value.message


def test_errors_take_openais_shape(api):
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=api.url + "/v1", api_key="asst-wrong", max_retries=0).models.list()
    with api.client() as client:
        last_not_user = client.post(
            "/v1/chat/completions", json={"model": "assistant", "messages": [{"role": "assistant", "content": "Hi"}]}
        )
        invalid = client.post("/v1/chat/completions", json={"model": "assistant", "messages": []})
    for response, status in ((last_not_user, 400), (invalid, 422)):
        assert response.status_code == status
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_a_chat_within_named_documents(ai: openai.OpenAI, gazette: str):
    messages = [{"role": "user", "content": "Who chairs the committee?"}]
    within = ai.chat.completions.create(model="assistant", messages=messages, extra_body={"documents": [gazette]})
    assert "Tanaka" in (within.choices[0].message.content or "")
    assert {s["doc_id"] for s in within.model_extra["sources"]} == {gazette}
    seed = ai.chat.completions.create(model="assistant", messages=messages, extra_body={"documents": [SEED_TITLE]})
    assert seed.model_extra["sources"] and gazette not in {s["doc_id"] for s in seed.model_extra["sources"]}
    with pytest.raises(openai.BadRequestError) as refused:
        ai.chat.completions.create(model="assistant", messages=messages, extra_body={"documents": ["no such title"]})
    assert refused.value.code == "invalid-documents" and "'no such title'" in refused.value.message
