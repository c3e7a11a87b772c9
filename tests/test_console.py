"""Piped command output is not laid out for an 80-column terminal: nothing wrapped, no name cut."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

NAME = "a-report-with-a-name-long-enough-that-an-eighty-column-table-would-cut-it-short-2026.txt"


def test_piped_info_keeps_long_names_and_lines_whole(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / NAME).write_text("The ferry carries forty cars and leaves every hour from the north pier.\n")
    index = tmp_path / "index"
    command = [sys.executable, "-m", "assistant.cli"]
    subprocess.run([*command, "ingest", str(docs), "--index", str(index)], check=True, capture_output=True)
    info = subprocess.run([*command, "info", "--index", str(index)], check=True, capture_output=True, text=True)
    lines = info.stdout.splitlines()
    assert "documents" in lines[0] and "updated" in lines[0], "the summary is one line, not wrapped"
    assert any(Path(NAME).stem in line for line in lines), info.stdout
    assert "…" not in info.stdout
