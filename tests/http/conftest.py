"""One API server for the HTTP tests: the real app over a private copy of the seed index, with a key,
an allowed ingest folder and small upload limits (so tests can exceed them cheaply)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from api_server import MAX_BODY_BYTES, MAX_UPLOAD_FILES, UPLOAD_MB, serving


@dataclass
class Api:
    url: str
    key: str
    assistant: object
    allowed: Path

    def client(self, key: str | None = None, **options) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **options)


@pytest.fixture(scope="session")
def api_assistant(seed_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """An assistant over a copy of the seed index: the API tests add and remove documents. Uploads are
    indexed in this process (no child process per upload keeps the tests quick)."""
    from assistant import Assistant

    index_dir = tmp_path_factory.mktemp("api") / "index"
    shutil.copytree(seed_index, index_dir)
    return Assistant.open(
        index_dir,
        ui_max_upload_mb=UPLOAD_MB,
        ui_max_upload_files=MAX_UPLOAD_FILES,
        ui_ingest_in_background=False,
    )


@pytest.fixture(scope="session")
def api(api_assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    from assistant.http.app import ApiConfig, build_api
    from assistant.http.keys import ApiKeys, new_key

    key = new_key()
    allowed = tmp_path_factory.mktemp("allowed")
    config = ApiConfig.of(
        api_assistant.settings,
        keys=ApiKeys.of([key]),
        allow_ingest=[allowed],
        # The schema tests send many requests quickly; the rate limit has its own server in test_api_limits.
        rate_per_minute=60_000,
        burst=10_000,
        max_body_bytes=MAX_BODY_BYTES,
    )
    with serving(build_api(api_assistant, config)) as url:
        yield Api(url, key, api_assistant, allowed)


@pytest.fixture
def client(api: Api) -> Iterator[httpx.Client]:
    with api.client() as c:
        yield c


GAZETTE = "The Harbour Safety Committee of Port Elling is chaired by Mira Tanaka.\n"


@pytest.fixture
def gazette(client: httpx.Client) -> Iterator[str]:
    """A second document beside the seed article, uploaded for one test and removed after it: its id.
    Its title is ``scope-gazette``; it answers "Who chairs the committee?" as the seed article does."""
    files = [("files", ("scope-gazette.txt", GAZETTE.encode(), "text/plain"))]
    assert client.post("/v1/documents", files=files).status_code == 200
    doc_id = next(d["doc_id"] for d in client.get("/v1/documents").json() if d["title"] == "scope-gazette")
    yield doc_id
    assert client.delete(f"/v1/documents/{doc_id}").status_code == 200
