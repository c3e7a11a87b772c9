"""Each supported format yields the right text, title and pages; broken files give a clear reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from support import make_docx, make_pdf

from assistant.ingest.readers import UnreadableFile, read_document
from assistant.ingest.readers.text import machine_made


def _read(path: Path):
    data = path.read_bytes()
    return read_document(path, data, hashlib.sha256(data).hexdigest())


def test_text_joins_wrapped_lines_and_keeps_paragraphs(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("First line\r\ncontinues here.\r\n\r\nSecond paragraph.\n", encoding="utf-8")
    doc = _read(path)
    assert doc.text == "First line continues here.\n\nSecond paragraph."
    assert [doc.text[b.start : b.end] for b in doc.blocks] == ["First line continues here.", "Second paragraph."]
    assert doc.format == "text" and doc.title == "note", "a wrapped first line is no title line"
    assert [(p.page, p.start, p.end) for p in doc.pages] == [(1, 0, len(doc.text))]


@pytest.mark.parametrize(
    "text, title",
    [
        ("Harbour Safety Report\n\nThe committee met twice in May.\n", "Harbour Safety Report"),
        # Its line break is the author's: the next line's first word would have fit on it.
        ("Meeting notes\nWe met on Monday and agreed on the budget for the next year.\n", "Meeting notes"),
        (
            "      Apache License\n  Version 2.0, January 2004\n\nThe licence is granted to every recipient of the "
            "work who accepts\nits terms and conditions, as set out in the sections below.\n",
            "Apache License",
        ),
        ("Supporting rootless builds\n==========================\n\nStatus: stable\n", "Supporting rootless builds"),
        ("# Ferry  timetable\nBoats leave at seven.\n", "Ferry timetable"),
        ("**********\n  QUAY RULES\n**********\n\nNo swimming.\n", "QUAY RULES"),
    ],
)
def test_text_title_is_its_title_line(tmp_path, text, title):
    path = tmp_path / "000_fcc0bbe20b5887f6.txt"
    path.write_text(text, encoding="utf-8")
    assert _read(path).title == title
    human = tmp_path / "harbour-notes.txt"
    human.write_text(text, encoding="utf-8")
    assert _read(human).title == title, "a title line names the text whatever its file is called"


@pytest.mark.parametrize(
    "text",
    [
        "The harbour master of Port Elling is Mira Tanaka.\n\nThe ferry leaves at seven.\n",
        "Minutes of the meeting:\n\nThe ferry leaves at seven.\n",  # it ends like a clause
        "The committee met on the first Monday of May, and again\nlater in the month to vote.\n",  # a wrap
        "The committee met on the first Monday of May and again in\nJune to vote on the budget.\n",  # a wrap
        "- buy rope\n- mend the nets\n",  # a list, not a title
        "https://example.org/harbour\n\nThe ferry leaves at seven.\n",
        "x" * 101 + "\n\nThe ferry leaves at seven.\n",
    ],
)
def test_text_without_a_title_line_keeps_a_human_file_name(tmp_path, text):
    path = tmp_path / "harbour-notes.txt"
    path.write_text(text, encoding="utf-8")
    assert _read(path).title == "harbour-notes"


@pytest.mark.parametrize(
    "stem", ["000_fcc0bbe20b5887f6", "scan_0001", "IMG_2031", "6f1c2e0a-9b4d-4c1e-8f2a-3d5b7c9e1a2f"]
)
def test_text_with_a_machine_made_name_is_titled_by_its_opening_words(tmp_path, stem):
    path = tmp_path / f"{stem}.txt"
    path.write_text(
        "On the ninth of May the Tessaly footbridge reopened after repairs to its deck, said the council. "
        "It had been closed since March.\n",
        encoding="utf-8",
    )
    assert _read(path).title == "On the ninth of May the Tessaly footbridge reopened after…"
    path.write_text("Dr. Morrow repaired the lamp. It burns again.\n\nThe keeper was glad.\n", encoding="utf-8")
    assert _read(path).title == "Dr. Morrow repaired the lamp", "a short first sentence is whole"


@pytest.mark.parametrize(
    "stem, made",
    [
        ("000_fcc0bbe20b5887f6", True),
        ("2024-01-05", True),
        ("scan_0001", True),
        ("IMG_2031", True),
        ("DSC01234", True),
        ("Screenshot 2024-01-05 at 10.32.11", True),
        ("New Text Document (2)", True),
        ("6f1c2e0a-9b4d-4c1e-8f2a-3d5b7c9e1a2f", True),
        ("meeting-notes", False),
        ("rfc2119", False),
        ("budget-2024", False),
        ("topic02", False),
        ("café-menu", False),
        ("face", False),  # hex letters, but a word: only a part with a digit is an id
    ],
)
def test_machine_made_file_names(stem, made):
    assert machine_made(stem) is made


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
