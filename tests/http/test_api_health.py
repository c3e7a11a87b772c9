"""``/healthz`` (no key needed) and ``/v1/info``."""

from __future__ import annotations

import httpx
from api_server import serving


def test_healthz_needs_no_key(api):
    with httpx.Client(base_url=api.url) as anonymous:
        response = anonymous.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_index_does_not_open(api_assistant, tmp_path):
    from assistant import Assistant
    from assistant.http.app import build_api

    missing = Assistant(
        api_assistant.settings.model_copy(update={"index_dir": tmp_path / "none"}), api_assistant.embedder
    )
    with serving(build_api(missing)) as url:
        response = httpx.get(url + "/healthz")
    assert response.status_code == 503 and response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] and "assistant ingest" in response.json()["detail"]


def test_info_has_counts_models_and_versions(client: httpx.Client):
    info = client.get("/v1/info").json()
    assert info["documents"] >= 1 and info["chunks"] >= 1
    assert info["embedding_model"]["name"] == "all-MiniLM-L6-v2"
    assert info["answerer"] == "extractive" and "extractive" in info["answerers"]
    assert info["version"]
