"""`assistant serve` options: loopback by default, password and API keys or --insecure for anything else;
the UI and the API on one port."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
from support import wait_until
from typer.testing import CliRunner
from ui_pages import free_port

from assistant.http.keys import ApiKeys, append_key
from ui.serve import check_api_exposure, check_exposure, is_loopback, parse_auth, serve_command


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host: str, loopback: bool):
    assert is_loopback(host) is loopback


def test_parse_auth_from_value_and_file(tmp_path: Path):
    assert parse_auth("ana:pw:with:colons") == [("ana", "pw:with:colons")]
    creds = tmp_path / "users"
    creds.write_text("# team\nana:one\n\nbo:two\n", encoding="utf-8")
    assert parse_auth(str(creds)) == [("ana", "one"), ("bo", "two")]
    for bad in ("no-colon", ":nouser", "nopass:"):
        with pytest.raises(ValueError):
            parse_auth(bad)


def test_non_loopback_needs_auth_or_insecure():
    check_exposure("127.0.0.1", None, insecure=False)
    check_exposure("0.0.0.0", [("a", "b")], insecure=False)
    check_exposure("0.0.0.0", None, insecure=True)
    with pytest.raises(ValueError, match="without --auth"):
        check_exposure("0.0.0.0", None, insecure=False)


def test_non_loopback_api_needs_keys_or_insecure():
    check_api_exposure("127.0.0.1", ApiKeys(), insecure=False)
    check_api_exposure("0.0.0.0", ApiKeys.of(["a-key"]), insecure=False)
    check_api_exposure("0.0.0.0", ApiKeys(), insecure=True)
    with pytest.raises(ValueError, match="without --api-key"):
        check_api_exposure("0.0.0.0", ApiKeys(), insecure=False)


def test_command_refuses_public_bind_without_api_keys(tmp_path: Path):
    """A password for the UI is not enough: the API beside it needs keys too."""
    app = typer.Typer()
    app.command("serve")(serve_command)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--auth", "ana:pw"], env={"ASSISTANT_API_KEYS": ""})
    assert result.exit_code == 2
    assert "refusing to serve the API on 0.0.0.0 without --api-key" in result.output


def test_command_refuses_public_bind_before_loading_anything():
    app = typer.Typer()
    app.command("serve")(serve_command)
    app.command("noop")(lambda: None)  # two commands, so "serve" is a subcommand as in the real CLI
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "7999"])
    assert result.exit_code == 2
    assert "refusing to serve on 0.0.0.0 without --auth" in result.output


def test_serve_with_auth_and_keys_guards_ui_and_api_on_one_port(seed_index: Path, tmp_path: Path):
    """The real command in its own process: pages need a login, and only the right one works; the API
    on the same port needs a key from the key file, and /healthz answers anyone."""
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    creds = tmp_path / "users"
    creds.write_text("ana:correct-horse\n", encoding="utf-8")
    port = free_port()
    code = "import typer; from ui.serve import serve_command; typer.run(serve_command)"
    keys = tmp_path / "keys.txt"
    key = append_key(keys)
    args = ["--index", str(index), "--port", str(port), "--auth", str(creds), "--api-key-file", str(keys)]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        assert proc.poll() is None, proc.stdout.read().decode()
        try:
            httpx.get(base + "/", timeout=2)
            return True
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, timeout=120, what="the server to answer")
        with httpx.Client(base_url=base, timeout=10) as anonymous:
            assert anonymous.get("/config").status_code == 401
            bad = anonymous.post("/login", data={"username": "ana", "password": "wrong"})
            assert bad.status_code >= 400
        with httpx.Client(base_url=base, timeout=10) as user:
            login = user.post("/login", data={"username": "ana", "password": "correct-horse"})
            assert login.status_code == 200
            assert user.get("/config").status_code == 200
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            assert client.get("/v1/models").status_code == 401
            answer = client.post(
                "/v1/ask",
                json={"question": "What did the interior minister claim?"},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert answer.status_code == 200 and answer.json()["found"]
            assert client.get("/v1/nowhere").headers["content-type"] == "application/problem+json"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
