"""The test PostgreSQL server itself: pgvector works (HNSW, cosine distance) and it listens on loopback only."""

from __future__ import annotations

import numpy as np
import psycopg
from pgvector.psycopg import register_vector


def test_hnsw_cosine_nearest_neighbours(postgres_database):
    with psycopg.connect(postgres_database, autocommit=True) as connection:
        register_vector(connection)
        connection.execute("CREATE TABLE items (id integer PRIMARY KEY, embedding vector(3) NOT NULL)")
        connection.execute("CREATE INDEX items_embedding ON items USING hnsw (embedding vector_cosine_ops)")
        rows = [
            (1, np.array([1.0, 0.0, 0.0])),
            (2, np.array([0.0, 1.0, 0.0])),
            (3, np.array([0.0, 0.0, 1.0])),
            (4, np.array([1.0, 1.0, 0.0])),
        ]
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO items (id, embedding) VALUES (%s, %s)", rows)

        query = np.array([0.9, 0.1, 0.0])
        nearest = connection.execute(
            "SELECT id, embedding <=> %s AS distance FROM items ORDER BY embedding <=> %s LIMIT 2", (query, query)
        ).fetchall()
        assert [row[0] for row in nearest] == [1, 4]
        assert nearest[0][1] < nearest[1][1]

        # The index answers the query, not a sequential scan.
        connection.execute("SET enable_seqscan = off")
        explain = "EXPLAIN SELECT id FROM items ORDER BY embedding <=> %s LIMIT 2"
        plan = "\n".join(row[0] for row in connection.execute(explain, (query,)))
        assert "items_embedding" in plan

        # Vectors come back as pgvector.Vector.
        (stored,) = connection.execute("SELECT embedding FROM items WHERE id = 4").fetchone() or ()
        assert stored.to_list() == [1.0, 1.0, 0.0]


def test_listens_on_loopback_only(postgres_url):
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert connection.execute("SHOW unix_socket_directories").fetchone() == ("",)
        assert connection.execute("SELECT host(inet_server_addr())").fetchone() == ("127.0.0.1",)


def test_session_database_has_pgvector(postgres_url):
    with psycopg.connect(postgres_url) as connection:
        (version,) = connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone() or ()
        assert version.startswith("0.8")
        (server,) = connection.execute("SHOW server_version_num").fetchone() or ()
        assert int(server) >= 180000
