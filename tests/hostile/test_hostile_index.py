"""A damaged index, or an index path that is not a folder, gives one clear error with the way out, on
ask, info and ingest alike; never a SQLite or OS traceback. A segment whose files are damaged is
rebuilt from the index database instead, and the user is told once."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from contextlib import closing

import pytest
from support import SEEDS
from typer.testing import CliRunner

from assistant import Assistant
from assistant.cli import app
from assistant.errors import IndexCorruptError, IndexNotFoundError

QUESTION = "What did the interior minister claim?"


def _database(index):
    """The index database with everything in the main file (no write-ahead log left), as after a
    clean shutdown: the damage below is then damage to what the index holds."""
    db = index / "store.sqlite"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def _truncate(path):
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)


def _zero_pages(path):
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(size // 3)
        fh.write(b"\x00" * (size // 3))


def _random_pages(path):
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(4096)
        fh.write(os.urandom(size // 2))


def _garble_manifest(index):
    with closing(sqlite3.connect(index / "store.sqlite")) as db:
        db.execute("""UPDATE meta SET value = '{"format_version": 3, "embedd' WHERE key = 'manifest'""")
        db.commit()


@pytest.mark.parametrize(
    "damage",
    [
        lambda index: _truncate(_database(index)),
        lambda index: _zero_pages(_database(index)),
        lambda index: _random_pages(_database(index)),
        _garble_manifest,
    ],
    ids=["truncated", "zeroed", "random", "manifest-garbled"],
)
def test_a_damaged_database_says_so_on_every_path(fresh_seed_index, damage):
    damage(fresh_seed_index)
    with pytest.raises(IndexCorruptError, match="damaged.*assistant ingest"):
        Assistant.open(fresh_seed_index).ask(QUESTION)
    for command in (["info"], ["ask", "What did the interior minister claim?"], ["ingest", str(SEEDS)]):
        result = CliRunner().invoke(app, [*command, "--index", str(fresh_seed_index)])
        assert result.exit_code == 1, (command, result.output)
        message = " ".join(result.stderr.split())
        assert "is damaged" in message and "Traceback" not in message, (command, message)


def _segment(index):
    (folder,) = (index / "segments").iterdir()
    return folder


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [
        lambda folder: _truncate(folder / "vectors.npy"),
        lambda folder: _flip_a_byte(folder / "vectors.npy"),
        lambda folder: _flip_a_byte(folder / "postings.npz"),
        lambda folder: (folder / "terms.json").write_text('["half'),
        lambda folder: (folder / "ids.npy").unlink(),
    ],
    ids=["vectors-truncated", "vector-byte-flipped", "postings-byte-flipped", "terms-garbled", "ids-missing"],
)
def test_a_damaged_segment_is_rebuilt_from_the_database(fresh_seed_index, damage, caplog):
    expected = Assistant.open(fresh_seed_index).ask(QUESTION)
    damaged = _segment(fresh_seed_index)
    damage(damaged)
    with caplog.at_level(logging.WARNING, logger="assistant.store.index"):
        assistant = Assistant.open(fresh_seed_index)
        answer = assistant.ask(QUESTION)
    assert answer.found and answer.text == expected.text
    assert [(c.chunk_id, c.quote) for c in answer.citations] == [(c.chunk_id, c.quote) for c in expected.citations]
    repaired = assistant.repaired
    assert repaired is not None and repaired.segment == damaged.name
    message = repaired.message()
    for part in (damaged.name, "were damaged", "rebuilt from the index database", "Nothing was lost"):
        assert part in message, message
    assert message in caplog.text
    (live,) = assistant.info()["segments"]
    assert live["name"] != damaged.name and (fresh_seed_index / "segments" / live["name"]).is_dir()
    again = Assistant.open(fresh_seed_index)
    assert again.repaired is None and again.ask(QUESTION).text == expected.text


def test_the_cli_says_once_that_it_repaired_and_then_answers(fresh_seed_index):
    _truncate(_segment(fresh_seed_index) / "vectors.npy")
    result = CliRunner().invoke(app, ["ask", QUESTION, "--index", str(fresh_seed_index)])
    assert result.exit_code == 0, result.output
    notes = " ".join(result.stderr.split())
    assert notes.count("Nothing was lost") == 1 and "rebuilt" in notes, notes
    assert "Sar Sokha" in result.stdout
    info = CliRunner().invoke(app, ["info", "--json", "--index", str(fresh_seed_index)])
    assert json.loads(info.stdout)["repaired"] is None, "repaired once, not again"


def test_an_index_path_that_is_a_file_is_refused_clearly(tmp_path):
    target = tmp_path / "index"
    target.write_text("not an index")
    with pytest.raises(IndexNotFoundError, match="is a file, not a folder"):
        Assistant.open(target, create=True)
    result = CliRunner().invoke(app, ["ask", "Anything?", "--index", str(target)])
    assert result.exit_code == 1 and "is a file, not a folder" in " ".join(result.stderr.split())
