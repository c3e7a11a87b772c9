"""The embedded index: writes cost what they change, a segmented index answers exactly as one built at
once, readers keep one generation, model mismatch is refused, chunk ids are never reused."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from support import SEED_FILE, read_manifest, write_manifest

from assistant import Assistant, IndexMismatchError, IndexNotFoundError
from assistant.store.bm25 import Postings
from assistant.store.index import EmbeddedStore, _merge_plan
from assistant.store.segments import SegmentDamaged

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
QUESTIONS = ["How many cars does the ferry carry?", "When does the choir rehearse?", "what does the library lend"]


def _write(folder: Path, texts: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(texts):
        path = folder / f"topic{i:02d}.txt"
        path.write_text(text + "\n")
        paths.append(path)
    return paths


def _ranking(assistant: Assistant) -> list[list[tuple[str, float]]]:
    """Each question's passages by text and fused score (chunk ids differ between two indexes)."""
    return [[(p.text, round(p.fused_score, 5)) for p in assistant.retrieve(q, top_k=8)] for q in QUESTIONS]


def test_index_from_another_model_is_refused_with_advice(fresh_seed_index):
    manifest = read_manifest(fresh_seed_index)
    manifest["embedding"] = {"name": "bge-small-en-v1.5", "dimension": 512, "normalized": True}
    write_manifest(fresh_seed_index, manifest)
    with pytest.raises(IndexMismatchError, match=r"bge-small-en-v1.5.*Re-index"):
        Assistant.open(fresh_seed_index)


def test_configured_model_name_must_match(fresh_seed_index):
    with pytest.raises(IndexMismatchError, match="other-model"):
        Assistant.open(fresh_seed_index, embedding_model_name="other-model")


def test_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexNotFoundError, match="assistant ingest"):
        Assistant.open(tmp_path / "nowhere")


def test_chunk_ids_are_not_reused_after_delete(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "one.txt").write_text("The tram depot has nine tracks.")
    (docs / "two.txt").write_text("The bakery sells rye bread.")
    assistant = Assistant.open(tmp_path / "index", create=True)
    assistant.ingest([docs])
    first_ids = set(assistant.view().text.all_chunk_texts()[0])
    (docs / "two.txt").unlink()
    assistant.ingest([docs], prune=True)
    (docs / "three.txt").write_text("The ferry carries forty cars.")
    assistant.ingest([docs])
    view = assistant.view()
    ids = set(view.text.all_chunk_texts()[0])
    new_ids = ids - first_ids
    assert new_ids and min(new_ids) > max(first_ids)
    assert len(view.dense) == len(ids) == len(view.keywords)
    found, _ = view.dense.search(assistant.embedder.encode(["ferry cars"])[0], k=10)
    assert set(found.tolist()) == ids, "the removed chunk is hidden, the others all found"


def test_manifest_records_model_chunker_and_segments(seed_assistant):
    info = seed_assistant.info()
    model = info["embedding_model"]
    assert {k: model[k] for k in ("name", "dimension", "normalized")} == {
        "name": "all-MiniLM-L6-v2",
        "dimension": 384,
        "normalized": True,
    }
    assert len(model["weights_sha256"]) == 64
    assert info["chunker"]["chunk_tokens"] == 200
    assert info["documents"] == 1 and info["chunks"] >= 2 and info["size_bytes"] > 0
    assert [(s["chunks"], s["kind"]) for s in info["segments"]] == [(info["chunks"], "flat")]
    assert np.isclose(np.linalg.norm(seed_assistant.embedder.encode(["x"])[0]), 1.0, atol=1e-4)


def test_a_segmented_index_ranks_exactly_as_one_built_at_once(tmp_path):
    """BM25's IDF and mean length are the whole corpus's, and dense search spans every segment, so how
    documents arrived does not change a single score; compacting changes nothing either."""
    paths = _write(tmp_path / "docs", TOPICS)
    at_once = Assistant.open(tmp_path / "once", create=True)
    at_once.ingest(paths)
    one_by_one = Assistant.open(tmp_path / "apart", create=True, merge_factor=100)
    for path in paths:
        one_by_one.ingest([path])
    assert len(at_once.info()["segments"]) == 1 and len(one_by_one.info()["segments"]) == len(TOPICS)
    assert _ranking(one_by_one) == _ranking(at_once)
    details = one_by_one.compact()
    assert len(details["segments"]) == 1 and details["chunks"] == at_once.info()["chunks"]
    assert _ranking(one_by_one) == _ranking(at_once)


