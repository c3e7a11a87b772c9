"""Broken, disguised and oversized files: each is skipped with its reason, the rest of the folder is
indexed, and the index answers. Every hostile file is built here, at test time."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant import Assistant

GOOD = "The observatory dome weighs twelve tonnes and turns on forty steel wheels."


def _docx(path: Path, document_xml: bytes, compress: bool = True) -> None:
    """A .docx package whose body is ``document_xml`` (python-docx needs only these parts)."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr("word/document.xml", document_xml)


def _reasons(report) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in report.skipped}


def test_broken_and_disguised_files_are_skipped_and_the_rest_indexed(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD)
    # Valid zip, valid parts, malformed XML: python-docx's parser raises an lxml error on it.
    _docx(
        docs / "broken.docx",
        b"<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'><w:body><w:p>",
    )
    # Binary without a single NUL byte: Windows-1252 would decode it into garbage "text".
    (docs / "blob.txt").write_bytes(bytes(b for b in range(1, 256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)) * 80)
    # A link named like text, to a file whose own name has no suffix.
    (tmp_path / "plain").write_text("The library lends telescopes to members for a week at a time.")
    (docs / "linked.txt").symlink_to(tmp_path / "plain")
    (docs / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (docs / "loop").symlink_to(docs, target_is_directory=True)

    assistant = Assistant.open(tmp_path / "index", create=True)
    report = assistant.ingest([docs])

    reasons = _reasons(report)
    assert set(reasons) == {"broken.docx", "blob.txt", "dangling.txt", "loop"}, reasons
    assert "could not read this docx file" in reasons["broken.docx"]
    assert "binary content" in reasons["blob.txt"]
    assert "broken link" in reasons["dangling.txt"]
    assert "link to a folder" in reasons["loop"]
    assert report.files_read == 2
    assert "twelve tonnes" in assistant.ask("How heavy is the observatory dome?").text
    linked = assistant.ask("How long can members borrow a telescope?")
    assert "a week" in linked.text and linked.citations[0].source.endswith("linked.txt")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their permissions")
def test_an_unreadable_folder_is_reported(tmp_path):
    docs = tmp_path / "docs"
    (docs / "locked").mkdir(parents=True)
    (docs / "good.txt").write_text(GOOD)
    (docs / "locked").chmod(0)
    try:
        report = Assistant.open(tmp_path / "index", create=True).ingest([docs])
    finally:
        (docs / "locked").chmod(0o755)
    assert "cannot read folder" in _reasons(report)["locked"]
    assert report.files_read == 1


def test_files_over_the_limits_are_skipped_with_the_limit_named(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD)
    (docs / "large.txt").write_text("A line of text about nothing in particular.\n" * 30_000)
    (docs / "long.md").write_text("# Notes\n\n" + "Word after word after word. " * 400)
    _docx(docs / "inflating.docx", b"<x>" + b" " * (3 << 20) + b"</x>")
    assistant = Assistant.open(
        tmp_path / "index", create=True, max_file_mb=1, max_document_chars=10_000, max_unzipped_mb=2
    )
    reasons = _reasons(assistant.ingest([docs]))
    assert "max_file_mb" in reasons["large.txt"]
    assert "max_document_chars" in reasons["long.md"]
    assert "max_unzipped_mb" in reasons["inflating.docx"]
    assert "twelve tonnes" in assistant.ask("How heavy is the observatory dome?").text


_PEAK_RSS = """
import resource, sys
from assistant import Assistant
Assistant.open(sys.argv[1], create=True).ingest([sys.argv[2]])
# Files are read in a child process: the peak of either counts.
print(max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
"""


def _peak_rss_kb(index: Path, folder: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, str(index), str(folder)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    return int(out.stdout.split()[-1])


def test_a_zip_bomb_is_refused_before_it_inflates(tmp_path):
    plain, bombed = tmp_path / "plain", tmp_path / "bombed"
    plain.mkdir()
    bombed.mkdir()
    for folder in (plain, bombed):
        (folder / "good.txt").write_text(GOOD)
    # A .docx whose body inflates to 600 MB from a few MB, streamed so the test itself stays small.
    with zipfile.ZipFile(bombed / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"<w:t>" + b"a" * (1 << 20) + b"</w:t>"
            for _ in range(600):
                member.write(block)
    assert (bombed / "bomb.docx").stat().st_size < 5 << 20

    baseline = _peak_rss_kb(tmp_path / "index-plain", plain)
    with_bomb = _peak_rss_kb(tmp_path / "index-bombed", bombed)
    # The same run without the bomb loads the same model; the bomb may add little beyond its own bytes.
    assert with_bomb < baseline + 200 * 1024, (baseline, with_bomb)
    report = Assistant.open(tmp_path / "index-bombed").ingest([bombed])
    assert "max_unzipped_mb" in _reasons(report)["bomb.docx"]


def test_control_characters_in_file_names_never_reach_the_terminal(tmp_path):
    from typer.testing import CliRunner

    from assistant.cli import app

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "minutes\x1b]0;owned\x07\x1b[31m.txt").write_text(GOOD)
    index = str(tmp_path / "index")
    runner = CliRunner()
    outputs = [
        runner.invoke(app, ["ingest", str(docs), "--index", index]),
        runner.invoke(app, ["info", "--index", index]),
        runner.invoke(app, ["ask", "How heavy is the observatory dome?", "--index", index]),
    ]
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
    assert "minutes\\x1b" in outputs[2].stdout and "twelve tonnes" in outputs[2].stdout
