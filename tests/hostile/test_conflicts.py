"""A differing document is shown beside the cited one, so whatever it carries is shown as text: Rich
markup in the CLI, HTML in the UI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from assistant import Assistant
from assistant.cli import app
from ui.render import answer_html

QUESTION = "How long are file server backups kept?"
WIKI = "# Backups\n\nThe nightly backup of the file server is kept for 30 days on the tape library.\n"
HOSTILE = (
    "Audit findings\n\nThe auditors found that file server backups are retained for only 7 days, not "
    "[bold red]the documented period[/] <script>alert(1)</script>.\n"
)


def test_a_hostile_differing_document_is_shown_as_text(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "wiki-backups.md").write_text(WIKI)
    (docs / "[blink]audit.txt").write_text(HOSTILE)
    assistant = Assistant.open(tmp_path / "index", create=True)
    assistant.ingest([docs])
    answer = assistant.ask(QUESTION)
    [conflict] = answer.conflicts
    assert "7 days" in conflict.quote

    html = answer_html(answer, turn=0)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    result = CliRunner().invoke(app, ["ask", QUESTION, "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    differing = result.stdout.split("Sources differ:")[1]
    assert "[blink]audit.txt" in differing and "[bold red]the documented period[/]" in differing
