"""Prompt templates: the built-in ones by name, a user folder overriding some, missing fields refused."""

from __future__ import annotations

import pytest

from assistant.llm.prompts import PromptError, PromptLibrary


def test_prompts_are_loaded_by_name_and_a_user_folder_overrides_them(tmp_path):
    builtin = PromptLibrary()
    assert "$" not in builtin.render("answer", sources="[1] text", question="Who?")
    (tmp_path / "answer.txt").write_text("Q=$question S=$sources")
    override = PromptLibrary(user_dir=tmp_path)
    assert override.render("answer", sources="{not a field} $5", question="Who?") == "Q=Who? S={not a field} $5"
    assert override.path("system") == builtin.path("system")  # not overridden: the built-in one
    with pytest.raises(PromptError, match="question"):
        override.render("answer", sources="x")
