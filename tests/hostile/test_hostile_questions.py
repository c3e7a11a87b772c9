"""Questions and options that are not what the API expects get a clear error, never a traceback from
deep inside, and an oversized history is trimmed rather than read in full."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import InvalidQuestionError


@pytest.mark.parametrize(
    "question,message",
    [
        (b"What did the minister claim?", "not bytes"),
        (42, "not int"),
        ("What did the minister \udcff claim?", "unpaired surrogate"),
        ("   ", "empty"),
    ],
)
def test_questions_that_are_not_text_are_refused_clearly(seed_assistant, question, message):
    with pytest.raises(InvalidQuestionError, match=message):
        seed_assistant.ask(question)


@pytest.mark.parametrize("top_k", [0, -1, 100_000, True, 2.5, "5"])
def test_top_k_is_checked_on_every_call(seed_assistant, top_k):
    with pytest.raises(InvalidQuestionError, match="top_k must be a whole number from 1 to 100"):
        seed_assistant.ask("What did the interior minister claim?", top_k=top_k)


def test_mode_is_checked_on_every_call(seed_assistant):
    with pytest.raises(InvalidQuestionError, match="mode must be one of hybrid, dense, bm25"):
        seed_assistant.ask("What did the interior minister claim?", mode="bogus")
    assert seed_assistant.ask("What did the interior minister claim?", mode="bm25", top_k=3).found


def test_a_huge_history_is_trimmed_to_the_latest_turns(seed_assistant):
    settings = seed_assistant.settings
    history = [("Tell me about trafficking " * 50, "It is discussed in the article.")] * 5_000
    history.append(("Who is the interior minister?", "Sar Sokha is the interior minister."))
    request = seed_assistant.prepare("What did he claim?", history=history)
    assert 0 < len(request.history) <= settings.max_history_turns
    assert sum(len(m["content"]) for m in request.history) <= settings.max_history_chars
    assert request.history[-1]["content"] == "Sar Sokha is the interior minister."


def test_the_cli_reports_a_question_that_is_not_utf8(seed_index):
    result = CliRunner().invoke(app, ["ask", "minister \udcff claim", "--index", str(seed_index)])
    assert result.exit_code == 1
    assert "not valid text" in result.stderr and "Traceback" not in result.stderr
