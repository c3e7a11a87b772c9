"""``/v1/documents`` and ``/v1/ingest`` over HTTP: list, show, upload with the UI's checks, remove, and
server folders only where the operator allowed them."""

from __future__ import annotations

from pathlib import Path

import httpx
from api_server import MAX_UPLOAD_FILES, UPLOAD_MB
from seed_questions import SEED_NAME

PROBLEM = "application/problem+json"
NOTE = "The lighthouse keeper of Vallora Point is Ingrid Maelstrom, appointed in 1987.\n"


def _seed(client: httpx.Client) -> dict:
    return next(d for d in client.get("/v1/documents").json() if Path(d["sources"][0]).name == SEED_NAME)


def test_list_and_show_a_document_by_id_or_prefix(client: httpx.Client):
    seed = _seed(client)
    assert seed["chunks"] > 0 and seed["pages"] >= 1 and seed["added_at"]
    detail = client.get(f"/v1/documents/{seed['doc_id'][:10]}").json()
    assert detail["doc_id"] == seed["doc_id"]
    assert "Sar Sokha" in detail["text"]
    assert detail["page_spans"][0]["start"] == 0 and detail["page_spans"][-1]["end"] == len(detail["text"])
    answer = client.post("/v1/ask", json={"question": "What did the interior minister claim?"}).json()
    citation = answer["citations"][0]
    assert detail["text"][citation["start"] : citation["end"]] == citation["quote"]
    chunks = detail["chunk_spans"]
    assert len(chunks) == seed["chunks"] and [c["start"] for c in chunks] == sorted(c["start"] for c in chunks)
    assert all(detail["text"][c["start"] : c["end"]] == c["text"] for c in chunks)
    (cited,) = [c for c in chunks if c["chunk_id"] == citation["chunk_id"]]
    assert cited["start"] <= citation["start"] < citation["end"] <= cited["end"]


def test_unknown_and_malformed_ids(client: httpx.Client):
    unknown = client.get("/v1/documents/0123456789abcdef")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    assert unknown.json()["type"].endswith("document-not-found")
    assert client.delete("/v1/documents/0123456789abcdef").status_code == 404
    assert client.get("/v1/documents/not-an-id").status_code == 422


def test_upload_ask_and_remove(client: httpx.Client, api):
    files = [("files", ("../../lighthouse.txt", NOTE.encode(), "text/plain"))]
    report = client.post("/v1/documents", files=files)
    assert report.status_code == 200, report.text
    assert report.json()["indexed"]["files_read"] == 1 and report.json()["rejected"] == []
    assert (api.assistant.upload_dir / "lighthouse.txt").is_file()  # the name was made safe

    answer = client.post("/v1/ask", json={"question": "Who is the lighthouse keeper of Vallora Point?"}).json()
    assert "Ingrid Maelstrom" in answer["answer"]

    doc = next(d for d in client.get("/v1/documents").json() if d["title"] == "lighthouse")
    removed = client.delete(f"/v1/documents/{doc['doc_id'][:12]}")
    assert removed.status_code == 200 and removed.json()["documents_removed"] == 1
    assert client.get(f"/v1/documents/{doc['doc_id']}").status_code == 404
    assert not (api.assistant.upload_dir / "lighthouse.txt").exists()  # gone for a re-index too


def test_a_bad_file_is_refused_with_the_reason(client: httpx.Client):
    exe = client.post("/v1/documents", files=[("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream"))])
    assert exe.status_code == 400 and exe.headers["content-type"] == PROBLEM
    problem = exe.json()
    assert problem["type"].endswith("bad-file")
    assert problem["errors"] == [{"field": "files.tool.exe", "message": problem["errors"][0]["message"]}]
    assert "type .exe is not supported" in problem["detail"]

    broken = client.post("/v1/documents", files=[("files", ("broken.pdf", b"%PDF-1.4 not really", "application/pdf"))])
    assert broken.status_code == 400 and "broken.pdf" in broken.json()["detail"]


def test_upload_limits_are_the_uis(client: httpx.Client):
    too_big = b"a" * int(UPLOAD_MB * (1 << 20) + 1)
    files = [
        ("files", ("big.txt", too_big, "text/plain")),
        ("files", ("ok-note.txt", b"A short note on the harbour walls of Vallora.", "text/plain")),
    ]
    files += [("files", (f"extra-{i}.txt", b"extra words here", "text/plain")) for i in range(MAX_UPLOAD_FILES)]
    body = client.post("/v1/documents", files=files).json()
    reasons = {r["name"]: r["reason"] for r in body["rejected"]}
    assert reasons["big.txt"].endswith("limit per file")
    assert reasons[f"extra-{MAX_UPLOAD_FILES - 1}.txt"].startswith("too many files")
    assert body["indexed"]["files_read"] >= 1


def test_ingest_only_inside_allowed_folders(client: httpx.Client, api, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("The vault code is 4471.\n", encoding="utf-8")
    refused = client.post("/v1/ingest", json={"path": str(outside)})
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    # A link inside the allowed folder that leads out of it is judged by where it leads.
    (api.allowed / "escape").symlink_to(outside)
    assert client.post("/v1/ingest", json={"path": str(api.allowed / "escape")}).status_code == 403
    assert client.post("/v1/ingest", json={"path": str(api.allowed / "missing")}).status_code == 404
    assert client.post("/v1/ingest", json={"path": "bad\x00path"}).status_code == 400

    folder = api.allowed / "notes"
    folder.mkdir()
    (folder / "harbour.txt").write_text("The harbour master of Vallora is Tomas Ekberg.\n", encoding="utf-8")
    report = client.post("/v1/ingest", json={"path": str(folder)})
    assert report.status_code == 200 and report.json()["files_read"] == 1
    assert "Tomas Ekberg" in client.post("/v1/ask", json={"question": "Who is the harbour master?"}).json()["answer"]
