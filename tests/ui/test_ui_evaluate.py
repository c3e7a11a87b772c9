"""The Evaluate tab: the seed question set run for real through the tab's handler, and in the browser.

The handler tests call ``EvalHandlers.run`` the way Gradio does, against the real seed index and
embedding model, and check what the tab shows against the report files the same run wrote.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import SEED_QUESTIONS
from ui_pages import ANSWER_TIMEOUT_MS, ask, open_tab

from assistant.eval import LOWER_IS_BETTER, SCORE_METRICS
from ui.evaluate import FAILURE_HEADERS, EvalHandlers, EvalView

HOSTILE_QUESTION = '<img src=x onerror="window.__pwned = 1"> Who won the football World Cup?'
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GOOD_LINE = '{"id": "q1", "question": "Who holds the post of interior minister?", "answers": ["Sar Sokha"]}'


def metric_cell(summary: str, name: str) -> str:
    match = re.search(rf'<tr data-metric="{name}"><th>[^<]*</th><td>([^<]*)</td></tr>', summary)
    assert match, f"no {name} row in the summary"
    return match.group(1)


def report_json(view: EvalView) -> dict:
    assert view.downloads is not None
    json_file = next(Path(f) for f in view.downloads if f.endswith("report.json"))
    return json.loads(json_file.read_text(encoding="utf-8"))


def expect_served_file(page, box: str, name: str) -> None:
    """Wait until file box ``box`` lists ``name`` with a download link, i.e. it is on the server."""
    name_cell = page.locator(f'td.filename[aria-label="{name}"]')
    row = page.locator(f"{box} .file-preview tr").filter(has=name_cell)
    expect(row.locator("td.download a[href]")).to_have_count(1, timeout=30_000)


def choose_questions(page, path: Path) -> None:
    """Put ``path`` in the question file box, replacing the file already there."""
    box = page.locator("#eval-file")
    if box.get_by_role("button", name="Clear").count():
        box.get_by_role("button", name="Clear").click()
    page.set_input_files("#eval-file input[type=file]", [str(path)])
    expect_served_file(page, "#eval-file", path.name)


@pytest.fixture(scope="module")
def seed_view(seed_assistant) -> EvalView:
    return EvalHandlers(seed_assistant).run(str(SEED_QUESTIONS), None)


def test_summary_shows_the_measured_metrics(seed_view: EvalView):
    report = report_json(seed_view)
    assert report["counts"]["questions"] == 21
    assert "<b>21 questions</b>" in seed_view.summary
    assert "Answer match (gold answer in answer text)" in seed_view.summary
    shown = metric_cell(seed_view.summary, "answer_match")
    assert re.fullmatch(r"[01]\.\d{3}", shown)
    assert float(shown) > 0, "some seed questions are answered"
    for name in (*SCORE_METRICS, *LOWER_IS_BETTER):
        value = report["metrics"][name]
        if value is None:
            expected = "n/a"
        else:
            expected = f"{value:.2f} s" if name.startswith("latency") else f"{value:.3f}"
        assert metric_cell(seed_view.summary, name) == expected, name
    assert f"Source hit@{report['k']}" in seed_view.summary


def test_failures_table_lists_the_failed_questions(seed_view: EvalView):
    report = report_json(seed_view)
    failed = [r for r in report["results"] if r["failure"]]
    table = seed_view.failures
    assert list(table.columns) == FAILURE_HEADERS
    assert table.shape == (len(failed), len(FAILURE_HEADERS))
    assert list(table["ID"]) == [r["id"] for r in failed]
    assert list(table["Why"]) == [r["failure"] for r in failed]
    for row, result in zip(table.to_dict("records"), failed):
        assert row["Question"] == result["question"]
        assert row["Expected"] == ("; ".join(result["answers"]) or "(unanswerable: should refuse)")


def test_charts_and_downloads_are_real_files_in_a_fresh_folder(seed_view: EvalView, seed_assistant):
    assert seed_view.charts is not None and seed_view.downloads is not None
    assert [caption for _, caption in seed_view.charts] == ["Scores", "Latency"]
    for path, _ in seed_view.charts:
        assert Path(path).read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(Path(f).name for f in seed_view.downloads) == ["report.json", "report.md"]
    folder = Path(seed_view.downloads[0]).parent
    assert folder.parent == Path(tempfile.gettempdir()), "Gradio serves files from the temp folder"
    assert (folder / "report.md").read_text(encoding="utf-8").startswith("# Evaluation report")

    again = EvalHandlers(seed_assistant).run(str(SEED_QUESTIONS), 3)
    assert again.downloads is not None
    assert Path(again.downloads[0]).parent != folder
    assert report_json(again)["settings"]["top_k"] == 3
    assert "Top-k 3," in again.summary
    assert "Source hit@3" in again.summary


def test_bad_line_is_reported_by_number_and_nothing_is_run(seed_assistant, tmp_path: Path):
    bad = tmp_path / "bad<b>.jsonl"
    bad.write_text(GOOD_LINE + '\n{"id": "q2", "question": \n' + GOOD_LINE.replace("q1", "q3") + "\n")
    view = EvalHandlers(seed_assistant).run(str(bad), None)
    assert 'class="eval-error"' in view.summary
    assert "line 2: not valid JSON" in view.summary
    assert "line 1" not in view.summary and "line 3" not in view.summary
    # The file name is the user's: shown as text, never as markup.
    assert "bad&lt;b&gt;.jsonl" in view.summary and "<b>.jsonl" not in view.summary
    assert view.failures.empty and list(view.failures.columns) == FAILURE_HEADERS
    assert view.charts is None and view.downloads is None


@pytest.mark.parametrize(
    ("top_k", "message"), [(0, "Top-k must be a whole number from 1 to 100."), (2.5, "Top-k must be")]
)
def test_bad_top_k_is_a_message(seed_assistant, top_k: float, message: str):
    view = EvalHandlers(seed_assistant).run(str(SEED_QUESTIONS), top_k)
    assert message in view.summary and view.downloads is None


def test_no_file_asks_for_one(seed_assistant):
    assert "Choose a question file first" in EvalHandlers(seed_assistant).run(None, None).summary


def test_the_corpus_question_set_is_copied_to_the_temp_folder(seed_assistant, tmp_path):
    copy = Path(EvalHandlers(seed_assistant).corpus_questions())
    assert copy.name == "questions.jsonl"
    assert copy.read_bytes() == SEED_QUESTIONS.read_bytes()
    assert copy.parent.parent == Path(tempfile.gettempdir())
    from assistant import Assistant

    other = tmp_path / "docs"
    other.mkdir()
    (other / "note.txt").write_text("The tide tables are printed every Monday.", encoding="utf-8")
    bare = Assistant.open(tmp_path / "index", create=True)
    bare.ingest([other])
    assert EvalHandlers(bare).corpus_questions() is None


@pytest.mark.browser
def test_evaluate_tab_reports_bad_files_then_runs_the_example(page, tmp_path: Path, artifacts: Path):
    bad = tmp_path / "broken.jsonl"
    bad.write_text(GOOD_LINE + "\nnot json\n", encoding="utf-8")
    open_tab(page, "Evaluate")
    choose_questions(page, bad)
    page.click("#eval-run")
    summary = page.locator("#eval-summary")
    error = summary.locator(".eval-error")
    expect(error).to_contain_text("line 2: not valid JSON", timeout=ANSWER_TIMEOUT_MS)

    # Questions and answers are the user's: the failures table shows them as text.
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(json.dumps({"id": "h", "question": HOSTILE_QUESTION, "answers": ["Argentina"]}) + "\n")
    choose_questions(page, hostile)
    page.click("#eval-run")
    expect(page.locator("#eval-failures")).to_contain_text(HOSTILE_QUESTION, timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#eval-failures img").count() == 0
    assert page.evaluate("window.__pwned") is None

    page.click("#eval-example")
    expect_served_file(page, "#eval-file", "questions.jsonl")
    page.click("#eval-run")
    row = summary.locator('tr[data-metric="answer_match"] td')
    expect(row).to_have_text(re.compile(r"^[01]\.\d{3}$"), timeout=ANSWER_TIMEOUT_MS)
    expect(summary).to_contain_text("21 questions")
    expect(summary.locator(".eval-error")).to_have_count(0)
    expect(page.locator("#eval-charts img")).to_have_count(2)
    for name in ("report.json", "report.md"):
        expect_served_file(page, "#eval-downloads", name)
    page.screenshot(path=str(artifacts / "ui-evaluate.png"), full_page=True)

    # The chat still answers after both runs.
    open_tab(page, "Chat")
    expect(ask(page, "What did the interior minister claim?")).to_contain_text("crime bosses")
