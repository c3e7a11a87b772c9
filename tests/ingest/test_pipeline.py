"""Incremental, atomic ingestion with broken files reported and skipped, on both stores (``backends``)
wherever the store keeps what an ingest changes; a killed ingest process on the embedded index alone
(tests/store/test_postgres_store.py kills one writing to PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from backends import Backend
from support import ROOT, SEED_FILE, make_docx, make_pdf

from assistant import Assistant

# Where each store fails halfway through a write, after the new rows are in its transaction: the
# embedded store writing the new segment's files, PostgreSQL writing the manifest as it commits.
INSIDE_A_WRITE = {
    "embedded": "assistant.store.bm25.Postings.save",
    "postgres": "assistant.store.postgres.write.set_meta",
}


def _chunk_texts(assistant: Assistant) -> list[str]:
    """Every live chunk's text, through the protocols both stores implement: an exact dense search for
    as many chunks as the index holds returns each of them."""
    view = assistant.view()
    ids, _ = view.dense.search(assistant.embedder.encode(["anything"])[0], k=len(view.dense))
    return [record.text for record in view.text.chunks(ids.tolist()).values()]


def test_every_format_is_indexed_and_answerable(store_backend, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "lighthouse.txt").write_text("The Kestrel Point lighthouse was built in 1871 by Ada Morrow.")
    (docs / "orchard.md").write_text("# Orchard\n\nThe orchard grows forty-two varieties of quince.")
    (docs / "canal.html").write_text("<html><body><p>The Velden canal is nine kilometres long.</p></body></html>")
    make_pdf(docs / "bridge.pdf", ["Intro page about rivers.", "The Harrow bridge has seven arches."])
    make_docx(docs / "choir.docx", "Choir", ["The village choir rehearses every Thursday evening."])
    assistant = store_backend.open(create=True)
    report = assistant.ingest([docs])
    assert report.files_read == 5 and not report.skipped
    assert {d.format for d in assistant.documents()} == {"text", "markdown", "html", "pdf", "docx"}

    answer = assistant.ask("How many arches does the Harrow bridge have?")
    assert answer.found and "seven arches" in answer.text
    assert answer.citations[0].source.endswith("bridge.pdf") and answer.citations[0].page == 2
    answer = assistant.ask("Who built the Kestrel Point lighthouse?")
    assert "Ada Morrow" in answer.text and answer.citations[0].source.endswith("lighthouse.txt")


def test_reingest_unchanged_computes_no_embeddings(fresh_seed_backend):
    assistant = fresh_seed_backend.open()
    before = assistant.info()["generation"]
    report = assistant.ingest([SEED_FILE.parent])
    assert report.files_unchanged == 1 and report.embeddings_computed == 0 and report.chunks_added == 0
    assert assistant.info()["generation"] == before


def test_changed_file_replaces_old_chunks_and_prune_removes_gone_files(store_backend, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    note = docs / "note.txt"
    note.write_text("The ferry to Orrin Island leaves at seven in the morning.")
    (docs / "other.txt").write_text("The museum is closed on Mondays.")
    assistant = store_backend.open(create=True)
    assistant.ingest([docs])

    note.write_text("The ferry to Orrin Island now leaves at nine in the morning.")
    report = assistant.ingest([docs])
    assert report.files_unchanged == 1 and report.documents_removed == 1 and report.chunks_removed >= 1
    texts = " ".join(_chunk_texts(assistant))
    assert "nine in the morning" in texts and "seven in the morning" not in texts

    (docs / "other.txt").unlink()
    assert assistant.ingest([docs]).documents_removed == 0, "without --prune, gone files stay"
    report = assistant.ingest([docs], prune=True)
    assert report.documents_removed == 1
    assert "museum" not in " ".join(_chunk_texts(assistant))
    assert [Path(s).name for d in assistant.documents() for s in d.sources] == ["note.txt"]


def test_duplicate_content_is_stored_once_with_both_names(store_backend, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Identical content about the granary roof.")
    (docs / "b.txt").write_text("Identical content about the granary roof.")
    assistant = store_backend.open(create=True)
    report = assistant.ingest([docs])
    assert report.documents_added == 1 and report.sources_added == 2
    (document,) = assistant.documents()
    assert sorted(Path(s).name for s in document.sources) == ["a.txt", "b.txt"]
    # Removing one name keeps the content for the other.
    assistant.remove(str(docs / "a.txt"))
    (document,) = assistant.documents()
    assert [Path(s).name for s in document.sources] == ["b.txt"]


def test_broken_files_are_skipped_and_the_rest_indexed(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("The observatory dome weighs twelve tonnes.")
    (docs / "empty.md").write_text("")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (docs / "image.png").write_bytes(b"\x89PNG")
    (docs / "drawing.bmp").write_bytes(b"BM")
    # The corpus's question set is neither a document nor a failure.
    (docs / "questions.jsonl").write_text('{"id": "q", "question": "How heavy?", "answers": []}\n')
    assistant = Assistant.open(tmp_path / "index", create=True)
    report = assistant.ingest([docs])
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.md", "broken.pdf", "binary.txt", "image.png", "drawing.bmp"}
    assert "empty" in reasons["empty.md"] and "unsupported" in reasons["drawing.bmp"]
    assert reasons["image.png"] == "not a PNG image that Pillow can open"
    assert report.files_read == 1
    assert "twelve tonnes" in assistant.ask("How heavy is the observatory dome?").text


def test_broken_new_version_keeps_the_old_one(store_backend, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    make_pdf(docs / "plan.pdf", ["The new library opens in March."])
    assistant = store_backend.open(create=True)
    assistant.ingest([docs])
    (docs / "plan.pdf").write_bytes(b"%PDF-1.7 truncated")
    report = assistant.ingest([docs])
    assert [Path(s.path).name for s in report.skipped] == ["plan.pdf"]
    assert "March" in assistant.ask("When does the new library open?").text


def test_failure_inside_a_write_leaves_the_old_generation(fresh_seed_backend, tmp_path, monkeypatch):
    assistant = fresh_seed_backend.open()
    before = assistant.info()
    files = _files(fresh_seed_backend)
    extra = tmp_path / "extra.txt"
    extra.write_text("A document that will never be committed.")

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(INSIDE_A_WRITE[fresh_seed_backend.name], explode)
    with pytest.raises(RuntimeError, match="disk full"):
        assistant.ingest([extra])
    assert assistant.info()["generation"] == before["generation"]
    assert _files(fresh_seed_backend) == files
    reopened = fresh_seed_backend.open()
    assert len(reopened.documents()) == 1 and reopened.info()["chunks"] == before["chunks"]
    assert "never be committed" not in " ".join(_chunk_texts(reopened))


def _files(backend: Backend) -> list[str]:
    """The embedded index's segment files (a failed write leaves none behind); a server keeps no files."""
    return sorted(p.name for p in (Path(backend.location) / "segments").iterdir()) if backend.name == "embedded" else []


