"""The embedded index: one SQLite database in WAL mode and search segments written once beside it.

Layout of an index directory::

    store.sqlite (-wal, -shm)   documents, sources, chunks and sentences with their vectors; the
                                manifest, the segment list and the removed chunks (``TextStore``)
    segments/seg-000012/        one segment's chunk ids, vectors (exact or ANN) and BM25 postings
    merging/                    a merge being built (``merge``)
    .lock, .merge-lock          held by the one writer, and by the one merger

A write costs what it adds or removes: an ingest inserts its documents' rows and writes one new
segment for their chunks; a removal deletes rows and lists the chunks as removed (searches hide them).
Both commit in one SQLite transaction together with the new segment list and the generation number,
so a killed ingest leaves the last committed state, and nothing else. Segments are merged a few of
similar size at a time, so each chunk is rewritten a logarithmic number of times, and by their
postings and stored vectors, so nothing is tokenised or embedded twice. An ingest's commit merges
only what stays below the size that gets an ANN index; a larger merge (``merge``) is built after the
commit, outside the writer lock, while questions and other ingests go on. ``compact`` merges them
all. Chunk ids come from a counter that only grows.

A reader runs each question inside one read transaction (``reading``): the segments it searches and the
rows it reads are those of one generation, whatever a writer commits meanwhile. A segment whose files
are damaged is rebuilt from the database (``Repaired`` says so); a damaged database is reported with
the way out (``IndexCorruptError``).

    >>> store = EmbeddedStore(Path("index"), identity)
    >>> with store.writer(chunker) as w:
    ...     w.add_document(document, chunks, chunk_vectors, sentence_vectors); w.commit()
    >>> with store.reading() as view:
    ...     view.dense.search(query_vector, k=5)
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..embedding import EmbeddingIdentity
from ..errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError
from ..types import Chunk, Document
from .bm25 import Postings, analyzer
from .dense import AnnPolicy
from .manifest import FORMAT_VERSION, Manifest, check_compatible, damaged, now, stale_reason
from .segments import Segment, SegmentDamaged, SegmentSet
from .textstore import TextStore

SEGMENTS = "segments"
# Where ``merge`` builds a segment before committing it into ``segments/`` (cleared by the next merge).
_MERGING = "merging"
_MERGED = "merged"
# Formats 1 and 2 kept a full copy of the index per generation (gen-NNNNNN folders named by CURRENT).
_LEGACY_CURRENT = "CURRENT"
# ``PRAGMA quick_check`` reads every page: a second or two per GB. A process checks the database when it
# first opens it for questions up to the first size, and a writer before each write up to the second
# (a write must cost what it changes); above them a damaged page is reported when something reads it.
_QUICK_CHECK_MAX_BYTES = 1 << 30
_WRITER_CHECK_MAX_BYTES = 128 << 20

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Repaired:
    """A segment's files were damaged, and it was rebuilt from the index database; nothing was lost.

    >>> if library.repaired:
    ...     print(library.repaired.message())
    """

    root: Path
    segment: str
    reason: str
    rebuilt_as: str
    chunks: int

    def message(self) -> str:
        return (
            f"The search files of {self.segment} in the index at {self.root} were damaged ({self.reason}); "
            f"they were rebuilt from the index database as {self.rebuilt_as} ({self.chunks:,} chunks). "
            "Nothing was lost."
        )


@dataclass(frozen=True)
class ReadState:
    """What one generation's questions search: its manifest and its segments, loaded."""

    manifest: Manifest
    segments: SegmentSet


