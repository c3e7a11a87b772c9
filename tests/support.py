"""Paths, file builders and waiting shared by the tests (a plain module: conftest names clash across folders).

The tests mirror the source tree (``tests/store/test_index.py`` tests ``assistant/store/index.py``)
without ``__init__.py`` files: pytest puts ``tests/`` on ``sys.path`` (for its ``conftest.py``), so every
test file can ``from support import ...`` wherever it sits, and each test file's name must be unique
across all folders (``tests/test_layout.py`` checks both).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
SEEDS = ROOT / "seeds"
SEED_FILE = next(SEEDS.glob("*.txt"))
# Its file name is an id, and it opens with no title line: its title is its opening words.
SEED_TITLE = "On Cambodia’s 18th National Day Against Human Trafficking…"
FIXTURES = TESTS / "fixtures"
# Each corpus ships its question set beside its documents (the chat offers its questions as examples).
SEED_QUESTIONS = SEEDS / "questions.jsonl"

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll ``condition`` until it returns something truthy, and return that; fail naming ``what`` after
    ``timeout`` seconds. For events that offer nothing to block on (a server starting to answer, a
    folder appearing, another process's CPU time): the pause between polls is the only sleep here, and
    the wait ends as soon as the event has happened. ``condition`` may raise to stop waiting early
    (for example when the process being waited on has exited)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def read_manifest(index: Path) -> dict:
    """The manifest an embedded index keeps in its database."""
    with closing(sqlite3.connect(index / "store.sqlite")) as db:
        return json.loads(db.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()[0])


def write_manifest(index: Path, manifest: dict) -> None:
    """Replace the manifest, as an index written by another version or model would have it."""
    with closing(sqlite3.connect(index / "store.sqlite")) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'manifest'", (json.dumps(manifest),))
        db.commit()


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    if title:
        pdf.setTitle(title)
    for text in pages:
        y = 800
        for line in text.split("\n"):
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return path


def make_docx(path: Path, title: str, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path