# ``assistant ingest`` with its progress as plain lines ("done total") the test can act on.
_INGEST_REPORTING_PROGRESS = """
import sys
from pathlib import Path
from assistant import Assistant



def progress(done, total, name):
    print(done, total, flush=True)


Assistant.open(sys.argv[1]).ingest([Path(sys.argv[2])], progress=progress)
"""


def test_ingest_killed_midway_leaves_old_index_loadable(fresh_seed_index, tmp_path):
    docs = tmp_path / "many"
    docs.mkdir()
    sentences = SEED_FILE.read_text().split(". ")
    # 40 documents: the pipeline embeds and stores a batch every 17 or so of these, so by the halfway
    # kill at least one batch is in the writer's copy and the commit is still far off.
    for i in range(40):
        (docs / f"doc{i:03d}.txt").write_text(f"Report {i}. " + ". ".join(sentences[i % 10 :] + sentences[: i % 10]))
    before = Assistant.open(fresh_seed_index).info()["generation"]
    segments = sorted(p.name for p in (fresh_seed_index / "segments").iterdir())
    errors = tmp_path / "ingest.err"
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", _INGEST_REPORTING_PROGRESS, str(fresh_seed_index), str(docs)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    # Killed once half the files are through the pipeline (chunked, embedded and stored in the
    # writer's copy batch by batch), as its own progress calls say: mid-write, not before or after.
    progress: list[tuple[int, int]] = []
    halfway_or_ended = threading.Event()

    def watch_progress() -> None:
        for line in process.stdout:
            done, total = map(int, line.split())
            progress.append((done, total))
            if done >= total // 2:
                halfway_or_ended.set()
        halfway_or_ended.set()

    watcher = threading.Thread(target=watch_progress, daemon=True)
    watcher.start()
    assert halfway_or_ended.wait(timeout=300), f"no progress from the ingest: {progress[-3:]}"
    assert process.poll() is None, f"the ingest ended at {progress[-1:]}: {errors.read_text()[-2000:]}"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    watcher.join()

    assistant = Assistant.open(fresh_seed_index)
    assert assistant.info()["generation"] == before
    assert len(assistant.documents()) == 1
    assert assistant.ask("Who chairs the National Committee for Counter Trafficking?").found
    # The next ingest clears the dead writer's leftovers and works.
    report = assistant.ingest([docs.parent / "many" / "doc000.txt"])
    assert report.documents_added == 1
    after = sorted(p.name for p in (fresh_seed_index / "segments").iterdir())
    assert after[: len(segments)] == segments and len(after) == len(segments) + 1, "one new segment, no leftovers"
