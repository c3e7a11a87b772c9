"""The on-disk index: model mismatch is refused clearly, chunk ids are never reused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support import SEED_FILE

from assistant import Assistant, IndexMismatchError, IndexNotFoundError
from assistant.store.index import IndexDirectory


def _manifest_path(index_dir):
    return index_dir / IndexDirectory(index_dir).current() / "manifest.json"


def test_index_from_another_model_is_refused_with_advice(fresh_seed_index):
    path = _manifest_path(fresh_seed_index)
    manifest = json.loads(path.read_text())
    manifest["embedding"] = {"name": "bge-small-en-v1.5", "dimension": 512, "normalized": True}
    path.write_text(json.dumps(manifest))
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
    first_ids = set(assistant.snapshot().text.all_chunk_texts()[0])
    (docs / "two.txt").unlink()
    assistant.ingest([docs], prune=True)
    (docs / "three.txt").write_text("The ferry carries forty cars.")
    assistant.ingest([docs])
    snapshot = assistant.snapshot()
    ids = set(snapshot.text.all_chunk_texts()[0])
    new_ids = ids - first_ids
    assert new_ids and min(new_ids) > max(first_ids)
    assert len(snapshot.vectors) == len(ids) == len(snapshot.bm25)
    found, _ = snapshot.vectors.search(assistant.embedder.encode(["ferry cars"]), k=len(ids))
    assert set(found[0].tolist()) == ids


def test_manifest_records_model_and_chunker(seed_assistant):
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
    assert np.isclose(np.linalg.norm(seed_assistant.embedder.encode(["x"])[0]), 1.0, atol=1e-4)


def test_bm25_from_another_analyzer_is_rebuilt_on_open(fresh_seed_index):
    """An index written before a stop-word or stemming change must not serve stale BM25 terms."""
    from assistant.store.bm25 import BM25Index

    generation = fresh_seed_index / IndexDirectory(fresh_seed_index).current()
    ids = np.load(generation / "bm25" / "chunk_ids.npy").tolist()
    BM25Index.build(ids, ["unrelated filler words"] * len(ids)).save(generation)
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["sparse"] = {"library": "bm25s", "stemmer": "english", "stopwords": "an-older-list"}
    (generation / "manifest.json").write_text(json.dumps(manifest))

    bm25 = Assistant.open(fresh_seed_index, retrieval_mode="bm25")
    passages = bm25.retrieve("National Committee for Counter Trafficking", top_k=3)
    assert passages and "Counter Trafficking" in passages[0].text


def _as_format_one(index_dir) -> None:
    """Turn a fresh index into what the line-based reader wrote: format 1, no heading columns."""
    import sqlite3

    generation = index_dir / IndexDirectory(index_dir).current()
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["format_version"] = 1
    manifest["chunker"].pop("reading")
    (generation / "manifest.json").write_text(json.dumps(manifest))
    db = sqlite3.connect(generation / "chunks.sqlite")
    db.execute("ALTER TABLE chunks DROP COLUMN heading")
    db.execute("ALTER TABLE sentences DROP COLUMN heading")
    db.commit()
    db.close()


def test_old_format_answers_until_the_next_ingest_rebuilds_it(fresh_seed_index, tmp_path):
    from assistant.ingest.readers import READING_VERSION
    from assistant.store.index import FORMAT_VERSION

    _as_format_one(fresh_seed_index)
    assistant = Assistant.open(fresh_seed_index)
    assert assistant.ask("Who is the interior minister?").found, "an old index still answers"
    before = set(assistant.snapshot().text.all_chunk_texts()[0])
    extra = tmp_path / "extra.txt"
    extra.write_text("The harbour ferry leaves every hour from the north pier.\n")
    report = assistant.ingest([extra])
    assert len(report.notices) == 1 and "format 1" in report.notices[0] and "re-reading its 1 file" in report.notices[0]
    assert report.documents_added == 2, "the old index's own file is re-read, not mixed in"
    snapshot = assistant.snapshot()
    assert snapshot.manifest.format_version == FORMAT_VERSION
    assert snapshot.manifest.chunker["reading"] == READING_VERSION
    assert min(set(snapshot.text.all_chunk_texts()[0])) > max(before), "ids are never reused"
    assert {Path(d.sources[0]).name for d in assistant.documents()} == {SEED_FILE.name, "extra.txt"}
    assert assistant.ingest([extra]).notices == [], "a rebuilt index is not rebuilt again"