class SentenceScores:
    """Each candidate chunk's best sentence, from the sentence vectors stored at ingest."""

    def __init__(self, text: TextStore) -> None:
        self._text = text

    def best(self, query: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        found = self._text.best_sentence_scores(query, [int(c) for c in chunk_ids])
        return np.array([found.get(int(c), np.nan) for c in chunk_ids], dtype=np.float32)


class EmbeddedView:
    """One generation of the embedded index, opened for questions (implements ``IndexView``)."""

    def __init__(self, text: TextStore, state: ReadState) -> None:
        self._text = text
        self._state = state
        self._sentences = SentenceScores(text)

    @property
    def name(self) -> str:
        return self._state.manifest.name

    @property
    def manifest(self) -> Manifest:
        return self._state.manifest

    @property
    def text(self) -> TextStore:
        return self._text

    @property
    def dense(self) -> SegmentSet:
        return self._state.segments

    @property
    def keywords(self):
        return self._state.segments.keywords

    @property
    def sentences(self) -> SentenceScores:
        return self._sentences


class EmbeddedWriter:
    """One write transaction (implements ``StoreWriter``): ``commit`` makes it live, leaving without
    committing rolls it back.

    ``rebuild_reason`` is set when the index was stale (see ``stale_reason``): the writer then starts
    empty, and ``stale_sources`` lists the files it held, to re-read.
    """

    def __init__(self, store: EmbeddedStore, text: TextStore, manifest: Manifest) -> None:
        self._store = store
        self._text = text
        self.manifest = manifest
        self.generation = manifest.generation + 1
        self.committed = False
        self.rebuild_reason: str | None = None
        self.stale_sources: list[str] = []
        # Kept as the rows change, so that a commit need not count a million rows.
        self._counts = {key: manifest.counts.get(key, 0) for key in ("documents", "sources", "chunks", "sentences")}
        self._written: list[Path] = []

    # -- what an ingest reads and changes ----------------------------------------------------------

    def doc_for_source(self, path: str) -> str | None:
        return self._text.doc_for_source(path)

    def has_document(self, doc_id: str) -> bool:
        return self._text.has_document(doc_id)

    def sources(self) -> dict[str, str]:
        return self._text.sources()

    def add_document(
        self, document: Document, chunks: list[Chunk], chunk_vectors: np.ndarray, sentence_vectors: np.ndarray
    ) -> list[int]:
        """Store a document with its chunks and vectors; returns the chunk ids given to its chunks."""
        ids = self._text.allocate_chunk_ids(len(chunks))
        for chunk, chunk_id in zip(chunks, ids):
            chunk.chunk_id = chunk_id
        self._text.add_document(document, chunks, chunk_vectors, sentence_vectors)
        self._count(documents=1, chunks=len(chunks), sentences=len(sentence_vectors))
        return ids

    def add_source(self, path: str, doc_id: str) -> None:
        self._text.add_source(path, doc_id)
        self._count(sources=1)

    def remove_source(self, path: str) -> str | None:
        """Forget one file name; returns its document id if no other name still refers to it."""
        if self._text.doc_for_source(path) is None:
            return None
        self._count(sources=-1)
        return self._text.remove_source(path)

    def remove_document(self, doc_id: str) -> list[int]:
        sentences = self._text.sentence_count(doc_id)
        removed = self._text.remove_document(doc_id, self.generation)
        self._count(documents=-1, chunks=-len(removed), sentences=-sentences)
        return removed

    def _count(self, **deltas: int) -> None:
        for key, delta in deltas.items():
            self._counts[key] = self._counts.get(key, 0) + delta

    # -- commit --------------------------------------------------------------------------------------

    def commit(self, merge: list[str] | None = None) -> str:
        """Write a segment for the new chunks (merged with others as ``_merge_plan`` decides, or with
        the segments named in ``merge``), then commit everything in one transaction; returns the
        generation's name. Merges decided here stay below the size that gets an ANN index, so that an
        ingest costs what it adds; larger ones are left to ``EmbeddedStore.merge``."""
        text = self._text
        retokenise: list[str] = []
        if merge is None:
            merge = self._store.merge_plan(text, new_rows=text.unsegmented_count())
        if self.manifest.sparse != analyzer():
            # Stop words or stemming changed since the postings were written: re-tokenise them all.
            merge = retokenise = [name for name, *_ in text.segments()]
        if merge or text.unsegmented_count():
            self._write_segment(merge, retokenise)
        return self._finish()

    def install(self, replaced: list[str], built: Path, segment: Segment, checksum: str) -> str:
        """Commit a segment built from ``replaced`` outside this writer (``EmbeddedStore.merge``) in
        their place; chunks removed from them meanwhile stay hidden in it. Returns its name."""
        text, store = self._text, self._store
        name = self._next_segment_name()
        removed = text.removed()
        gone = np.concatenate([removed.get(n, np.zeros(0, dtype=np.int64)) for n in replaced])
        hidden = gone[segment.rows(gone)[0]].tolist()
        target = store.segments_dir / name
        store.segments_dir.mkdir(exist_ok=True)
        built.rename(target)
        self._written.append(target)
        _fsync_dir(store.segments_dir)
        text.replace_segments(
            replaced,
            name,
            len(segment),
            segment.dense.kind,
            segment.dense.params,
            checksum,
            self.generation,
            new=False,
            hidden=hidden,
        )
        self._finish()
        return name

    def _finish(self) -> str:
        text = self._text
        self.manifest.generation = self.generation
        self.manifest.updated_at = now()
        self.manifest.counts = self._counts
        self.manifest.sparse = analyzer()
        self.manifest.segments = [
            {"name": name, "chunks": rows, "kind": kind, "params": params}
            for name, rows, kind, params, _ in text.segments()
        ]
        text.set_meta("manifest", self.manifest.to_json())
        text.commit()
        self.committed = True
        return self.manifest.name

    def _next_segment_name(self) -> str:
        number = int(self._text.meta("next_segment") or 1)
        self._text.set_meta("next_segment", str(number + 1))
        return f"seg-{number:06d}"

    def _write_segment(self, merge: list[str], retokenise: list[str]) -> None:
        text, store = self._text, self._store
        name = self._next_segment_name()
        segment = store.build_segment(text, name, merge, retokenise)
        if len(segment) == 0:
            text.retire(merge, self.generation)
            return
        self._written.append(store.segments_dir / name)
        checksum = segment.save(store.segments_dir)
        text.replace_segments(
            merge, name, len(segment), segment.dense.kind, segment.dense.params, checksum, self.generation
        )

    def discard(self) -> None:
        """Roll back and delete the segment folders this writer wrote."""
        self._text.rollback()
        for folder in self._written:
            shutil.rmtree(folder, ignore_errors=True)


def _level(rows: int, factor: int) -> int:
    level = 0
    while rows >= factor:
        rows //= factor
        level += 1
    return level


def _merge_plan(
    live: dict[str, int],
    factor: int,
    removed_share: dict[str, float],
    new_rows: int | None = None,
    limit: int | None = None,
) -> list[str]:
    """The segments to merge: those of one size class and below once ``factor`` of them would stand
    together (each chunk is then rewritten about log_factor(n) times), and any segment that has lost
    most of its chunks to removals. ``new_rows``: chunks an ingest is adding, which count as one more
    segment and are merged with the chosen ones. ``limit``: the merged segment stays below that many
    rows (the merges that would pass it are left for later)."""
    chosen = {name for name, share in removed_share.items() if share > 0.5}
    total = (new_rows or 0) + sum(live[n] for n in chosen)
    group = 1 if new_rows is not None or chosen else 0
    if limit is not None and total >= limit:
        return []
    if not group:
        # No group to start from: the lowest size class with ``factor`` segments, and those below it.
        levels = Counter(_level(rows, factor) for rows in live.values())
        full = [level for level, count in levels.items() if count >= factor]
        if not full:
            return []
        chosen = {n for n, rows in live.items() if _level(rows, factor) <= min(full)}
        total, group = sum(live[n] for n in chosen), 1
        if limit is not None and total >= limit:
            return []
    while True:
        level = _level(total, factor)
        crowd = [n for n, rows in live.items() if n not in chosen and _level(rows, factor) <= level]
        if len(crowd) + group < factor:
            return sorted(chosen)
        grown = total + sum(live[n] for n in crowd)
        if limit is not None and grown >= limit:
            return sorted(chosen)
        chosen.update(crowd)
        total, group = grown, 1


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Merged:
    """One merge run by ``EmbeddedStore.merge``: the segments it replaced and what it wrote."""

    replaced: list[str]
    segment: str
    chunks: int
    kind: str
    seconds: float


class EmbeddedStore:
    """The index at ``root`` for one embedding model: readers (``reading``) and one writer at a time."""

    def __init__(
        self,
        root: Path,
        identity: EmbeddingIdentity,
        policy: AnnPolicy | None = None,
        merge_factor: int = 10,
        lock_timeout: float = 120.0,
    ) -> None:
        self.root = Path(root)
        self.where = str(self.root)
        if self.root.exists() and not self.root.is_dir():
            raise IndexNotFoundError(f"The index path {self.root} is a file, not a folder; choose a folder.")
        self.identity = identity
        self.policy = policy or AnnPolicy()
        self.merge_factor = merge_factor
        self.lock_timeout = lock_timeout
        self.repaired: Repaired | None = None
        self._local = threading.local()
        self._connections: list[TextStore] = []
        self._state: ReadState | None = None
        self._loaded: dict[tuple[str, str], Segment] = {}
        self._load_lock = threading.Lock()
        self._checked = False

    @property
    def path(self) -> Path:
        return self.root / TextStore.FILE

    @property
    def segments_dir(self) -> Path:
        return self.root / SEGMENTS

    def exists(self) -> bool:
        return self.path.is_file() or self._legacy()

    def _legacy(self) -> bool:
        # CURRENT goes only when the rebuild into the new layout commits.
        return (self.root / _LEGACY_CURRENT).is_file()

    def _legacy_refusal(self) -> IndexMismatchError:
        return IndexMismatchError(
            f"The index at {self.root} was written by an older version of the assistant (one folder per "
            f"generation). Rebuild it with `assistant ingest PATH --index {self.root}`: it re-reads its own "
            "files and keeps one database with search segments from then on."
        )

    # -- reading -------------------------------------------------------------------------------------

    def _reader(self) -> TextStore:
        text = getattr(self._local, "text", None)
        if text is None:
            if self._legacy():
                raise self._legacy_refusal()
            if not self.path.is_file():
                raise IndexNotFoundError(
                    f"No index at {self.root}. Build one with: assistant ingest PATH --index {self.root}"
                )
            try:
                text = TextStore.open(self.root)
                if not self._checked and self.path.stat().st_size <= _QUICK_CHECK_MAX_BYTES:
                    text.check()
                self._checked = True
            except sqlite3.DatabaseError as exc:
                raise damaged(self.root, exc) from exc
            self._local.text = text
            self._connections.append(text)
        return text

    @contextmanager
    def reading(self) -> Iterator[EmbeddedView]:
        """One generation for the length of the block: its segments and, in one read transaction, its
        rows. Nested blocks on the same thread share the outer one."""
        text = self._reader()
        if text.in_transaction:
            yield EmbeddedView(text, self._local.state)
            return
        self._local.state = state = self._begin(text)
        try:
            yield EmbeddedView(text, state)
        except sqlite3.DatabaseError as exc:
            raise damaged(self.root, exc) from exc
        finally:
            text.rollback()

    def view(self) -> EmbeddedView:
        """The live generation, outside a transaction: each call on it reads the rows committed by then."""
        text = self._reader()
        if text.in_transaction:
            return EmbeddedView(text, self._local.state)
        state = self._begin(text)
        text.rollback()
        return EmbeddedView(text, state)

    def _begin(self, text: TextStore) -> ReadState:
        """Begin a read transaction on ``text`` and return the state of the generation it sees,
        repairing a damaged segment first (once)."""
        for attempt in range(2):
            try:
                text.begin()
                return self._load(text)
            except SegmentDamaged as exc:
                text.rollback()
                if attempt:
                    raise IndexCorruptError(
                        f"The index at {self.root} could not be repaired ({exc}). Move that folder away and "
                        f"rebuild it with `assistant ingest PATH --index {self.root}`.",
                        reason=str(exc),
                    ) from exc
                self._repair(exc)
            except sqlite3.DatabaseError as exc:
                text.rollback()
                raise damaged(self.root, exc) from exc
            except BaseException:
                text.rollback()
                raise
        raise AssertionError("unreachable")

    def _load(self, text: TextStore) -> ReadState:
        manifest = Manifest.from_json(text.meta("manifest"), self.root)
        if manifest is None:
            raise IndexNotFoundError(
                f"No index at {self.root}. Build one with: assistant ingest PATH --index {self.root}"
            )
        state = self._state
        if state is not None and state.manifest.generation == manifest.generation:
            return state
        check_compatible(manifest, self.identity, self.root)
        with self._load_lock:
            state = self._state
            if state is not None and state.manifest.generation == manifest.generation:
                return state
            loaded: dict[tuple[str, str], Segment] = {}
            for name, _, kind, params, checksum in text.segments():
                segment = self._loaded.get((name, checksum))
                if segment is None:
                    segment = Segment.load(self.segments_dir, name, kind, params, checksum)
                    if manifest.sparse != analyzer():
                        # Stop words or stemming changed since this index was written: its terms would no
                        # longer match the query's. The next ingest writes them anew.
                        segment.postings = Postings.from_batches(texts for _, texts, _ in text.segment_rows([name]))
                loaded[(name, checksum)] = segment
            state = ReadState(manifest, SegmentSet(list(loaded.values()), text.removed(), self.policy.min_rows))
            self._loaded, self._state = loaded, state
            return state

    def _repair(self, damage: SegmentDamaged) -> None:
        """Rebuild a damaged segment from the database's rows, under the writer lock."""
        with self._lock():
            text = TextStore.open(self.root, writable=True)
            try:
                text.begin(write=True)
                manifest = Manifest.from_json(text.meta("manifest"), self.root)
                live = {name: rows for name, rows, *_ in text.segments()}
                if manifest is None or damage.name not in live:
                    text.rollback()
                    return  # another process repaired or merged it meanwhile
                writer = EmbeddedWriter(self, text, manifest)
                try:
                    writer.commit(merge=[damage.name])
                except BaseException:
                    writer.discard()
                    raise
                new = ", ".join(sorted({name for name, *_ in text.segments()} - set(live))) or "nothing"
            finally:
                text.close()
        self.repaired = Repaired(self.root, damage.name, damage.reason, new, live[damage.name])
        log.warning(self.repaired.message())

    def close(self) -> None:
        for text in self._connections:
            text.close()
        self._connections.clear()
        self._local = threading.local()

    # -- writing -------------------------------------------------------------------------------------

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

    def _sweep(self, text: TextStore, generation: int) -> None:
        """Delete the folders of segments no generation since the last one uses, and of crashed writers.
        A segment retired by the last commit is kept: a reader may be loading it still."""
        if not self.segments_dir.is_dir():
            return
        live = {name for name, *_ in text.segments()}
        retired = text.retired()
        keep = live | {name for name, at in retired.items() if at >= generation}
        for entry in self.segments_dir.iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)
        text.forget_retired([name for name in retired if name not in keep])

    def _legacy_sources(self) -> tuple[list[str], int]:
        """The files a format-1/2 index held and where its chunk ids stopped."""
        live = (self.root / _LEGACY_CURRENT).read_text().strip()
        db = sqlite3.connect(f"file:{self.root / live / 'chunks.sqlite'}?mode=ro", uri=True)
        try:
            sources = [row[0] for row in db.execute("SELECT path FROM sources ORDER BY path")]
            row = db.execute("SELECT value FROM meta WHERE key = 'next_chunk_id'").fetchone()
        except sqlite3.DatabaseError:
            return [], 1
        finally:
            db.close()
        return sources, int(row[0]) if row else 1

    def _remove_legacy(self) -> None:
        for entry in self.root.iterdir():
            if entry.name.startswith("gen-") and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
        (self.root / _LEGACY_CURRENT).unlink(missing_ok=True)

    @contextmanager
    def writer(self, chunker: dict, rebuild_stale: bool = True) -> Iterator[EmbeddedWriter]:
        """A write transaction on the index (created if missing). When the index is stale and
        ``rebuild_stale`` (ingest) is set, the writer starts empty and lists the files to re-read;
        removals pass False and keep the settings the chunks were cut with."""
        with self._lock():
            legacy = self._legacy()
            if legacy and not rebuild_stale:
                raise self._legacy_refusal()
            try:
                text = TextStore.open(self.root, writable=True)
            except sqlite3.DatabaseError as exc:
                raise damaged(self.root, exc) from exc
            writer: EmbeddedWriter | None = None
            try:
                if self.path.stat().st_size <= _WRITER_CHECK_MAX_BYTES:
                    text.check()
                manifest = Manifest.from_json(text.meta("manifest"), self.root)
                if manifest is not None:
                    check_compatible(manifest, self.identity, self.root, rebuilding=rebuild_stale)
                    self._sweep(text, manifest.generation)
                text.begin(write=True)
                writer = self._start(text, manifest, chunker, rebuild_stale, legacy)
                yield writer
                if writer.committed and legacy:
                    self._remove_legacy()
            except sqlite3.DatabaseError as exc:
                raise damaged(self.root, exc) from exc
            finally:
                if writer is not None and not writer.committed:
                    writer.discard()
                else:
                    text.rollback()
                text.close()

    def _start(
        self, text: TextStore, manifest: Manifest | None, chunker: dict, rebuild_stale: bool, legacy: bool
    ) -> EmbeddedWriter:
        fresh = Manifest(
            format_version=FORMAT_VERSION,
            embedding=asdict(self.identity),
            chunker=chunker,
            generation=manifest.generation if manifest else 0,
            created_at=now(),
            updated_at=now(),
            sparse=analyzer(),
        )
        if manifest is None:
            writer = EmbeddedWriter(self, text, fresh)
            if legacy:
                writer.stale_sources, next_id = self._legacy_sources()
                text.set_meta("next_chunk_id", str(next_id))
                writer.rebuild_reason = (
                    "the index was written by an older version in one folder per generation; this version keeps "
                    "one database with search segments"
                )
            return writer
        reason = stale_reason(manifest, chunker, self.identity) if rebuild_stale else None
        if reason is None:
            # A removal keeps the settings the chunks were cut with, so staleness is not lost; the identity
            # is the model's as checked, and records the weights' fingerprint in an older index.
            manifest.embedding = asdict(self.identity)
            if rebuild_stale:
                manifest.chunker = chunker
            return EmbeddedWriter(self, text, manifest)
        # The fresh manifest counts nothing, as the writer starts empty.
        writer = EmbeddedWriter(self, text, fresh)
        writer.rebuild_reason, writer.stale_sources = reason, sorted(text.sources())
        text.clear()
        text.retire([name for name, *_ in text.segments()], writer.generation)
        return writer

    # -- segments and merges --------------------------------------------------------------------------

    def merge_plan(self, text: TextStore, new_rows: int | None) -> list[str]:
        """The segments to merge now: with an ingest's ``new_rows``, only merges that stay below the
        ANN size (cheap: flat vectors and postings); without, whatever is due (``merge``)."""
        live = {name: rows for name, rows, *_ in text.segments()}
        removed = text.removed_counts()
        return _merge_plan(
            {name: rows - removed.get(name, 0) for name, rows in live.items()},
            self.merge_factor,
            {name: removed.get(name, 0) / rows for name, rows in live.items() if rows},
            new_rows,
            self.policy.min_rows if new_rows is not None else None,
        )

    def build_segment(
        self, text: TextStore, name: str, merge: list[str], retokenise: list[str], new: bool = True
    ) -> Segment:
        """A segment of the chunks in no segment yet (``new``) and of the live chunks of ``merge``:
        their terms come from their segments' postings (those in ``retokenise``, or whose files are
        damaged, are tokenised again from their text) and their vectors from the database."""
        checksums = {segment: checksum for segment, *_, checksum in text.segments()}
        retokenise = list(retokenise)
        kept: list[tuple[str, tuple[np.ndarray, Postings]]] = []
        for segment in merge:
            if segment in retokenise:
                continue
            try:
                kept.append((segment, Segment.load_terms(self.segments_dir, segment, checksums[segment])))
            except SegmentDamaged:
                retokenise.append(segment)
        return Segment.build(
            name,
            text.segment_rows(retokenise, new=new),
            self.policy,
            [terms for _, terms in kept],
            text.segment_vectors([segment for segment, _ in kept]),
        )

    def merge(self) -> list[Merged]:
        """Run the merges that ingests leave for later, those whose segment gets an ANN index. Each is
        built from one read transaction's generation without the writer lock, so questions and ingests
        go on meanwhile, then committed in place of the segments it merged (chunks removed from them
        meanwhile stay hidden); if ``compact`` or a repair replaced one of them first, it is dropped.
        One process merges at a time: another finds it busy and returns at once."""
        done: list[Merged] = []
        if not self.path.is_file():
            return done
        with self._merge_lock() as acquired:
            while acquired and (merged := self._merge_once()) is not None:
                done.append(merged)
        return done

    def _merge_once(self) -> Merged | None:
        started = time.perf_counter()
        built = self._build_merge()
        if built is None:
            return None
        name = self._install_merge(*built)
        if name is None:
            return None
        plan, segment, _ = built
        return Merged(plan, name, len(segment), segment.dense.kind, time.perf_counter() - started)

    def _build_merge(self) -> tuple[list[str], Segment, str] | None:
        """The due merge's segments, and the segment built from them (saved under ``merging/``)."""
        work = self.root / _MERGING
        shutil.rmtree(work, ignore_errors=True)
        text = TextStore.open(self.root)
        try:
            text.begin()
            manifest = Manifest.from_json(text.meta("manifest"), self.root)
            # After an analyzer change the next ingest re-tokenises every segment; merging first is waste.
            plan = self.merge_plan(text, new_rows=None) if manifest and manifest.sparse == analyzer() else []
            if not plan:
                return None
            segment = self.build_segment(text, _MERGED, plan, [], new=False)
        except sqlite3.DatabaseError as exc:
            raise damaged(self.root, exc) from exc
        finally:
            text.close()
        return plan, segment, segment.save(work)

    def _install_merge(self, plan: list[str], segment: Segment, checksum: str) -> str | None:
        """Commit a built merge in place of ``plan``; None (and the build dropped) when one of those
        segments is gone since."""
        work = self.root / _MERGING
        with self._lock():
            text = TextStore.open(self.root, writable=True)
            try:
                manifest = Manifest.from_json(text.meta("manifest"), self.root)
                if manifest is None:
                    return None
                self._sweep(text, manifest.generation)
                text.begin(write=True)
                if not set(plan) <= {name for name, *_ in text.segments()}:
                    return None
                writer = EmbeddedWriter(self, text, manifest)
                try:
                    name = writer.install(plan, work / _MERGED, segment, checksum)
                except BaseException:
                    writer.discard()
                    raise
                # The merged-away folders go now rather than at the next write (at a million chunks they
                # are gigabytes): a reader still loading them finds one missing and starts again at the
                # new generation (``_begin``: a segment that is no longer live is not repaired).
                for old in plan:
                    shutil.rmtree(self.segments_dir / old, ignore_errors=True)
                text.begin(write=True)
                text.forget_retired(plan)
                text.commit()
                return name
            except sqlite3.DatabaseError as exc:
                raise damaged(self.root, exc) from exc
            finally:
                text.close()
                shutil.rmtree(work, ignore_errors=True)

    @contextmanager
    def _merge_lock(self) -> Iterator[bool]:
        with open(self.root / ".merge-lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def compact(self) -> Manifest:
        """Merge every segment into one, dropping removed chunks for good (an ANN index is built when
        the whole is large); returns the new manifest. Costs a pass over the whole index."""
        with self._lock():
            text = TextStore.open(self.root, writable=True)
            try:
                manifest = Manifest.from_json(text.meta("manifest"), self.root)
                if manifest is None:
                    raise IndexNotFoundError(f"No index at {self.root}; nothing to compact.")
                check_compatible(manifest, self.identity, self.root)
                self._sweep(text, manifest.generation)
                text.begin(write=True)
                writer = EmbeddedWriter(self, text, manifest)
                try:
                    writer.commit(merge=[name for name, *_ in text.segments()])
                except BaseException:
                    writer.discard()
                    raise
                text.checkpoint()
                return writer.manifest
            except sqlite3.DatabaseError as exc:
                raise damaged(self.root, exc) from exc
            finally:
                text.close()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
