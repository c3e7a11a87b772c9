"""``GET /v1/documents/{doc_id}/pages/{page}.png`` and ``.../page.png`` over HTTP: a PDF made at test
time, uploaded and drawn with a quote marked (as PNG with ``X-Quote-*`` headers, or as JSON), and the
pages that cannot be drawn refused as problems."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from seed_questions import SEED_NAME
from support import make_pdf

PROBLEM = "application/problem+json"
QUOTE = "Berths seven to nine are closed for dredging until the spring tide."
PAGES = [
    "Harbour notice for Port Elling.\nThe tide tables follow on the next page.",
    f"Works in the harbour.\n{QUOTE}\nPilots are required for every vessel over forty metres.",
]


def _doc_id(client: httpx.Client, name: str) -> str:
    return next(d["doc_id"] for d in client.get("/v1/documents").json() if Path(d["sources"][0]).name == name)


@pytest.fixture(scope="module")
def pdfs(api, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Two PDFs uploaded for this module and removed after it: a two-page notice and a one-page note."""
    folder = tmp_path_factory.mktemp("pages")
    notice = make_pdf(folder / "pages-notice.pdf", PAGES)
    note = make_pdf(folder / "pages-note.pdf", ["A one-page note on the lighthouse of Port Elling."])
    with api.client() as client:
        files = [("files", (p.name, p.read_bytes(), "application/pdf")) for p in (notice, note)]
        uploaded = client.post("/v1/documents", files=files)
        assert uploaded.status_code == 200 and uploaded.json()["indexed"]["files_read"] == 2, uploaded.text
        ids = _doc_id(client, notice.name), _doc_id(client, note.name)
        yield ids
        for doc_id in ids:
            assert client.delete(f"/v1/documents/{doc_id}").status_code == 200


def _png(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return Image.open(BytesIO(response.content))


def test_a_page_is_drawn_with_the_quote_marked(client: httpx.Client, pdfs):
    notice, _ = pdfs
    # An id prefix names the document, as for GET /v1/documents/{doc_id}.
    response = client.get(f"/v1/documents/{notice[:10]}/pages/2.png", params={"quote": QUOTE, "width": 600})
    with _png(response) as png:
        assert png.size[0] == 600 and png.size[1] > 600  # A4, upright
        pixels = np.asarray(png.convert("RGB"), dtype=np.int16)
    assert response.headers["x-page"] == "2" and response.headers["x-quote-found"] == "true"
    assert response.headers["x-page-ocr"] == "false" and response.headers["x-page-stale"] == "false"
    boxes = json.loads(response.headers["x-quote-boxes"])
    assert len(boxes) == 1  # the quote is one line of the page
    [(left, top, right, bottom)] = boxes
    assert 0 <= left < right <= png.size[0] and 0 <= top < bottom <= png.size[1]
    marked = pixels[top:bottom, left:right]
    assert (marked[..., 0] - marked[..., 2]).mean() > 60  # yellow: red well above blue; paper is white

    # The same page as JSON: the numbers without the image.
    described = client.get(
        f"/v1/documents/{notice}/pages/2.png",
        params={"quote": QUOTE, "width": 600},
        headers={"Accept": "application/json"},
    )
    assert described.status_code == 200 and described.headers["content-type"] == "application/json"
    assert described.json() == {
        "doc_id": notice,
        "page": 2,
        "width": png.size[0],
        "height": png.size[1],
        "boxes": boxes,
        "found": True,
        "ocr": False,
        "stale": False,
    }


def test_without_a_quote_or_where_it_is_not_nothing_is_marked(client: httpx.Client, pdfs):
    notice, _ = pdfs
    plain = client.get(f"/v1/documents/{notice}/pages/1.png")
    with _png(plain) as png:
        assert png.size[0] == 900  # the default width
    assert plain.headers["x-quote-found"] == "false" and plain.headers["x-quote-boxes"] == "[]"
    elsewhere = client.get(f"/v1/documents/{notice}/pages/1.png", params={"quote": QUOTE})
    assert elsewhere.status_code == 200 and elsewhere.headers["x-quote-found"] == "false"


def test_a_one_page_document_needs_no_page_number(client: httpx.Client, pdfs):
    notice, note = pdfs
    response = client.get(f"/v1/documents/{note}/page.png", params={"quote": "the lighthouse of Port Elling"})
    with _png(response) as png:
        assert png.size[0] == 900
    assert response.headers["x-page"] == "1" and response.headers["x-quote-found"] == "true"
    several = client.get(f"/v1/documents/{notice}/page.png")
    assert several.status_code == 400 and several.headers["content-type"] == PROBLEM
    assert "2 pages: name one" in several.json()["detail"]


def test_pages_that_cannot_be_drawn_are_problems(client: httpx.Client, pdfs):
    notice, _ = pdfs
    missing = client.get(f"/v1/documents/{notice}/pages/3.png")
    assert missing.status_code == 400 and missing.headers["content-type"] == PROBLEM
    assert missing.json()["type"].endswith("no-page-image") and "its pages are 1 to 2" in missing.json()["detail"]

    seed = _doc_id(client, SEED_NAME)
    text = client.get(f"/v1/documents/{seed}/pages/1.png")
    assert text.status_code == 400 and "has no page images" in text.json()["detail"]

    unknown = client.get("/v1/documents/0123456789abcdef/pages/1.png")
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("document-not-found")
    assert client.get("/v1/documents/0123456789abcdef/page.png").status_code == 404

    for bad in ("0.png", "one.png"):
        assert client.get(f"/v1/documents/{notice}/pages/{bad}").status_code == 422
    for width in (199, 2001):
        invalid = client.get(f"/v1/documents/{notice}/pages/1.png", params={"width": width})
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "query.width"


def test_a_key_is_required(api, pdfs):
    notice, _ = pdfs
    with httpx.Client(base_url=api.url) as anonymous:
        refused = anonymous.get(f"/v1/documents/{notice}/pages/1.png")
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    with api.client(key="asst-not-a-key") as wrong:
        assert wrong.get(f"/v1/documents/{notice}/page.png").status_code == 401


def test_a_drawn_page_answers_as_its_schema_documents(api, pdfs):
    """The schema tests' generated ids name no document; here a real one's page, both ways, is checked
    against the schema (status, content type, the ``X-*`` headers, the JSON body)."""
    import schemathesis

    notice, note = pdfs
    schema = schemathesis.openapi.from_url(api.url + "/openapi.json")
    operations = {op.label: op for op in (result.ok() for result in schema.get_all_operations())}
    cases = [
        ("GET /v1/documents/{doc_id}/pages/{page}.png", {"doc_id": notice, "page": 2}, {"quote": QUOTE}),
        ("GET /v1/documents/{doc_id}/page.png", {"doc_id": note[:8]}, {"width": 200}),
    ]
    for label, path, query in cases:
        for accept in ("image/png", "application/json"):
            headers = {"Authorization": f"Bearer {api.key}", "Accept": accept}
            case = operations[label].Case(path_parameters=path, query=query, headers=headers)
            response = case.call_and_validate()
            assert response.status_code == 200 and response.headers["content-type"] == [accept]
