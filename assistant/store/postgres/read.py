"""Reading the PostgreSQL store: one generation of it as an ``IndexView`` whose every part answers with
one query (chunk texts, dense search and scores, BM25, best sentences).

All parts share the thread's connection (``Session``): inside ``PostgresStore.reading`` it is in one
REPEATABLE READ READ ONLY transaction, so they all see the same generation.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import nullcontext

import numpy as np
import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from ...types import HEADING_SEPARATOR, Document, DocumentInfo, PageSpan
from .. import ocr_pages
from ..manifest import Manifest
from ..scope import Scope, chunk_ids_by_document
from ..textstore import ChunkRecord, SentenceRecord
from .terms import BM25_SCORES, BM25_SEARCH, BM25_SEARCH_IN, query_params

# How many section headings ``documents()`` lists per document, as the embedded store.
_SECTIONS_LISTED = 8


def ids_param(chunk_ids) -> list[int]:
    # Never an ndarray as a parameter: the pgvector adapter dumps every ndarray as a vector.
    return [int(c) for c in chunk_ids]


def _by_id(chunk_ids, found: dict, fill: float) -> np.ndarray:
    return np.array([found.get(c, fill) for c in ids_param(chunk_ids)], dtype=np.float32)


def _best_first(rows: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, scores)`` best first, ties by id (as the embedded store orders them)."""
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    scores = np.array([r[1] for r in rows], dtype=np.float32)
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order]


class Session:
    """One thread's connection, and the ``hnsw.ef_search`` its open read transaction has."""

    def __init__(self, conn: psycopg.Connection, ef_search: int, exact_below: int) -> None:
        self.conn = conn
        self.pid = os.getpid()
        self.ready = False  # schema version checked, vector type registered
        self.ef_search = ef_search
        self.exact_below = exact_below
        self.ef_set = 0  # the value set in the open read transaction (0: none)

    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != TransactionStatus.IDLE

    def query(self, statement, params=None, binary: bool = False) -> list[tuple]:
        return self.conn.execute(statement, params, binary=binary).fetchall()

    def set_search(self, ef_search: int) -> None:
        """``hnsw.ef_search`` for the rest of the transaction, with an iterative scan: one that goes on
        past ef_search when removed rows (not yet vacuumed) take places among the candidates, so that k
        live rows still come back, best first."""
        self.conn.execute(
            "SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', 'strict_order', true)",
            (str(ef_search),),
        )
        if self.in_transaction():
            self.ef_set = ef_search


