"""The chat's options come from the settings' ``ui`` section (keywords, ASSISTANT_UI_* or the TOML file)."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.uploads import store_uploads
from assistant.settings import Settings
from ui.app import UiConfig


def test_the_ui_section_sets_upload_limits_concurrency_and_background_ingest(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_UI_MAX_UPLOAD_MB", "0.001")
    settings = Settings(ui_max_upload_files=2, ui_chat_concurrency=3, ui_ingest_in_background=False)
    config = UiConfig.of(settings.ui, examples=["Who?"])
    assert (config.chat_concurrency, config.ingest_in_background, config.examples) == (3, False, ["Who?"])
    assert config.limits.describe().startswith("Up to 2 files, 1.02 KB each, 100 MB in all")
    small, large, third = tmp_path / "small.txt", tmp_path / "large.txt", tmp_path / "third.txt"
    small.write_text("a" * 500)
    large.write_text("a" * 2000)
    third.write_text("b")
    result = store_uploads([small, large, third], tmp_path / "uploads", config.limits)
    assert [p.name for p in result.accepted] == ["small.txt"]
    reasons = {r.name: r.reason for r in result.rejected}
    assert reasons["large.txt"].endswith("limit per file") and reasons["third.txt"].startswith("too many files")
