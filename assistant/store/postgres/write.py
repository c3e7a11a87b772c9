"""Writing the PostgreSQL store: one transaction per writer (``PostgresStore.writer`` holds the
database's writer lock for it), which keeps the BM25 statistics in step with every chunk it adds or
deletes: each term's document frequency (``assistant.terms``), and the number of chunks and of terms
(``assistant.corpus``). Removed chunks so leave no trace in any score, unlike the embedded store's
segments, which count them until a merge.

The writer adds up its changes to those statistics and applies them once, as it commits: updated
document by document, a common term's row would get a new version per document inside one
transaction, none of them reclaimable until it ends, and each update would walk all the versions
before it (a 5,000-document ingest spent most of its time there).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from ...types import Chunk, Document, with_heading
from .. import ocr_pages
from ..bm25 import analyzer
from ..manifest import Manifest, now
from ..textstore import TextStore
from .schema import set_meta
from .terms import chunk_terms, pg_text, terms_literal

# Called as the writer commits, with the connection and the number of chunks: what the manifest lists
# as segments (the store makes the HNSW index first when the chunks have reached the number that needs it).
Segments = Callable[[psycopg.Connection, int], list[dict]]


class PostgresWriter:
    """One write transaction (implements ``StoreWriter``): ``commit`` makes it live, leaving without
    committing rolls it back."""

    def __init__(self, conn: psycopg.Connection, manifest: Manifest, segments: Segments) -> None:
        self._conn = conn
        self._segments = segments
        self.manifest = manifest
        self.generation = manifest.generation + 1
        self.committed = False
        self.rebuild_reason: str | None = None
        self.stale_sources: list[str] = []
        self._counts = dict(manifest.counts) or {"documents": 0, "sources": 0, "chunks": 0, "sentences": 0}
        # Changes to the BM25 statistics not yet applied: per term, and the corpus's chunks and terms.
        self._df: Counter[str] = Counter()
        self._corpus = [0, 0]

    def _query(self, statement, params=None) -> list[tuple]:
        return self._conn.execute(statement, params).fetchall()

    def doc_for_source(self, path: str) -> str | None:
        rows = self._query("SELECT doc_id FROM assistant.sources WHERE path = %s", (path,))
        return rows[0][0] if rows else None

    def has_document(self, doc_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM assistant.documents WHERE doc_id = %s", (doc_id,)))

    def sources(self) -> dict[str, str]:
        return dict(self._query("SELECT path, doc_id FROM assistant.sources"))

    def add_document(
        self, document: Document, chunks: list[Chunk], chunk_vectors: np.ndarray, sentence_vectors: np.ndarray
    ) -> list[int]:
        """Store a document with its chunks and vectors; returns the chunk ids given to its chunks."""
        conn = self._conn
        ids = sorted(
            r[0]
            for r in self._query("SELECT nextval('assistant.chunk_ids') FROM generate_series(1, %s)", (len(chunks),))
        )
        for chunk, chunk_id in zip(chunks, ids):
            chunk.chunk_id = chunk_id
        spans = TextStore.distinct_sentences(chunks)
        index_of = {span: i for i, span in enumerate(spans)}
        pages = [[p.page, p.start, p.end] for p in document.pages]
        confidences = ocr_pages.confidences(document)
        conn.execute(
            "INSERT INTO assistant.documents (doc_id, title, format, text, pages, n_pages, added_at, ocr_pages,"
            " ocr_confidence) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::json, %s)",
            (
                document.doc_id,
                pg_text(document.title),
                document.format,
                pg_text(document.text),
                Jsonb(pages),
                len(document.pages),
                now(),
                ocr_pages.to_json(document.ocr_pages),
                Jsonb(confidences) if confidences else None,
            ),
        )
        vectors = np.asarray(sentence_vectors, dtype=np.float32)
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO assistant.sentences (doc_id, idx, start_char, end_char, embedding, heading, quotable)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (document.doc_id, i, s.start, s.end, vectors[i], pg_text(s.heading), s.quotable)
                    for i, s in enumerate(spans)
                ],
            )
            rows = []
            df: Counter[str] = Counter()
            total_terms = 0
            for i, c in enumerate(chunks):
                counts = chunk_terms(with_heading(c.heading, c.text))
                literal, overflow = terms_literal(counts)
                n_terms = sum(counts.values())
                df.update(counts.keys())
                total_terms += n_terms
                rows.append(
                    (
                        c.chunk_id,
                        c.doc_id,
                        pg_text(c.text),
                        c.start,
                        c.end,
                        c.page,
                        c.n_tokens,
                        index_of[c.sentences[0]],
                        index_of[c.sentences[-1]],
                        pg_text(c.heading),
                        np.asarray(chunk_vectors[i], dtype=np.float32),
                        literal,
                        n_terms,
                        Jsonb(overflow) if overflow else None,
                    )
                )
            cursor.executemany(
                "INSERT INTO assistant.chunks (chunk_id, doc_id, text, start_char, end_char, page, n_tokens,"
                " sent_first, sent_last, heading, embedding, tsv, n_terms, tf_overflow)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector, %s, %s)",
                rows,
            )
        self._df.update(df)
        self._corpus[0] += len(chunks)
        self._corpus[1] += total_terms
        self._count(documents=1, chunks=len(chunks), sentences=len(spans))
        return ids

    def add_source(self, path: str, doc_id: str) -> None:
        self._conn.execute(
            "INSERT INTO assistant.sources (path, doc_id, added_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (path) DO UPDATE SET doc_id = excluded.doc_id, added_at = excluded.added_at",
            (path, doc_id, now()),
        )
        self._count(sources=1)

    def remove_source(self, path: str) -> str | None:
        """Forget one file name; returns its document id if no other name still refers to it."""
        rows = self._query("DELETE FROM assistant.sources WHERE path = %s RETURNING doc_id", (path,))
        if not rows:
            return None
        self._count(sources=-1)
        doc_id = rows[0][0]
        still_used = self._query("SELECT 1 FROM assistant.sources WHERE doc_id = %s LIMIT 1", (doc_id,))
        return None if still_used else doc_id

    def remove_document(self, doc_id: str) -> list[int]:
        """Delete a document with its chunks and sentences, and take its chunks out of the BM25 terms."""
        conn = self._conn
        gone = self._query(
            "SELECT t.lexeme, count(*) FROM assistant.chunks c CROSS JOIN LATERAL unnest(c.tsv) t"
            " WHERE c.doc_id = %s GROUP BY t.lexeme",
            (doc_id,),
        )
        self._df.subtract(dict(gone))
        removed = self._query("DELETE FROM assistant.chunks WHERE doc_id = %s RETURNING chunk_id, n_terms", (doc_id,))
        self._corpus[0] -= len(removed)
        self._corpus[1] -= sum(n for _, n in removed)
        sentences = conn.execute("DELETE FROM assistant.sentences WHERE doc_id = %s", (doc_id,)).rowcount
        conn.execute("DELETE FROM assistant.sources WHERE doc_id = %s", (doc_id,))
        documents = conn.execute("DELETE FROM assistant.documents WHERE doc_id = %s", (doc_id,)).rowcount
        self._count(documents=-documents, chunks=-len(removed), sentences=-sentences)
        return sorted(chunk_id for chunk_id, _ in removed)

    def _count(self, **deltas: int) -> None:
        for key, delta in deltas.items():
            self._counts[key] = self._counts.get(key, 0) + delta

    def clear(self) -> None:
        """Delete every document (an index being rebuilt); the id sequence goes on."""
        for table in ("chunks", "sentences", "sources", "documents", "terms"):
            self._conn.execute(sql.SQL("DELETE FROM assistant.{}").format(sql.Identifier(table)))
        self._conn.execute("UPDATE assistant.corpus SET chunks = 0, terms = 0")
        self._counts = {"documents": 0, "sources": 0, "chunks": 0, "sentences": 0}
        self._df.clear()
        self._corpus = [0, 0]

    def retokenize(self, batch: int = 5000) -> None:
        """Write every chunk's terms anew (the stop words or the stemmer changed), batch by batch."""
        conn, last = self._conn, 0
        while rows := self._query(
            "SELECT chunk_id, heading, text FROM assistant.chunks WHERE chunk_id > %s ORDER BY chunk_id LIMIT %s",
            (last, batch),
        ):
            updates = []
            for chunk_id, heading, text in rows:
                counts = chunk_terms(with_heading(heading, text))
                literal, overflow = terms_literal(counts)
                updates.append((literal, sum(counts.values()), Jsonb(overflow) if overflow else None, chunk_id))
            with conn.cursor() as cursor:
                cursor.executemany(
                    "UPDATE assistant.chunks SET tsv = %s::tsvector, n_terms = %s, tf_overflow = %s"
                    " WHERE chunk_id = %s",
                    updates,
                )
            last = rows[-1][0]
        conn.execute("DELETE FROM assistant.terms")
        conn.execute(
            "INSERT INTO assistant.terms (term, df)"
            " SELECT t.lexeme, count(*) FROM assistant.chunks c CROSS JOIN LATERAL unnest(c.tsv) t GROUP BY t.lexeme"
        )
        conn.execute(
            "UPDATE assistant.corpus SET chunks = (SELECT count(*) FROM assistant.chunks),"
            " terms = (SELECT COALESCE(sum(n_terms), 0) FROM assistant.chunks)"
        )
        # Recounted from the chunks, this writer's own included.
        self._df.clear()
        self._corpus = [0, 0]

    def _apply_statistics(self) -> None:
        """Apply the changes to the BM25 statistics: first drop the terms no chunk holds any more, then
        change the counts of the others, then add the new terms."""
        changed = sorted(term for term, n in self._df.items() if n)
        if changed:
            params = (changed, [self._df[term] for term in changed])
            self._conn.execute(
                "DELETE FROM assistant.terms USING unnest(%s::text[], %s::int[]) AS delta(term, n)"
                " WHERE terms.term = delta.term AND terms.df + delta.n <= 0",
                params,
            )
            self._conn.execute(
                "UPDATE assistant.terms SET df = terms.df + delta.n"
                " FROM unnest(%s::text[], %s::int[]) AS delta(term, n) WHERE terms.term = delta.term",
                params,
            )
            self._conn.execute(
                "INSERT INTO assistant.terms (term, df)"
                " SELECT term, n FROM unnest(%s::text[], %s::int[]) AS delta(term, n) WHERE n > 0"
                " ON CONFLICT (term) DO NOTHING",
                params,
            )
        if any(self._corpus):
            self._conn.execute(
                "UPDATE assistant.corpus SET chunks = chunks + %s, terms = terms + %s", tuple(self._corpus)
            )
        self._df.clear()
        self._corpus = [0, 0]

    def commit(self) -> str:
        """Make everything written live in one transaction; returns the generation's name."""
        self._apply_statistics()
        self.manifest.generation = self.generation
        self.manifest.updated_at = now()
        self.manifest.counts = self._counts
        self.manifest.sparse = analyzer()
        self.manifest.segments = self._segments(self._conn, self._counts.get("chunks", 0))
        set_meta(self._conn, "manifest", self.manifest.to_json())
        self._conn.execute("COMMIT")
        self.committed = True
        return self.manifest.name
