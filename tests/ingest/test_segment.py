"""Quotable units: whole sentences from joined paragraphs, long clauses cut, fragments folded away."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.ingest.readers import read_document
from assistant.ingest.segment import MAX_UNIT_WORDS, segment, split_clauses


def _read(tmp_path: Path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    data = path.read_bytes()
    return read_document(path, data, hashlib.sha256(data).hexdigest())


def _units(doc) -> list[str]:
    """What an answer can quote."""
    return [doc.text[u.start : u.end] for u in segment(doc) if u.quotable]


def test_hard_wrapped_sentence_comes_back_whole(tmp_path):
    doc = _read(
        tmp_path,
        "readme.txt",
        "The configuration file is\n"
        "read from the user's home directory when the\n"
        "program starts. Options given on the command line\n"
        "override it.\n",
    )
    assert _units(doc) == [
        "The configuration file is read from the user's home directory when the program starts.",
        "Options given on the command line override it.",
    ]


def test_list_items_and_headings_stay_apart(tmp_path):
    doc = _read(
        tmp_path,
        "licence.txt",
        "Conditions\n\n"
        "Redistribution is permitted provided that the following\n"
        "conditions are met:\n"
        "(a) source code must retain the above copyright\n"
        "    notice and this list of conditions;\n"
        "(b) binaries must reproduce the notice in the\n"
        "    documentation.\n",
    )
    units = _units(doc)
    heading = [u for u in segment(doc) if not u.quotable]
    assert [doc.text[u.start : u.end] for u in heading] == ["Conditions"], "a heading is searched, never quoted"
    assert units == [
        "Redistribution is permitted provided that the following conditions are met:",
        "(a) source code must retain the above copyright notice and this list of conditions;",
        "(b) binaries must reproduce the notice in the documentation.",
    ]
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph", "list_item", "list_item"]
    assert doc.blocks[-1].heading == ("Conditions",)


def test_long_clause_is_cut_at_clause_boundaries():
    clause = (
        "the licensee may copy the software for internal use only, and may not distribute it to third "
        "parties without written consent"
    )
    text = f"{clause}; {clause}; {clause}; {clause}."
    pieces = split_clauses(text, 0, len(text))
    assert len(pieces) >= 2
    for a, b in pieces:
        assert len(text[a:b].split()) <= MAX_UNIT_WORDS
        assert text[a:b].endswith((";", ".")), "cuts fall after a semicolon, not inside a clause"
    assert " ".join(text[a:b] for a, b in pieces) == text


def test_fragments_are_not_candidates(tmp_path):
    doc = _read(
        tmp_path,
        "notes.txt",
        "Version 2 changed the default port to 8080. See below.\n\n"
        "...\n\n"
        "42\n\n"
        "The old port can still be chosen with the --port option.\n",
    )
    units = _units(doc)
    assert units == [
        "Version 2 changed the default port to 8080. See below.",
        "The old port can still be chosen with the --port option.",
    ]


def test_every_unit_reproduces_its_text_and_stays_in_one_block(tmp_path):
    doc = _read(
        tmp_path,
        "guide.md",
        "# Guide\n\nFirst paragraph with `inline code` and a\n[link](https://example.org) inside it. "
        "The second sentence follows.\n\n- item one is here\n- item two is here\n\n```\nmake run\n```\n",
    )
    for unit in segment(doc):
        block = doc.blocks[unit.block]
        assert unit.quotable == (block.kind != "heading")
        assert block.start <= unit.start < unit.end <= block.end
        assert doc.text[unit.start : unit.end].strip() == doc.text[unit.start : unit.end]
    assert _units(doc)[0] == "First paragraph with inline code and a link inside it."
