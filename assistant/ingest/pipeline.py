"""One ingest run: discover files, skip what is unchanged, chunk and embed the rest, switch atomically.

    >>> report = Ingestor.of(settings, embedder).run([Path("seeds")], store)
    >>> report.chunks_added, report.skipped
    (4, [])

Each file is identified by the sha256 of its bytes: an unchanged file costs a hash, no parsing and no
embedding; a changed file replaces its old chunks; the same bytes under two names are stored once.
A file that cannot be read is reported in ``IngestReport.skipped`` and, if an older version of it is
indexed, that version stays.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..embedding import Embedder
from ..errors import DocumentNotFoundError
from ..settings import ChunkingSection, ReadingSection, Settings
from ..store.protocols import Merging, Store, StoreWriter
from ..store.textstore import TextStore
from ..types import Chunk, Document, IngestReport, SkippedFile
from .chunker import SentenceChunker
from .isolation import ReaderProcess
from .readers import READING_VERSION, OcrOptions, PageProgress, ReadLimits, UnreadableFile, is_supported
from .readers.limits import MB

ProgressCallback = Callable[[int, int, str], None]
"""Called as ``progress(done, total, current_file)`` while files are processed."""

# Flush parsed documents to the embedder in batches this large (texts), so long runs keep memory flat
# while the model still sees full batches.
_EMBED_FLUSH_TEXTS = 512

# The question set a corpus may ship beside its documents, in the evaluation format: not a document,
# so discovery leaves it out without calling it unsupported (assistant/eval/questions.py finds it).
CORPUS_QUESTIONS = "questions.jsonl"


def _entry(path: Path) -> Path:
    """The absolute path a file is indexed under: its folder resolved, its own name kept. A link is
    read through, but its own name says what it is (a link ``notes.txt`` to a file named ``notes`` is
    text), and two links to one file are two sources of one document."""
    return path.parent.resolve() / path.name


def _add(path: Path, found: dict[Path, None], skipped: list[SkippedFile]) -> None:
    if path.is_symlink() and not path.exists():
        skipped.append(SkippedFile(str(path), "broken link: its target does not exist"))
    elif not path.is_file():
        skipped.append(SkippedFile(str(path), "not a regular file"))
    elif is_supported(path):
        found[_entry(path)] = None
    elif path.name == CORPUS_QUESTIONS:
        return
    else:
        skipped.append(SkippedFile(str(path), f"unsupported file type {path.suffix or '(none)'}"))


def discover(paths: list[Path]) -> tuple[list[Path], list[SkippedFile]]:
    """Supported files under ``paths`` (folders recursively, hidden entries skipped), sorted, unique,
    and every path left out with the reason: unsupported, unreadable folders, broken links, and links
    to folders (not followed, so a link loop cannot make a walk endless)."""
    found: dict[Path, None] = {}
    skipped: list[SkippedFile] = []

    def unreadable(error: OSError) -> None:
        skipped.append(SkippedFile(str(error.filename), f"cannot read folder: {error.strerror or error}"))

    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists() and not path.is_symlink():
            skipped.append(SkippedFile(str(path), "no such file or folder"))
        elif path.is_dir():
            for folder, dirs, files in os.walk(path, onerror=unreadable):
                here = Path(folder)
                for name in sorted(dirs):
                    if not name.startswith(".") and (here / name).is_symlink():
                        skipped.append(SkippedFile(str(here / name), "link to a folder: not followed"))
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
                for name in sorted(files):
                    if not name.startswith("."):
                        _add(here / name, found, skipped)
        else:
            _add(path, found, skipped)
    return sorted(found), skipped


@dataclass
class _Pending:
    document: Document
    chunks: list[Chunk]


class Ingestor:
    def __init__(
        self, chunking: ChunkingSection, reading: ReadingSection, embedder: Embedder, batch_size: int = 32
    ) -> None:
        self.chunking = chunking
        self.reading = reading
        self.embedder = embedder
        self.batch_size = batch_size
        self.chunker = SentenceChunker(embedder, chunking.chunk_tokens, chunking.overlap_tokens)
        self.limits = ReadLimits(
            max_document_chars=reading.max_document_chars,
            max_unzipped_bytes=int(reading.max_unzipped_mb * MB),
            max_zip_ratio=reading.max_zip_ratio,
        )
        self.ocr = OcrOptions(
            enabled=reading.ocr_enabled,
            languages=reading.ocr_languages,
            dpi=reading.ocr_dpi,
            page_timeout_s=reading.ocr_page_timeout_s,
            max_pages=reading.ocr_max_pages,
            low_confidence=reading.ocr_low_confidence,
        )

    @classmethod
    def of(cls, settings: Settings, embedder: Embedder) -> Ingestor:
        return cls(settings.chunking, settings.reading, embedder, settings.embedding_batch_size)

    @property
    def chunker_settings(self) -> dict:
        return {
            "kind": "sentence",
            "chunk_tokens": self.chunking.chunk_tokens,
            "overlap_tokens": self.chunking.overlap_tokens,
            "tokenizer": self.embedder.identity.name,
            "reading": READING_VERSION,
        }

    def run(
        self,
        paths: list[Path],
        store: Store,
        prune: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        started = time.perf_counter()
        files, skipped = discover(paths)
        report = IngestReport(files_seen=len(files) + len(skipped), skipped=skipped)
        reader = ReaderProcess(self.limits, self.reading.read_timeout_s, self.reading.max_read_memory_mb, self.ocr)
        with reader, store.writer(self.chunker_settings) as writer:
            if writer.rebuild_reason:
                files = self._with_stale_sources(files, writer, report)
            pending: list[_Pending] = []
            pending_texts = 0
            new_sources: list[tuple[str, str]] = []
            planned: set[str] = set()
            for done, path in enumerate(files):
                if progress:
                    progress(done, len(files), path.name)
                try:
                    size = path.stat().st_size
                    if size > self.reading.max_file_mb * MB:
                        report.skipped.append(
                            SkippedFile(
                                str(path),
                                f"{size / MB:,.1f} MB, over the {self.reading.max_file_mb:g} MB limit (max_file_mb)",
                            )
                        )
                        continue
                    data = path.read_bytes()
                except OSError as exc:
                    report.skipped.append(SkippedFile(str(path), f"cannot read: {exc.strerror or exc}"))
                    continue
                doc_id = hashlib.sha256(data).hexdigest()
                if writer.doc_for_source(str(path)) == doc_id:
                    report.files_unchanged += 1
                    continue
                if doc_id not in planned and not writer.has_document(doc_id):
                    try:
                        document = reader.read(path, data, doc_id, self._page_progress(progress, done, files))
                        chunks = self.chunker.chunk(document)
                    except UnreadableFile as exc:
                        report.skipped.append(SkippedFile(str(path), str(exc)))
                        continue
                    report.notices.extend(f"{path}: {notice}" for notice in document.notices)
                    pending.append(_Pending(document, chunks))
                    pending_texts += len(chunks) + sum(len(c.sentences) for c in chunks)
                    planned.add(doc_id)
                report.files_read += 1
                new_sources.append((str(path), doc_id))
                if pending_texts >= _EMBED_FLUSH_TEXTS:
                    self._store(writer, pending, report)
                    pending, pending_texts = [], 0
            self._store(writer, pending, report)
            for source, doc_id in new_sources:
                self._drop_source(writer, source, report)
                writer.add_source(source, doc_id)
                report.sources_added += 1
            if prune:
                for source in writer.sources():
                    if not Path(source).exists():
                        self._drop_source(writer, source, report)
            if progress:
                progress(len(files), len(files), "writing index")
            if report.changed:
                writer.commit()
        # The new documents are searchable from here; a merge that is due runs after, and is timed apart.
        report.seconds = time.perf_counter() - started
        if report.changed and isinstance(store, Merging):
            for merged in store.merge():
                report.segments_merged += len(merged.replaced)
                report.merge_seconds += merged.seconds
                report.notices.append(
                    f"merged {len(merged.replaced)} index segments into {merged.segment} "
                    f"({merged.chunks:,} chunks, {merged.kind}) in {merged.seconds:.1f} s"
                )
        return report

    def remove(self, target: str, store: Store) -> IngestReport:
        """Remove a document by id (or unique id prefix) or by one of its file paths."""
        started = time.perf_counter()
        report = IngestReport()
        with store.writer(self.chunker_settings, rebuild_stale=False) as writer:
            resolved = str(Path(target).expanduser().resolve())
            by_path = next((p for p in (target, resolved) if writer.doc_for_source(p) is not None), None)
            if by_path is not None:
                self._drop_source(writer, by_path, report)
            else:
                sources = writer.sources()
                matches = {d for d in sources.values() if d.startswith(target)} if len(target) >= 8 else set()
                if len(matches) != 1:
                    raise DocumentNotFoundError(
                        f"No indexed document has the id or path {target!r}"
                        + (" (the id prefix is ambiguous)" if len(matches) > 1 else "")
                    )
                doc_id = matches.pop()
                for path, owner in sources.items():
                    if owner == doc_id:
                        self._drop_source(writer, path, report)
            writer.commit()
        report.seconds = time.perf_counter() - started
        return report

    @staticmethod
    def _page_progress(progress: ProgressCallback | None, done: int, files: list[Path]) -> PageProgress | None:
        """Progress within a long scan, as the current file's name with the page OCR is on."""
        if progress is None:
            return None
        name = files[done].name
        return lambda page, pages: progress(done, len(files), f"{name} (OCR, page {page + 1} of {pages})")

    @staticmethod
    def _with_stale_sources(files: list[Path], writer: StoreWriter, report: IngestReport) -> list[Path]:
        """Add the stale index's own files to this run, so the rebuilt index loses none of them."""
        kept = [Path(p) for p in writer.stale_sources if Path(p).is_file() and is_supported(Path(p))]
        missing = len(writer.stale_sources) - len(kept)
        report.notices.append(
            f"Rebuilding the index: {writer.rebuild_reason}; re-reading its {len(kept)} file(s)"
            + (f" ({missing} no longer exist and are dropped)." if missing else ".")
        )
        report.files_seen += len(set(kept) - set(files))
        return sorted(set(files) | set(kept))

    def _drop_source(self, writer: StoreWriter, path: str, report: IngestReport) -> None:
        if writer.doc_for_source(path) is None:
            return
        orphan = writer.remove_source(path)
        report.sources_removed += 1
        if orphan is not None:
            removed = writer.remove_document(orphan)
            report.chunks_removed += len(removed)
            report.documents_removed += 1

    def _store(self, writer: StoreWriter, pending: list[_Pending], report: IngestReport) -> None:
        """Embed chunks and their distinct sentences in one batch, then add them to the writer's copy."""
        if not pending:
            return
        texts: list[str] = []
        layout: list[tuple[int, int]] = []
        for item in pending:
            sentences = TextStore.distinct_sentences(item.chunks)
            layout.append((len(item.chunks), len(sentences)))
            texts.extend(c.embedding_text for c in item.chunks)
            texts.extend(item.document.text[s.start : s.end] for s in sentences)
        vectors = self.embedder.encode(texts, batch_size=self.batch_size)
        report.embeddings_computed += len(texts)
        offset = 0
        for item, (n_chunks, n_sentences) in zip(pending, layout):
            chunk_vectors = vectors[offset : offset + n_chunks]
            sentence_vectors = vectors[offset + n_chunks : offset + n_chunks + n_sentences]
            offset += n_chunks + n_sentences
            writer.add_document(item.document, item.chunks, chunk_vectors, sentence_vectors)
            report.documents_added += 1
            report.chunks_added += n_chunks
