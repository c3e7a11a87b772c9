"""The index on a PostgreSQL server with pgvector: several processes ingest into it and ask it at once.

Chosen with ``ASSISTANT_STORE=postgresql://user@host:port/database`` (``store.factory``). It implements
the protocols of ``store.protocols`` as the embedded store does, and ranks exactly as it does: the same
chunk and sentence vectors, searched exactly below ``ann_min_chunks`` (the HNSW index above), and BM25
over the same terms with the same formula, computed in SQL (``terms``).

    schema   the tables (in the database schema ``assistant``), migrations, the meta table
    terms    chunk terms as tsvectors, and the BM25 query
    read     ``PostgresView``: one generation, each of its parts answering with one query
    write    ``PostgresWriter``: one transaction, keeping the BM25 statistics in step
    store    ``PostgresStore``: connections, ``reading``, ``writer``, ``compact``

A writer is one transaction, serialised across processes by an advisory lock: a killed ingest leaves
the last committed state. A reader (``reading``) runs in one REPEATABLE READ READ ONLY transaction:
every query of one question sees one generation. Chunk ids come from a sequence, never reused.

    >>> store = PostgresStore("postgresql://app@db/assistant", identity)
    >>> with store.writer(chunker) as w:
    ...     w.add_document(document, chunks, chunk_vectors, sentence_vectors); w.commit()
    >>> with store.reading() as view:
    ...     view.dense.search(query_vector, k=5)
"""

from .read import PostgresView
from .store import PostgresStore, redact
from .write import PostgresWriter

__all__ = ["PostgresStore", "PostgresView", "PostgresWriter", "redact"]
