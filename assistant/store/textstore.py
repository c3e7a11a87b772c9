"""The index database: documents, their sources, chunks with their vectors, and ingest-time sentence
vectors, in one SQLite file in WAL mode; plus the bookkeeping of the search segments built from it.

One document row per distinct content (``doc_id`` = sha256 of the bytes); ``sources`` maps each file
path to its document, so the same content under two names is stored once with both names kept.
Sentence vectors are stored per document so overlapping chunks share them; the answerer reads them
instead of running the model again at question time. Chunk vectors are kept here too: segments
(``store.segments``) are derived from these rows and rebuilt from them.

A chunk's ``segment`` names the segment that holds it (NULL until its ingest commits); ``removed``
lists chunks deleted after their segment was written, which searches hide until a merge drops them.

    >>> store = TextStore.open(path)
    >>> store.chunks([12, 40])[0].text
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..types import HEADING_SEPARATOR, Chunk, Document, DocumentInfo, PageSpan, SentenceSpan, with_heading
from . import ocr_pages
from .scope import chunk_ids_by_document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, format TEXT NOT NULL, text TEXT NOT NULL,
    pages TEXT NOT NULL, n_pages INTEGER NOT NULL, added_at TEXT NOT NULL, ocr_pages TEXT, ocr_confidence TEXT
);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id), added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_doc ON sources(doc_id);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    text TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, page INTEGER,
    n_tokens INTEGER NOT NULL, sent_first INTEGER NOT NULL, sent_last INTEGER NOT NULL,
    heading TEXT NOT NULL, vector BLOB NOT NULL, segment TEXT
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_segment ON chunks(segment);
CREATE TABLE IF NOT EXISTS sentences (
    doc_id TEXT NOT NULL, idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    vector BLOB NOT NULL, heading TEXT NOT NULL, quotable INTEGER NOT NULL,
    PRIMARY KEY (doc_id, idx)
);
CREATE TABLE IF NOT EXISTS segments (
    name TEXT PRIMARY KEY, rows INTEGER NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL,
    checksum TEXT NOT NULL, generation INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS removed (
    chunk_id INTEGER PRIMARY KEY, segment TEXT NOT NULL, generation INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS retired (name TEXT PRIMARY KEY, generation INTEGER NOT NULL);
"""
# Columns added to a table since it was first made, with their types: a writer adds those that an
# index file made by an older version lacks (NULL in its rows), and readers do without them meanwhile.
_ADDED_COLUMNS = {"documents": {"ocr_pages": "TEXT", "ocr_confidence": "TEXT"}}


# How many section headings ``documents()`` lists per document (for example questions and overviews).
_SECTIONS_LISTED = 8


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class ChunkRecord:
    chunk_id: int
    doc_id: str
    text: str
    start: int
    end: int
    page: int | None
    title: str
    source: str
    heading: str = ""


@dataclass
class SentenceRecord:
    doc_id: str
    idx: int
    start: int
    end: int
    vector: np.ndarray
    heading: str = ""
    quotable: bool = True