class PostgresTexts:
    """Chunks, sentences and documents (implements ``ChunkTexts``)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def chunks(self, chunk_ids: list[int]) -> dict[int, ChunkRecord]:
        if not chunk_ids:
            return {}
        rows = self._s.query(
            "SELECT c.chunk_id, c.doc_id, c.text, c.start_char, c.end_char, c.page, d.title,"
            ' (SELECT min(s.path COLLATE "C") FROM assistant.sources s WHERE s.doc_id = c.doc_id), c.heading'
            " FROM assistant.chunks c JOIN assistant.documents d ON d.doc_id = c.doc_id"
            " WHERE c.chunk_id = ANY(%s)",
            (ids_param(chunk_ids),),
        )
        return {
            r[0]: ChunkRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], source=r[7] or "", heading=r[8]) for r in rows
        }

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        rows = self._s.query("SELECT chunk_id FROM assistant.chunks WHERE doc_id = %s ORDER BY start_char", (doc_id,))
        ids = [r[0] for r in rows]
        records = self.chunks(ids)
        return [records[i] for i in ids]

    def document_chunk_ids(self, doc_ids: list[str]) -> dict[str, list[int]]:
        if not doc_ids:
            return {}
        rows = self._s.query(
            "SELECT d.doc_id, c.chunk_id FROM assistant.documents d"
            " LEFT JOIN assistant.chunks c ON c.doc_id = d.doc_id"
            " WHERE d.doc_id = ANY(%s) ORDER BY d.doc_id, c.chunk_id",
            (list(doc_ids),),
        )
        return chunk_ids_by_document(rows)

    def chunk_sentences(self, chunk_ids: list[int]) -> dict[int, list[SentenceRecord]]:
        if not chunk_ids:
            return {}
        rows = self._s.query(
            "SELECT c.chunk_id, s.doc_id, s.idx, s.start_char, s.end_char, s.embedding, s.heading, s.quotable"
            " FROM assistant.chunks c JOIN assistant.sentences s"
            " ON s.doc_id = c.doc_id AND s.idx BETWEEN c.sent_first AND c.sent_last"
            " WHERE c.chunk_id = ANY(%s) ORDER BY c.chunk_id, s.idx",
            (ids_param(chunk_ids),),
            binary=True,
        )
        out: dict[int, list[SentenceRecord]] = {c: [] for c in ids_param(chunk_ids)}
        for chunk_id, doc_id, idx, start, end, vector, heading, quotable in rows:
            out[chunk_id].append(SentenceRecord(doc_id, idx, start, end, vector.to_numpy(), heading, quotable))
        return out

    def documents(self) -> list[DocumentInfo]:
        rows = self._s.query(
            "SELECT d.doc_id, d.title, d.format, d.n_pages, d.added_at,"
            " (SELECT count(*) FROM assistant.chunks c WHERE c.doc_id = d.doc_id)"
            ' FROM assistant.documents d ORDER BY d.added_at COLLATE "C", d.title COLLATE "C"'
        )
        sources: dict[str, list[str]] = {}
        for path, doc_id in self._s.query('SELECT path, doc_id FROM assistant.sources ORDER BY path COLLATE "C"'):
            sources.setdefault(doc_id, []).append(path)
        sections: dict[str, list[str]] = {}
        for doc_id, path in self._s.query(
            "SELECT doc_id, heading FROM (SELECT doc_id, heading, row_number() OVER"
            " (PARTITION BY doc_id ORDER BY idx) AS n FROM assistant.sentences WHERE NOT quotable) AS first"
            ' WHERE n <= %s ORDER BY doc_id COLLATE "C", n',
            (_SECTIONS_LISTED,),
        ):
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

    def document(self, doc_id: str) -> Document | None:
        rows = self._s.query(
            "SELECT title, format, text, pages,"
            ' (SELECT min(s.path COLLATE "C") FROM assistant.sources s WHERE s.doc_id = d.doc_id), ocr_pages'
            " FROM assistant.documents d WHERE doc_id = %s",
            (doc_id,),
        )
        if not rows:
            return None
        title, fmt, text, pages, source, ocr = rows[0]
        spans = [PageSpan(*p) for p in pages]
        return Document(doc_id, source or "", title, text, fmt, pages=spans, ocr_pages=ocr_pages.from_json(ocr))

    def ocr_confidence(self, doc_ids: Sequence[str]) -> dict[str, dict[int, float]]:
        if not doc_ids:
            return {}
        rows = self._s.query(
            "SELECT doc_id, ocr_confidence FROM assistant.documents"
            " WHERE ocr_confidence IS NOT NULL AND doc_id = ANY(%s)",
            (list(doc_ids),),
        )
        return {doc_id: {int(page): value for page, value in found.items()} for doc_id, found in rows}


class PostgresDense:
    """Chunk vectors by inner product (implements ``DenseIndex``): an exact scan below ``exact_below``
    chunks, as the embedded store searches its smaller segments exactly; the HNSW index above."""

    def __init__(self, session: Session, chunks: int) -> None:
        self._s = session
        self._exact = chunks < session.exact_below

    def __len__(self) -> int:
        return int(self._s.query("SELECT chunks FROM assistant.corpus")[0][0])

    def search(self, query: np.ndarray, k: int, scope: Scope | None = None) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0 or (scope is not None and len(scope) == 0):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        s = self._s
        where, params = sql.SQL(""), {"q": query, "k": k}
        if scope is not None:
            where, params = sql.SQL(" WHERE doc_id = ANY(%(docs)s)"), {**params, "docs": list(scope.doc_ids)}
        # A scope as small as an index that is searched exactly is scored exactly too; a larger one takes
        # the HNSW scan, whose iterative scan goes on past the chunks the filter drops until k in scope
        # are found.
        if self._exact or (scope is not None and len(scope) < s.exact_below):
            # Ordered by the score, not by the distance operator: no index can serve it, all rows are scored.
            statement = sql.SQL(
                "SELECT chunk_id, -(embedding <#> %(q)s) AS score FROM assistant.chunks{}"
                " ORDER BY score DESC LIMIT %(k)s"
            ).format(where)
            return _best_first(s.query(statement, params, binary=True))
        # The HNSW scan looks at ef_search candidates: never fewer than k.
        ef = max(s.ef_search, k)
        reading = s.in_transaction()
        with nullcontext() if reading else s.conn.transaction():
            if not reading or ef > s.ef_set:
                s.set_search(ef)
            # <#> is the negative inner product: ascending is best first.
            statement = sql.SQL(
                "SELECT chunk_id, -(embedding <#> %(q)s) FROM assistant.chunks{}"
                " ORDER BY embedding <#> %(q)s LIMIT %(k)s"
            ).format(where)
            rows = s.query(statement, params, binary=True)
        return _best_first(rows)

    def scores(self, query: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        if len(chunk_ids) == 0:
            return np.zeros(0, dtype=np.float32)
        rows = self._s.query(
            "SELECT chunk_id, -(embedding <#> %s) FROM assistant.chunks WHERE chunk_id = ANY(%s)",
            (query, ids_param(chunk_ids)),
            binary=True,
        )
        return _by_id(chunk_ids, dict(rows), np.nan)


class PostgresKeywords:
    """BM25 over the chunks' terms, computed by the server (implements ``KeywordIndex``).

    With ``snapshot`` (a view of one read transaction, where no score can change) the scores the last
    search found are kept: the retriever asks for its candidates' scores right after searching, and
    the BM25 query is the costly one. Only the candidates the search did not return are scored again,
    and none when it returned fewer than k (every chunk holding a query term was among them; within a
    scope, every one in scope)."""

    def __init__(self, session: Session, snapshot: bool) -> None:
        self._s = session
        self._snapshot = snapshot
        # The query, the scores found, and the chunks whose every score is known: all (None), those of a
        # scope, or no more than were found (empty).
        self._found: tuple[str, dict[int, float], np.ndarray | None] | None = None

    def __len__(self) -> int:
        return int(self._s.query("SELECT chunks FROM assistant.corpus")[0][0])

    def search(self, query: str, k: int, scope: Scope | None = None) -> tuple[np.ndarray, np.ndarray]:
        params = query_params(query)
        if params is None or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if scope is None:
            rows = self._s.query(BM25_SEARCH, {**params, "k": k})
        else:
            rows = self._s.query(BM25_SEARCH_IN, {**params, "k": k, "docs": list(scope.doc_ids)})
        if self._snapshot:
            known: np.ndarray | None = np.zeros(0, dtype=np.int64)  # k found: more may hold a query term
            if len(rows) < k:
                known = None if scope is None else scope.chunk_ids
            self._found = (query, dict(rows), known)
        ids, scores = _best_first(rows)
        keep = scores > 0
        return ids[keep], scores[keep]

    def scores(self, query: str, chunk_ids: np.ndarray) -> np.ndarray:
        params = query_params(query)
        if params is None or len(chunk_ids) == 0:
            return np.zeros(len(chunk_ids), dtype=np.float32)
        found: dict[int, float] = {}
        known: np.ndarray | None = np.zeros(0, dtype=np.int64)
        if self._found is not None and self._found[0] == query:
            _, found, known = self._found
        rest = [] if known is None else [c for c in ids_param(chunk_ids) if c not in found]
        if rest and known is not None and len(known):
            rest = [c for c, inside in zip(rest, np.isin(rest, known)) if not inside]
        if rest:
            found = {**found, **dict(self._s.query(BM25_SCORES, {**params, "ids": rest}))}
        return _by_id(chunk_ids, found, 0.0)


class PostgresSentences:
    """Each chunk's best sentence score, in one query (implements ``SentenceScores``)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def best(self, query: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        if len(chunk_ids) == 0:
            return np.zeros(0, dtype=np.float32)
        rows = self._s.query(
            "SELECT c.chunk_id, max(-(s.embedding <#> %s)) FROM assistant.chunks c"
            " JOIN assistant.sentences s ON s.doc_id = c.doc_id AND s.idx BETWEEN c.sent_first AND c.sent_last"
            " WHERE c.chunk_id = ANY(%s) GROUP BY c.chunk_id",
            (query, ids_param(chunk_ids)),
            binary=True,
        )
        return _by_id(chunk_ids, dict(rows), np.nan)


class PostgresView:
    """One generation, opened for questions (implements ``IndexView``): with ``snapshot``, that of one
    read transaction; without, whatever is committed when each query runs."""

    def __init__(self, session: Session, manifest: Manifest, snapshot: bool) -> None:
        self._manifest = manifest
        self._text = PostgresTexts(session)
        self._dense = PostgresDense(session, manifest.counts.get("chunks", 0))
        self._keywords = PostgresKeywords(session, snapshot)
        self._sentences = PostgresSentences(session)

    @property
    def name(self) -> str:
        return self._manifest.name

    @property
    def manifest(self) -> Manifest:
        return self._manifest

    @property
    def text(self) -> PostgresTexts:
        return self._text

    @property
    def dense(self) -> PostgresDense:
        return self._dense

    @property
    def keywords(self) -> PostgresKeywords:
        return self._keywords

    @property
    def sentences(self) -> PostgresSentences:
        return self._sentences