def test_adding_a_document_writes_one_segment_and_copies_nothing(tmp_path):
    paths = _write(tmp_path / "docs", TOPICS)
    assistant = Assistant.open(tmp_path / "index", create=True)
    assistant.ingest(paths[:-1])
    root = tmp_path / "index"
    database = (root / "store.sqlite").stat()
    before = {p.name: p.stat().st_mtime_ns for p in (root / "segments").rglob("*")}
    report = assistant.ingest([paths[-1]])
    assert report.documents_added == 1
    assert (root / "store.sqlite").stat().st_ino == database.st_ino, "the database is written in place"
    after = {p.name: p.stat().st_mtime_ns for p in (root / "segments").rglob("*")}
    assert {k: v for k, v in after.items() if k in before} == before, "existing segments are not rewritten"
    (new,) = {p.parent.name for p in (root / "segments").rglob("ids.npy")} - {n for n in before if n.startswith("seg-")}
    segment = {"name": new, "chunks": report.chunks_added, "kind": "flat", "params": {}}
    assert assistant.info()["segments"][-1] == segment
    assert "forty minutes" in assistant.ask("How often does the night bus run?").text


def test_removing_a_document_hides_it_without_rewriting_segments(tmp_path):
    paths = _write(tmp_path / "docs", TOPICS)
    assistant = Assistant.open(tmp_path / "index", create=True)
    assistant.ingest(paths)
    segments = {p: p.stat().st_mtime_ns for p in (tmp_path / "index" / "segments").rglob("*")}
    ferry = str(paths[2].resolve())
    assistant.remove(ferry)
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "index" / "segments").rglob("*")} == segments
    passages = assistant.retrieve("How many cars does the ferry carry?", top_k=20)
    assert passages and all("ferry" not in p.text for p in passages)
    assert assistant.info()["documents"] == len(TOPICS) - 1
    assistant.compact()
    assert all("ferry" not in p.text for p in assistant.retrieve("ferry cars", top_k=20))


def test_small_segments_are_merged_as_ingests_go(tmp_path):
    paths = _write(tmp_path / "docs", TOPICS)
    assistant = Assistant.open(tmp_path / "index", create=True, merge_factor=3)
    counts = []
    for path in paths:
        assistant.ingest([path])
        counts.append(len(assistant.info()["segments"]))
    assert max(counts) <= 2 * 2 + 1, counts  # at most factor - 1 per size class, two classes here
    assert sum(s["chunks"] for s in assistant.info()["segments"]) == assistant.info()["chunks"]
    folders = {p.name for p in (tmp_path / "index" / "segments").iterdir()}
    live = {s["name"] for s in assistant.info()["segments"]}
    assert live <= folders and len(folders - live) <= 3, "merged-away segments are deleted by the next writer"
    for question, expected in (("ferry cars", "ferry"), ("choir Thursday", "choir"), ("whale skeleton", "whale")):
        assert expected in assistant.retrieve(question, top_k=1)[0].text


def test_an_ingest_merges_only_below_the_ann_size_and_leaves_larger_merges_for_after():
    """The merge inside an ingest's commit stays cheap (flat segments); a merge that would build an
    ANN index is due for ``merge``, which runs after the ingest is committed."""
    small = {f"s{i}": 5 for i in range(9)}
    assert _merge_plan(small, 10, {}, new_rows=5) == sorted(small)
    assert _merge_plan(small, 10, {}, new_rows=5, limit=40) == []
    assert _merge_plan(small, 10, {}) == [], "nine segments of one class are not yet due"
    assert _merge_plan({**small, "s9": 5}, 10, {}) == sorted([*small, "s9"])
    # Nine small ones merge into one of their class's neighbours' size, but not up into the big class.
    crowded = {**{f"b{i}": 50 for i in range(9)}, **{f"s{i}": 5 for i in range(9)}}
    assert _merge_plan(crowded, 10, {}, new_rows=5, limit=100) == sorted(f"s{i}" for i in range(9))
    assert _merge_plan(crowded, 10, {}, new_rows=5) == sorted(crowded)
    assert _merge_plan({"a": 100, "b": 3}, 10, {"a": 0.6}, new_rows=1, limit=50) == [], "a big rewrite waits"


def test_ingests_one_at_a_time_end_with_one_ann_segment_merged_after_the_commit(tmp_path):
    paths = _write(tmp_path / "docs", TOPICS[:9])
    exact = Assistant.open(tmp_path / "exact", create=True)
    exact.ingest(paths)
    assistant = Assistant.open(tmp_path / "index", create=True, merge_factor=3, ann_min_chunks=4)
    reports = [assistant.ingest([path]) for path in paths]
    assert [r.segments_merged for r in reports] == [0] * 8 + [3], [r.notices for r in reports]
    assert any("into seg-" in notice and "hnsw" in notice for notice in reports[-1].notices)
    (segment,) = assistant.info()["segments"]
    assert (segment["chunks"], segment["kind"]) == (9, "hnsw")
    assert _ranking(assistant) == _ranking(exact)


