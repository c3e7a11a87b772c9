"""``PostgresStore``: connections, consistent reads, the one writer at a time, compaction."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql

from ...embedding import EmbeddingIdentity
from ...errors import IndexLockedError, IndexNotFoundError
from ..bm25 import analyzer
from ..index import Repaired
from ..manifest import FORMAT_VERSION, Manifest, check_compatible, now, stale_reason
from .read import PostgresView, Session
from .schema import (
    LOCK_WRITE,
    SCHEMA_VERSION,
    TABLES,
    create_hnsw,
    get_meta,
    has_hnsw,
    has_schema,
    migrate,
    missing,
    newer,
    rollback,
    set_meta,
    unreachable,
)
from .write import PostgresWriter

log = logging.getLogger(__name__)


def redact(url: str) -> str:
    """``url`` without a password (in the address or as a parameter), to show in messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "password"])
    return parts._replace(netloc=netloc, query=query).geturl()


class PostgresStore:
    """The index in the database at ``url`` for one embedding model (implements ``Store``): readers in
    consistent transactions (``reading``), one writer at a time across every process (``writer``).

    Dense search is exact below ``exact_below`` chunks (the embedded store's ``ann_min_chunks``) and
    uses the HNSW index (``hnsw_m``, ``hnsw_ef_construction``, searched with ``hnsw_ef_search``) above,
    which the commit that brings the chunks to ``exact_below`` makes (or ``compact``, when missing).
    """

    def __init__(
        self,
        url: str,
        identity: EmbeddingIdentity,
        hnsw_m: int = 32,
        hnsw_ef_construction: int = 80,
        hnsw_ef_search: int = 64,
        exact_below: int = 50_000,
        lock_timeout: float = 120.0,
    ) -> None:
        self.url = url
        self.where = redact(url)
        self.identity = identity
        self.hnsw_m = hnsw_m
        self.hnsw_ef_construction = hnsw_ef_construction
        self.hnsw_ef_search = hnsw_ef_search
        self.exact_below = exact_below
        self.lock_timeout = lock_timeout
        self.repaired: Repaired | None = None
        self._local = threading.local()
        self._sessions: list[Session] = []
        self._sessions_lock = threading.Lock()
        self._checked = -1  # the generation last checked against the model

    # -- connections -----------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        # Without a timeout an unreachable host would keep a question waiting for minutes.
        timeout = psycopg.conninfo.conninfo_to_dict(self.url).get("connect_timeout", 10)
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=timeout)
        except psycopg.OperationalError as exc:
            raise unreachable(self.where, exc) from exc

    def _session(self) -> Session:
        """This thread's connection (one per thread, as the embedded store's SQLite connections; a new
        one after a fork, or when the server dropped it)."""
        session: Session | None = getattr(self._local, "session", None)
        if session is None or session.pid != os.getpid() or session.conn.closed or session.conn.broken:
            conn = self._connect()
            self._upgrade(conn)
            session = Session(conn, self.hnsw_ef_search, self.exact_below)
            self._local.session = session
            self._local.view = None
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def _upgrade(self, conn: psycopg.Connection) -> None:
        """Migrate an index written by an older version (a column added, say) when this version first
        reads it, instead of refusing it until the next ingest; a missing or newer schema is left to
        ``_manifest`` to report."""
        version = get_meta(conn, "schema_version") if has_schema(conn) else None
        if version is not None and int(version) < SCHEMA_VERSION:
            self._migrate(conn)

    def close(self) -> None:
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            if session.pid == os.getpid():
                session.conn.close()
        self._local = threading.local()

    # -- reading -----------------------------------------------------------------------------------

    def exists(self) -> bool:
        conn = self._session().conn
        return has_schema(conn) and get_meta(conn, "manifest") is not None

    def _manifest(self, session: Session) -> Manifest:
        """The manifest the connection sees now (in its transaction, if one is open), checked against
        the model; the first time, the schema version too (only a writer creates it)."""
        conn = session.conn
        try:
            if not session.ready:
                version = get_meta(conn, "schema_version") if has_schema(conn) else None
                if version is None or int(version) < SCHEMA_VERSION:
                    raise missing(self.where)
                if int(version) > SCHEMA_VERSION:
                    raise newer(self.where, int(version))
                register_vector(conn)
                session.ready = True
            manifest = Manifest.from_json(get_meta(conn, "manifest"), self.where)
        except psycopg.errors.UndefinedTable as exc:
            raise missing(self.where) from exc
        if manifest is None:
            raise missing(self.where)
        if manifest.generation != self._checked:
            check_compatible(manifest, self.identity, self.where)
            self._checked = manifest.generation
        return manifest

    @contextmanager
    def reading(self) -> Iterator[PostgresView]:
        """One generation for the length of the block: every query runs in one REPEATABLE READ READ ONLY
        transaction, whatever writers commit meanwhile. Nested blocks on one thread share the outer one."""
        session = self._session()
        current: PostgresView | None = getattr(self._local, "view", None)
        if current is not None and session.in_transaction():
            yield current
            return
        try:
            view = self._begin(session)
        except psycopg.OperationalError as exc:
            raise unreachable(self.where, exc) from exc
        self._local.view = view
        try:
            yield view
        except psycopg.OperationalError as exc:
            raise unreachable(self.where, exc) from exc
        finally:
            self._local.view = None
            session.ef_set = 0
            rollback(session.conn)

    def _begin(self, session: Session) -> PostgresView:
        for attempt in range(2):
            session.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                manifest = self._manifest(session)  # the transaction's snapshot is taken here
                if manifest.sparse != analyzer() and attempt == 0:
                    rollback(session.conn)
                    self._retokenize(manifest)
                    continue
                session.set_search(self.hnsw_ef_search)
                return PostgresView(session, manifest, snapshot=True)
            except BaseException:
                rollback(session.conn)
                raise
        raise AssertionError("unreachable")

    def view(self) -> PostgresView:
        """The live generation, outside a transaction: each call on it reads what is committed by then."""
        session = self._session()
        current: PostgresView | None = getattr(self._local, "view", None)
        if current is not None and session.in_transaction():
            return current
        try:
            manifest = self._manifest(session)
            if manifest.sparse != analyzer():
                self._retokenize(manifest)
                manifest = self._manifest(session)
        except psycopg.OperationalError as exc:
            raise unreachable(self.where, exc) from exc
        return PostgresView(session, manifest, snapshot=False)

    def _retokenize(self, manifest: Manifest) -> None:
        """The stop words or the stemmer changed since the terms were written, so a question's terms
        would miss them: write them anew (in a writer's transaction) before reading, as the embedded
        store re-tokenises its postings on open."""
        try:
            with self.writer(manifest.chunker, rebuild_stale=False) as writer:
                writer.commit()  # the writer re-tokenised as it started
        except psycopg.Error as exc:
            log.warning("The BM25 terms of the index at %s are stale and could not be rewritten: %s", self.where, exc)

    # -- writing -----------------------------------------------------------------------------------

    def _hnsw_params(self) -> dict:
        return {"m": self.hnsw_m, "ef_construction": self.hnsw_ef_construction}

    def _segments(self, conn: psycopg.Connection, chunks: int) -> list[dict]:
        """What the manifest lists as segments: all chunks, searched exactly or by the HNSW index."""
        if not chunks:
            return []
        built = json.loads(get_meta(conn, "hnsw") or "{}") or self._hnsw_params()
        if chunks < self.exact_below:
            return [{"name": "chunks", "chunks": chunks, "kind": "flat", "params": {}}]
        params = {**built, "ef_search": self.hnsw_ef_search}
        return [{"name": "chunks", "chunks": chunks, "kind": "hnsw", "params": params}]

    def _committing(self, conn: psycopg.Connection, chunks: int) -> list[dict]:
        """As a writer commits: make the HNSW index when the chunks have reached the number from which it
        is searched (in the writer's transaction, which readers do not wait for), and return what the
        manifest lists as segments."""
        if chunks >= self.exact_below and not has_hnsw(conn):
            conn.execute(create_hnsw("chunks_embedding", self.hnsw_m, self.hnsw_ef_construction))
            set_meta(conn, "hnsw", json.dumps(self._hnsw_params()))
        return self._segments(conn, chunks)

    def _lock_writes(self, conn: psycopg.Connection, session_level: bool = False) -> None:
        """Wait (up to ``lock_timeout``) for the database's writer lock: until the transaction ends, or
        with ``session_level`` until the connection closes."""
        local = not session_level
        conn.execute("SELECT set_config('lock_timeout', %s, %s)", (f"{int(self.lock_timeout * 1000)}ms", local))
        try:
            if session_level:
                conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_WRITE,))
            else:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_WRITE,))
        except psycopg.errors.LockNotAvailable:
            raise IndexLockedError(
                f"Another ingest is writing to {self.where}; try again when it has finished."
            ) from None
        conn.execute("SELECT set_config('lock_timeout', '0', %s)", (local,))

    def _migrate(self, conn: psycopg.Connection) -> None:
        migrate(conn, self.where, self.identity.dimension)

    @contextmanager
    def writer(self, chunker: dict, rebuild_stale: bool = True) -> Iterator[PostgresWriter]:
        """A write transaction on the index (created if missing), on its own connection. When the index
        is stale and ``rebuild_stale`` (ingest) is set, the writer starts empty and lists the files to
        re-read; removals pass False and keep the settings the chunks were cut with."""
        conn = self._connect()
        try:
            self._migrate(conn)
            register_vector(conn)
            conn.execute("BEGIN")
            self._lock_writes(conn)
            manifest = Manifest.from_json(get_meta(conn, "manifest"), self.where)
            if manifest is not None:
                check_compatible(manifest, self.identity, self.where, rebuilding=rebuild_stale)
            yield self._start(conn, manifest, chunker, rebuild_stale)
        except psycopg.OperationalError as exc:
            raise unreachable(self.where, exc) from exc
        finally:
            rollback(conn)  # what was not committed
            conn.close()

    def _start(
        self, conn: psycopg.Connection, manifest: Manifest | None, chunker: dict, rebuild_stale: bool
    ) -> PostgresWriter:
        fresh = Manifest(
            format_version=FORMAT_VERSION,
            embedding=asdict(self.identity),
            chunker=chunker,
            generation=manifest.generation if manifest else 0,
            created_at=now(),
            updated_at=now(),
            sparse=analyzer(),
        )
        if manifest is None:
            writer = PostgresWriter(conn, fresh, self._committing)
            dimension = get_meta(conn, "dimension")
            if dimension is not None and int(dimension) != self.identity.dimension:
                self._fit_dimension(conn, writer)
            return writer
        reason = stale_reason(manifest, chunker, self.identity) if rebuild_stale else None
        if reason is None:
            # A removal keeps the settings the chunks were cut with, so staleness is not lost.
            manifest.embedding = asdict(self.identity)
            if rebuild_stale:
                manifest.chunker = chunker
            writer = PostgresWriter(conn, manifest, self._committing)
            if manifest.sparse != analyzer():
                writer.retokenize()
            return writer
        writer = PostgresWriter(conn, fresh, self._committing)
        writer.rebuild_reason, writer.stale_sources = reason, sorted(writer.sources())
        writer.clear()
        return writer

    def _fit_dimension(self, conn: psycopg.Connection, writer: PostgresWriter) -> None:
        """Tables made for another model's vectors, which never held an index (no manifest was ever
        committed), take this model's dimension."""
        writer.clear()
        conn.execute("DROP INDEX IF EXISTS assistant.chunks_embedding")
        conn.execute("DELETE FROM assistant.meta WHERE key = 'hnsw'")
        for table in ("chunks", "sentences"):
            conn.execute(
                sql.SQL("ALTER TABLE assistant.{} ALTER COLUMN embedding TYPE vector({})").format(
                    sql.Identifier(table), sql.Literal(self.identity.dimension)
                )
            )
        set_meta(conn, "dimension", str(self.identity.dimension))

    def compact(self) -> Manifest:
        """Rebuild the HNSW index (with the configured parameters, if they changed; made if the chunks
        are searched by it and it is missing) without blocking questions, and VACUUM ANALYZE the tables;
        returns the manifest of the new generation."""
        conn = self._connect()
        try:
            if not has_schema(conn) or get_meta(conn, "manifest") is None:
                raise IndexNotFoundError(f"No index at {self.where}; nothing to compact.")
            self._migrate(conn)
            self._lock_writes(conn, session_level=True)  # held until the connection closes
            manifest = Manifest.from_json(get_meta(conn, "manifest"), self.where)
            if manifest is None:
                raise IndexNotFoundError(f"No index at {self.where}; nothing to compact.")
            check_compatible(manifest, self.identity, self.where)
            if not has_hnsw(conn):
                if manifest.counts.get("chunks", 0) >= self.exact_below:
                    conn.execute(create_hnsw("chunks_embedding", self.hnsw_m, self.hnsw_ef_construction, True))
                    set_meta(conn, "hnsw", json.dumps(self._hnsw_params()))
            elif json.loads(get_meta(conn, "hnsw") or "{}") != self._hnsw_params():
                conn.execute("DROP INDEX CONCURRENTLY IF EXISTS assistant.chunks_embedding_new")
                conn.execute(create_hnsw("chunks_embedding_new", self.hnsw_m, self.hnsw_ef_construction, True))
                with conn.transaction():
                    conn.execute("DROP INDEX assistant.chunks_embedding")
                    conn.execute("ALTER INDEX assistant.chunks_embedding_new RENAME TO chunks_embedding")
                    set_meta(conn, "hnsw", json.dumps(self._hnsw_params()))
            else:
                conn.execute("REINDEX INDEX CONCURRENTLY assistant.chunks_embedding")
            for table in TABLES:
                conn.execute(sql.SQL("VACUUM (ANALYZE) assistant.{}").format(sql.Identifier(table)))
            with conn.transaction():
                manifest.generation += 1
                manifest.updated_at = now()
                manifest.segments = self._segments(conn, manifest.counts.get("chunks", 0))
                set_meta(conn, "manifest", manifest.to_json())
            return manifest
        except psycopg.OperationalError as exc:
            raise unreachable(self.where, exc) from exc
        finally:
            conn.close()

    def size_bytes(self) -> int:
        """The tables' size on the server, their indexes and TOAST included."""
        row = (
            self._session()
            .conn.execute(
                "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'assistant' AND c.relkind IN ('r', 'S')"
            )
            .fetchone()
        )
        return int(row[0]) if row else 0
