"""The ``assistant`` command: JSON schema, text output, errors on stderr with non-zero exits."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint

import pytest
import typer
from support import SEED_FILE, SEED_TITLE
from typer.testing import CliRunner

from assistant.cli import PLUGIN_GROUP, add_plugin_commands, app


@pytest.fixture
def runner():
    return CliRunner()


def test_ask_json_schema(runner, seed_index):
    result = runner.invoke(app, ["ask", "What did the interior minister claim?", "--index", str(seed_index), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["found"] is True and "Sar Sokha" in data["answer"]
    assert data["citations"], "an answer has citations"
    for citation in data["citations"]:
        assert {"source", "quote", "page", "start", "end", "score"} <= set(citation)
        assert isinstance(citation["start"], int) and isinstance(citation["score"], float)
        assert citation["source"] == str(SEED_FILE.resolve())


def test_ask_text_lists_numbered_sources(runner, seed_index):
    result = runner.invoke(app, ["ask", "Who chairs the NCCT?", "--index", str(seed_index), "--top-k", "3"])
    assert result.exit_code == 0
    assert "Sources" in result.stdout and "[1]" in result.stdout and SEED_FILE.name in result.stdout


def test_abstention_json(runner, seed_index):
    result = runner.invoke(app, ["ask", "Who won the football World Cup?", "--index", str(seed_index), "--json"])
    data = json.loads(result.stdout)
    assert data["found"] is False and data["citations"] == [] and data["passages"]


def test_errors_go_to_stderr_with_nonzero_exit(runner, tmp_path, seed_index):
    missing = runner.invoke(app, ["ask", "Anything?", "--index", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "assistant ingest" in missing.stderr and missing.stdout == ""
    empty = runner.invoke(app, ["ask", "  ", "--index", str(seed_index)])
    assert empty.exit_code == 1 and "empty" in empty.stderr


def test_ingest_summary_and_nothing_indexable_fails(runner, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.md").write_text("# Tides\n\nHigh tide is at noon.")
    result = runner.invoke(app, ["ingest", str(docs), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0 and "files read 1" in result.stdout
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.pdf").write_bytes(b"not a pdf")
    result = runner.invoke(app, ["ingest", str(tmp_path / "bad"), "--index", str(tmp_path / "index")])
    assert result.exit_code == 1 and "x.pdf" in result.stderr and "nothing could be indexed" in result.stderr
    info = runner.invoke(app, ["info", "--index", str(tmp_path / "index"), "--json"])
    assert json.loads(info.stdout)["documents"] == 1, "the failed ingest left the index as it was"


def test_plugin_commands_are_listed(runner):
    """``serve`` comes from the UI's entry point (pyproject.toml), not from an import in the core."""
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "serve" in result.output


def test_a_plugin_that_fails_to_load_explains_itself_and_spares_the_others(runner):
    cli = typer.Typer()
    add_plugin_commands(
        cli,
        [
            EntryPoint("broken", "no_such_module_anywhere:command", PLUGIN_GROUP),
            EntryPoint("works", "os.path:basename", PLUGIN_GROUP),
        ],
    )
    assert runner.invoke(cli, ["works", "a/b"]).exit_code == 0
    assert "broken" in runner.invoke(cli, ["--help"]).output
    result = runner.invoke(cli, ["broken", "--port", "1"])
    assert result.exit_code == 1
    assert "'broken' command could not be loaded: ModuleNotFoundError" in result.output


def test_compact_merges_segments_and_info_lists_them(runner, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    index = str(tmp_path / "index")
    for i, text in enumerate(["The tram depot has nine tracks.", "The bakery sells rye bread on Saturdays."]):
        (docs / f"note{i}.txt").write_text(text)
        assert runner.invoke(app, ["ingest", str(docs / f"note{i}.txt"), "--index", index]).exit_code == 0
    info = json.loads(runner.invoke(app, ["info", "--json", "--index", index]).stdout)
    assert len(info["segments"]) == 2
    result = runner.invoke(app, ["compact", "--index", index])
    assert result.exit_code == 0, result.output
    (segment,) = json.loads(runner.invoke(app, ["info", "--json", "--index", index]).stdout)["segments"]
    assert segment["chunks"] == 2 and segment["kind"] == "flat" and segment["name"] in result.stdout
    ask = runner.invoke(app, ["ask", "What does the bakery sell?", "--index", index, "--json"])
    assert "rye bread" in json.loads(ask.stdout)["answer"]


def test_ask_within_named_documents(runner, fresh_seed_index, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "harbour.txt").write_text("The Harbour Safety Committee is chaired by Mira Tanaka.\n", encoding="utf-8")
    index = ["--index", str(fresh_seed_index)]
    assert runner.invoke(app, ["ingest", str(notes), *index]).exit_code == 0

    def ask(*names: str) -> dict:
        options = [part for name in names for part in ("--doc", name)]
        result = runner.invoke(app, ["ask", "Who chairs the committee?", *index, "--json", *options])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    by_title = ask("HARBOUR")
    assert by_title["found"] and "Tanaka" in by_title["answer"]
    assert {c["source"] for c in by_title["citations"]} == {str(notes / "harbour.txt")}
    by_path = ask(str(SEED_FILE))
    assert by_path["found"] and "Sokha" in by_path["answer"]
    assert {p["source"] for p in by_path["passages"]} == {str(SEED_FILE.resolve())}
    both = ask(str(notes), SEED_TITLE)
    assert {p["source"] for p in both["passages"]} == {str(notes / "harbour.txt"), str(SEED_FILE.resolve())}

    unknown = runner.invoke(app, ["ask", "Who chairs the committee?", *index, "--doc", "harbour", "--doc", "nope"])
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert "No indexed document matches 'nope'" in unknown.stderr
