"""Real documents nobody here wrote (tests/fixtures/real; sources and licences in
tests/fixtures/SOURCES.md) read as a person reads them."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import pytest
from support import FIXTURES

from assistant.ingest.readers import read_document
from assistant.ingest.segment import MAX_UNIT_WORDS, segment

REAL = FIXTURES / "real"
# Every file there but the corpus's question set, which ingest leaves out.
DOCUMENTS = sorted(p.name for p in REAL.iterdir() if p.name != "questions.jsonl")


@cache
def _read(name: str):
    data = (REAL / name).read_bytes()
    doc = read_document(REAL / name, data, hashlib.sha256(data).hexdigest())
    return doc, segment(doc)


def _units(name: str) -> list[str]:
    doc, units = _read(name)
    return [doc.text[u.start : u.end] for u in units if u.quotable]


def test_fixtures_cover_every_format():
    assert {Path(n).suffix for n in DOCUMENTS} == {".pdf", ".html", ".txt", ".md", ".docx"}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_offsets_blocks_and_units_are_consistent(name):
    doc, units = _read(name)
    assert units, "every fixture yields quotable sentences"
    for a, b in zip(doc.blocks, doc.blocks[1:]):
        assert a.end < b.start
    for block in doc.blocks:
        text = doc.text[block.start : block.end]
        # A listing may start indented (its lines keep their relative indentation); nothing else may.
        assert text == (text.rstrip().strip("\n") if block.kind == "code" else text.strip())
    for unit in units:
        text = doc.text[unit.start : unit.end]
        assert text == text.strip() and text
        block = doc.blocks[unit.block]
        assert block.start <= unit.start < block.end and unit.quotable == (block.kind != "heading")
        if block.kind in ("paragraph", "list_item", "field"):
            following = doc.blocks[unit.block + 1] if unit.end > block.end else None
            assert following is None or (following.kind == block.kind != "paragraph" and unit.end <= following.end), (
                "a sentence never spans two prose blocks; a fragment joins only a sibling item"
            )
            assert len(text.split()) <= MAX_UNIT_WORDS
    for page in doc.pages:
        assert 0 <= page.start <= page.end <= len(doc.text)
    fragments = sum(len(doc.text[u.start : u.end].split()) < 3 for u in units if u.quotable)
    assert fragments <= max(2, len(units) // 20)


def test_text_files_are_titled_by_their_title_line():
    # A centred title block ("Apache License" over "Version 2.0, January 2004"), an underlined heading.
    assert _read("apache-2.0-license.txt")[0].title == "Apache License"
    assert _read("dpkg-rootless-builds-spec.txt")[0].title == "Supporting rootless builds"


def test_wrapped_licence_clause_comes_back_whole():
    units = _units("apache-2.0-license.txt")
    assert (
        "(b) You must cause any modified files to carry prominent notices stating that You changed the "
        "files; and" in units
    )
    doc, _ = _read("apache-2.0-license.txt")
    clause = next(b for b in doc.blocks if doc.text[b.start : b.end].startswith("3. Grant of Patent License."))
    assert clause.heading == ("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",)


def test_pdf_manual_toc_headers_and_hyphenation():
    doc, units = _read("libtasn1-manual.pdf")
    texts = [doc.text[u.start : u.end] for u in units if u.quotable]
    toc = next(p for p in doc.pages if p.page == 3)
    assert not any(toc.start <= u.start < toc.end for u in units), "the table of contents yields no candidates"
    assert not any(". . . ." in t or t.strip(" .") == "" for t in texts)
    assert "Chapter 2: ASN.1 structure handling" not in doc.text, "running headers are dropped"
    assert "ASN1_MAX_NAME_SIZE is the maximum number of characters allowed for an ASN.1 identifier." in texts
    section = next(b for b in doc.blocks if doc.text[b.start : b.end].startswith("The header file of this library"))
    assert section.heading == ("2 ASN.1 structure handling", "2.4 Library Notes")
    page = next(p.page for p in doc.pages if p.start <= section.start < p.end)
    assert page == 7


def test_pdf_sentence_across_a_page_break():
    units = _units("shared-mime-info-spec.pdf")
    assert (
        "Information found in a directory is added to the information found in previous directories, "
        "except when glob-deleteall or magic-deleteall is used to overwrite parts of a mimetype definition." in units
    )


def test_html_inline_code_stays_in_its_sentence_and_headings_nest():
    doc, _ = _read("nodejs-string-decoder.html")
    units = _units("nodejs-string-decoder.html")
    assert (
        "These are held in the buffer until the next call to stringDecoder.write() or until "
        "stringDecoder.end() is called." in units
    )
    block = next(b for b in doc.blocks if doc.text[b.start : b.end] == "Creates a new StringDecoder instance.")
    assert block.heading == ("String decoder", "Class: StringDecoder", "new StringDecoder([encoding])")
    assert "Skip to content" not in doc.text and "Table of contents" not in doc.text
    assert "Added in: v0.9.3" in units, "a short line that states a fact is kept"


def test_html_layout_table_reads_as_paragraphs():
    units = _units("valgrind-faq.html")
    assert units.count('How do you pronounce "Valgrind"?') == 1, "the FAQ's question index is not read twice"
    assert "Originally (before release) the project was named Heimdall, after the watchman of the Nordic gods." in units
    doc, _ = _read("valgrind-quick-start.html")
    assert (
        "Compile your program with -g to include debugging information so that Memcheck's error messages "
        "include exact line numbers." in _units("valgrind-quick-start.html")
    )
    assert not any(b.kind == "table_row" for b in doc.blocks), "DocBook's navigation tables are dropped"


def test_table_rows_are_read_with_their_header():
    assert (
        "Library: json | Invalid JSON documents not rejected: 17 | Valid JSON documents not deserialized: 0"
        in _units("orjson-readme.md")
    )


def test_markdown_heading_is_not_glued_to_its_paragraph():
    doc, _ = _read("traitlets-readme.md")
    units = _units("traitlets-readme.md")
    assert "For a local installation, make sure you have pip installed and run:" in units
    assert not any(u.startswith("Installation") for u in units)
    assert ("code", "pip install traitlets") in [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]


def test_docx_headings_and_code_from_styles():
    doc, _ = _read("sse-starlette-readme.docx")
    kinds = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]
    assert ("heading", "Quick Start") in kinds
    code = next(text for kind, text in kinds if kind == "code" and text.startswith("import asyncio"))
    assert "\nfrom starlette.applications import Starlette\n" in code, "a listing keeps its lines"
    rows = [text for kind, text in kinds if kind == "table_row"]
    assert len(rows) == 10 and all(" | " in r for r in rows)


def test_citation_carries_the_quoted_sentence_section_and_page(tmp_path):
    from assistant import Assistant

    bot = Assistant.open(tmp_path / "index", create=True)
    bot.ingest([REAL / "libtasn1-manual.pdf"])
    answer = bot.ask("Which header file must a program include to use libtasn1?")
    assert answer.found
    cited = answer.citations[0]
    assert cited.quote == "The header file of this library is libtasn1.h."
    assert cited.heading == "2 ASN.1 structure handling > 2.4 Library Notes"
    assert cited.page == 7
    assert answer.passages[0].heading.startswith("2 ASN.1 structure handling")
    assert bot.documents()[0].sections[:3] == ["1 Introduction", "2 ASN.1 structure handling", "2.1 ASN.1 syntax"]
