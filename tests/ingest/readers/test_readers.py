"""Each supported format yields the right text, title and pages; broken files give a clear reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from support import make_docx, make_pdf

from assistant.ingest.readers import UnreadableFile, read_document


def _read(path: Path):
    data = path.read_bytes()
    return read_document(path, data, hashlib.sha256(data).hexdigest())


def test_text_joins_wrapped_lines_and_keeps_paragraphs(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("First line\r\ncontinues here.\r\n\r\nSecond paragraph.\n", encoding="utf-8")
    doc = _read(path)
    assert doc.text == "First line continues here.\n\nSecond paragraph."
    assert [doc.text[b.start : b.end] for b in doc.blocks] == ["First line continues here.", "Second paragraph."]
    assert doc.format == "text" and doc.title == "note"
    assert [(p.page, p.start, p.end) for p in doc.pages] == [(1, 0, len(doc.text))]


def test_markdown_title_from_first_heading(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text("Intro words\n\n# Installing the pump\n\nTurn the valve clockwise.\n")
    doc = _read(path)
    assert doc.title == "Installing the pump"
    assert "Turn the valve clockwise." in doc.text


def test_html_drops_scripts_and_styles(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Harbour report</title><style>p{color:red}</style></head>"
        "<body><h1>Harbour</h1><p>The harbour opened in 1902.</p><script>alert('x')</script></body></html>"
    )
    doc = _read(path)
    assert doc.title == "Harbour report"
    assert "The harbour opened in 1902." in doc.text
    assert "alert" not in doc.text and "color" not in doc.text


def test_pdf_keeps_page_numbers(tmp_path):
    path = make_pdf(tmp_path / "report.pdf", ["Page one talks about apples.", "Page two talks about pears."], "Fruit")
    doc = _read(path)
    assert doc.title == "Fruit" and doc.format == "pdf"
    assert [p.page for p in doc.pages] == [1, 2]
    second = doc.pages[1]
    assert "pears" in doc.text[second.start : second.end]
    assert "pears" not in doc.text[doc.pages[0].start : doc.pages[0].end]


def test_docx_paragraphs_and_title(tmp_path):
    path = make_docx(tmp_path / "memo.docx", "Budget memo", ["The budget grew by 4 percent.", "Staff costs fell."])
    doc = _read(path)
    assert doc.title == "Budget memo"
    assert "The budget grew by 4 percent." in doc.text and "Staff costs fell." in doc.text


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"   \n", "empty"),
        ("binary.txt", b"\x00\x01\x02binary\x00", "binary"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "Word"),
    ],
)
def test_broken_files_raise_with_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=reason):
        _read(path)
