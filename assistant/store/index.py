"""The on-disk index: immutable generations switched atomically, with a manifest and a writer lock.

Layout of an index directory::

    CURRENT            name of the live generation (replaced with os.replace, so always whole)
    gen-000007/        manifest.json, chunks.sqlite, vectors.faiss, bm25/, sentence_*.npy
    .lock              held by the one writer

A writer copies the live generation into a temporary folder, changes the copy, then renames it and
switches ``CURRENT``. A crash at any point leaves the old generation live and readable; readers that
opened a generation keep using it until they look again.

The generation that was live before the last write is kept beside the live one. When the live
generation turns out to be damaged (a disk error, a truncated copy), opening the index or starting a
writer makes the newest intact earlier generation live again and moves the damaged folder aside as
``gen-NNNNNN.damaged-<time>``; ``snapshot.restored`` (or ``writer.restored``) says so, for the user.

    >>> index = IndexDirectory(Path("index"))
    >>> with index.writer(identity, chunker) as w:
    ...     w.text.add_source(...); w.commit()
    >>> snapshot = index.open(identity)
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..embedding import EmbeddingIdentity
from ..errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError
from .bm25 import BM25Index, analyzer
from .sentences import SentenceIndex
from .textstore import TextStore
from .vectors import FaissVectorStore, VectorStore

FORMAT_VERSION = 2
# Format 1 (no heading column, line-based reading) is still opened for questions; the next ingest
# rebuilds it from its source files.
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
_GENERATION = re.compile(r"gen-(\d{6,})")
# Generations and the folders of writers that crashed; never ``.damaged-`` folders, kept for a person.
_SWEPT = re.compile(r"gen-\d{6,}(\.tmp-\d+)?")
_DAMAGED = re.compile(r"gen-(\d{6,})\.damaged-")

log = logging.getLogger(__name__)


@dataclass
class Manifest:
    format_version: int
    embedding: dict
    chunker: dict
    generation: int
    created_at: str
    updated_at: str
    counts: dict = field(default_factory=dict)
    # Older indexes lack it; they are treated as built by a different analyzer.
    sparse: dict = field(default_factory=dict)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        try:
            return cls(**json.loads((directory / MANIFEST).read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise IndexCorruptError(f"Cannot read the index manifest in {directory}: {exc}") from exc

    def write(self, directory: Path) -> None:
        _write_durably(directory / MANIFEST, json.dumps(asdict(self), indent=2))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_durably(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_compatible(manifest: Manifest, identity: EmbeddingIdentity, where: Path, rebuilding: bool = False) -> None:
    """Refuse an index built by another embedding model or format: its vectors would be meaningless.
    A writer that will rebuild the index (``rebuilding``) accepts one built by the other backend of
    the same model: the rebuild re-embeds everything (see ``stale_reason``)."""
    if manifest.format_version not in READABLE_VERSIONS:
        raise IndexMismatchError(
            f"The index at {where} has format version {manifest.format_version}; this version of the "
            f"assistant reads version {FORMAT_VERSION}. Re-index your documents into a new directory "
            "(assistant ingest PATH --index NEW_DIR)."
        )
    built = EmbeddingIdentity(**manifest.embedding)
    if (built.name, built.dimension, built.normalized) != (identity.name, identity.dimension, identity.normalized):
        raise IndexMismatchError(
            f"The index at {where} was built with the embedding model {built.name!r} "
            f"({built.dimension} dimensions), but the assistant is configured with {identity.name!r} "
            f"({identity.dimension} dimensions). Re-index with the configured model "
            "(assistant ingest PATH --index NEW_DIR), or set ASSISTANT_EMBEDDING_MODEL_NAME/_PATH "
            "back to the model the index was built with."
        )
    if built.backend != identity.backend:
        if rebuilding:
            return
        raise IndexMismatchError(
            f"The index at {where} was built with the {built.backend} embedding backend, and the assistant "
            f"is configured with {identity.backend}: their vectors differ slightly and must not be mixed. "
            f"Rebuild it with `assistant ingest PATH --index {where}` (it re-reads its own files), or set "
            f"ASSISTANT_EMBEDDING_BACKEND={built.backend}."
        )
    if built.weights_sha256 and built.weights_sha256 != identity.weights_sha256:
        raise IndexMismatchError(
            f"The index at {where} was built with other weights of {built.name!r} than the model "
            f"configured now (weights sha256 {built.weights_sha256[:12]} vs {identity.weights_sha256[:12]}); "
            "its vectors cannot be compared with this model's. Re-index into a new directory "
            "(assistant ingest PATH --index NEW_DIR), or point ASSISTANT_EMBEDDING_MODEL_PATH back to "
            "the model the index was built with."
        )


@dataclass(frozen=True)
class Restored:
    """The live generation was damaged, so the newest intact earlier one was made live again.

    >>> snapshot = index.open(identity)
    >>> if snapshot.restored:
    ...     print(snapshot.restored.message())
    """

    root: Path
    damaged: str
    reason: str
    restored: str
    updated_at: str  # of the restored generation: what was written after it is not in it
    moved_to: Path | None  # None when the damaged generation's folder was already gone

    def message(self) -> str:
        kept = f"its folder was kept as {self.moved_to}" if self.moved_to else "its folder was missing"
        return (
            f"The index generation {self.damaged} at {self.root} was damaged ({self.reason}); {kept}. "
            f"The earlier generation {self.restored}, written {self.updated_at}, is live again. "
            f"Documents added or changed since then must be ingested again "
            f"(assistant ingest PATH --index {self.root}); documents removed since then are back."
        )


class Snapshot:
    """One generation opened for reading: vectors and BM25 in memory, text in SQLite (read-only).

    ``restored`` is set on the snapshot whose opening replaced a damaged live generation.
    """

    def __init__(self, directory: Path, manifest: Manifest) -> None:
        self.directory = directory
        self.manifest = manifest
        self.restored: Restored | None = None
        try:
            self.text = TextStore.open(directory, read_only=True)
            self.text.check()
            self.vectors = FaissVectorStore.load(directory)
            if manifest.sparse == analyzer():
                self.bm25 = BM25Index.load(directory)
            else:
                # Stop words or stemming changed since this index was written: its BM25 terms would
                # no longer match the query's. Rebuilding from the stored text takes about a second
                # per 10k chunks, and the next ingest persists it.
                self.bm25 = BM25Index.build(*self.text.all_chunk_texts())
            sentences = SentenceIndex.load(directory)
            if sentences is None:
                # Generations written before sentence retrieval: build it from the stored vectors.
                sentences = SentenceIndex.build(*self.text.chunk_sentence_vectors(self.vectors.dimension))
            self.sentences = sentences
        except (OSError, RuntimeError, ValueError, sqlite3.Error) as exc:
            raise damaged(directory.parent, exc) from exc

    @property
    def name(self) -> str:
        return self.directory.name


def stale_reason(manifest: Manifest, chunker: dict, identity: EmbeddingIdentity) -> str | None:
    """Why an index must be rebuilt before it can take new documents, or None if it need not be.

    Mixing chunks cut by two different readers, or vectors of two backends, would make answers depend
    on when a file was added.
    """
    built = EmbeddingIdentity(**manifest.embedding)
    if built.backend != identity.backend:
        return f"the embedding backend changed ({built.backend} to {identity.backend})"
    if manifest.format_version != FORMAT_VERSION:
        return (
            f"the index was written in format {manifest.format_version} and this version writes format "
            f"{FORMAT_VERSION} (documents are now read as paragraphs and sentences, with headings)"
        )
    if manifest.chunker != chunker:
        changed = sorted(k for k in {*manifest.chunker, *chunker} if manifest.chunker.get(k) != chunker.get(k))
        return f"the reading and chunking settings changed ({', '.join(changed)})"
    return None


class Writer:
    """A private copy of the live generation; ``commit`` makes it live, leaving it discards it.

    ``rebuild_reason`` is set when the live generation was stale (see ``stale_reason``): the writer
    then starts empty, and ``stale_sources`` lists the files the old generation held, to re-read.
    ``restored`` is set when the live generation was damaged and an earlier one was restored first.
    """

    def __init__(self, root: Path, workdir: Path, manifest: Manifest, text: TextStore, vectors: VectorStore):
        self.root = root
        self.workdir = workdir
        self.manifest = manifest
        self.text = text
        self.vectors = vectors
        self.committed = False
        self.rebuild_reason: str | None = None
        self.stale_sources: list[str] = []
        self.restored: Restored | None = None

    def commit(self) -> str:
        """Write everything, rename the folder into place, then switch CURRENT; returns the generation."""
        BM25Index.build(*self.text.all_chunk_texts()).save(self.workdir)
        self.manifest.sparse = analyzer()
        SentenceIndex.build(*self.text.chunk_sentence_vectors(self.vectors.dimension)).save(self.workdir)
        self.text.commit()
        self.manifest.counts = self.text.counts()
        self.text.close()
        self.vectors.save(self.workdir)
        self.manifest.updated_at = _now()
        self.manifest.write(self.workdir)
        name = f"gen-{self.manifest.generation:06d}"
        final = self.root / name
        os.replace(self.workdir, final)
        _fsync_dir(self.root)
        _write_durably(self.root / CURRENT, name + "\n")
        _fsync_dir(self.root)
        self.committed = True
        return name


def damaged(root: Path, exc: Exception) -> IndexCorruptError:
    """The error for an index whose files cannot be read, with the way out."""
    return IndexCorruptError(
        f"The index at {root} is damaged ({exc}). Nothing in your documents is lost: move that folder "
        f"away and rebuild it with `assistant ingest PATH --index {root}` from your folders.",
        reason=str(exc),
    )


class IndexDirectory:
    def __init__(self, root: Path, lock_timeout: float = 120.0) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise IndexNotFoundError(f"The index path {self.root} is a file, not a folder; choose a folder.")
        self.lock_timeout = lock_timeout

    def exists(self) -> bool:
        return (self.root / CURRENT).is_file()

    def current(self) -> str | None:
        try:
            return (self.root / CURRENT).read_text().strip() or None
        except FileNotFoundError:
            return None

    def open(self, identity: EmbeddingIdentity) -> Snapshot:
        """The live generation, or, when it is damaged, the restored earlier one (see ``Restored``)."""
        name = self.current()
        if name is None:
            raise IndexNotFoundError(
                f"No index at {self.root}. Build one with: assistant ingest PATH --index {self.root}"
            )
        try:
            return self._open(name, identity)
        except IndexCorruptError as exc:
            damage = exc
        try:
            with self._lock():
                if self.current() == name:
                    return self._restore(name, damage, identity)
        except OSError:
            # A folder this process may not write to, or a failing disk, cannot be repaired here.
            raise damage from None
        # Another process restored or committed a generation while this one waited for the lock.
        return self.open(identity)

    def _open(self, name: str, identity: EmbeddingIdentity) -> Snapshot:
        directory = self.root / name
        manifest = Manifest.read(directory)
        check_compatible(manifest, identity, self.root)
        return Snapshot(directory, manifest)

    def _restore(self, name: str, damage: IndexCorruptError, identity: EmbeddingIdentity) -> Snapshot:
        """Make the newest intact generation older than the damaged live ``name`` live, and return it
        opened; raise ``damage`` when there is none. The caller holds the lock and has seen ``CURRENT``
        still name ``name``."""
        match = _GENERATION.fullmatch(name)
        number = int(match[1]) if match else -1
        older = sorted(
            (int(m[1]), m[0])
            for entry in self.root.iterdir()
            if (m := _GENERATION.fullmatch(entry.name)) and entry.is_dir() and int(m[1]) < number
        )
        for _, candidate in reversed(older):
            try:
                snapshot = self._open(candidate, identity)
            except (IndexCorruptError, IndexMismatchError):
                continue
            moved_to: Path | None = None
            if (self.root / name).exists():
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
                moved_to = self.root / f"{name}.damaged-{stamp}"
                # Moved before CURRENT switches: a crash in between leaves CURRENT naming a missing
                # folder, which the next open restores from again, and no sweep can take the damaged one.
                os.replace(self.root / name, moved_to)
                _fsync_dir(self.root)
            _write_durably(self.root / CURRENT, candidate + "\n")
            _fsync_dir(self.root)
            snapshot.restored = Restored(
                self.root, name, damage.reason, candidate, snapshot.manifest.updated_at, moved_to
            )
            log.warning(snapshot.restored.message())
            return snapshot
        raise damage

    def size_bytes(self) -> int:
        name = self.current()
        if name is None:
            return 0
        return sum(p.stat().st_size for p in (self.root / name).rglob("*") if p.is_file())

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise IndexLockedError(
                            f"Another ingest is writing to {self.root}; try again when it has finished."
                        ) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _sweep(self, keep: set[str]) -> None:
        """Remove leftovers of crashed writers and generations older than the previous one."""
        for entry in self.root.iterdir():
            if _SWEPT.fullmatch(entry.name) and entry.is_dir() and entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    def _read_live(
        self, name: str, identity: EmbeddingIdentity, rebuilding: bool
    ) -> tuple[Manifest, TextStore, FaissVectorStore]:
        """The live generation's manifest, checked text and vectors, for a writer to start from."""
        directory = self.root / name
        manifest = Manifest.read(directory)
        check_compatible(manifest, identity, self.root, rebuilding)
        try:
            text = TextStore.open(directory, read_only=True)
            text.check()
            return manifest, text, FaissVectorStore.load(directory)
        except (OSError, RuntimeError, ValueError, sqlite3.Error) as exc:
            raise damaged(self.root, exc) from exc

    def _next_generation(self, manifest: Manifest | None) -> int:
        # Past any generation moved aside as damaged: a reader still holding it must not take a new
        # generation of the same name for the one it has.
        moved = [int(m[1]) for e in self.root.iterdir() if (m := _DAMAGED.match(e.name))]
        return max([manifest.generation if manifest else 0, *moved]) + 1

    @contextmanager
    def writer(self, identity: EmbeddingIdentity, chunker: dict, rebuild_stale: bool = True) -> Iterator[Writer]:
        """A writer on a copy of the live generation, or on an empty one when the live generation is
        stale and ``rebuild_stale`` (ingest) is set; removals pass False and keep the old format."""
        with self._lock():
            live = self.current()
            manifest: Manifest | None = None
            restored: Restored | None = None
            reason, stale_sources = None, []
            if live is not None:
                try:
                    manifest, source, vectors = self._read_live(live, identity, rebuild_stale)
                except IndexCorruptError as exc:
                    snapshot = self._restore(live, exc, identity)
                    snapshot.text.close()
                    live, restored = snapshot.name, snapshot.restored
                    manifest, source, vectors = self._read_live(live, identity, rebuild_stale)
                reason = stale_reason(manifest, chunker, identity) if rebuild_stale else None
            self._sweep(keep={live} if live else set())
            generation = self._next_generation(manifest)
            workdir = self.root / f"gen-{generation:06d}.tmp-{os.getpid()}"
            workdir.mkdir()
            writer: Writer | None = None
            try:
                if manifest is not None and reason is None:
                    try:
                        text = source.copy_to(workdir)
                    except sqlite3.Error as exc:
                        raise damaged(self.root, exc) from exc
                    finally:
                        source.close()
                    # A removal keeps the settings the chunks were cut with, so staleness is not lost.
                    kept = chunker if rebuild_stale else manifest.chunker
                    # The identity is the model's as checked above; it also records the weights' fingerprint
                    # in an index written before fingerprints were.
                    new_manifest = Manifest(
                        **{**asdict(manifest), "generation": generation, "chunker": kept, "embedding": asdict(identity)}
                    )
                else:
                    text = TextStore.open(workdir)
                    if manifest is not None:
                        stale_sources = sorted(source.sources())
                        text.continue_ids_from(source.next_chunk_id())
                        source.close()
                    vectors = FaissVectorStore(identity.dimension)
                    new_manifest = Manifest(
                        format_version=FORMAT_VERSION,
                        embedding=asdict(identity),
                        chunker=chunker,
                        generation=generation,
                        created_at=_now(),
                        updated_at=_now(),
                    )
                writer = Writer(self.root, workdir, new_manifest, text, vectors)
                writer.rebuild_reason, writer.stale_sources, writer.restored = reason, stale_sources, restored
                yield writer
            finally:
                if writer is None or not writer.committed:
                    if writer is not None:
                        writer.text.close()
                    shutil.rmtree(workdir, ignore_errors=True)
            self._sweep(keep={n for n in (live, self.current()) if n})
