"""``assistant api-key new --file keys.txt``: make an API key for ``assistant serve --api-key-file``.

The key is printed once; the file keeps only its hash. Registered with the main CLI through the
``assistant.commands`` entry point, like ``serve``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Action(StrEnum):
    new = "new"


def api_key_command(
    action: Annotated[Action, typer.Argument(help="new: make a key and append its hash to --file.")],
    file: Annotated[Path, typer.Option("--file", help="The key file (hashes, one a line) to append to.")],
) -> None:
    """Make an API key: printed once, its hash appended to the key file."""
    from assistant.http.keys import append_key

    try:
        key = append_key(file)
    except OSError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(key)
    typer.echo(f"Its hash is in {file}; the key is not kept anywhere, so store it now.", err=True)
