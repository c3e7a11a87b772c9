"""The PostgreSQL + pgvector store on a real server (tests/pg_server.py): it answers as the embedded
index does, ranks exactly as it does, keeps BM25 statistics in step with removals, never reuses a chunk
id, gives readers one generation, survives a killed ingest, rebuilds when the chunker changes, refuses
another model, and takes ingests from several processes at once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import psycopg
import pytest
from support import SEED_FILE, SEEDS
from typer.testing import CliRunner

from assistant import Assistant, IndexLockedError, IndexMismatchError, IndexNotFoundError
from assistant.cli import app
from assistant.embedding import EmbeddingIdentity
from assistant.store.bm25 import KeywordSearch, Postings
from assistant.store.manifest import Manifest
from assistant.store.postgres import PostgresStore, redact
from assistant.types import Chunk, Document, SentenceSpan, with_heading

TOPICS = [
    "The tram depot has nine tracks and a paint shop for the old carriages.",
    "The bakery on Mill Street sells rye bread, seed rolls and plum cake on Saturdays.",
    "The harbour ferry carries forty cars and leaves every hour from the north pier.",
    "The orchard grows forty-two varieties of quince and sells jam at the market.",
    "The choir rehearses on Thursday evenings in the chapel by the river.",
    "The observatory opens its telescope to visitors on clear Friday nights.",
    "The library lends tools as well as books: drills, ladders and sewing machines.",
    "The marathon route crosses three bridges and ends at the old stadium.",
    "The glassworks fires its furnace at dawn; visitors watch the blowers from a gallery.",
    "The museum's fossil hall shows a whale skeleton found in the quarry in 1911.",
    "The allotment society shares a seed bank and meets on the first Sunday of the month.",
    "The night bus runs to the airport every forty minutes until five in the morning.",
]
QUESTIONS = [
    "How many cars does the ferry carry?",
    "When does the choir rehearse?",
    "what does the library lend",
    "forty",
    "Who chairs the National Committee for Counter Trafficking?",
    "What did the interior minister claim?",
]
# Runs in a child process: ``argv[1]`` is the store, the rest are files to ingest.
INGEST = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from assistant import Assistant

    Assistant.open(None, create=True, store=sys.argv[1]).ingest([Path(p) for p in sys.argv[2:]])
    """
)
# The same, stopping for good inside the write transaction once a document's rows are written.
INGEST_THEN_HANG = textwrap.dedent(
    """
    import sys, time
    from assistant.store.postgres import write

    add_document = write.PostgresWriter.add_document

    def add_and_hang(self, *args):
        ids = add_document(self, *args)
        print("added", flush=True)
        time.sleep(600)
        return ids

    write.PostgresWriter.add_document = add_and_hang
    """
)


