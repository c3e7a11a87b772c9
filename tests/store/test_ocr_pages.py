"""OCR'd pages kept with their document on both stores: word boxes read back as OCR gave them, the
pages' confidences on the citations they give, and indexes made before the columns existed opened,
read and written by this version (the columns added, not the index refused)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import psycopg
import pypdfium2
import pytest
from support import FIXTURES

from assistant.http.schemas import AnswerOut
from assistant.ingest.readers import OcrOptions, read_document
from assistant.store import ocr_pages
from assistant.store.postgres.schema import SCHEMA_VERSION
from assistant.types import Document, OcrPage, PageSpan, WordBox

DPI = 150
MANUAL = FIXTURES / "real" / "libtasn1-manual.pdf"
# Page 3 of the manual's body (page 6 of the file): "The SIZE constraints are allowed, but no check is done on them."
SCANNED_PAGE = 6
QUESTION = "Are SIZE constraints checked?"


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> Path:
    """A page of the manual as a scanner gives it: an image, no text."""
    document = pypdfium2.PdfDocument(MANUAL)
    try:
        image = document[SCANNED_PAGE - 1].render(scale=DPI / 72, grayscale=True).to_pil()
    finally:
        document.close()
    path = tmp_path_factory.mktemp("scan") / "scanned-page.png"
    image.save(path, dpi=(DPI, DPI))
    return path


@pytest.fixture(scope="module")
def read_scan(scan) -> Document:
    """The scan as the reader reads it, outside any index."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_THREAD_LIMIT", "1")  # as the ingest's reader process runs Tesseract
        data = scan.read_bytes()
        return read_document(scan, data, hashlib.sha256(data).hexdigest(), ocr=OcrOptions(dpi=DPI))


def test_json_keeps_every_field_compactly():
    words = (WordBox(0, 3, 10, 20, 30, 12, 96.5), WordBox(4, 9, 45, 21, 52, 12, 71.0))
    pages = [OcrPage(2, 1275, 1651, 150.0, 83.75, words, rotation=90), OcrPage(3, 800, 600, None, 0.0)]
    raw = ocr_pages.to_json(pages)
    assert raw is not None and ocr_pages.from_json(raw) == pages
    assert ocr_pages.from_json(json.loads(raw)) == pages, "a server hands the JSON back parsed"
    assert len(raw) < 120 + 40 * len(words), raw
    assert ocr_pages.to_json([]) is None and ocr_pages.from_json(None) == []


def test_confidences_name_the_pages_with_text():
    document = Document("id", "scan.pdf", "Scan", "one two", "pdf", pages=[PageSpan(2, 0, 7)])
    document.ocr_pages = [OcrPage(2, 10, 10, None, 88.0), OcrPage(3, 10, 10, None, 12.0)]
    # Page 3 was read but kept no text: nothing on it can be cited.
    assert ocr_pages.confidences(document) == {"2": 88.0}
    assert ocr_pages.confidences(Document("id", "a.txt", "A", "text", "text", pages=[PageSpan(1, 0, 4)])) is None


def test_word_boxes_survive_reopening_and_mark_citations(store_backend, scan, read_scan):
    assert read_scan.ocr_pages and read_scan.ocr_pages[0].words
    store_backend.open(create=True, ocr_dpi=DPI).ingest([scan])
    assistant = store_backend.open()
    [info] = assistant.documents()
    stored = assistant.document(info.doc_id)
    assert stored is not None and stored.text == read_scan.text
    assert stored.ocr_pages == read_scan.ocr_pages
    assert assistant.view().text.ocr_confidence([info.doc_id, "unknown"]) == {
        info.doc_id: {1: read_scan.ocr_pages[0].confidence}
    }

    answer = assistant.ask(QUESTION)
    assert answer.found and "no check is done" in answer.text
    cited = answer.citations[0]
    # A one-page document's citation names no page; its one page is the OCR'd one.
    assert cited.page is None and cited.ocr and cited.ocr_confidence == round(read_scan.ocr_pages[0].confidence, 1)
    assert 80 < cited.ocr_confidence <= 100
    assert answer.to_dict()["citations"][0]["ocr"] is True
    # The HTTP API's answer says so too (its models list what goes out).
    assert AnswerOut.model_validate(answer.to_dict()).citations[0].ocr is True
    assert all(p.ocr for p in answer.passages)


def test_citations_of_text_documents_are_not_marked(seed_backend_assistant):
    answer = seed_backend_assistant.ask("What did the interior minister claim?")
    assert answer.citations and not any(c.ocr or c.ocr_confidence is not None for c in answer.citations)
    assert not any(p.ocr for p in answer.passages)


def _drop_ocr_columns_embedded(index: Path) -> None:
    with closing(sqlite3.connect(index / "store.sqlite")) as db:
        db.execute("ALTER TABLE documents DROP COLUMN ocr_pages")
        db.execute("ALTER TABLE documents DROP COLUMN ocr_confidence")
        db.commit()


def _drop_ocr_columns_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE assistant.documents DROP COLUMN ocr_pages, DROP COLUMN ocr_confidence")
        conn.execute("UPDATE assistant.meta SET value = '1' WHERE key = 'schema_version'")


def _columns(backend) -> set[str]:
    if backend.name == "embedded":
        with closing(sqlite3.connect(backend.location / "store.sqlite")) as db:
            return {row[1] for row in db.execute("PRAGMA table_info(documents)")}
    with psycopg.connect(backend.location) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'assistant'"
            " AND table_name = 'documents'"
        ).fetchall()
    return {row[0] for row in rows}


def test_an_index_made_before_the_ocr_columns_is_read_then_migrated(fresh_seed_backend, scan, read_scan):
    """The index of an older version (the seed index with the columns taken out) answers as before;
    the next ingest (the embedded store) or the first reader (PostgreSQL, whose schema has a version)
    adds the columns, and documents OCR reads from then on keep their word boxes."""
    if fresh_seed_backend.name == "embedded":
        _drop_ocr_columns_embedded(fresh_seed_backend.location)
    else:
        _drop_ocr_columns_postgres(fresh_seed_backend.location)
    assert not _columns(fresh_seed_backend) & {"ocr_pages", "ocr_confidence"}

    old = fresh_seed_backend.open()
    [seed] = old.documents()
    document = old.document(seed.doc_id)
    assert document is not None and document.text and document.ocr_pages == []
    answer = old.ask("What did the interior minister claim?")
    assert answer.found and not answer.citations[0].ocr
    if fresh_seed_backend.name == "postgres":
        with psycopg.connect(fresh_seed_backend.location) as conn:
            [(version,)] = conn.execute("SELECT value FROM assistant.meta WHERE key = 'schema_version'").fetchall()
        assert int(version) == SCHEMA_VERSION

    fresh_seed_backend.open(create=True, ocr_dpi=DPI).ingest([scan])
    assert {"ocr_pages", "ocr_confidence"} <= _columns(fresh_seed_backend)
    reopened = fresh_seed_backend.open()
    scanned = next(d for d in reopened.documents() if d.doc_id != seed.doc_id)
    stored = reopened.document(scanned.doc_id)
    assert stored is not None and stored.ocr_pages == read_scan.ocr_pages
    assert reopened.document(seed.doc_id).ocr_pages == []
