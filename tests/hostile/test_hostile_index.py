"""A damaged index, or an index path that is not a folder, gives one clear error with the way out, on
ask, info and ingest alike; never a SQLite or OS traceback. When the generation before the damaged one
is intact, it is made live again instead, the damaged folder is kept, and the user is told."""

from __future__ import annotations

import logging
import os
import shutil

import pytest
from support import SEEDS
from typer.testing import CliRunner

from assistant import Assistant
from assistant.cli import app
from assistant.errors import IndexCorruptError, IndexNotFoundError
from assistant.settings import Settings
from assistant.store.index import IndexDirectory

QUESTION = "What did the interior minister claim?"


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
        Assistant.open(fresh_seed_index).ask(QUESTION)
    # With no earlier generation to fall back on, nothing is moved.
    assert IndexDirectory(fresh_seed_index).current() == "gen-000001"
    assert not list(fresh_seed_index.glob("*.damaged-*"))
    for command in (["info"], ["ask", "What did the interior minister claim?"], ["ingest", str(SEEDS)]):
        result = CliRunner().invoke(app, [*command, "--index", str(fresh_seed_index)])
        assert result.exit_code == 1, (command, result.output)
        message = " ".join(result.stderr.split())
        assert "is damaged" in message and "Traceback" not in message, (command, message)


@pytest.fixture(scope="module")
def two_generations(seed_index, tmp_path_factory):
    """The seed index plus one more ingest: ``gen-000002`` live, ``gen-000001`` (seed only) kept."""
    root = tmp_path_factory.mktemp("two") / "index"
    shutil.copytree(seed_index, root)
    docs = root.parent / "docs"
    docs.mkdir()
    (docs / "ferry.txt").write_text("The night ferry to the island carries forty cars and leaves at ten.")
    Assistant.open(root).ingest([docs])
    assert IndexDirectory(root).current() == "gen-000002" and (root / "gen-000001").is_dir()
    return root


@pytest.fixture
def damaged_live(two_generations, tmp_path):
    root = tmp_path / "index"
    shutil.copytree(two_generations, root)
    return root


def _truncate_vectors(generation):
    vectors = generation / "vectors.faiss"
    with open(vectors, "r+b") as fh:
        fh.truncate(vectors.stat().st_size // 2)


def _garble_manifest(generation):
    (generation / "manifest.json").write_text('{"format_version": 2, "embedd')


@pytest.mark.parametrize(
    "damage",
    [
        lambda g: _truncate(g / "chunks.sqlite"),
        lambda g: _zero_pages(g / "chunks.sqlite"),
        lambda g: _random_pages(g / "chunks.sqlite"),
        _truncate_vectors,
        _garble_manifest,
    ],
    ids=["truncated", "zeroed", "random", "vectors-truncated", "manifest-garbled"],
)
def test_a_damaged_live_generation_falls_back_to_the_intact_previous_one(damaged_live, damage, caplog):
    damage(damaged_live / "gen-000002")
    with caplog.at_level(logging.WARNING, logger="assistant.store.index"):
        assistant = Assistant.open(damaged_live)
    answer = assistant.ask(QUESTION)
    assert answer.found
    assert assistant.info()["documents"] == 1  # the seed article; the ferry note came after
    restored = assistant.snapshot().restored
    assert restored is not None and (restored.damaged, restored.restored) == ("gen-000002", "gen-000001")
    assert IndexDirectory(damaged_live).current() == "gen-000001"
    (moved,) = damaged_live.glob("gen-000002.damaged-*")
    assert restored.moved_to == moved and (moved / "manifest.json").exists()
    assert not (damaged_live / "gen-000002").exists()
    assert "\n" not in restored.message()  # SQLite's page-by-page report is cut to a line
    message = " ".join(restored.message().split())
    for part in (
        "gen-000002",
        "gen-000001",
        restored.updated_at,
        str(moved),
        f"assistant ingest PATH --index {damaged_live}",
    ):
        assert part in message, part
    assert "Nothing in your documents" not in message  # the reason, without the rebuild advice
    assert message in caplog.text
    # Later opens find an intact live generation and have nothing to report.
    assert IndexDirectory(damaged_live).open(assistant.embedder.identity).restored is None


def test_an_ingest_on_a_damaged_live_generation_restores_first_and_keeps_the_damaged_folder(
    damaged_live, tmp_path, caplog
):
    _zero_pages(damaged_live / "gen-000002" / "chunks.sqlite")
    # Not Assistant.open, which would restore while opening: the ingest's writer must do it itself.
    assistant = Assistant(Settings(index_dir=damaged_live))
    docs = tmp_path / "again"
    docs.mkdir()
    (docs / "ferry.txt").write_text("The night ferry to the island carries forty cars and leaves at ten.")
    with caplog.at_level(logging.WARNING, logger="assistant.store.index"):
        report = assistant.ingest([docs])
    assert "gen-000002" in caplog.text and "gen-000001" in caplog.text and "ingested again" in caplog.text
    assert report.documents_added == 1
    assert any("gen-000001" in n and "ingested again" in n for n in report.notices), report.notices
    # A new number: a reader still holding the damaged gen-000002 must not mistake the new one for it.
    assert IndexDirectory(damaged_live).current() == "gen-000003"
    (moved,) = damaged_live.glob("gen-000002.damaged-*")
    assert (moved / "chunks.sqlite").exists()
    assert {p.name for p in damaged_live.glob("gen-*")} == {"gen-000001", "gen-000003", moved.name}
    assert assistant.info()["documents"] == 2 and assistant.ask(QUESTION).found


def test_the_cli_says_once_that_it_restored_and_then_answers(damaged_live):
    _random_pages(damaged_live / "gen-000002" / "chunks.sqlite")
    result = CliRunner().invoke(app, ["ask", QUESTION, "--index", str(damaged_live)])
    assert result.exit_code == 0, result.output
    notes = " ".join(result.stderr.split())
    assert notes.count("is live again") == 1 and "gen-000002" in notes, notes
    assert "crime bosses" in result.stdout


def test_a_writer_restores_under_the_lock_it_holds(damaged_live):
    """The writer finds the damage holding the lock; restoring must not wait for that lock again."""
    _truncate(damaged_live / "gen-000002" / "chunks.sqlite")
    index = IndexDirectory(damaged_live, lock_timeout=1.0)
    identity = Assistant(Settings(index_dir=damaged_live)).embedder.identity
    with index.writer(identity, {}) as writer:
        assert writer.restored is not None
        assert (writer.restored.damaged, writer.restored.restored) == ("gen-000002", "gen-000001")
    assert index.current() == "gen-000001"


def test_an_index_path_that_is_a_file_is_refused_clearly(tmp_path):
    target = tmp_path / "index"
    target.write_text("not an index")
    with pytest.raises(IndexNotFoundError, match="is a file, not a folder"):
        Assistant.open(target, create=True)
    result = CliRunner().invoke(app, ["ask", "Anything?", "--index", str(target)])
    assert result.exit_code == 1 and "is a file, not a folder" in " ".join(result.stderr.split())
