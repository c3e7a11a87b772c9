"""``assistant serve``: the chat UI and the HTTP API in one process on one port, on loopback unless
told otherwise and protected.

The command is a plain typer function, registered with the main CLI as a plugin through the
``assistant.commands`` entry point in ``pyproject.toml``, so the core never imports the UI.

Then ``assistant serve --index index/`` serves the chat at http://127.0.0.1:7860 and the API under
``/v1``. Serving on another address needs ``--auth user:password`` (or ``--auth FILE`` with one
``user:password`` per line) for the UI and ``--api-key`` or ``--api-key-file`` for the API, or an
explicit ``--insecure``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from assistant.http.keys import ApiKeys


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine.

    A host name other than ``localhost`` counts as non-loopback: it may resolve anywhere.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_auth(value: str) -> list[tuple[str, str]]:
    """Credentials from ``user:password`` or from a file of such lines (``#`` starts a comment).

    A file keeps the password out of the process list and the shell history.

    >>> parse_auth("ana:s3cret:with-colon")
    [('ana', 's3cret:with-colon')]
    """
    path = Path(value)
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else [value]
    pairs: list[tuple[str, str]] = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user or not password:
            raise ValueError("auth must be user:password, or a file with one user:password a line")
        pairs.append((user, password))
    if not pairs:
        raise ValueError(f"no user:password found in {value}")
    return pairs


def check_exposure(host: str, auth: list[tuple[str, str]] | None, insecure: bool) -> None:
    """Refuse to serve a non-loopback address without a password unless ``insecure`` says so."""
    if not is_loopback(host) and not auth and not insecure:
        raise ValueError(
            f"refusing to serve on {host} without --auth: anyone who can reach it could read and "
            "change your documents. Pass --auth user:password (or a file), or --insecure."
        )


def check_api_exposure(host: str, keys: ApiKeys, insecure: bool) -> None:
    """Refuse to serve the API on a non-loopback address without a key unless ``insecure`` says so."""
    if not is_loopback(host) and not keys.required and not insecure:
        raise ValueError(
            f"refusing to serve the API on {host} without --api-key: anyone who can reach it could read "
            "and change your documents. Make a key with `assistant api-key new --file keys.txt` and pass "
            "--api-key-file keys.txt, or pass --insecure."
        )


def serve_command(
    index: Annotated[Path | None, typer.Option("--index", help="Index folder (default: the configured one).")] = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7860,
    auth: Annotated[
        str | None,
        typer.Option(
            help="user:password, or a file with one user:password a line.",
            envvar="ASSISTANT_UI_AUTH",
        ),
    ] = None,
    insecure: Annotated[bool, typer.Option(help="Allow a non-loopback --host without --auth or API keys.")] = False,
    api_key: Annotated[
        list[str] | None,
        typer.Option(
            help="A key the API accepts as `Authorization: Bearer KEY` (repeatable; prefer a key file).",
            envvar="ASSISTANT_API_KEYS",
        ),
    ] = None,
    api_key_file: Annotated[
        list[Path] | None,
        typer.Option(help="A file of key hashes, one a line (`assistant api-key new --file FILE`)."),
    ] = None,
    allow_ingest: Annotated[
        list[Path] | None,
        typer.Option(help="A server folder POST /v1/ingest may index, with what lies inside it (repeatable)."),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(help="A web origin allowed to call the API from a browser (repeatable; none: CORS off)."),
    ] = None,
    example: Annotated[
        list[str] | None,
        typer.Option(help="An example question to offer in the chat (repeatable); default: drawn from the documents."),
    ] = None,
) -> None:
    """Serve the chat and documents UI in the browser, and the HTTP API (under /v1) on the same port."""
    try:
        credentials = parse_auth(auth) if auth else None
        check_exposure(host, credentials, insecure)
        keys = ApiKeys.of(api_key or (), api_key_file or ())
        check_api_exposure(host, keys, insecure)
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc

    # Imported here so that other CLI commands do not pay for loading gradio and FastAPI.
    import uvicorn

    from assistant import Assistant, AssistantError
    from assistant.http.app import ApiConfig, build_api
    from ui.app import UiConfig, build_app, mount

    try:
        assistant = Assistant.open(index_dir=index)
    except AssistantError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    ui_config = UiConfig.of(assistant.settings.ui, examples=example or None)
    api_config = ApiConfig.of(
        assistant.settings, keys=keys, allow_ingest=allow_ingest or (), cors_origins=cors_origin or ()
    )
    app = mount(
        build_app(assistant, ui_config), build_api(assistant, api_config), auth=credentials, limits=ui_config.limits
    )
    typer.echo(f"Serving on http://{host}:{port}, the API under /v1 (Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
