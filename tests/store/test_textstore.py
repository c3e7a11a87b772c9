"""The index database on real files: documents with their chunks and ingest-time vectors (real
embeddings), file names, removal, segment bookkeeping, ids that are never handed out twice, read-only
connections, damage checks."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from assistant.store.textstore import TextStore
from assistant.text import punkt
from assistant.types import Chunk, Document, PageSpan, SentenceSpan

ROOF = (
    "The granary roof was rebuilt in 1921. Its beams are oak from the Harrow estate. "
    "The roof leaks in heavy rain. A new gutter was fitted in 2019."
)
MILL = "The mill pond froze in 1947. Skaters came from Velden. They lit fires on the ice. The thaw came in March."
HEADING = "Granary > Roof"


def _sentences(text: str, doc_id: str, heading: str) -> tuple[list[SentenceSpan], list[Chunk]]:
    spans = [SentenceSpan(a, b, heading) for a, b in punkt().span_tokenize(text)]
    groups = [spans[:3], spans[2:]]  # two chunks sharing the third sentence, as overlapping chunks do
    chunks = [
        Chunk(doc_id, text[g[0].start : g[-1].end], g[0].start, g[-1].end, 1, g, n_tokens=10, heading=heading)
        for g in groups
    ]
    return spans, chunks


def _add(store: TextStore, embedder, doc_id: str, text: str, path: str, heading: str = HEADING):
    """Store one document the way ingest does: ids from the store, one vector per distinct sentence."""
    spans, chunks = _sentences(text, doc_id, heading)
    for chunk, chunk_id in zip(chunks, store.allocate_chunk_ids(len(chunks))):
        chunk.chunk_id = chunk_id
    distinct = TextStore.distinct_sentences(chunks)
    assert distinct == spans, "each shared sentence is stored once, in document order"
    vectors = embedder.encode([text[s.start : s.end] for s in distinct])
    document = Document(doc_id, path, "Granary notes", text, "text", [PageSpan(1, 0, len(text))])
    store.add_document(document, chunks, embedder.encode([c.text for c in chunks]), vectors)
    store.add_source(path, doc_id)
    return chunks, vectors


@pytest.fixture(scope="module")
def embedder(seed_assistant):
    return seed_assistant.embedder


def test_a_document_comes_back_with_its_chunks_and_sentence_vectors(tmp_path, embedder):
    store = TextStore.open(tmp_path, writable=True)
    chunks, vectors = _add(store, embedder, "d1", ROOF, "/docs/granary.txt")
    assert store.counts() == {"documents": 1, "sources": 1, "chunks": 2, "sentences": 4}

    ids = [c.chunk_id for c in chunks]
    records = store.chunks(ids)
    for chunk in chunks:
        record = records[chunk.chunk_id]
        assert (record.text, record.start, record.end, record.page) == (chunk.text, chunk.start, chunk.end, 1)
        assert (record.title, record.source, record.heading) == ("Granary notes", "/docs/granary.txt", HEADING)
        assert ROOF[record.start : record.end] == record.text

    sentences = store.chunk_sentences(ids)
    assert [s.idx for s in sentences[ids[0]]] == [0, 1, 2] and [s.idx for s in sentences[ids[1]]] == [2, 3]
    for chunk_sentences in sentences.values():
        for s in chunk_sentences:
            np.testing.assert_array_equal(s.vector, vectors[s.idx])
            assert s.heading == HEADING and s.quotable
    assert ROOF[sentences[ids[1]][0].start : sentences[ids[1]][0].end] == "The roof leaks in heavy rain."

    # BM25 reads each chunk with its heading path; a chunk's best sentence is among its own sentences.
    assert store.all_chunk_texts() == (ids, [f"{HEADING}\n{c.text}" for c in chunks])
    best = store.best_sentence_scores(vectors[1], ids)
    assert best[ids[0]] == pytest.approx(1.0, abs=1e-5), "sentence 1 is the first chunk's own"
    assert best[ids[1]] == pytest.approx(float((vectors[2:] @ vectors[1]).max()), abs=1e-6)

    document = store.document("d1")
    assert (document.text, document.path, document.format) == (ROOF, "/docs/granary.txt", "text")
    assert document.pages == [PageSpan(1, 0, len(ROOF))]
    assert store.document("nope") is None and store.chunks([]) == {} and store.chunk_sentences([]) == {}


def test_the_same_content_under_two_names_is_one_document_until_both_names_go(tmp_path, embedder):
    store = TextStore.open(tmp_path, writable=True)
    _add(store, embedder, "d1", ROOF, "/docs/b.txt")
    store.add_source("/docs/a.txt", "d1")
    assert store.sources() == {"/docs/a.txt": "d1", "/docs/b.txt": "d1"}
    (info,) = store.documents()
    assert info.sources == ["/docs/a.txt", "/docs/b.txt"] and info.chunks == 2 and info.title == "Granary notes"
    assert store.document("d1").path == "/docs/a.txt", "the first name shows"

    assert store.remove_source("/docs/a.txt") is None, "b.txt still names the document"
    assert store.doc_for_source("/docs/a.txt") is None and store.doc_for_source("/docs/b.txt") == "d1"
    assert store.remove_source("/docs/unknown.txt") is None
    assert store.remove_source("/docs/b.txt") == "d1", "the last name gone: the document is an orphan"
    assert store.sources() == {} and store.has_document("d1")


def test_removing_a_document_removes_its_chunks_sentences_and_names(tmp_path, embedder):
    store = TextStore.open(tmp_path, writable=True)
    first, _ = _add(store, embedder, "d1", ROOF, "/docs/granary.txt")
    second, _ = _add(store, embedder, "d2", MILL, "/docs/mill.txt")
    removed = store.remove_document("d1", generation=1)
    assert removed == [c.chunk_id for c in first]
    assert store.counts() == {"documents": 1, "sources": 1, "chunks": 2, "sentences": 4}
    assert store.chunks(removed) == {} and not store.has_document("d1") and store.document("d1") is None
    assert [d.doc_id for d in store.documents()] == ["d2"]
    assert set(store.all_chunk_texts()[0]) == {c.chunk_id for c in second}


def test_chunk_ids_are_never_handed_out_twice(tmp_path, embedder):
    store = TextStore.open(tmp_path, writable=True)
    first, _ = _add(store, embedder, "d1", ROOF, "/docs/granary.txt")
    store.remove_document("d1", generation=1)
    again, _ = _add(store, embedder, "d1", ROOF, "/docs/granary.txt")
    assert min(c.chunk_id for c in again) > max(c.chunk_id for c in first)
    store.close()
    reopened = TextStore.open(tmp_path, writable=True)
    assert reopened.allocate_chunk_ids(2) == [again[-1].chunk_id + 1, again[-1].chunk_id + 2]


def test_segment_bookkeeping_follows_chunks_into_segments_and_out_by_removal(tmp_path, embedder):
    store = TextStore.open(tmp_path, writable=True)
    roof, _ = _add(store, embedder, "d1", ROOF, "/docs/granary.txt")
    mill, _ = _add(store, embedder, "d2", MILL, "/docs/mill.txt")
    assert store.unsegmented_count() == 4
    ((ids, texts, vectors),) = list(store.segment_rows([]))
    assert ids.tolist() == [c.chunk_id for c in roof + mill] and vectors.shape == (4, 384)
    assert texts[0] == f"{HEADING}\n{roof[0].text}"
    store.replace_segments([], "seg-000001", 4, "flat", {}, "sum", generation=1)
    assert store.unsegmented_count() == 0 and store.segments() == [("seg-000001", 4, "flat", {}, "sum")]

    store.remove_document("d1", generation=2)
    assert store.removed()["seg-000001"].tolist() == [c.chunk_id for c in roof], "hidden until merged"
    assert store.removed_counts() == {"seg-000001": 2}
    ((ids, _, _),) = list(store.segment_rows(["seg-000001"]))
    assert ids.tolist() == [c.chunk_id for c in mill], "a merge takes the live chunks only"
    store.replace_segments(["seg-000001"], "seg-000002", 2, "flat", {}, "sum2", generation=3)
    assert [s[0] for s in store.segments()] == ["seg-000002"] and store.removed() == {}
    assert store.retired() == {"seg-000001": 3}


def test_a_read_only_connection_cannot_write(tmp_path, embedder):
    store = TextStore.open(tmp_path, writable=True)
    _add(store, embedder, "d1", ROOF, "/docs/granary.txt")
    store.close()
    reader = TextStore.open(tmp_path)
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        reader.add_source("/docs/other.txt", "d1")
    assert reader.sources() == {"/docs/granary.txt": "d1"}


def _real_store(seed_index: Path, directory: Path) -> Path:
    """A copy of the seed index's database: a real file, written by a real ingest."""
    directory.mkdir()
    with (
        closing(sqlite3.connect(seed_index / TextStore.FILE)) as live,
        closing(sqlite3.connect(directory / TextStore.FILE)) as copy,
    ):
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, as the damage below assumes
    return directory / TextStore.FILE