def test_a_merge_built_while_a_document_is_removed_keeps_it_hidden(tmp_path):
    """A merge is built without the writer lock; a removal committed meanwhile stays in force when the
    merged segment replaces the old ones, and ``compact`` then drops the chunk for good."""
    paths = _write(tmp_path / "docs", TOPICS[:6])
    apart = Assistant.open(tmp_path / "index", create=True, merge_factor=100)
    for pair in range(0, len(paths), 2):  # two chunks a segment: one removal does not rewrite it
        apart.ingest(paths[pair : pair + 2])
    store = Assistant.open(tmp_path / "index", merge_factor=3).library.store
    assert isinstance(store, EmbeddedStore)
    built = store._build_merge()
    assert built is not None and len(built[0]) == 3
    apart.remove(str(paths[2].resolve()))  # the ferry, while the merge is being built
    name = store._install_merge(*built)
    assert name is not None and [s["name"] for s in apart.info()["segments"]] == [name]
    assert all("ferry" not in p.text for p in apart.retrieve("How many cars does the ferry carry?", top_k=20))
    assert "choir" in apart.retrieve("When does the choir rehearse?", top_k=1)[0].text
    apart.compact()
    fresh = Assistant.open(tmp_path / "fresh", create=True)
    fresh.ingest([p for i, p in enumerate(paths) if i != 2])
    assert _ranking(apart) == _ranking(fresh)


def test_a_merge_whose_segments_were_compacted_meanwhile_is_dropped(tmp_path):
    paths = _write(tmp_path / "docs", TOPICS[:4])
    apart = Assistant.open(tmp_path / "index", create=True, merge_factor=100)
    for path in paths:
        apart.ingest([path])
    store = Assistant.open(tmp_path / "index", merge_factor=3).library.store
    assert isinstance(store, EmbeddedStore)
    built = store._build_merge()
    assert built is not None
    compacted = apart.compact()["segments"]
    assert store._install_merge(*built) is None
    assert apart.info()["segments"] == compacted
    assert not (tmp_path / "index" / "merging").exists()


def test_a_merge_left_half_built_by_a_crash_is_cleared_by_the_next_one(tmp_path):
    paths = _write(tmp_path / "docs", TOPICS[:3])
    apart = Assistant.open(tmp_path / "index", create=True, merge_factor=100)
    for path in paths:
        apart.ingest([path])
    leftover = tmp_path / "index" / "merging" / "merged"
    leftover.mkdir(parents=True)
    (leftover / "ids.npy").write_bytes(b"half a file")
    store = Assistant.open(tmp_path / "index", merge_factor=3).library.store
    assert isinstance(store, EmbeddedStore)
    (merged,) = store.merge()
    assert len(merged.replaced) == 3 and merged.chunks == 3
    assert not (tmp_path / "index" / "merging").exists()
    assert [s["name"] for s in apart.info()["segments"]] == [merged.segment]
    assert [p.name for p in (tmp_path / "index" / "segments").iterdir()] == [merged.segment], "old ones deleted"
    assert "ferry" in apart.retrieve("How many cars does the ferry carry?", top_k=1)[0].text


def test_a_reader_loading_merged_away_segments_starts_again_at_the_new_generation(tmp_path):
    """A merge deletes the segments it replaced at once; a reader whose transaction still sees them
    finds one missing, is not "repaired" (it is no longer live) and reads the merged generation."""
    paths = _write(tmp_path / "docs", TOPICS[:3])
    apart = Assistant.open(tmp_path / "index", create=True, merge_factor=100)
    for path in paths:
        apart.ingest([path])
    reader = EmbeddedStore(tmp_path / "index", apart.embedder.identity)  # has loaded nothing yet
    text = reader._reader()
    text.begin()
    text.meta("manifest")  # SQLite takes the transaction's snapshot at its first read: three segments
    (merged,) = Assistant.open(tmp_path / "index", merge_factor=3).library.store.merge()
    with pytest.raises(SegmentDamaged) as damage:
        reader._load(text)
    text.rollback()
    reader._repair(damage.value)
    assert reader.repaired is None
    with reader.reading() as view:
        assert [s["name"] for s in view.manifest.segments] == [merged.segment] and len(view.dense) == 3


