"""The two index stores, as parametrised fixtures for the tests whose behaviour depends on the store
(retrieval, ingest, answering): each such test runs once on the embedded index and once on PostgreSQL.

    store_backend        an empty index on each store, for one test
    seed_backend         the seed article's index on each store, read-only, built once per session
    seed_backend_assistant   an ``Assistant`` over it, opened once per session
    fresh_seed_backend   a copy of the seed index for one test to change
    module_seed_backend  a copy of the seed index for the tests of one module to build on

A ``Backend`` opens an ``Assistant`` on its index with any setting overridden. The PostgreSQL side
starts the test server (``pg_server``) only when a test asks for it, so running only embedded tests
(``-k embedded``) needs no server.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pg_server import database_url
from support import SEEDS

from assistant import Assistant

BACKENDS = ("embedded", "postgres")


@dataclass(frozen=True)
class Backend:
    """One store's index: a folder (embedded) or a database address (postgres)."""

    name: str
    location: Path | str

    def open(self, create: bool = False, **overrides) -> Assistant:
        if self.name == "embedded":
            return Assistant.open(self.location, create=create, store="", **overrides)
        return Assistant.open(None, create=create, store=str(self.location), **overrides)


def _admin(postgres_url: str):
    import psycopg

    return psycopg.connect(postgres_url, autocommit=True)


def _create_database(postgres_url: str, template: str | None = None) -> str:
    from psycopg import sql

    name = f"test_{uuid.uuid4().hex[:16]}"
    with _admin(postgres_url) as admin:
        if template is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
    return name


def _drop_database(postgres_url: str, name: str) -> None:
    from psycopg import sql

    # FORCE ends connections the tests' assistants still hold, which would otherwise block the drop.
    with _admin(postgres_url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def _postgres_seed_template(postgres_url: str) -> Iterator[str]:
    """A database holding the seed article's index that nothing connects to after it is built, so that
    ``CREATE DATABASE ... TEMPLATE`` copies it (server-side, in milliseconds) for each test."""
    import psycopg
    from psycopg import sql

    name = _create_database(postgres_url)
    try:
        url = database_url(postgres_url, name)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION vector")
        builder = Assistant.open(None, create=True, store=url)
        builder.ingest([SEEDS])
        builder.index.close()
        # Not even autovacuum may connect now: a copy fails while anyone is connected to its template.
        with _admin(postgres_url) as admin:
            admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        yield name
    finally:
        _drop_database(postgres_url, name)


def _postgres_copy(request: pytest.FixtureRequest) -> Iterator[Backend]:
    postgres_url = request.getfixturevalue("postgres_url")
    name = _create_database(postgres_url, template=request.getfixturevalue("_postgres_seed_template"))
    try:
        yield Backend("postgres", database_url(postgres_url, name))
    finally:
        _drop_database(postgres_url, name)


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "embedded":
        return Backend("embedded", tmp_path / "index")
    return Backend("postgres", request.getfixturevalue("postgres_database"))


@pytest.fixture(scope="session", params=BACKENDS)
def seed_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "embedded":
        yield Backend("embedded", request.getfixturevalue("seed_index"))
    else:
        yield from _postgres_copy(request)


@pytest.fixture(scope="session")
def seed_backend_assistant(seed_backend: Backend) -> Assistant:
    return seed_backend.open()


@pytest.fixture(params=BACKENDS)
def fresh_seed_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "embedded":
        target = tmp_path / "index"
        shutil.copytree(request.getfixturevalue("seed_index"), target)
        yield Backend("embedded", target)
    else:
        yield from _postgres_copy(request)


@pytest.fixture(scope="module", params=BACKENDS)
def module_seed_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if request.param == "embedded":
        target = tmp_path_factory.mktemp("seed-copy") / "index"
        shutil.copytree(request.getfixturevalue("seed_index"), target)
        yield Backend("embedded", target)
    else:
        yield from _postgres_copy(request)
