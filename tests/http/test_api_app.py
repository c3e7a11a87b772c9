"""The app as a whole: CORS only when asked for, and an unexpected failure answered without its
traceback (which goes to the server's log)."""

from __future__ import annotations

import logging

import httpx
from api_server import serving

from assistant.answer import registry
from assistant.http.app import ApiConfig, build_api

ORIGIN = "https://tools.example.org"


def _preflight(url: str, origin: str) -> httpx.Response:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    return httpx.options(url + "/v1/ask", headers=headers)


def test_cors_is_off_by_default(api):
    assert "access-control-allow-origin" not in _preflight(api.url, ORIGIN).headers


def test_cors_allows_only_the_given_origins(api_assistant):
    with serving(build_api(api_assistant, ApiConfig(cors_origins=[ORIGIN]))) as url:
        allowed = _preflight(url, ORIGIN)
        other = _preflight(url, "https://elsewhere.example.com")
        asked = httpx.get(url + "/v1/models", headers={"Origin": ORIGIN})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-origin" not in other.headers
    assert asked.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-credentials" not in asked.headers


class Failing:
    """An answerer with a bug, plugged in through the answerer registry."""

    name = "failing"

    def answer(self, request):
        raise RuntimeError("secret internal detail")


def test_an_unexpected_error_is_a_500_problem_without_the_traceback(client, monkeypatch, caplog):
    monkeypatch.setitem(registry._FACTORIES, "failing", lambda settings: Failing())
    with caplog.at_level(logging.ERROR, logger="assistant.http"):
        response = client.post("/v1/ask", json={"question": "Who chairs the committee?", "answerer": "failing"})
        streamed = client.post("/v1/ask", json={"question": "Who chairs it?", "answerer": "failing", "stream": True})
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert streamed.status_code == 500 and "secret" not in streamed.text
    assert "secret internal detail" in caplog.text  # the operator still sees what went wrong


def test_openai_routes_answer_it_in_openais_shape(client, monkeypatch):
    monkeypatch.setitem(registry._FACTORIES, "failing", lambda settings: Failing())
    body = {"model": "failing", "messages": [{"role": "user", "content": "Who chairs the committee?"}]}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 500 and response.json()["error"]["type"] == "server_error"
    assert "secret" not in response.text
