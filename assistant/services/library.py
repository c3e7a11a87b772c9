"""The index service: what is indexed, and changing it.

    >>> library = Library(settings, embedder)
    >>> report = library.ingest([Path("docs")])
    >>> [d.title for d in library.documents()]

Questions read the index in views (``reading``): each sees one whole generation, and the next one
sees what an ingest in any process has committed since. ``repaired`` says when opening found a
segment's files damaged and rebuilt them from the index database.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..embedding import Embedder
from ..errors import DocumentNotFoundError, IndexNotFoundError, IngestError
from ..ingest.isolation import ingest_in_child
from ..ingest.pipeline import Ingestor, ProgressCallback
from ..settings import Settings
from ..store.factory import open_store
from ..store.index import Repaired
from ..store.protocols import IndexView, Store
from ..types import ChunkInfo, Document, DocumentInfo, IngestReport
from .names import resolve_documents


class Library:
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store: Store = open_store(settings.storage, embedder.identity)

    @property
    def repaired(self) -> Repaired | None:
        return self.store.repaired

    def reading(self) -> AbstractContextManager[IndexView]:
        """The live generation for the length of a ``with`` block, whatever is committed meanwhile."""
        return self.store.reading()

    def view(self) -> IndexView:
        """The live generation; each call on it reads what is committed by then (``reading`` for one
        consistent generation)."""
        return self.store.view()

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
            report = Ingestor.of(self.settings, self.embedder).run(targets, self.store, prune, progress)
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
        if not self.store.exists():
            raise IndexNotFoundError(f"No index at {self.store.where}; nothing to remove.")
        # Known before removing; by id, every file of the document; by path, that file.
        by_id = (
            [s for d in self.documents() if len(target) >= 8 and d.doc_id.startswith(target) for s in d.sources]
            if delete_from is not None
            else []
        )
        report = Ingestor.of(self.settings, self.embedder).remove(target, self.store)
        if delete_from is not None:
            folder = Path(delete_from).resolve()
            for source in by_id or [target]:
                path = Path(source).resolve()
                if path.parent == folder:
                    path.unlink(missing_ok=True)
        return report

    def compact(self) -> dict[str, Any]:
        """Merge the index's segments into one and drop removed chunks for good (see ``EmbeddedStore``)."""
        self.store.compact()
        return self.info()

    def documents(self) -> list[DocumentInfo]:
        if not self.store.exists():
            return []
        with self.reading() as view:
            return view.text.documents()

    def resolve_documents(self, names: Sequence[str]) -> list[str]:
        """The ids of the documents named by id, id prefix, title, file or folder path (``names``)."""
        return resolve_documents(self.documents(), names)

    def document(self, doc_id: str) -> Document | None:
        if not self.store.exists():
            return None
        with self.reading() as view:
            return view.text.document(doc_id)

    def chunks(self, doc_id: str) -> list[ChunkInfo]:
        """The document's chunks in document order (none for an unknown id)."""
        if not self.store.exists():
            return []
        with self.reading() as view:
            records = view.text.document_chunks(doc_id)
        return [ChunkInfo(r.chunk_id, r.text, r.start, r.end, r.page, r.heading) for r in records]

    def document_text(self, doc_id: str) -> str:
        document = self.document(doc_id)
        if document is None:
            raise DocumentNotFoundError(f"No indexed document has the id {doc_id!r}")
        return document.text

    def info(self) -> dict[str, Any]:
        """Counts, model, segments and size of the live index (for ``assistant info``)."""
        manifest = self.view().manifest
        return {
            "index_dir": self.store.where,
            "generation": manifest.name,
            "repaired": self.repaired.message() if self.repaired else None,
            "documents": manifest.counts.get("documents", 0),
            "sources": manifest.counts.get("sources", 0),
            "chunks": manifest.counts.get("chunks", 0),
            "sentences": manifest.counts.get("sentences", 0),
            "segments": manifest.segments,
            "embedding_model": manifest.embedding,
            "chunker": manifest.chunker,
            "format_version": manifest.format_version,
            "size_bytes": self.store.size_bytes(),
            "updated_at": manifest.updated_at,
        }