class TextStore:
    FILE = "store.sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        # A connection may be shared by the UI's worker threads; SQLite calls here take microseconds.
        self._lock = threading.RLock()

    @classmethod
    def connect(cls, path: Path, writable: bool) -> sqlite3.Connection:
        """A connection in autocommit mode: transactions are begun and ended explicitly (``begin``),
        so that a reader holds one snapshot for exactly as long as it needs it."""
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=60)
        if writable:
            # WAL: readers never wait for the writer and see the last committed state; FULL makes a
            # commit durable before it returns, not only consistent.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
            for table, added in _ADDED_COLUMNS.items():
                present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                for column, kind in added.items():
                    if column not in present:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        else:
            db.execute("PRAGMA query_only=ON")
        return db

    @classmethod
    def open(cls, directory: Path, writable: bool = False) -> TextStore:
        return cls(cls.connect(directory / cls.FILE, writable))

    def begin(self, write: bool = False) -> None:
        self._execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def commit(self) -> None:
        self._execute("COMMIT")

    def rollback(self) -> None:
        with self._lock:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        return self._db.in_transaction

    def check(self) -> None:
        """Raise ``sqlite3.DatabaseError`` when the file is damaged. SQLite reads pages lazily, so a
        truncated or overwritten file would otherwise open fine and fail on some later question."""
        with self._lock:
            rows = self._db.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            # SQLite lists every bad page, hundreds of lines on a truncated file: a person needs a few.
            problems = [
                line.strip()
                for row in rows
                for line in str(row[0]).splitlines()
                if line.strip() and not line.startswith("***")
            ]
            more = f" and {len(problems) - 2} more problems" if len(problems) > 2 else ""
            raise sqlite3.DatabaseError("quick_check found " + "; ".join(problems[:2]) + more)

    def close(self) -> None:
        self._db.close()

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and empty it (after a large write)."""
        self._execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _query(self, sql: str, params=()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _execute(self, sql: str, params=()) -> None:
        with self._lock:
            self._db.execute(sql, params)

    # -- meta ----------------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def next_chunk_id(self) -> int:
        value = self.meta("next_chunk_id")
        return int(value) if value else 1

    def allocate_chunk_ids(self, count: int) -> list[int]:
        """Ids from a counter that only grows, so a deleted chunk's id is never handed out again."""
        first = self.next_chunk_id()
        self.set_meta("next_chunk_id", str(first + count))
        return list(range(first, first + count))

    # -- documents and sources -------------------------------------------------------------------------

    def doc_for_source(self, path: str) -> str | None:
        rows = self._query("SELECT doc_id FROM sources WHERE path = ?", (path,))
        return rows[0][0] if rows else None

    def has_document(self, doc_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)))

    def sources(self) -> dict[str, str]:
        return dict(self._query("SELECT path, doc_id FROM sources"))

    def add_document(
        self, document: Document, chunks: list[Chunk], chunk_vectors: np.ndarray, sentence_vectors: np.ndarray
    ) -> None:
        """Store a document, its chunks (``chunk_id`` already set) with their vectors, and one vector
        per distinct sentence (in ``distinct_sentences`` order). The chunks belong to no segment yet."""
        spans = self.distinct_sentences(chunks)
        index_of = {span: i for i, span in enumerate(spans)}
        pages = json.dumps([[p.page, p.start, p.end] for p in document.pages])
        confidences = ocr_pages.confidences(document)
        self._execute(
            "INSERT INTO documents (doc_id, title, format, text, pages, n_pages, added_at, ocr_pages, ocr_confidence)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (
                document.doc_id,
                document.title,
                document.format,
                document.text,
                pages,
                len(document.pages),
                _now(),
                ocr_pages.to_json(document.ocr_pages),
                json.dumps(confidences) if confidences else None,
            ),
        )
        with self._lock:
            self._db.executemany(
                "INSERT INTO sentences (doc_id, idx, start, end, vector, heading, quotable) VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        document.doc_id,
                        i,
                        s.start,
                        s.end,
                        sentence_vectors[i].astype(np.float32).tobytes(),
                        s.heading,
                        int(s.quotable),
                    )
                    for i, s in enumerate(spans)
                ],
            )
            self._db.executemany(
                "INSERT INTO chunks (chunk_id, doc_id, text, start, end, page, n_tokens, sent_first, sent_last,"
                " heading, vector) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c.chunk_id,
                        c.doc_id,
                        c.text,
                        c.start,
                        c.end,
                        c.page,
                        c.n_tokens,
                        index_of[c.sentences[0]],
                        index_of[c.sentences[-1]],
                        c.heading,
                        chunk_vectors[i].astype(np.float32).tobytes(),
                    )
                    for i, c in enumerate(chunks)
                ],
            )

    @staticmethod
    def distinct_sentences(chunks: list[Chunk]) -> list[SentenceSpan]:
        """The sentence spans ``add_document`` will store, in its order (embed them in this order)."""
        return sorted({s for c in chunks for s in c.sentences}, key=lambda s: (s.start, s.end))

    def add_source(self, path: str, doc_id: str) -> None:
        self._execute("INSERT OR REPLACE INTO sources (path, doc_id, added_at) VALUES (?,?,?)", (path, doc_id, _now()))

    def remove_source(self, path: str) -> str | None:
        """Forget one file name; returns its document id if no other name still refers to it."""
        doc_id = self.doc_for_source(path)
        if doc_id is None:
            return None
        self._execute("DELETE FROM sources WHERE path = ?", (path,))
        still_used = self._query("SELECT 1 FROM sources WHERE doc_id = ? LIMIT 1", (doc_id,))
        return None if still_used else doc_id

    def remove_document(self, doc_id: str, generation: int) -> list[int]:
        """Delete a document with its chunks and sentences; returns the removed chunk ids. Chunks that a
        segment holds are listed in ``removed`` (as of ``generation``) so that searches hide them."""
        rows = self._query("SELECT chunk_id, segment FROM chunks WHERE doc_id = ?", (doc_id,))
        with self._lock:
            self._db.executemany(
                "INSERT INTO removed (chunk_id, segment, generation) VALUES (?,?,?)",
                [(chunk_id, segment, generation) for chunk_id, segment in rows if segment is not None],
            )
        for table in ("chunks", "sentences", "sources", "documents"):
            self._execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
        return [chunk_id for chunk_id, _ in rows]

    def sentence_count(self, doc_id: str) -> int:
        return self._query("SELECT COUNT(*) FROM sentences WHERE doc_id = ?", (doc_id,))[0][0]

    def clear(self) -> None:
        """Delete every document (an index being rebuilt); the id counter and the segments stay."""
        for table in ("chunks", "sentences", "sources", "documents", "removed"):
            self._execute(f"DELETE FROM {table}")

    # -- segments ------------------------------------------------------------------------------------

    def segments(self) -> list[tuple[str, int, str, dict, str]]:
        """``(name, rows, kind, params, checksum)`` of every live segment, oldest first."""
        rows = self._query("SELECT name, rows, kind, params, checksum FROM segments ORDER BY name")
        return [(name, n, kind, json.loads(params), checksum) for name, n, kind, params, checksum in rows]

    def removed(self) -> dict[str, np.ndarray]:
        """The chunk ids removed from each segment since it was written."""
        out: dict[str, list[int]] = {}
        for chunk_id, segment in self._query("SELECT chunk_id, segment FROM removed ORDER BY chunk_id"):
            out.setdefault(segment, []).append(chunk_id)
        return {name: np.asarray(ids, dtype=np.int64) for name, ids in out.items()}

    def removed_counts(self) -> dict[str, int]:
        return dict(self._query("SELECT segment, COUNT(*) FROM removed GROUP BY segment"))

    def unsegmented_count(self) -> int:
        return self._query("SELECT COUNT(*) FROM chunks WHERE segment IS NULL")[0][0]

    def segment_rows(self, names: list[str], batch: int = 10_000, new: bool = True):
        """``(chunk_ids, texts, vectors)`` in batches, of the live chunks of these segments and (``new``)
        of the chunks in no segment yet: what a new segment replacing them holds. Texts are what BM25
        indexes: the heading path, then the text."""
        marks = ",".join("?" * len(names))
        where = " OR ".join((["segment IS NULL"] if new else []) + ([f"segment IN ({marks})"] if names else []))
        if not where:
            return
        for ids, rows, vectors in self._chunk_batches(("heading", "text"), where, tuple(names), batch):
            yield ids, [with_heading(r[1], r[2]) for r in rows], vectors

    def segment_vectors(self, names: list[str], batch: int = 10_000):
        """``(chunk_ids, vectors)`` in batches, of the live chunks of these segments, in id order: what a
        merge reads of the chunks whose terms it takes from their segments' postings."""
        if not names:
            return
        where = f"segment IN ({','.join('?' * len(names))})"
        for ids, _, vectors in self._chunk_batches((), where, tuple(names), batch):
            yield ids, vectors

    def _chunk_batches(self, columns: tuple[str, ...], where: str, params: tuple, batch: int):
        """``(chunk_ids, rows, vectors)`` of the chunks ``where`` selects, in id order and in batches of
        ``batch`` rows, each row ``(chunk_id, *columns, vector)``."""
        selected = ", ".join(("chunk_id", *columns, "vector"))
        with self._lock:
            cursor = self._db.execute(f"SELECT {selected} FROM chunks WHERE {where} ORDER BY chunk_id", params)
            while rows := cursor.fetchmany(batch):
                ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                vectors = np.frombuffer(b"".join(r[-1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
                yield ids, rows, vectors

    def replace_segments(
        self,
        replaced: list[str],
        name: str,
        rows: int,
        kind: str,
        params: dict,
        checksum: str,
        generation: int,
        new: bool = True,
        hidden: Sequence[int] = (),
    ) -> None:
        """Make segment ``name`` hold the chunks of ``replaced`` and (``new``) those in no segment yet;
        the replaced segments are retired (their folders are deleted by a later writer). ``hidden``:
        chunks removed from ``replaced`` after the new segment was built from them, which its files
        hold and searches must keep hiding."""
        marks = ",".join("?" * len(replaced))
        where = " OR ".join((["segment IS NULL"] if new else []) + ([f"segment IN ({marks})"] if replaced else []))
        if where:
            self._execute(f"UPDATE chunks SET segment = ? WHERE {where}", (name, *replaced))
        with self._lock:
            self._db.executemany("UPDATE removed SET segment = ? WHERE chunk_id = ?", [(name, int(c)) for c in hidden])
        self.retire(replaced, generation)
        self._execute(
            "INSERT INTO segments (name, rows, kind, params, checksum, generation) VALUES (?,?,?,?,?,?)",
            (name, rows, kind, json.dumps(params), checksum, generation),
        )

    def retire(self, names: list[str], generation: int) -> None:
        marks = ",".join("?" * len(names))
        if not names:
            return
        self._execute(f"DELETE FROM removed WHERE segment IN ({marks})", tuple(names))
        self._execute(f"DELETE FROM segments WHERE name IN ({marks})", tuple(names))
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO retired (name, generation) VALUES (?,?)", [(n, generation) for n in names]
            )

    def retired(self) -> dict[str, int]:
        return dict(self._query("SELECT name, generation FROM retired"))

    def forget_retired(self, names: list[str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM retired WHERE name = ?", [(n,) for n in names])

    # -- reading -------------------------------------------------------------------------------------

    def all_chunk_texts(self) -> tuple[list[int], list[str]]:
        """Every chunk's id and the text BM25 indexes: its heading path, then its text."""
        rows = self._query("SELECT chunk_id, heading, text FROM chunks ORDER BY chunk_id")
        return [r[0] for r in rows], [with_heading(r[1], r[2]) for r in rows]

    def best_sentence_scores(self, query: np.ndarray, chunk_ids: list[int]) -> dict[int, float]:
        """Each chunk's highest inner product between ``query`` and one of its sentences' vectors."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._query(
            "SELECT c.chunk_id, s.vector FROM chunks c"
            " JOIN sentences s ON s.doc_id = c.doc_id AND s.idx BETWEEN c.sent_first AND c.sent_last"
            f" WHERE c.chunk_id IN ({marks}) ORDER BY c.chunk_id",
            tuple(chunk_ids),
        )
        if not rows:
            return {}
        owners = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        scores = vectors @ query
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        best = np.maximum.reduceat(scores, starts)
        return dict(zip(owners[starts].tolist(), best.tolist()))

    def chunks(self, chunk_ids: list[int]) -> dict[int, ChunkRecord]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._query(
            "SELECT c.chunk_id, c.doc_id, c.text, c.start, c.end, c.page, d.title,"
            " (SELECT MIN(path) FROM sources s WHERE s.doc_id = c.doc_id), c.heading"
            f" FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE c.chunk_id IN ({marks})",
            tuple(chunk_ids),
        )
        return {
            r[0]: ChunkRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], source=r[7] or "", heading=r[8]) for r in rows
        }

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        ids = [r[0] for r in self._query("SELECT chunk_id FROM chunks WHERE doc_id = ? ORDER BY start", (doc_id,))]
        records = self.chunks(ids)
        return [records[i] for i in ids]

    def document_chunk_ids(self, doc_ids: list[str]) -> dict[str, list[int]]:
        """Each of these documents' chunk ids, ascending; an unknown id is left out."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self._query(
            "SELECT d.doc_id, c.chunk_id FROM documents d LEFT JOIN chunks c ON c.doc_id = d.doc_id"
            f" WHERE d.doc_id IN ({marks}) ORDER BY d.doc_id, c.chunk_id",
            tuple(doc_ids),
        )
        return chunk_ids_by_document(rows)

    def chunk_sentences(self, chunk_ids: list[int]) -> dict[int, list[SentenceRecord]]:
        """The sentences (with their ingest-time vectors) of each chunk, in document order; headings
        come with ``quotable=False``."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._query(
            "SELECT c.chunk_id, s.doc_id, s.idx, s.start, s.end, s.vector, s.heading, s.quotable"
            " FROM chunks c"
            " JOIN sentences s ON s.doc_id = c.doc_id AND s.idx BETWEEN c.sent_first AND c.sent_last"
            f" WHERE c.chunk_id IN ({marks}) ORDER BY c.chunk_id, s.idx",
            tuple(chunk_ids),
        )
        out: dict[int, list[SentenceRecord]] = {cid: [] for cid in chunk_ids}
        for chunk_id, doc_id, idx, start, end, blob, heading, quotable in rows:
            vector = np.frombuffer(blob, dtype=np.float32)
            out[chunk_id].append(SentenceRecord(doc_id, idx, start, end, vector, heading, bool(quotable)))
        return out

    def documents(self) -> list[DocumentInfo]:
        rows = self._query(
            "SELECT d.doc_id, d.title, d.format, d.n_pages, d.added_at,"
            " (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id)"
            " FROM documents d ORDER BY d.added_at, d.title"
        )
        sources: dict[str, list[str]] = {}
        for path, doc_id in self._query("SELECT path, doc_id FROM sources ORDER BY path"):
            sources.setdefault(doc_id, []).append(path)
        sections: dict[str, list[str]] = {}
        for doc_id, path in self._first_headings():
            sections.setdefault(doc_id, []).append(path.rsplit(HEADING_SEPARATOR, 1)[-1])
        return [
            DocumentInfo(
                doc_id=r[0],
                title=r[1],
                sources=sources.get(r[0], []),
                format=r[2],
                pages=r[3],
                chunks=r[5],
                added_at=r[4],
                sections=sections.get(r[0], []),
            )
            for r in rows
        ]

    def _first_headings(self, per_document: int = _SECTIONS_LISTED) -> list[tuple[str, str]]:
        """``(doc_id, heading path)`` of each document's first headings."""
        return self._query(
            "SELECT doc_id, heading FROM (SELECT doc_id, heading, ROW_NUMBER() OVER"
            " (PARTITION BY doc_id ORDER BY idx) AS n FROM sentences WHERE quotable = 0)"
            " WHERE n <= ? ORDER BY doc_id, n",
            (per_document,),
        )

    def _has_ocr(self) -> bool:
        """Whether the documents table has the OCR columns (a reader of a file an older version made
        reads it without them until a writer adds them)."""
        return "ocr_pages" in {row[1] for row in self._query("PRAGMA table_info(documents)")}

    def document(self, doc_id: str) -> Document | None:
        ocr = "ocr_pages" if self._has_ocr() else "NULL"
        rows = self._query(f"SELECT title, format, text, pages, {ocr} FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            return None
        title, fmt, text, pages, ocr_json = rows[0]
        source = self._query("SELECT MIN(path) FROM sources WHERE doc_id = ?", (doc_id,))[0][0] or ""
        return Document(
            doc_id=doc_id,
            path=source,
            title=title,
            text=text,
            format=fmt,
            pages=[PageSpan(*p) for p in json.loads(pages)],
            ocr_pages=ocr_pages.from_json(ocr_json),
        )

    def ocr_confidence(self, doc_ids: Sequence[str]) -> dict[str, dict[int, float]]:
        """The OCR'd pages of these documents that have text, with their mean confidence (0-100), by
        page number; a document without any is left out (see ``ocr_pages.confidences``)."""
        if not doc_ids or not self._has_ocr():
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self._query(
            f"SELECT doc_id, ocr_confidence FROM documents WHERE ocr_confidence IS NOT NULL AND doc_id IN ({marks})",
            tuple(doc_ids),
        )
        return {doc_id: {int(page): value for page, value in json.loads(raw).items()} for doc_id, raw in rows}

    def counts(self) -> dict[str, int]:
        return {
            table: self._query(f"SELECT COUNT(*) FROM {table}")[0][0]
            for table in ("documents", "sources", "chunks", "sentences")
        }
