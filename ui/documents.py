"""The documents tab's event handlers: list, upload and index, remove, re-index.

Uploads go through the same core checks as the HTTP API (``Assistant.store_uploads``), then are
indexed in a child process at low priority unless the app is configured otherwise.

Usage::

    h = DocumentHandlers(assistant, upload_dir=Path("uploads"), limits=UploadLimits(), background=True)
    status, table, choices, scope, upload = h.add_files(["/tmp/report.pdf"])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant import Assistant, AssistantError
from assistant.types import DocumentInfo, IngestReport, UploadLimits

from .render import md_esc

DOC_HEADERS = ["Name", "File", "Format", "Pages", "Chunks", "Added", "ID"]


def _file_names(doc: DocumentInfo) -> str:
    return ", ".join(Path(s).name for s in doc.sources)


def _when(iso: str) -> str:
    """``2026-11-26T00:42:35+00:00`` -> ``2026-11-26 00:42``."""
    return iso.replace("T", " ")[:16]


def scope_choices(docs: list[DocumentInfo]) -> list[tuple[str, str]]:
    """The chat's "search in" choices: each document by title, with its file when titles repeat."""
    titles = [d.title for d in docs]
    return [(f"{d.title} ({_file_names(d)})" if titles.count(d.title) > 1 else d.title, d.doc_id) for d in docs]


class DocumentHandlers:
    """The handlers, bound to one shared ``Assistant``; every write runs one at a time (the app's
    ``index-writes`` queue)."""

    def __init__(self, assistant: Assistant, upload_dir: Path, limits: UploadLimits, background: bool) -> None:
        self.assistant = assistant
        self.upload_dir = upload_dir
        self.limits = limits
        self.background = background

    def document_rows(self) -> tuple[Any, Any, Any]:
        """The documents table, the remove dropdown's choices and the chat's scope choices (a scope
        keeps the documents still indexed)."""
        docs = self.assistant.documents()
        rows = [[d.title, _file_names(d), d.format, d.pages, d.chunks, _when(d.added_at), d.doc_id[:12]] for d in docs]
        choices = [(f"{d.title} — {_file_names(d)} ({d.doc_id[:8]})", d.doc_id) for d in docs]
        scope = gr.update(choices=scope_choices(docs))
        return gr.update(value=rows or None), gr.update(choices=choices, value=None), scope

    def _progress_callback(self, progress: gr.Progress):
        def report(done: int, total: int, current: str) -> None:
            progress((done, max(total, 1)), desc=f"Indexing {current}", unit="files")

        return report

    def add_files(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Store the uploads safely, index them, and report what went in and what did not."""
        if not files:
            return ("Choose one or more files first.", *self.document_rows(), gr.skip())
        stored = self.assistant.store_uploads(files, upload_dir=self.upload_dir, limits=self.limits)
        lines = [f"- **{md_esc(r.name)}**: {md_esc(r.reason)}" for r in stored.rejected]
        report: IngestReport | None = None
        if stored.accepted:
            try:
                report = self.assistant.ingest_uploads(
                    stored, progress=self._progress_callback(progress), background=self.background
                )
            except AssistantError as exc:
                lines.append(f"- {md_esc(str(exc))}")
        if report is not None:
            for skipped in report.skipped:
                lines.append(f"- **{md_esc(Path(skipped.path).name)}**: {md_esc(skipped.reason)}")
        added = report.files_read if report else 0
        summary = f"Indexed {added} file(s)"
        if report is not None and report.files_unchanged:
            summary += f", {report.files_unchanged} already indexed"
        if lines:
            summary += ". Not indexed:\n" + "\n".join(lines)
        else:
            summary += "."
        indexed = {p.name for p in stored.accepted} - {Path(s.path).name for s in report.skipped} if report else set()
        kept_apart = [r for r in stored.renamed if r.stored_as in indexed]
        if kept_apart:
            summary += "\n\nKept apart from a different file of the same name already uploaded:\n" + "\n".join(
                f"- **{md_esc(r.name)}** is stored as **{md_esc(r.stored_as)}** (to replace the old one, "
                "remove it, then upload this again)"
                for r in kept_apart
            )
        if report is not None and report.notices:
            summary = "\n".join(md_esc(n) for n in report.notices) + "\n\n" + summary
        return (summary, *self.document_rows(), None)

    def remove_document(self, doc_id: str | None) -> tuple[Any, ...]:
        """Remove a document from the index, and its uploaded file so re-indexing keeps it gone."""
        if not doc_id:
            return ("Choose a document to remove.", *self.document_rows())
        info = next((d for d in self.assistant.documents() if d.doc_id == doc_id), None)
        try:
            self.assistant.remove(doc_id, delete_from=self.upload_dir)
        except AssistantError as exc:
            return (md_esc(str(exc)), *self.document_rows())
        name = info.title if info else doc_id[:12]
        return (f"Removed **{md_esc(name)}**.", *self.document_rows())

    def reindex(self, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Re-read every indexed file and the upload folder; files gone from disk are dropped."""
        try:
            report = self.assistant.reindex(
                also=[self.upload_dir] if self.upload_dir.is_dir() else [],
                progress=self._progress_callback(progress),
                background=self.background,
            )
        except AssistantError as exc:
            return (md_esc(str(exc)), *self.document_rows())
        notices = "".join(f"{md_esc(n)}\n\n" for n in report.notices)
        return (
            f"{notices}Re-indexed: {report.files_read} changed, {report.files_unchanged} unchanged, "
            f"{report.sources_removed} removed.",
            *self.document_rows(),
        )
