"""BM25 on the server: the chunk terms as tsvectors, and BM25 computed in SQL exactly as
``store.bm25`` computes it, so that both stores rank alike.

A chunk's terms are ``text.tokenize``'s (the same stemmer and stop words as the embedded BM25), stored
as a tsvector made from them directly (never re-parsed, so the ``simple`` configuration's parser never
splits them differently), GIN-indexed and matched with ``@@``. The writer keeps each term's document
frequency (``assistant.terms``) and the corpus's chunk and term counts (``assistant.corpus``) in its
transaction, so N, df and the mean length are always the live chunks'.

Term frequencies ride in the tsvector's positions rather than in a postings table: the row the GIN
index matches then holds everything its score needs, with no second copy of the terms and no join.
A lexeme with term frequency tf gets positions 1..tf (positions only label occurrences here; BM25
needs their number), so ``cardinality(positions)`` is tf exactly up to the 256 positions a lexeme may
keep (MAXNUMPOS); a term repeated more often in one chunk (rare: a chunk is a few hundred tokens) has
its tf in ``tf_overflow`` (jsonb, NULL almost always).
"""

from __future__ import annotations

import hashlib
from collections import Counter

from psycopg import sql

from ...text import tokenize
from ..bm25 import K1, B

# A tsvector keeps at most 256 positions per lexeme, and lexemes shorter than 2 KB (MAXSTRLEN).
MAX_POSITIONS = 256
_MAX_LEXEME_BYTES = 2000


def pg_text(value: str) -> str:
    """PostgreSQL text cannot hold NUL; U+FFFD keeps every character offset where it was."""
    return value.replace("\x00", "\ufffd")


def lexeme(term: str) -> str:
    """The lexeme of a BM25 term: itself, or for a term too long for a lexeme, a digest (``~`` is never
    in a term, so it cannot meet a real one). Query terms map the same way."""
    if len(term.encode()) <= _MAX_LEXEME_BYTES:
        return term
    return "~" + hashlib.sha256(term.encode()).hexdigest()


def _quote(value: str) -> str:
    """A lexeme quoted for tsvector and tsquery input."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def chunk_terms(text: str) -> Counter[str]:
    """The lexemes of a chunk's text (its heading path, then its text) with their counts."""
    return Counter(lexeme(t) for t in tokenize([text])[0])


def terms_literal(counts: Counter[str]) -> tuple[str, dict[str, int] | None]:
    """The tsvector literal of a chunk's terms (passed as a parameter), and the term frequencies its
    positions cannot hold."""
    entries = [
        f"{_quote(term)}:{','.join(map(str, range(1, min(tf, MAX_POSITIONS) + 1)))}"
        for term, tf in sorted(counts.items())
    ]
    overflow = {term: tf for term, tf in counts.items() if tf > MAX_POSITIONS}
    return " ".join(entries), overflow or None


def query_params(query: str) -> dict | None:
    """The parameters of ``BM25_SEARCH`` and ``BM25_SCORES`` for a question; None when no term is left."""
    terms = [lexeme(t) for t in tokenize([query])[0]]
    if not terms:
        return None
    match = " | ".join(_quote(t) for t in sorted(set(terms)))
    return {"terms": terms, "match": match, "k1": K1, "b": B}


# idf = ln(1 + (N - df + 0.5) / (df + 0.5)), a query term counted once per occurrence (as bm25s), and
# tf / (tf + k1 (1 - b + b len / mean len)), all in double precision. Each matched row's tsvector is cut
# to the query's lexemes (setweight marks them, ts_filter keeps them) before it is unnested.
# Both steps are MATERIALIZED so that each matched row's tsvector is read and cut once: inlined, the
# plan cached for the prepared statement (which cannot see how many rows match) joins the query terms
# first and cuts every matched tsvector once per term, 8 times slower on SciFact (12,266 chunks).
_BM25 = """
WITH query AS (
    SELECT term, count(*) AS occurrences FROM unnest(%(terms)s::text[]) AS term GROUP BY term
), weights AS MATERIALIZED (
    SELECT query.term,
           query.occurrences * ln(1 + (corpus.chunks - terms.df + 0.5::float8) / (terms.df + 0.5::float8)) AS idf,
           corpus.terms::float8 / corpus.chunks AS mean_length
    FROM query JOIN assistant.terms USING (term) CROSS JOIN assistant.corpus
    WHERE corpus.chunks > 0
), matched AS MATERIALIZED (
    SELECT c.chunk_id, c.n_terms, t.lexeme, t.tf
    FROM assistant.chunks c
    CROSS JOIN LATERAL (
        SELECT lexeme, COALESCE((c.tf_overflow ->> lexeme)::float8, cardinality(positions)) AS tf
        FROM unnest(ts_filter(setweight(c.tsv, 'A', %(terms)s::text[]), '{{a}}'))
    ) t
    WHERE c.tsv @@ %(match)s::tsquery AND {where}
)
SELECT m.chunk_id,
       sum(w.idf * m.tf / (m.tf + %(k1)s * (1 - %(b)s + %(b)s * m.n_terms / w.mean_length)))::float8 AS score
FROM matched m JOIN weights w ON w.term = m.lexeme
GROUP BY m.chunk_id
"""
BM25_SEARCH = sql.SQL(_BM25 + " ORDER BY score DESC, m.chunk_id LIMIT %(k)s").format(where=sql.SQL("true"))
BM25_SEARCH_IN = sql.SQL(_BM25 + " ORDER BY score DESC, m.chunk_id LIMIT %(k)s").format(
    where=sql.SQL("c.doc_id = ANY(%(docs)s)")
)
BM25_SCORES = sql.SQL(_BM25).format(where=sql.SQL("c.chunk_id = ANY(%(ids)s)"))
