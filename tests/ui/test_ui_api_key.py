"""`assistant api-key new --file FILE`: prints a key once and keeps only its hash."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from assistant.http.keys import ApiKeys
from ui.api_key import api_key_command


def test_new_key_is_printed_once_and_its_hash_appended(tmp_path: Path):
    app = typer.Typer()
    app.command("api-key")(api_key_command)
    app.command("noop")(lambda: None)  # two commands, so "api-key" is a subcommand as in the real CLI
    keys = tmp_path / "keys.txt"
    runner = CliRunner()
    first = runner.invoke(app, ["api-key", "new", "--file", str(keys)])
    second = runner.invoke(app, ["api-key", "new", "--file", str(keys)])
    assert first.exit_code == 0 and second.exit_code == 0
    key_one, key_two = first.stdout.strip(), second.stdout.strip()
    assert key_one != key_two
    text = keys.read_text()
    assert key_one not in text and len(text.splitlines()) == 2
    loaded = ApiKeys.of(files=[keys])
    assert loaded.check(key_one) and loaded.check(key_two)
    assert runner.invoke(app, ["api-key", "rotate", "--file", str(keys)]).exit_code == 2
