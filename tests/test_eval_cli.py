"""``assistant eval`` end to end on tests/questions/seed.jsonl: real model, real index, real files, the
report files it writes and its exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from support import QUESTIONS, SEED_FILE
from typer.testing import CliRunner

from assistant.eval import metrics as m
from assistant.eval_cli import eval_command

SEED_QUESTIONS = QUESTIONS / "seed.jsonl"

# The command as the CLI registers it; a second command keeps typer from collapsing the app into it.
app = typer.Typer()
app.command("eval")(eval_command)
app.command("noop")(lambda: None)


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    shutil.copy(SEED_FILE, folder / SEED_FILE.name)
    return folder


@pytest.fixture(scope="module")
def cli_run(docs, tmp_path_factory):
    out = tmp_path_factory.mktemp("eval-out")
    result = CliRunner().invoke(
        app, ["eval", str(SEED_QUESTIONS), "--docs", str(docs), "--out", str(out), "--min-answer-match", "0.4"]
    )
    return result, out


def test_eval_command_writes_report_files_and_passes_its_threshold(cli_run):
    result, out = cli_run
    assert result.exit_code == 0, result.output
    assert "Answer match" in result.output
    report = json.loads((out / "report.json").read_text())
    assert report["counts"]["questions"] == 21
    assert report["counts"]["unanswerable"] == 5
    assert report["metrics"]["answer_match"] >= 0.4
    # One document is indexed, so every retrieved passage comes from the expected source.
    assert report["metrics"]["source_mrr"] == 1.0
    assert report["index_dir"] is None  # temporary index, removed after the run
    for png in ("metrics.png", "latency.png"):
        data = (out / png).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5_000
    markdown = (out / "report.md").read_text()
    # One document is indexed, so every answer cites the expected source.
    assert report["metrics"]["cited_source"] == 1.0
    assert "| Cited source (answered questions citing the expected file) | 1.000 |" in markdown
    assert "Cited source (answered questions citing the expected file)" in result.output
    failures = [r for r in report["results"] if r["failure"]]
    assert f"## Failures ({len(failures)} of 21)" in markdown
    assert "| id | question | gold | answer | confidence | why | source rank |" in markdown
    for row in failures:
        assert f"| {row['id']} |" in markdown
        confidence = "-" if row["error"] else f"{row['confidence']:.2f}"
        assert f" | {confidence} | {row['failure']} | " in markdown


def test_report_rows_agree_with_the_answers(cli_run):
    _, out = cli_run
    report = json.loads((out / "report.json").read_text())
    for row in report["results"]:
        assert row["latency_s"] > 0
        if row["answer_match"]:
            assert row["found"] and m.answer_in_text(row["answer"], row["answers"])
        if not row["answerable"]:
            assert row["answer_match"] is None
            assert (row["failure"] is None) == (not row["found"])


def test_missed_threshold_exits_1_and_bad_file_exits_2(docs, tmp_path):
    answerable_only = tmp_path / "answerable.jsonl"
    answerable_only.write_text(SEED_QUESTIONS.read_text().splitlines()[0] + "\n")
    result = CliRunner().invoke(
        app,
        [
            "eval",
            str(answerable_only),
            "--docs",
            str(docs),
            "--out",
            str(tmp_path / "o"),
            "--min-abstention-recall",
            "0.5",
        ],
    )
    assert result.exit_code == 1
    assert "abstention_recall could not be measured" in result.output

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "Who?", "answers": []}\n{"id": "b", "question": "Who?"\n')
    result = CliRunner().invoke(app, ["eval", str(bad), "--docs", str(docs)])
    assert result.exit_code == 2
    assert "line 2: not valid JSON" in result.output
