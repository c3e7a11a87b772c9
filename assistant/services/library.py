"""The index service: what is indexed, and changing it.

    >>> library = Library(settings, embedder)
    >>> report = library.ingest([Path("docs")])
    >>> [d.title for d in library.documents()]

It keeps the live generation open for questions and reopens it when an ingest in any process has
switched it; ``restored`` says when opening found the live generation damaged and made the earlier
one live again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..embedding import Embedder
from ..errors import DocumentNotFoundError, IndexNotFoundError, IngestError
from ..ingest.isolation import ingest_in_child
from ..ingest.pipeline import Ingestor, ProgressCallback
from ..settings import Settings
from ..store.index import IndexDirectory, Restored, Snapshot
from ..types import Document, DocumentInfo, IngestReport


class Library:
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.directory = IndexDirectory(settings.index_dir)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self.restored: Restored | None = None

    def snapshot(self) -> Snapshot:
        """The live generation, reopened when an ingest (in any process) has switched it."""
        current = self.directory.current()
        snap = self._snapshot
        if snap is not None and snap.name == current:
            return snap
        with self._lock:
            if self._snapshot is None or self._snapshot.name != self.directory.current():
                self._snapshot = self.directory.open(self.embedder.identity)
                self.restored = self._snapshot.restored or self.restored
            return self._snapshot

    def ingest(
        self,
        paths: Sequence[str | Path],
        prune: bool = False,
        progress: ProgressCallback | None = None,
        background: bool = False,
    ) -> IngestReport:
        """Add or update files and folders; unchanged files cost only a hash. See ``Ingestor.run``.

        ``background=True`` runs it in a child process at low CPU priority, with the same result: a
        server does so, so that one user's upload does not slow the questions of others.
        """
        targets = [Path(p) for p in paths]
        if background:
            report = ingest_in_child(self.settings, targets, prune, progress)
        else:
            report = Ingestor.of(self.settings, self.embedder).run(targets, self.directory, prune, progress)
        if self.directory.exists():
            self.snapshot()
        return report

    def reindex(
        self, also: Sequence[str | Path] = (), progress: ProgressCallback | None = None, background: bool = False
    ) -> IngestReport:
        """Re-read every indexed file, and the files and folders in ``also`` (an upload folder); files
        gone from disk are dropped. Raises ``IngestError`` when there is nothing to re-read."""
        paths = {Path(s) for d in self.documents() for s in d.sources} | {Path(p) for p in also}
        existing = sorted(p for p in paths if p.exists())
        if not existing:
            raise IngestError("Nothing to re-index: no indexed file or given folder exists.")
        return self.ingest(existing, prune=True, progress=progress, background=background)

    def remove(self, target: str, delete_from: str | Path | None = None) -> IngestReport:
        """Remove a document by id (or unique id prefix) or by its file path. Its files that lie
        directly in ``delete_from`` (an upload folder) are deleted too, so a re-index keeps it gone."""
        if not self.directory.exists():
            raise IndexNotFoundError(f"No index at {self.directory.root}; nothing to remove.")
        # Known before removing; by id, every file of the document; by path, that file.
        by_id = (
            [s for d in self.documents() if len(target) >= 8 and d.doc_id.startswith(target) for s in d.sources]
            if delete_from is not None
            else []
        )
        report = Ingestor.of(self.settings, self.embedder).remove(target, self.directory)
        self.snapshot()
        if delete_from is not None:
            folder = Path(delete_from).resolve()
            for source in by_id or [target]:
                path = Path(source).resolve()
                if path.parent == folder:
                    path.unlink(missing_ok=True)
        return report

    def documents(self) -> list[DocumentInfo]:
        if not self.directory.exists():
            return []
        return self.snapshot().text.documents()

    def document(self, doc_id: str) -> Document | None:
        return self.snapshot().text.document(doc_id) if self.directory.exists() else None

    def document_text(self, doc_id: str) -> str:
        document = self.document(doc_id)
        if document is None:
            raise DocumentNotFoundError(f"No indexed document has the id {doc_id!r}")
        return document.text

    def info(self) -> dict[str, Any]:
        """Counts, model and size of the live index (for ``assistant info``)."""
        snap = self.snapshot()
        manifest = snap.manifest
        return {
            "index_dir": str(self.directory.root),
            "generation": snap.name,
            "restored": self.restored.message() if self.restored else None,
            "documents": manifest.counts.get("documents", 0),
            "sources": manifest.counts.get("sources", 0),
            "chunks": manifest.counts.get("chunks", 0),
            "sentences": manifest.counts.get("sentences", 0),
            "embedding_model": manifest.embedding,
            "chunker": manifest.chunker,
            "format_version": manifest.format_version,
            "size_bytes": self.directory.size_bytes(),
            "updated_at": manifest.updated_at,
        }
