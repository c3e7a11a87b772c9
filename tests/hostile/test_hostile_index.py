"""A damaged index, or an index path that is not a folder, gives one clear error with the way out, on
ask, info and ingest alike; never a SQLite or OS traceback."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from assistant import Assistant
from assistant.cli import app
from assistant.errors import IndexCorruptError, IndexNotFoundError

from support import SEEDS


def _text_db(index):
    (db,) = index.glob("gen-*/chunks.sqlite")
    return db


def _truncate(db):
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        fh.truncate(size // 2)


def _zero_pages(db):
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        fh.seek(size // 3)
        fh.write(b"\x00" * (size // 3))


def _random_pages(db):
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        fh.seek(4096)
        fh.write(os.urandom(size // 2))


@pytest.mark.parametrize("damage", [_truncate, _zero_pages, _random_pages])
def test_a_damaged_index_says_so_on_every_path(fresh_seed_index, damage):
    damage(_text_db(fresh_seed_index))
    with pytest.raises(IndexCorruptError, match="damaged.*assistant ingest"):
        Assistant.open(fresh_seed_index).ask("What did the interior minister claim?")
    for command in (["info"], ["ask", "What did the interior minister claim?"], ["ingest", str(SEEDS)]):
        result = CliRunner().invoke(app, [*command, "--index", str(fresh_seed_index)])
        assert result.exit_code == 1, (command, result.output)
        message = " ".join(result.stderr.split())
        assert "is damaged" in message and "Traceback" not in message, (command, message)


def test_an_index_path_that_is_a_file_is_refused_clearly(tmp_path):
    target = tmp_path / "index"
    target.write_text("not an index")
    with pytest.raises(IndexNotFoundError, match="is a file, not a folder"):
        Assistant.open(target, create=True)
    result = CliRunner().invoke(app, ["ask", "Anything?", "--index", str(target)])
    assert result.exit_code == 1 and "is a file, not a folder" in " ".join(result.stderr.split())
