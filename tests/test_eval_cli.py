"""``assistant eval`` end to end on seeds/questions.jsonl: real model, real index, real files, the
report files it writes and its exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from support import SEED_FILE, SEED_QUESTIONS
from typer.testing import CliRunner

from assistant.eval import metrics as m
from assistant.eval_cli import eval_command

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


# -- --from-feedback: the question set people's feedback in the chat gives ---------------------------

CHAIR = "Who chairs the National Committee for Counter Trafficking?"


@pytest.fixture(scope="module")
def rated_index(seed_index, tmp_path_factory) -> Path:
    """A copy of the seed index whose conversations hold every kind of feedback: ana's up-vote, her
    correction of a follow-up, her up-vote of an abstention; bob's down-vote without a correction."""
    from assistant import Assistant
    from assistant.conversations import Feedback

    index = tmp_path_factory.mktemp("rated") / "index"
    shutil.copytree(seed_index, index)
    assistant = Assistant.open(index)
    store = assistant.conversations
    chat = store.create("ana")
    chair = assistant.ask(CHAIR)
    follow_up = "What did he report about the number of incidents?"
    history = [{"role": "user", "content": CHAIR}, {"role": "assistant", "content": chair.text}]
    store.add_turn("ana", chat.id, CHAIR, chair)
    store.add_turn("ana", chat.id, follow_up, assistant.ask(follow_up, history=history))
    store.set_feedback("ana", chat.id, 0, Feedback(rating=1))
    store.set_feedback("ana", chat.id, 1, Feedback(rating=-1, correct_quote="a decrease in incidents in 2024"))
    other = store.create("ana")
    monarch = "Who is the reigning monarch of Cambodia?"
    store.add_turn("ana", other.id, monarch, assistant.ask(monarch))
    store.set_feedback("ana", other.id, 0, Feedback(rating=1))
    bobs = store.create("bob")
    store.add_turn("bob", bobs.id, CHAIR, chair)
    store.set_feedback("bob", bobs.id, 0, Feedback(rating=-1))
    return index


def test_feedback_exported_as_a_question_file_is_what_assistant_eval_runs(rated_index, tmp_path):
    exported = tmp_path / "sets" / "feedback.jsonl"
    result = CliRunner().invoke(
        app, ["eval", "--from-feedback", "--index", str(rated_index), "--export", str(exported)]
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote 3 questions from feedback to {exported}" in " ".join(result.output.split())
    assert "1 down-voted answer(s) without a correction left out" in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()  # exporting evaluates nothing
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    assert [(q["question"], bool(q["answers"]), len(q.get("history", []))) for q in lines] == [
        (CHAIR, True, 0),
        ("What did he report about the number of incidents?", True, 2),
        ("Who is the reigning monarch of Cambodia?", False, 0),
    ]

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["eval", str(exported), "--index", str(rated_index), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert [r["id"] for r in report["results"]] == [q["id"] for q in lines]
    assert report["counts"]["questions"] == 3 and report["counts"]["unanswerable"] == 1
    assert report["counts"]["with_history"] == 1
    # The same assistant over the same index gives the answers people marked right (or corrected to).
    assert report["metrics"]["answer_match"] == 1.0 and report["metrics"]["abstention_recall"] == 1.0

    direct = tmp_path / "direct"
    result = CliRunner().invoke(
        app, ["eval", "--from-feedback", "--user", "ana", "--index", str(rated_index), "--out", str(direct)]
    )
    assert result.exit_code == 0, result.output
    again = json.loads((direct / "report.json").read_text())
    assert [(r["id"], r["answer"]) for r in again["results"]] == [(r["id"], r["answer"]) for r in report["results"]]


def test_from_feedback_says_when_there_is_nothing_to_use(rated_index, tmp_path):
    result = CliRunner().invoke(app, ["eval", "--from-feedback", "--index", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert "No saved conversations at" in result.output
    assert not (tmp_path / "empty").exists()  # looking does not create it

    result = CliRunner().invoke(app, ["eval", "--from-feedback", "--user", "bob", "--index", str(rated_index)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "1 down-voted answer(s) without a correction left out" in output
    assert "No usable feedback of user 'bob'" in output

    for wrong in (
        ["eval", str(SEED_QUESTIONS), "--from-feedback"],
        ["eval"],
        ["eval", str(SEED_QUESTIONS), "--user", "x"],
    ):
        result = CliRunner().invoke(app, [*wrong, "--index", str(rated_index)])
        assert result.exit_code == 2, wrong
