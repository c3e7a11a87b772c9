"""Documents that answer one question differently are shown side by side; agreeing or lone ones are not.

Real embedding model and real indexes, each built from a few small documents: a wiki page and an
audit report that disagree on how long backups are kept, and an FAQ that agrees with the wiki page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import Assistant
from assistant.answer.extractive import CONFLICT_SUPPORT_MARGIN
from assistant.answer.scoring import score_candidates
from assistant.cli import app
from ui.render import answer_html, answer_plain, sources_html

QUESTION = "How long are file server backups kept?"
WIKI = (
    "# Backups\n\nThe nightly backup of the file server is kept for 30 days on the tape library. "
    "Restores are requested through the service desk.\n"
)
AUDIT = (
    "# Audit findings\n\nThe auditors found that file server backups are retained for only 7 days, "
    "not the documented period. Access reviews were complete.\n"
)
FAQ = "# IT questions\n\nFile server backups are retained for 30 days on tape. Ask the service desk for a restore.\n"


def build(root: Path, files: dict[str, str]) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True)
    for name, text in files.items():
        (docs / name).write_text(text)
    Assistant.open(root / "index", create=True).ingest([docs])
    return root / "index"


@pytest.fixture(scope="module")
def indexes(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("differing")
    return {
        "disagree": build(root / "disagree", {"wiki-backups.md": WIKI, "audit-2024.md": AUDIT}),
        "agree": build(root / "agree", {"wiki-backups.md": WIKI, "it-faq.md": FAQ}),
        "single": build(root / "single", {"wiki-backups.md": WIKI}),
    }


def test_a_document_that_answers_differently_is_attached_as_a_conflict(indexes):
    answer = Assistant.open(indexes["disagree"]).ask(QUESTION)
    assert answer.found and "30 days" in answer.text and "7 days" not in answer.text
    assert [Path(c.source).name for c in answer.citations] == ["wiki-backups.md"]
    [conflict] = answer.conflicts
    assert Path(conflict.source).name == "audit-2024.md" and "7 days" in conflict.quote
    assert conflict.marker == len(answer.citations) + 1
    assert conflict.doc_id not in {c.doc_id for c in answer.citations}
    assert answer.to_dict()["conflicts"][0]["quote"] == conflict.quote

    html = answer_html(answer, turn=0)
    assert "Sources differ" in html and "7 days" in html and "30 days" in html
    assert f'href="#src-0-{conflict.marker}"' in html
    assert f'id="src-0-{conflict.marker}"' in sources_html(answer, turn=0)
    assert answer_plain(answer).split("Sources differ")[1].count("7 days") == 1


def test_the_cli_prints_the_differing_source_after_the_cited_ones(indexes):
    runner = CliRunner()
    result = runner.invoke(app, ["ask", QUESTION, "--index", str(indexes["disagree"])])
    assert result.exit_code == 0, result.output
    sources, differing = result.stdout.split("Sources differ:")
    assert "wiki-backups.md" in sources and "audit-2024.md" not in sources
    assert "[2] audit-2024.md" in differing and "retained for only 7 days" in differing
    data = json.loads(runner.invoke(app, ["ask", QUESTION, "--index", str(indexes["disagree"]), "--json"]).stdout)
    assert [Path(c["source"]).name for c in data["conflicts"]] == ["audit-2024.md"]


def test_a_document_that_says_the_same_thing_is_no_conflict(indexes):
    assistant = Assistant.open(indexes["agree"])
    # The FAQ's sentence answers well enough to be shown; only its agreeing with the quote keeps it out.
    floor = assistant.settings.abstain_threshold + CONFLICT_SUPPORT_MARGIN
    faq = [s for s in score_candidates(assistant.prepare(QUESTION)) if "it-faq" in s.candidate.passage.source]
    assert faq and faq[0].support >= floor
    answer = assistant.ask(QUESTION)
    assert answer.found and faq[0].candidate.doc_id not in {c.doc_id for c in answer.citations}
    assert answer.conflicts == []
    result = CliRunner().invoke(app, ["ask", QUESTION, "--index", str(indexes["agree"])])
    assert result.exit_code == 0 and "Sources differ" not in result.stdout


def test_a_single_document_answer_has_no_conflicts(indexes):
    answer = Assistant.open(indexes["single"]).ask(QUESTION)
    assert answer.found and answer.conflicts == []
    assert "Sources differ" not in answer_html(answer, turn=0)