def test_large_segments_get_the_configured_ann_index(tmp_path):
    paths = _write(tmp_path / "docs", TOPICS)
    exact = Assistant.open(tmp_path / "exact", create=True)
    exact.ingest(paths)
    for kind in ("hnsw", "ivf"):
        ann = Assistant.open(tmp_path / kind, create=True, ann_min_chunks=5, ann_kind=kind, ivf_nprobe=64)
        ann.ingest(paths)
        (segment,) = ann.info()["segments"]
        assert segment["kind"] == kind and segment["params"], segment
        # On a corpus this small the approximate search finds every neighbour.
        assert _ranking(ann) == _ranking(exact)
        reopened = Assistant.open(tmp_path / kind, ann_min_chunks=5, ann_kind=kind)
        assert _ranking(reopened) == _ranking(exact)


def test_a_reader_keeps_its_generation_while_a_writer_commits(tmp_path):
    paths = _write(tmp_path / "docs", TOPICS)
    reader = Assistant.open(tmp_path / "index", create=True)
    reader.ingest(paths[:6])
    writer = Assistant.open(tmp_path / "index")
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
    with reader.library.reading() as view:
        assert view.name != before and len(view.text.documents()) == len(TOPICS) - 1


def test_postings_from_another_analyzer_are_rebuilt_on_open(fresh_seed_index):
    """An index written before a stop-word or stemming change must not serve stale BM25 terms."""
    root = fresh_seed_index
    db = sqlite3.connect(root / "store.sqlite")
    (name, rows) = db.execute("SELECT name, rows FROM segments").fetchone()
    folder = root / "segments" / name
    for path in folder.glob("postings.npz"):
        path.unlink()
    for path in folder.glob("terms.json"):
        path.unlink()
    Postings.build(["unrelated filler words"] * rows).save(folder)
    from assistant.store.segments import _checksum

    db.execute("UPDATE segments SET checksum = ?", (_checksum(folder),))
    db.commit()
    db.close()
    manifest = read_manifest(root)
    manifest["sparse"] = {"library": "bm25s", "stemmer": "english", "stopwords": "an-older-list"}
    write_manifest(root, manifest)

    bm25 = Assistant.open(root, retrieval_mode="bm25")
    passages = bm25.retrieve("National Committee for Counter Trafficking", top_k=3)
    assert passages and "Counter Trafficking" in passages[0].text
    assert bm25.repaired is None


def _as_legacy(index_dir: Path, sources: list[Path], next_chunk_id: int) -> None:
    """What versions before format 3 wrote: CURRENT naming a generation folder with its own database."""
    generation = index_dir / "gen-000004"
    generation.mkdir(parents=True)
    (index_dir / "CURRENT").write_text("gen-000004\n")
    db = sqlite3.connect(generation / "chunks.sqlite")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE sources (path TEXT PRIMARY KEY, doc_id TEXT NOT NULL, added_at TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('next_chunk_id', ?)", (str(next_chunk_id),))
    db.executemany("INSERT INTO sources VALUES (?, 'x', 'then')", [(str(p.resolve()),) for p in sources])
    db.commit()
    db.close()


def test_an_index_of_the_old_layout_is_refused_on_ask_and_rebuilt_by_ingest(tmp_path):
    paths = _write(tmp_path / "docs", TOPICS[:2])
    root = tmp_path / "index"
    _as_legacy(root, [SEED_FILE, paths[0]], next_chunk_id=500)
    with pytest.raises(IndexMismatchError, match=r"older version.*assistant ingest PATH --index"):
        Assistant.open(root)
    assistant = Assistant.open(root, create=True)
    report = assistant.ingest([paths[1]])
    assert any("older version" in n and "re-reading its 2 file" in n for n in report.notices), report.notices
    assert report.documents_added == 3
    assert not (root / "CURRENT").exists() and not list(root.glob("gen-*"))
    assert min(assistant.view().text.all_chunk_texts()[0]) >= 500, "ids continue where the old index stopped"
    assert assistant.ask("Who chairs the National Committee for Counter Trafficking?").found


def test_a_crashed_writers_segment_folder_is_swept_by_the_next_writer(fresh_seed_index, tmp_path):
    stray = fresh_seed_index / "segments" / "seg-999999"
    stray.mkdir()
    (stray / "ids.npy").write_bytes(b"half-written")
    assistant = Assistant.open(fresh_seed_index)
    assert assistant.ask("Who chairs the National Committee for Counter Trafficking?").found
    extra = tmp_path / "extra.txt"
    extra.write_text("The harbour ferry leaves every hour from the north pier.\n")
    assistant.ingest([extra])
    assert not stray.exists()
    assert os.listdir(fresh_seed_index / "segments")
