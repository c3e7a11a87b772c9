"""``POST /v1/ask`` over HTTP: the answer as JSON and as events, follow-ups, and every kind of refusal."""

from __future__ import annotations

from pathlib import Path

import httpx
from api_server import MAX_BODY_BYTES, events
from seed_questions import ANSWERED, FIRST, FOLLOW_UP, SEED_NAME, UNANSWERED
from support import SEED_TITLE

PROBLEM = "application/problem+json"


def test_an_answer_with_its_citations(client: httpx.Client):
    response = client.post("/v1/ask", json={"question": ANSWERED["question"], "top_k": 3, "mode": "hybrid"})
    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True
    assert ANSWERED["answers"][0] in body["answer"]
    citation = body["citations"][0]
    assert Path(citation["source"]).name == SEED_NAME
    assert citation["quote"] in body["answer"] and citation["end"] > citation["start"]
    assert {"page", "title", "score", "fused_score"} <= set(citation)
    assert 1 <= len(body["passages"]) <= 3
    assert 0 <= body["confidence"] <= 1


def test_abstention_is_an_answer_with_found_false(client: httpx.Client):
    body = client.post("/v1/ask", json={"question": UNANSWERED["question"]}).json()
    assert body["found"] is False and body["citations"] == [] and body["answer"]


def test_a_follow_up_uses_the_history(client: httpx.Client):
    first = client.post("/v1/ask", json={"question": FIRST}).json()
    history = [{"role": "user", "content": FIRST}, {"role": "assistant", "content": first["answer"]}]
    body = client.post("/v1/ask", json={"question": FOLLOW_UP, "history": history}).json()
    assert body["retrieval_query"].startswith(FIRST)  # the follow-up was searched with its context
    assert body["found"] and "crime bosses" in body["answer"]


def test_streamed_answer_is_deltas_then_the_answer_then_done(client: httpx.Client):
    with client.stream("POST", "/v1/ask", json={"question": ANSWERED["question"], "stream": True}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        received = events(response)
    names = [name for name, _ in received]
    assert names[-2:] == ["answer", "done"] and set(names[:-2]) <= {"delta"}
    answer = received[-2][1]
    assert answer["found"] and ANSWERED["answers"][0] in answer["answer"]


def test_a_bad_question_in_a_stream_is_a_plain_problem(client: httpx.Client):
    response = client.post("/v1/ask", json={"question": "   ", "stream": True})
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM


def test_empty_and_whitespace_questions(client: httpx.Client):
    empty = client.post("/v1/ask", json={"question": ""})
    assert empty.status_code == 422 and empty.headers["content-type"] == PROBLEM
    assert empty.json()["errors"][0]["field"] == "body.question"
    blank = client.post("/v1/ask", json={"question": " \n "})
    assert blank.status_code == 400
    assert blank.json()["type"].endswith("invalid-question") and "empty" in blank.json()["detail"]


def test_too_long_a_question_says_the_limit(client: httpx.Client, api):
    limit = api.assistant.settings.max_question_chars
    problem = client.post("/v1/ask", json={"question": "why " * limit}).json()
    assert problem["status"] == 400 and f"{limit:,}" in problem["detail"]


def test_invalid_options_name_the_field(client: httpx.Client):
    for body, field in (
        ({"question": "Who?", "top_k": 0}, "body.top_k"),
        ({"question": "Who?", "mode": "psychic"}, "body.mode"),
        ({"question": "Who?", "history": [{"role": "wizard", "content": "x"}]}, "body.history.0.role"),
        ({"question": "Who?", "surprise": 1}, "body.surprise"),
    ):
        problem = client.post("/v1/ask", json=body).json()
        assert problem["status"] == 422 and problem["errors"][0]["field"] == field, problem
    not_json = client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert not_json.status_code == 422 and not_json.headers["content-type"] == PROBLEM


def test_unknown_answerer(client: httpx.Client):
    problem = client.post("/v1/ask", json={"question": "Who?", "answerer": "oracle"}).json()
    assert problem["status"] == 400 and "oracle" in problem["detail"]


def test_a_key_is_required_and_checked(api):
    with httpx.Client(base_url=api.url) as anonymous:
        missing = anonymous.post("/v1/ask", json={"question": "Who?"})
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.headers["content-type"] == PROBLEM and "Authorization: Bearer" in missing.json()["detail"]
    with api.client(key="asst-not-a-real-key") as wrong:
        assert wrong.post("/v1/ask", json={"question": "Who?"}).status_code == 401


def test_a_body_over_the_limit_is_refused(client: httpx.Client):
    big = {"question": "Who?", "history": [{"role": "user", "content": "x" * MAX_BODY_BYTES}]}
    response = client.post("/v1/ask", json=big)
    assert response.status_code == 413 and response.headers["content-type"] == PROBLEM

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        yield b'{"question": "Who?", "history": [{"role": "user", "content": "'
        for _ in range(MAX_BODY_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'"}]}'

    streamed = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["status"] == 413


def test_unknown_routes_and_methods_are_problems(client: httpx.Client):
    missing = client.get("/v1/nowhere")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    wrong_method = client.put("/v1/ask", json={})
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"


def test_a_question_within_named_documents(client: httpx.Client, gazette: str):
    question = "Who chairs the committee?"
    within = client.post("/v1/ask", json={"question": question, "documents": ["Scope-Gazette"]}).json()
    assert within["found"] and "Tanaka" in within["answer"]
    assert {c["doc_id"] for c in within["citations"]} == {gazette}
    seed = client.post("/v1/ask", json={"question": question, "documents": [SEED_TITLE]}).json()
    assert seed["found"] and "Sokha" in seed["answer"]
    assert seed["passages"] and gazette not in {p["doc_id"] for p in seed["passages"]}
    body = {"question": question, "documents": [gazette[:10]], "stream": True}
    with client.stream("POST", "/v1/ask", json=body) as response:
        answer = events(response)[-2][1]
    assert {c["doc_id"] for c in answer["citations"]} == {gazette}


def test_unknown_or_no_documents_are_a_bad_request(client: httpx.Client):
    for documents, detail in ((["no such title"], "'no such title'"), ([], "No document is named")):
        for stream in (False, True):
            response = client.post("/v1/ask", json={"question": "Who?", "documents": documents, "stream": stream})
            assert response.status_code == 400 and response.headers["content-type"] == PROBLEM
            problem = response.json()
            assert problem["type"].endswith("invalid-documents") and detail in problem["detail"]