def _zero_index_roots(path: Path, names: list[str]) -> list[int]:
    """Overwrite the root pages of these indexes with zeros, as a disk that lost those pages would;
    returns the page numbers, as SQLite numbers them (from 1)."""
    with closing(sqlite3.connect(path)) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        roots = dict(db.execute("SELECT name, rootpage FROM sqlite_master WHERE type = 'index'").fetchall())
    data = bytearray(path.read_bytes())
    for name in names:
        data[(roots[name] - 1) * size : roots[name] * size] = bytes(size)
    path.write_bytes(bytes(data))
    return [roots[name] for name in names]


def test_check_passes_an_intact_store(seed_index, tmp_path):
    path = _real_store(seed_index, tmp_path / "intact")
    TextStore.open(path.parent).check()


def test_check_finds_a_damaged_page_that_opening_does_not(seed_index, tmp_path):
    path = _real_store(seed_index, tmp_path / "damaged")
    (page,) = _zero_index_roots(path, ["sqlite_autoindex_meta_1"])
    store = TextStore.open(path.parent)  # SQLite reads pages lazily: this still opens
    assert store.documents(), "and answers what does not touch the damaged page"
    with pytest.raises(sqlite3.DatabaseError, match=rf"^quick_check found Page {page}: \S.*$"):
        store.check()


def test_check_names_two_problems_and_counts_the_rest(seed_index, tmp_path):
    path = _real_store(seed_index, tmp_path / "wrecked")
    indexes = ["sqlite_autoindex_meta_1", "sqlite_autoindex_documents_1", "sqlite_autoindex_sources_1"]
    pages = _zero_index_roots(path, indexes)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        TextStore.open(path.parent).check()
    message = str(caught.value)
    assert message.startswith("quick_check found Page ") and message.endswith(" and 1 more problems")
    named = [int(part.split(":")[0]) for part in message.removeprefix("quick_check found ").split("Page ")[1:]]
    assert len(named) == 2 and set(named) < set(pages) and "\n" not in message
