"""The Documents tab's handlers, called as Gradio calls them: re-index and remove go through
``Assistant.reindex`` / ``Assistant.remove`` and report what happened in the status line."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.types import UploadLimits
from ui.documents import DocumentHandlers


def no_progress(*args, **kwargs) -> None:
    pass


@pytest.fixture
def handlers(fresh_seed_index: Path, tmp_path: Path) -> DocumentHandlers:
    upload_dir = tmp_path / "uploads"
    upload_dir.mkdir()
    return DocumentHandlers(Assistant.open(fresh_seed_index), upload_dir, UploadLimits(), background=False)


def _documents_from(h: DocumentHandlers, folder: Path) -> list:
    return [d for d in h.assistant.documents() if any(Path(s).parent == folder.resolve() for s in d.sources)]


def test_reindex_reads_the_upload_folder_and_drops_files_gone_from_disk(handlers: DocumentHandlers):
    note = handlers.upload_dir / "zorblax.txt"
    note.write_text("The Zorblax festival is held every spring in the old harbour.\n", encoding="utf-8")
    status, *_ = handlers.reindex(progress=no_progress)
    assert "Re-indexed: 1 changed" in status and "0 removed" in status
    assert len(_documents_from(handlers, handlers.upload_dir)) == 1

    note.unlink()
    status, *_ = handlers.reindex(progress=no_progress)
    assert "0 changed" in status and "1 removed" in status
    assert _documents_from(handlers, handlers.upload_dir) == []


def test_remove_deletes_the_uploaded_file_so_a_reindex_keeps_it_gone(handlers: DocumentHandlers):
    note = handlers.upload_dir / "zorblax.txt"
    note.write_text("The Zorblax festival is held every spring in the old harbour.\n", encoding="utf-8")
    handlers.reindex(progress=no_progress)
    (doc,) = _documents_from(handlers, handlers.upload_dir)

    status, *_ = handlers.remove_document(doc.doc_id)
    assert status == f"Removed **{doc.title}**."
    assert not note.exists()
    handlers.reindex(progress=no_progress)
    assert _documents_from(handlers, handlers.upload_dir) == []


def test_nothing_to_reindex_is_a_message(tmp_path: Path):
    source = tmp_path / "gone.txt"
    source.write_text("A document whose file is deleted after it was indexed.\n", encoding="utf-8")
    assistant = Assistant.open(tmp_path / "index", create=True)
    assistant.ingest([source])
    source.unlink()
    h = DocumentHandlers(assistant, tmp_path / "no-uploads", UploadLimits(), background=False)
    status, *_ = h.reindex(progress=no_progress)
    assert status.startswith(r"Nothing to re\-index")  # Markdown-escaped, as every status line
