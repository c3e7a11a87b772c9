"""The database schema of the PostgreSQL store, its migrations, the meta table and the errors that name
the server.

Everything lives in the schema ``assistant`` of the database the address names::

    meta       key -> value: schema_version, dimension, hnsw (the HNSW index's parameters, once it
               exists), manifest (JSON)
    documents  one row per distinct content (doc_id = sha256 of the bytes), with its text and pages,
               and its OCR'd pages (``store.ocr_pages``: ocr_pages json, ocr_confidence jsonb)
    sources    file path -> doc_id
    chunks     text, offsets, page, heading, sentence range, embedding vector(DIM) (HNSW, inner
               product, see below), tsv tsvector (GIN) and n_terms: the chunk's BM25 terms and their number
    sentences  each document's distinct sentences with their embedding vector(DIM)
    terms      term -> df, the number of chunks holding it
    corpus     one row: the number of chunks and of terms in all of them (BM25's N and mean length)
    chunk_ids  a sequence: a chunk id is never handed out twice, even by a rolled-back ingest

The HNSW index on the chunk vectors (``chunks_embedding``) is not made with the tables: the store
makes it once the chunks reach the number from which it is searched (``PostgresStore``), so that an
index searched exactly never pays for its upkeep (on SciFact, three quarters of a bulk write's time).
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from ...errors import IndexMismatchError, IndexNotFoundError

SCHEMA_VERSION = 2
# Advisory lock keys (per database): one migration at a time, one writer at a time.
LOCK_SCHEMA = 0x61_73_73_01
LOCK_WRITE = 0x61_73_73_02

TABLES = ("meta", "documents", "sources", "chunks", "sentences", "terms", "corpus")


def _schema_v1(dimension: int) -> sql.Composed:
    return sql.SQL(
        """
        CREATE TABLE assistant.documents (
            doc_id text PRIMARY KEY, title text NOT NULL, format text NOT NULL, text text NOT NULL,
            pages jsonb NOT NULL, n_pages integer NOT NULL, added_at text NOT NULL
        );
        CREATE TABLE assistant.sources (
            path text PRIMARY KEY, doc_id text NOT NULL REFERENCES assistant.documents, added_at text NOT NULL
        );
        CREATE INDEX sources_doc ON assistant.sources (doc_id);
        CREATE SEQUENCE assistant.chunk_ids;
        CREATE TABLE assistant.chunks (
            chunk_id bigint PRIMARY KEY, doc_id text NOT NULL REFERENCES assistant.documents,
            text text NOT NULL, start_char integer NOT NULL, end_char integer NOT NULL, page integer,
            n_tokens integer NOT NULL, sent_first integer NOT NULL, sent_last integer NOT NULL,
            heading text NOT NULL, embedding vector({dimension}) NOT NULL,
            tsv tsvector NOT NULL, n_terms integer NOT NULL, tf_overflow jsonb
        );
        CREATE INDEX chunks_doc ON assistant.chunks (doc_id);
        CREATE INDEX chunks_tsv ON assistant.chunks USING gin (tsv);
        CREATE TABLE assistant.sentences (
            doc_id text NOT NULL REFERENCES assistant.documents, idx integer NOT NULL,
            start_char integer NOT NULL, end_char integer NOT NULL, embedding vector({dimension}) NOT NULL,
            heading text NOT NULL, quotable boolean NOT NULL, PRIMARY KEY (doc_id, idx)
        );
        CREATE TABLE assistant.terms (term text PRIMARY KEY, df integer NOT NULL CHECK (df > 0));
        CREATE TABLE assistant.corpus (
            one boolean PRIMARY KEY DEFAULT true CHECK (one), chunks bigint NOT NULL, terms bigint NOT NULL
        );
        INSERT INTO assistant.corpus (chunks, terms) VALUES (0, 0);
        -- Vectors stay in the row, never in TOAST: an exact scan then reads a third of the pages.
        ALTER TABLE assistant.chunks ALTER COLUMN embedding SET STORAGE PLAIN;
        ALTER TABLE assistant.sentences ALTER COLUMN embedding SET STORAGE PLAIN;
        """
    ).format(dimension=sql.Literal(dimension))


# Migrations from version n to n + 1, run in order under the schema lock; a new database is made at
# version 1 and brought up by the same steps.
MIGRATIONS: dict[int, sql.SQL] = {
    # OCR word boxes, kept as written (they are only ever read whole), and the pages' confidences.
    1: sql.SQL("ALTER TABLE assistant.documents ADD COLUMN ocr_pages json, ADD COLUMN ocr_confidence jsonb"),
}


def create_hnsw(name: str, m: int, ef_construction: int, concurrently: bool = False) -> sql.Composed:
    """The HNSW index on the chunk vectors, by inner product (they are normalised)."""
    return sql.SQL(
        "CREATE INDEX {concurrently} {name} ON assistant.chunks USING hnsw (embedding vector_ip_ops)"
        " WITH (m = {m}, ef_construction = {ef})"
    ).format(
        concurrently=sql.SQL("CONCURRENTLY" if concurrently else ""),
        name=sql.Identifier(name),
        m=sql.Literal(m),
        ef=sql.Literal(ef_construction),
    )


def migrate(conn: psycopg.Connection, where: str, dimension: int) -> None:
    """Create the schema, or bring it to this version: idempotent, and one process at a time (two
    processes starting on an empty database both get one schema)."""
    if has_schema(conn):
        version = get_meta(conn, "schema_version")
        if version is not None and int(version) == SCHEMA_VERSION:
            return
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_SCHEMA,))
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone() is None:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute("CREATE SCHEMA IF NOT EXISTS assistant")
        conn.execute("CREATE TABLE IF NOT EXISTS assistant.meta (key text PRIMARY KEY, value text NOT NULL)")
        version = get_meta(conn, "schema_version")
        if version is None:
            conn.execute(_schema_v1(dimension))
            set_meta(conn, "dimension", str(dimension))
            version = "1"
        elif int(version) > SCHEMA_VERSION:
            raise newer(where, int(version))
        for step in range(int(version), SCHEMA_VERSION):
            conn.execute(MIGRATIONS[step])
        set_meta(conn, "schema_version", str(SCHEMA_VERSION))


def get_meta(conn: psycopg.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM assistant.meta WHERE key = %s", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: psycopg.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO assistant.meta (key, value) VALUES (%s, %s)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def has_hnsw(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT to_regclass('assistant.chunks_embedding') IS NOT NULL").fetchone()
    return bool(row and row[0])


def has_schema(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT to_regclass('assistant.meta') IS NOT NULL").fetchone()
    return bool(row and row[0])


def rollback(conn: psycopg.Connection) -> None:
    """End the connection's transaction, if it has one (nothing to do once it committed)."""
    if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
        try:
            conn.execute("ROLLBACK")
        except psycopg.OperationalError:
            pass  # the connection is gone, and its transaction with it


def missing(where: str) -> IndexNotFoundError:
    return IndexNotFoundError(
        f"No index at {where}. Build one with: assistant ingest PATH (with ASSISTANT_STORE set to that address)"
    )


def unreachable(where: str, exc: Exception) -> IndexNotFoundError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return IndexNotFoundError(
        f"The index server at {where} cannot be reached ({reason}). Start it, or set ASSISTANT_STORE "
        "to a server that runs."
    )


def newer(where: str, version: int) -> IndexMismatchError:
    return IndexMismatchError(
        f"The index at {where} was written by a newer version of the assistant (schema {version}; "
        f"this version reads schema {SCHEMA_VERSION}). Upgrade the assistant."
    )