def _write(folder: Path, texts: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(texts):
        path = folder / f"topic{i:02d}.txt"
        path.write_text(text + "\n")
        paths.append(path)
    return paths


def _child(script: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _open(url: str, **overrides) -> Assistant:
    return Assistant.open(None, create=True, store=url, **overrides)


def _ranking(assistant: Assistant, mode: str) -> list[list[tuple[str, float]]]:
    return [[(p.text, p.fused_score) for p in assistant.retrieve(q, top_k=8, mode=mode)] for q in QUESTIONS]


def _assert_same_ranking(got: Assistant, expected: Assistant) -> None:
    for mode in ("hybrid", "dense", "bm25"):
        for question, ours, theirs in zip(QUESTIONS, _ranking(got, mode), _ranking(expected, mode)):
            assert [t for t, _ in ours] == [t for t, _ in theirs], (mode, question)
            assert np.allclose([s for _, s in ours], [s for _, s in theirs], rtol=0, atol=1e-4), (mode, question)


def _bm25(assistant: Assistant, question: str) -> dict[str, float]:
    """Every chunk's BM25 score for ``question``, by chunk text (chunk ids differ between two indexes)."""
    with assistant.library.reading() as view:
        ids, scores = view.keywords.search(question, k=1000)
        texts = view.text.chunks(ids.tolist())
        again = view.keywords.scores(question, ids)
        assert np.array_equal(again, scores), "search and scores agree"
        return {texts[int(i)].text: float(s) for i, s in zip(ids, scores)}


def _assert_same_bm25(got: Assistant, expected: Assistant) -> None:
    for question in QUESTIONS:
        ours, theirs = _bm25(got, question), _bm25(expected, question)
        assert ours.keys() == theirs.keys(), question
        for text, score in theirs.items():
            # float32 either side: the server sums in double precision, the embedded index in single.
            assert ours[text] == pytest.approx(score, rel=1e-6), (question, text)


def _statistics_in_step(url: str) -> None:
    """The BM25 statistics the writers keep equal those recomputed from the chunks."""
    with psycopg.connect(url) as conn:
        kept = dict(conn.execute("SELECT term, df FROM assistant.terms").fetchall())
        recomputed = dict(
            conn.execute(
                "SELECT t.lexeme, count(*) FROM assistant.chunks c CROSS JOIN LATERAL unnest(c.tsv) t GROUP BY 1"
            ).fetchall()
        )
        assert kept == recomputed
        corpus = conn.execute("SELECT chunks, terms FROM assistant.corpus").fetchone()
        actual = conn.execute("SELECT count(*), COALESCE(sum(n_terms), 0) FROM assistant.chunks").fetchone()
        assert corpus == actual


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> tuple[Assistant, list[Path]]:
    """An embedded index of the topics and the seed article, built at once, and its files."""
    folder = tmp_path_factory.mktemp("corpus")
    paths = [*_write(folder / "docs", TOPICS), *sorted(SEEDS.glob("*.txt"))]
    assistant = Assistant.open(folder / "index", create=True)
    assistant.ingest(paths)
    return assistant, paths


def test_the_seed_article_is_answered_with_citations(postgres_database):
    assistant = _open(postgres_database)
    assert not assistant.index.exists()
    report = assistant.ingest([SEEDS])
    assert report.documents_added == 1 and report.chunks_added >= 2
    answer = assistant.ask("What did the interior minister claim?")
    assert answer.found and "Sar Sokha" in answer.text
    assert answer.citations and any("Sar Sokha" in c.quote for c in answer.citations)
    info = Assistant.open(None, store=postgres_database).info()
    assert info["index_dir"] == postgres_database and info["generation"] == "gen-000001"
    assert info["documents"] == 1 and info["chunks"] == report.chunks_added and info["size_bytes"] > 0
    assert [(s["kind"], s["chunks"]) for s in info["segments"]] == [("flat", report.chunks_added)]
    assert [d.title for d in assistant.documents()] and assistant.index.repaired is None


def test_it_ranks_exactly_as_the_embedded_index(postgres_database, embedded):
    """Documents added one by one, then compacted: the same passages in the same order with the same
    fused scores in every mode, and the same BM25 score for every chunk."""
    reference, paths = embedded
    assistant = _open(postgres_database)
    for path in paths:
        assistant.ingest([path])
    _assert_same_ranking(assistant, reference)
    _assert_same_bm25(assistant, reference)
    generation = assistant.view().manifest.generation
    manifest = assistant.index.compact()
    assert isinstance(manifest, Manifest) and manifest.generation == generation + 1
    _assert_same_ranking(assistant, reference)
    # Searched by the HNSW index (as above ann_min_chunks), whose new parameters take effect on compaction:
    # on a corpus this small it finds every neighbour.
    ann = Assistant.open(None, store=postgres_database, ann_min_chunks=1, hnsw_m=8, hnsw_ef_construction=16)
    (segment,) = ann.compact()["segments"]
    assert segment["kind"] == "hnsw" and segment["params"] == {"m": 8, "ef_construction": 16, "ef_search": 64}
    _assert_same_ranking(ann, reference)
    vector = ann.embedder.encode(["ferry cars"])[0]
    with ann.library.reading() as view:
        inside = view.dense.search(vector, 5)
    outside = ann.view().dense.search(vector, 5)  # in a transaction of its own
    assert inside[0].tolist() == outside[0].tolist() and np.allclose(inside[1], outside[1])


def _scoped_ranking(assistant: Assistant, scope: list[str]) -> list[list[tuple[str, str, float]]]:
    return [
        [(p.doc_id, p.text, p.fused_score) for p in assistant.retrieve(q, top_k=8, mode=mode, documents=scope)]
        for mode in ("hybrid", "dense", "bm25")
        for q in QUESTIONS
    ]


def test_a_scoped_question_ranks_as_on_the_embedded_index(postgres_database, embedded, tmp_path):
    """Restricted to some documents, both stores rank the same passages of those documents alone,
    whether they score the scope's chunks exactly or search their approximate indexes with it as a
    filter (ann_min_chunks=1: every scope is then searched by the index)."""
    reference, paths = embedded
    _open(postgres_database).ingest(paths)
    stems = {Path(d.sources[0]).stem: d.doc_id for d in reference.documents()}
    scope = [stems["topic02"], stems["topic04"], stems["topic06"], stems[SEED_FILE.stem]]
    expected = _scoped_ranking(reference, scope)
    assert all(doc_id in scope for ranking in expected for doc_id, _, _ in ranking)
    assert sum(len(ranking) for ranking in expected) > 3 * len(QUESTIONS), "the scope fills the top k"
    for got in (_scoped_ranking(_open(postgres_database), scope), _scoped_ranking(_ann(postgres_database), scope)):
        assert [[(d, t) for d, t, _ in r] for r in got] == [[(d, t) for d, t, _ in r] for r in expected]
        assert np.allclose([s for r in got for *_, s in r], [s for r in expected for *_, s in r], atol=1e-4)
    copy = tmp_path / "index"
    shutil.copytree(reference.settings.index_dir, copy)
    approximate = Assistant.open(copy, ann_min_chunks=1, hnsw_m=8, hnsw_ef_construction=16)
    assert [s["kind"] for s in approximate.compact()["segments"]] == ["hnsw"]
    got = _scoped_ranking(approximate, scope)
    assert [[(d, t) for d, t, _ in r] for r in got] == [[(d, t) for d, t, _ in r] for r in expected]


def _ann(url: str) -> Assistant:
    """The store at ``url``, searched by its HNSW index."""
    ann = Assistant.open(None, store=url, ann_min_chunks=1, hnsw_m=8, hnsw_ef_construction=16)
    assert ann.compact()["segments"][0]["kind"] == "hnsw"
    return ann


def test_the_hnsw_index_is_made_when_the_chunks_reach_ann_min_chunks(postgres_database, embedded):
    """Below ann_min_chunks the chunks are searched exactly and no HNSW index is kept up to date; the
    commit that brings them to that number makes it, and the ranking stays the embedded index's."""
    reference, paths = embedded

    def has_index() -> bool:
        with psycopg.connect(postgres_database) as conn:
            return bool(
                (conn.execute("SELECT to_regclass('assistant.chunks_embedding') IS NOT NULL").fetchone() or ())[0]
            )

    assistant = _open(postgres_database, ann_min_chunks=len(TOPICS))
    assistant.ingest(paths[:4])
    assert not has_index() and [s["kind"] for s in assistant.info()["segments"]] == ["flat"]
    assistant.ingest(paths[4:])
    assert has_index() and [s["kind"] for s in assistant.info()["segments"]] == ["hnsw"]
    _assert_same_ranking(assistant, reference)
    _statistics_in_step(postgres_database)


def test_bm25_matches_the_embedded_formula_on_awkward_terms(postgres_database):
    """Terms repeated beyond the 256 positions a tsvector keeps, a term too long for a lexeme, quotes,
    digits and accents: the scores equal the embedded BM25's over the same texts."""
    texts = [
        "quince " * 300 + "jam",
        "The orchard's quince jam, 1911 vintage: crème brûlée and naïve quinces.",
        "x" * 3000 + " orchard",
        "O'Brien's orchard, the 'old' one, sells jam.",
        "",
        "Seven choirs sang at the river festival.\x00 A NUL byte cannot be stored; the offsets stay.",
    ]
    store = PostgresStore(postgres_database, EmbeddingIdentity("fake", 4))
    rng = np.random.default_rng(0)
    with store.writer({"kind": "test"}) as writer:
        for i, text in enumerate(texts):
            span = SentenceSpan(0, len(text))
            chunk = Chunk(f"doc{i}", text, 0, len(text), None, [span], 10, heading="Heading" if i == 3 else "")
            document = Document(f"doc{i}", f"/docs/{i}.txt", f"Doc {i}", text, "txt")
            vectors = rng.normal(size=(2, 4)).astype(np.float32)
            writer.add_document(document, [chunk], vectors[:1], vectors[1:])
            writer.add_source(f"/docs/{i}.txt", f"doc{i}")
        writer.commit()
    with store.reading() as view:
        ids = np.array(sorted(view.text.chunks(list(range(1, 100)))), dtype=np.int64)
        records = view.text.chunks(ids.tolist())
        assert [len(records[int(i)].text) for i in ids] == [len(t) for t in texts], "offsets stay where they were"
        reference = KeywordSearch(
            [
                (
                    ids,
                    Postings.build([with_heading(records[int(i)].heading, records[int(i)].text) for i in ids]),
                    np.zeros(0, dtype=np.int64),
                )
            ]
        )
        for query in ("quince", "quince jam orchard", "x" * 3000, "o'brien old heading", "naïve crème 1911", "none"):
            expected_ids, expected = reference.search(query, k=10)
            found_ids, found = view.keywords.search(query, k=10)
            assert found_ids.tolist() == expected_ids.tolist(), query
            assert np.allclose(found, expected, rtol=1e-6, atol=0), query
            assert np.allclose(view.keywords.scores(query, ids), reference.scores(query, ids), rtol=1e-6, atol=0)
        assert len(view.keywords) == len(view.dense) == len(texts)
    store.close()


def test_removal_by_path_and_by_id_leaves_no_trace_in_scores(postgres_database, tmp_path):
    paths = _write(tmp_path / "docs", TOPICS)
    assistant = _open(postgres_database)
    assistant.ingest(paths)
    ferry, choir = paths[2], paths[4]
    report = assistant.remove(str(ferry.resolve()))
    assert report.documents_removed == 1 and report.chunks_removed == 1
    (choir_doc,) = [d.doc_id for d in assistant.documents() if str(choir.resolve()) in d.sources]
    assert assistant.remove(choir_doc[:12]).documents_removed == 1
    passages = assistant.retrieve("How many cars does the ferry carry? When does the choir rehearse?", top_k=20)
    assert passages and all("ferry" not in p.text and "choir" not in p.text for p in passages)
    info = assistant.info()
    assert info["documents"] == info["sources"] == info["chunks"] == len(TOPICS) - 2
    _statistics_in_step(postgres_database)
    # BM25 as if the removed files had never been there (the embedded index counts them until a merge).
    fresh = Assistant.open(tmp_path / "fresh", create=True)
    fresh.ingest([p for p in paths if p not in (ferry, choir)])
    _assert_same_bm25(assistant, fresh)
    with pytest.raises(Exception, match="No indexed document"):
        assistant.remove(str(ferry.resolve()))


def test_chunk_ids_are_never_reused(postgres_database, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "one.txt").write_text("The tram depot has nine tracks.")
    (docs / "two.txt").write_text("The bakery sells rye bread.")
    assistant = _open(postgres_database)
    assistant.ingest([docs])
    first = {p.chunk_id for p in assistant.retrieve("tram depot bakery bread", top_k=10)}
    (docs / "two.txt").unlink()
    assistant.ingest([docs], prune=True)
    unit = np.full((1, 384), 1 / np.sqrt(384), dtype=np.float32)
    with pytest.raises(RuntimeError), assistant.index.writer(assistant.info()["chunker"]) as writer:
        text = "Rolled back."
        chunk = Chunk("x" * 64, text, 0, len(text), None, [SentenceSpan(0, len(text))], 3)
        writer.add_document(Document("x" * 64, "/x.txt", "x", text, "txt"), [chunk], unit, unit)
        raise RuntimeError("an ingest that fails before committing")
    (docs / "three.txt").write_text("The ferry carries forty cars.")
    assistant.ingest([docs])
    ids = {p.chunk_id for p in assistant.retrieve("tram depot ferry cars", top_k=10)}
    new = ids - first
    assert len(ids) == 2 and len(new) == 1
    assert min(new) > max(first) + 1, "the removed chunk's id and the rolled-back one are not handed out again"


def test_a_reader_keeps_its_generation_while_a_writer_commits(postgres_database, tmp_path):
    paths = _write(tmp_path / "docs", TOPICS)
    reader = _open(postgres_database)
    reader.ingest(paths[:6])
    writer = _open(postgres_database)
    with reader.library.reading() as view:
        before = view.name
        committed = threading.Event()

        def write() -> None:
            writer.ingest(paths[6:])
            writer.remove(str(paths[0].resolve()))
            committed.set()

        thread = threading.Thread(target=write)
        thread.start()
        assert committed.wait(120), "the writer waited for the reader"
        thread.join()
        assert len(view.text.documents()) == 6, "rows as of the reader's generation"
        ids, _ = view.dense.search(reader.embedder.encode(["tram depot"])[0], k=3)
        assert "tram" in view.text.chunks(ids.tolist())[int(ids[0])].text, "a removed chunk is still there"
        assert view.keywords.search("airport", k=3)[0].size == 0, "later chunks are not"
        assert len(view.keywords) == len(view.dense) == 6
        with reader.library.reading() as nested:
            assert nested.name == before
    with reader.library.reading() as view:
        assert view.name != before and len(view.text.documents()) == len(TOPICS) - 1
    assert len(reader.view().text.documents()) == len(TOPICS) - 1


def test_a_killed_ingest_leaves_the_last_committed_state(postgres_database, tmp_path):
    paths = _write(tmp_path / "docs", TOPICS)
    assistant = _open(postgres_database)
    assistant.ingest(paths[:3])
    before = assistant.info()
    child = _child(INGEST_THEN_HANG + INGEST, postgres_database, *map(str, paths[3:]))
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "added", child.stderr.read() if child.stderr else line
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate(timeout=60)
    after = assistant.info()
    assert {k: after[k] for k in ("generation", "documents", "chunks", "sentences")} == {
        k: before[k] for k in ("generation", "documents", "chunks", "sentences")
    }
    assert len(assistant.documents()) == 3
    _statistics_in_step(postgres_database)
    # The killed writer's lock went with its connection.
    assert _open(postgres_database).ingest(paths[3:]).documents_added == len(TOPICS) - 3
    _statistics_in_step(postgres_database)


def test_two_processes_ingesting_at_once_both_land(postgres_database, tmp_path):
    paths = _write(tmp_path / "docs", TOPICS[:4])
    children = [_child(INGEST, postgres_database, *map(str, part)) for part in (paths[:2], paths[2:])]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
    assistant = Assistant.open(None, store=postgres_database)
    assert sorted(s for d in assistant.documents() for s in d.sources) == sorted(str(p.resolve()) for p in paths)
    assert assistant.info()["generation"] == "gen-000002"
    assert "ferry" in assistant.retrieve("How many cars does the ferry carry?", top_k=1)[0].text
    _statistics_in_step(postgres_database)


def test_writers_serialise_and_the_schema_is_made_once(postgres_database):
    """Four writers start on an empty database at once: one creates the schema, each commits in turn;
    a writer that waits longer than its lock timeout is told that another is writing."""
    identity = EmbeddingIdentity("fake", 4)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def write() -> None:
        store = PostgresStore(postgres_database, identity)
        try:
            barrier.wait()
            with store.writer({"kind": "test"}) as writer:
                writer.commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    store = PostgresStore(postgres_database, identity, lock_timeout=0.3)
    assert store.view().manifest.generation == 4
    holder = PostgresStore(postgres_database, identity)
    with holder.writer({"kind": "test"}):
        with pytest.raises(IndexLockedError, match="Another ingest"), store.writer({"kind": "test"}):
            pass
    store.close()
    holder.close()


def test_the_index_is_rebuilt_when_the_chunker_changes(postgres_database, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "seed.txt").write_text(next(SEEDS.glob("*.txt")).read_text())
    assistant = _open(postgres_database)
    chunks = assistant.ingest([docs]).chunks_added
    extra = tmp_path / "extra.txt"
    extra.write_text(TOPICS[2] + "\n")
    smaller = _open(postgres_database, chunk_tokens=100, chunk_overlap_tokens=20)
    report = smaller.ingest([extra])
    assert any("Rebuilding the index" in n and "chunk_tokens" in n for n in report.notices), report.notices
    info = smaller.info()
    assert info["chunker"]["chunk_tokens"] == 100 and info["documents"] == 2
    assert info["chunks"] > chunks + 1
    assert smaller.ask("What did the interior minister claim?").found
    _statistics_in_step(postgres_database)
    # A removal keeps the settings the chunks were cut with.
    assistant.remove(str(extra.resolve()))
    assert assistant.info()["chunker"]["chunk_tokens"] == 100


def test_another_model_is_refused_as_the_embedded_index_refuses_it(postgres_database, fresh_seed_index):
    _open(postgres_database).ingest([SEEDS])
    with pytest.raises(IndexMismatchError) as server:
        Assistant.open(None, store=postgres_database, embedding_model_name="other-model")
    with pytest.raises(IndexMismatchError) as embedded:
        Assistant.open(fresh_seed_index, embedding_model_name="other-model")
    assert str(server.value).replace(postgres_database, "WHERE") == str(embedded.value).replace(
        str(fresh_seed_index), "WHERE"
    )
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        (raw,) = conn.execute("SELECT value FROM assistant.meta WHERE key = 'manifest'").fetchone() or ()
        manifest = json.loads(raw)
        manifest["embedding"] = {"name": "bge-small-en-v1.5", "dimension": 512, "normalized": True}
        conn.execute("UPDATE assistant.meta SET value = %s WHERE key = 'manifest'", (json.dumps(manifest),))
    with pytest.raises(IndexMismatchError, match=r"bge-small-en-v1.5.*Re-index"):
        Assistant.open(None, store=postgres_database)
    with pytest.raises(IndexMismatchError, match="bge-small-en-v1.5"):
        _open(postgres_database).ingest([SEEDS])


def test_terms_of_another_analyzer_are_written_anew(postgres_database):
    assistant = _open(postgres_database)
    assistant.ingest([SEEDS])
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        (raw,) = conn.execute("SELECT value FROM assistant.meta WHERE key = 'manifest'").fetchone() or ()
        manifest = json.loads(raw)
        manifest["sparse"] = {"library": "bm25s", "stemmer": "english", "stopwords": "an-older-list"}
        conn.execute("UPDATE assistant.meta SET value = %s WHERE key = 'manifest'", (json.dumps(manifest),))
        conn.execute("UPDATE assistant.chunks SET tsv = 'unrelated filler', n_terms = 2")
    bm25 = Assistant.open(None, store=postgres_database, retrieval_mode="bm25")
    passages = bm25.retrieve("National Committee for Counter Trafficking", top_k=3)
    assert passages and "Counter Trafficking" in passages[0].text
    _statistics_in_step(postgres_database)


def test_missing_and_unreachable_indexes_say_what_to_do(postgres_database):
    with pytest.raises(IndexNotFoundError, match="assistant ingest"):
        Assistant.open(None, store=postgres_database)
    with psycopg.connect(postgres_database) as conn:
        (port,) = conn.execute("SELECT inet_server_port()").fetchone() or ()
    closed = f"postgresql://nobody:secret@127.0.0.1:{port + 1 if port < 65535 else port - 1}/none"
    with pytest.raises(IndexNotFoundError, match="cannot be reached") as error:
        Assistant.open(None, store=closed)
    assert "secret" not in str(error.value)
    assert (
        redact("postgresql://u:pw@db:5432/x?sslmode=require&password=pw") == "postgresql://u@db:5432/x?sslmode=require"
    )


def test_cli_ingest_info_and_ask_with_the_store_setting(postgres_database):
    runner = CliRunner()
    env = {"ASSISTANT_STORE": postgres_database}
    result = runner.invoke(app, ["ingest", str(SEEDS)], env=env)
    assert result.exit_code == 0, result.output
    info = runner.invoke(app, ["info", "--json"], env=env)
    assert info.exit_code == 0, info.output
    details = json.loads(info.stdout)
    assert details["index_dir"] == postgres_database and details["documents"] == 1
    assert len(details["document_list"]) == 1
    text = runner.invoke(app, ["info"], env=env)
    assert text.exit_code == 0 and f"1 documents, {details['chunks']} chunks" in " ".join(text.stdout.split())
    asked = runner.invoke(app, ["ask", "What did the interior minister claim?", "--json"], env=env)
    assert asked.exit_code == 0, asked.output
    data = json.loads(asked.stdout)
    assert data["found"] and "Sar Sokha" in data["answer"]


def test_settings_choose_the_store(postgres_database, tmp_path):
    from assistant.settings import Settings
    from assistant.store.factory import open_store
    from assistant.store.index import EmbeddedStore

    identity = EmbeddingIdentity("fake", 4)
    settings = Settings(store=postgres_database.replace("postgresql://", "postgres://"), index_dir=tmp_path)
    assert isinstance(open_store(settings.storage, identity), PostgresStore)
    assert isinstance(open_store(replace(settings.storage, store=""), identity), EmbeddedStore)
    with pytest.raises(IndexNotFoundError, match="postgresql://"):
        open_store(replace(settings.storage, store="mysql://db/x"), identity)
