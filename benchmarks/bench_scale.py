"""The embedded index at scale: build, open, search, and add one document, at 10k, 100k and 1M chunks.

Each size is built through the store's own writer (``open_store(...).writer(chunker)``) from the scale
corpus (``scale_corpus.py``) with no embedding model: a chunk's vector is the corpus's, and its member
sentences' vectors are its sentence vectors. Chunks are grouped ten to a document, whose text is its
chunks' texts joined by blank lines, with real ``Chunk``/``SentenceSpan`` offsets into it; the writer
commits every 100,000 chunks, so a 1M index goes through nine 100k segments and the merge of all ten.

Measured, each in its own fresh process (``--child``), so that one stage's memory is not the next's:

* build: wall seconds split into the rows written (``add_document``/``add_source``), the segment
  build at each commit (rows read back, BM25 postings, the ANN index, files saved, the SQLite commit)
  and the benchmark's own assembly of documents; peak RSS (``ru_maxrss``) beside the RSS the corpus
  alone takes; disk (``size_bytes``, and by kind of file); the segments the manifest lists.
* open: a fresh process opens the index and answers one hybrid query (vector given, no model):
  seconds and RSS (VmRSS after, ``ru_maxrss``); median of ``--open-runs`` processes.
* search, in the first of those processes: ``view.dense.search(q, 10)`` and full hybrid retrieval
  (``HybridRetriever``, default settings, top 5, one ``reading()`` per question as a server does)
  over ``--queries`` SQuAD questions, one thread, ``--rounds`` rounds; a question's latency is its
  median over the rounds (the machine is shared: a round slowed by another job does not decide it),
  and per-question CPU time is reported beside wall time. Recall@10 of the dense search against exact
  search over the same vectors (numpy, computed once and cached), SQuAD R@10 of hybrid retrieval (the
  question's gold paragraph is a known chunk), and where a hybrid question's time goes.
* add: ``Assistant(Settings(index_dir=...)).ingest([file])`` of one 10-page .txt (about 5,000 words of
  SciFact abstracts that are not in the corpus) with the real embedding model, warm; its wall seconds
  and the embedding's alone; then ``remove``; searches right after each (the abstracts' SciFact claims
  must find the new file, then must not). Two rounds (median), then one under cProfile.

Results go to ``--out``/scale-YYYY-MM-DD.{md,json,png}; the work folder keeps the built indexes (reused
with ``--reuse``), the exact ground truth, and ``scale-partial.json``: a size measured is kept and not
run again (``--again`` to redo it), and with ``--reuse`` a size stopped half-way resumes at the stage it
stopped at.

    python -m benchmarks.bench_scale [--sizes 10000 100000 1000000] [--work /tmp/assistant-scale-work]
    python -m benchmarks.bench_scale --sizes 1000000 --reuse       # resume, keeping the built index
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import hashlib
import inspect
import io
import json
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from .run_all import RESULTS, machine
from .scale_corpus import DEFAULT_CACHE, SEED

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK = Path("/tmp/assistant-scale-work")
SIZES = (10_000, 100_000, 1_000_000)
DOC_CHUNKS = 10
COMMIT_CHUNKS = 100_000
K = 10
WARMUP = 20
PROFILED_QUESTIONS = 100
ADD_WORDS = 5_000
ADD_ROUNDS = 2
GOALS = {"search_p50_ms": 50.0, "recall@10": 0.95, "add_s": 10.0, "at_chunks": 1_000_000}
STAGES = ("build", "search", "open", "add")
# The search and open processes run on one thread, as one question does on a server.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


# -- measuring helpers ---------------------------------------------------------------------------------


def vm_rss() -> int:
    """This process's resident memory now, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes: VmHWM, which starts afresh at exec, where
    ``ru_maxrss`` keeps the parent's size from the fork that started the child."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def load_average() -> float:
    return os.getloadavg()[0]


class Timers:
    """Seconds spent in chosen functions, by wrapping them for a while (``restore`` undoes it): where an
    operation's time goes without editing the code measured. A generator function's time is the time
    of its steps, not of the consumer between them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[object, str, object, bool]] = []

    def wrap(self, owner: object, attr: str, key: str | None = None) -> None:
        key = key or f"{getattr(owner, '__name__', type(owner).__name__)}.{attr}"
        own = attr in vars(owner)
        raw = vars(owner)[attr] if own else getattr(owner, attr)
        kind = type(raw) if isinstance(raw, classmethod | staticmethod) else None
        func = raw.__func__ if kind else raw
        seconds, cpu, calls = self.seconds, self.cpu, self.calls

        if inspect.isgeneratorfunction(func):

            def wrapper(*args, **kwargs):
                calls[key] += 1
                inner = func(*args, **kwargs)
                while True:
                    started, used = time.perf_counter(), time.process_time()
                    try:
                        item = next(inner)
                    except StopIteration:
                        return
                    finally:
                        seconds[key] += time.perf_counter() - started
                        cpu[key] += time.process_time() - used
                    yield item

        else:

            def wrapper(*args, **kwargs):
                calls[key] += 1
                started, used = time.perf_counter(), time.process_time()
                try:
                    return func(*args, **kwargs)
                finally:
                    seconds[key] += time.perf_counter() - started
                    cpu[key] += time.process_time() - used

        functools.update_wrapper(wrapper, func)
        setattr(owner, attr, kind(wrapper) if kind else wrapper)
        self._undo.append((owner, attr, raw, own))

    def restore(self) -> None:
        for owner, attr, raw, own in reversed(self._undo):
            if own:
                setattr(owner, attr, raw)
            else:
                delattr(owner, attr)
        self._undo.clear()

    def reset(self) -> None:
        self.seconds.clear()
        self.cpu.clear()
        self.calls.clear()

    def report(self) -> dict[str, dict[str, float]]:
        """Wall and CPU seconds (CPU of the whole process, its other threads included) per function."""
        return {
            k: {"s": round(self.seconds[k], 4), "cpu_s": round(self.cpu[k], 4), "calls": self.calls[k]}
            for k in sorted(self.seconds)
        }


def profile_top(profile: cProfile.Profile, count: int = 14) -> list[str]:
    """The functions that took the most time of their own, as pstats prints them."""
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(count)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [line.rstrip() for line in lines[start : start + count + 1] if line.strip()]


def percentiles_ms(seconds: np.ndarray) -> dict[str, float]:
    return {
        "p50_ms": float(np.percentile(seconds, 50) * 1000),
        "p95_ms": float(np.percentile(seconds, 95) * 1000),
        "mean_ms": float(np.mean(seconds) * 1000),
    }


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def disk_breakdown(index: Path, live: set[str]) -> dict[str, int]:
    """Bytes of the database, its write-ahead log, the live segments and the retired ones not yet
    deleted (a writer deletes them once no reader can be loading them)."""
    out = {"database": 0, "wal": 0, "segments_live": 0, "segments_retired": 0, "other": 0}
    for entry in index.iterdir():
        if entry.name == "segments":
            for folder in entry.iterdir():
                out["segments_live" if folder.name in live else "segments_retired"] += tree_bytes(folder)
        elif entry.name == "store.sqlite":
            out["database"] += entry.stat().st_size
        elif entry.name == "store.sqlite-wal":
            out["wal"] += entry.stat().st_size
        elif entry.is_file():
            out["other"] += entry.stat().st_size
        else:
            out["other"] += tree_bytes(entry)
    return out


# -- the corpus as documents ----------------------------------------------------------------------------


def make_document(corpus, start: int, end: int, number: int):
    """Chunks ``start .. end-1`` of the corpus as one document: ``(Document, chunks, chunk vectors,
    sentence vectors)``, sentence vectors in ``TextStore.distinct_sentences`` order (text order)."""
    from assistant.types import Chunk, Document, PageSpan, SentenceSpan

    pool = corpus.pool
    texts: list[str] = []
    chunks: list[Chunk] = []
    rows: list[int] = []
    own: dict[int, int] = {}  # position in ``rows`` -> chunk whose own vector stands for its sentence
    at = 0
    for i in range(start, end):
        spans: list[SentenceSpan] = []
        if i < corpus.real:
            text = pool.paragraphs[i]
            cursor = 0
            first, last = pool.paragraph_offsets[i], pool.paragraph_offsets[i + 1]
            for s in pool.paragraph_sentences[first:last].tolist():
                found = text.find(pool.sentences[s], cursor)
                if found < 0:
                    continue
                cursor = found + len(pool.sentences[s])
                spans.append(SentenceSpan(at + found, at + cursor))
                rows.append(s)
            if not spans:
                spans.append(SentenceSpan(at, at + len(text)))
                own[len(rows)] = i
                rows.append(0)
        else:
            members = corpus.members[corpus.offsets[i] : corpus.offsets[i + 1]].tolist()
            parts = [pool.sentences[s] for s in members]
            text = " ".join(parts)
            cursor = at
            for s, part in zip(members, parts):
                spans.append(SentenceSpan(cursor, cursor + len(part)))
                rows.append(s)
                cursor += len(part) + 1
        chunks.append(Chunk("", text, at, at + len(text), None, spans, int(len(text.split()) * 1.3)))
        texts.append(text)
        at += len(text) + 2
    body = "\n\n".join(texts)
    doc_id = hashlib.sha256(body.encode()).hexdigest()
    for chunk in chunks:
        chunk.doc_id = doc_id
    document = Document(
        doc_id=doc_id,
        path=f"/scale-corpus/doc-{number:06d}.txt",
        title=f"Scale corpus document {number}",
        text=body,
        format="txt",
        pages=[PageSpan(1, 0, len(body))],
    )
    sentence_vectors = pool.sentence_vectors[np.asarray(rows, dtype=np.int64)]
    for position, chunk_index in own.items():
        sentence_vectors[position] = corpus.vectors[chunk_index]
    return document, chunks, corpus.vectors[start:end], sentence_vectors


def question_sample(pool, real: int, count: int, seed: int = SEED) -> np.ndarray:
    """The questions ``ScaleCorpus.queries`` draws (the same seeded sample), as indexes into the pool."""
    eligible = np.flatnonzero(pool.question_paragraph < real)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(eligible, size=min(count, eligible.size), replace=False))


def added_document(folder: Path, cache: Path) -> tuple[Path, list[dict]]:
    """About ADD_WORDS words of SciFact abstracts the scale corpus never drew from (so the file is new
    to every index), each one judged relevant to a SciFact test claim; returns the file and the claims
    with their abstracts' titles."""
    from .corpora import load_scifact
    from .scale_corpus import SCIFACT_ABSTRACTS

    scifact = load_scifact()
    ids = list(scifact.corpus)
    rng = np.random.default_rng(SEED)
    used = set(np.sort(rng.choice(len(ids), size=min(SCIFACT_ABSTRACTS, len(ids)), replace=False)).tolist())
    claims_of: dict[str, list[str]] = defaultdict(list)
    for query, judged in sorted(scifact.qrels.items()):
        for doc in judged:
            claims_of[doc].append(scifact.queries[query])
    parts, claims, words = [], [], 0
    for position, doc in enumerate(ids):
        if position in used or doc not in claims_of:
            continue
        parts.append(scifact.corpus[doc])
        claims += [
            {"claim": c, "abstract": doc, "title": scifact.corpus[doc].split("\n", 1)[0]} for c in claims_of[doc]
        ]
        words += len(scifact.corpus[doc].split())
        if words >= ADD_WORDS:
            break
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scale-added-10-pages.txt"
    text = "\n\n".join(parts) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path.resolve(), claims


# -- child processes ------------------------------------------------------------------------------------


def _paths(work: Path, size: int) -> dict[str, Path]:
    return {
        "index": work / f"index-{size}",
        "build": work / f"index-{size}.build.json",
        "truth": work / f"truth-{size}.npz",
        "queries": work / "queries.npz",
        "setup": work / "setup.json",
    }


def child_build(args: argparse.Namespace) -> dict:
    from assistant.embedding import EmbeddingIdentity
    from assistant.settings import Settings
    from assistant.store import bm25, segments
    from assistant.store.dense import DenseSegment
    from assistant.store.factory import open_store
    from assistant.store.index import EmbeddedStore, EmbeddedWriter
    from assistant.store.textstore import TextStore

    from .scale_corpus import load_pool, make_corpus

    paths = _paths(args.work, args.size)
    setup = json.loads(paths["setup"].read_text())
    started = time.perf_counter()
    pool = load_pool(args.cache)
    corpus = make_corpus(args.size, pool)
    corpus_s = time.perf_counter() - started
    rss_corpus = vm_rss()
    print(f"  [build {args.size:,}] corpus ready in {corpus_s:.0f} s, RSS {rss_corpus / 2**30:.2f} GB", flush=True)

    timers = Timers()
    for owner, attr in (
        (TextStore, "segment_rows"),
        (TextStore, "replace_segments"),
        (TextStore, "commit"),
        (TextStore, "check"),
        (bm25, "tokenize"),
        (bm25.Postings, "from_batches"),
        (DenseSegment, "build"),
        (segments.Segment, "save"),
        (segments, "_checksum"),
        (segments, "_fsync_tree"),
        (EmbeddedStore, "_sweep"),
        (EmbeddedWriter, "_write_segment"),
    ):
        timers.wrap(owner, attr)

    settings = Settings(index_dir=paths["index"])
    store = open_store(settings.storage, EmbeddingIdentity(**setup["identity"]))
    assert isinstance(store, EmbeddedStore)
    commits: list[dict] = []
    prepare_s = rows_s = commit_s = writer_s = merge_s = 0.0
    sentences = 0
    build_started = time.perf_counter()
    for batch in range(0, args.size, COMMIT_CHUNKS):
        batch_end = min(batch + COMMIT_CHUNKS, args.size)
        batch_rows = batch_prepare = 0.0
        entered = time.perf_counter()
        with store.writer(setup["chunker"]) as writer:
            opened = time.perf_counter() - entered
            for start in range(batch, batch_end, DOC_CHUNKS):
                t0 = time.perf_counter()
                document, chunks, chunk_vectors, sentence_vectors = make_document(
                    corpus, start, min(start + DOC_CHUNKS, batch_end), start // DOC_CHUNKS
                )
                t1 = time.perf_counter()
                ids = writer.add_document(document, chunks, chunk_vectors, sentence_vectors)
                writer.add_source(document.path, document.doc_id)
                t2 = time.perf_counter()
                if ids[0] != start + 1:
                    raise RuntimeError(f"chunk {start} got id {ids[0]}, not {start + 1}: was the index fresh?")
                sentences += len(sentence_vectors)
                batch_prepare += t1 - t0
                batch_rows += t2 - t1
            print(f"  [build {args.size:,}] {batch_end:,} chunks written ({batch_rows:.0f} s), committing", flush=True)
            t3 = time.perf_counter()
            writer.commit()
            committed = time.perf_counter() - t3
            manifest = writer.manifest
        closed = time.perf_counter() - entered - opened - batch_rows - batch_prepare - committed
        # As an ingest does: a merge that would build an ANN index runs after the commit.
        t4 = time.perf_counter()
        merged = store.merge()
        merge_seconds = time.perf_counter() - t4
        if merged:
            manifest = store.view().manifest
        merge_s += merge_seconds
        prepare_s += batch_prepare
        rows_s += batch_rows
        commit_s += committed
        writer_s += opened + closed
        commits.append(
            {
                "chunks": batch_end,
                "rows_s": round(batch_rows, 2),
                "commit_s": round(committed, 2),
                "writer_open_close_s": round(opened + closed, 2),
                "merge_after_s": round(merge_seconds, 2),
                "segments": [[s["name"], s["chunks"], s["kind"]] for s in manifest.segments],
                "rss_gb": round(vm_rss() / 2**30, 2),
            }
        )
        print(
            f"  [build {args.size:,}] commit {len(commits)}: {committed:.0f} s, segments "
            + ", ".join(f"{n} {c:,} {k}" for n, c, k in commits[-1]["segments"]),
            flush=True,
        )
    wall = time.perf_counter() - build_started
    timers.restore()
    live = {s["name"] for s in manifest.segments}
    size_bytes = store.size_bytes()
    seconds = timers.seconds
    parts = {
        "rows_read_back": seconds["TextStore.segment_rows"],
        "bm25_tokenize": seconds["assistant.store.bm25.tokenize"],
        "bm25_postings_other": seconds["Postings.from_batches"]
        - seconds["TextStore.segment_rows"]
        - seconds["assistant.store.bm25.tokenize"],
        "ann_or_matrix_build": seconds["DenseSegment.build"],
        "segment_save": seconds["Segment.save"] - seconds["assistant.store.segments._checksum"],
        "segment_checksum": seconds["assistant.store.segments._checksum"],
        "chunks_segment_update": seconds["TextStore.replace_segments"],
        "sqlite_commit_and_checkpoint": seconds["TextStore.commit"],
    }
    parts["commit_other"] = commit_s - sum(parts.values())
    result = {
        "chunks": args.size,
        "documents": -(-args.size // DOC_CHUNKS),
        "sentences": sentences,
        "commits": commits,
        "wall_s": wall,
        "prepare_s": prepare_s,
        "rows_s": rows_s,
        "segments_s": commit_s,
        "merges_after_commit_s": merge_s,
        "writer_open_close_s": writer_s,
        "commit_parts_s": parts,
        "timers": timers.report(),
        "corpus_s": corpus_s,
        "rss_corpus_bytes": rss_corpus,
        "peak_rss_bytes": peak_rss(),
        "size_bytes": size_bytes,
        "disk": disk_breakdown(paths["index"], live),
        "manifest_segments": manifest.segments,
        "generation": manifest.generation,
        "counts": manifest.counts,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": load_average(),
    }
    paths["build"].write_text(json.dumps(result, indent=2))
    return result


def child_truth(args: argparse.Namespace) -> dict:
    """Exact top 10 by inner product over the corpus vectors, as store chunk ids (corpus row + 1)."""
    from .scale_corpus import load_pool, make_corpus

    paths = _paths(args.work, args.size)
    queries = np.load(paths["queries"])
    vectors = queries["vectors"]
    started = time.perf_counter()
    corpus = make_corpus(args.size, load_pool(args.cache))
    ids = np.empty((len(vectors), K), dtype=np.int64)
    for block in range(0, len(vectors), 64):
        scores = corpus.vectors @ vectors[block : block + 64].T
        top = np.argpartition(-scores, K - 1, axis=0)[:K].T
        for row, candidates in enumerate(top):
            order = np.argsort(-scores[candidates, row], kind="stable")
            ids[block + row] = candidates[order] + 1
    np.savez(paths["truth"], ids=ids)
    return {"seconds": time.perf_counter() - started}


def _open_index(args: argparse.Namespace, text: str, vector: np.ndarray) -> tuple[dict, tuple]:
    """Open the index and answer one question, as a fresh server process does (vector given)."""
    t0 = time.perf_counter()
    from assistant.embedding import EmbeddingIdentity
    from assistant.retrieve.hybrid import HybridRetriever, Query
    from assistant.settings import Settings
    from assistant.store import segments
    from assistant.store.bm25 import Postings
    from assistant.store.dense import DenseSegment
    from assistant.store.factory import open_store
    from assistant.store.textstore import TextStore

    t1 = time.perf_counter()
    rss_imports = vm_rss()
    paths = _paths(args.work, args.size)
    setup = json.loads(paths["setup"].read_text())
    timers = Timers()
    for owner, attr in (
        (TextStore, "check"),
        (segments, "_checksum"),
        (DenseSegment, "load"),
        (Postings, "load"),
        (segments.Segment, "load"),
    ):
        timers.wrap(owner, attr)
    t2 = time.perf_counter()
    settings = Settings(index_dir=paths["index"])
    store = open_store(settings.storage, EmbeddingIdentity(**setup["identity"]))
    retriever = HybridRetriever(settings.retrieval)
    with store.reading() as view:
        opened = time.perf_counter()
        passages = retriever.retrieve(view, [Query(text, vector)], top_k=5)
    t3 = time.perf_counter()
    timers.restore()
    result = {
        "answered_at": time.time(),
        "imports_s": t1 - t0,
        "open_s": opened - t2,
        "first_query_s": t3 - opened,
        "open_and_answer_s": t3 - t2,
        "rss_after_imports_bytes": rss_imports,
        "rss_bytes": vm_rss(),
        "peak_rss_bytes": peak_rss(),
        "passages": len(passages),
        "timers": timers.report(),
        "load_average": load_average(),
    }
    return result, (store, settings, retriever, Query)


def child_open(args: argparse.Namespace) -> dict:
    queries = np.load(_paths(args.work, args.size)["queries"])
    texts = json.loads(str(queries["texts"]))
    result, _ = _open_index(args, texts[0], queries["vectors"][0])
    return result


def child_search(args: argparse.Namespace) -> dict:
    queries = np.load(_paths(args.work, args.size)["queries"])
    texts: list[str] = json.loads(str(queries["texts"]))
    vectors, gold = queries["vectors"], queries["gold"] + 1
    opened, (store, settings, retriever, Query) = _open_index(args, texts[0], vectors[0])
    from assistant.retrieve.hybrid import HybridRetriever
    from assistant.store.bm25 import KeywordSearch
    from assistant.store.index import EmbeddedStore, SentenceScores
    from assistant.store.segments import SegmentSet
    from assistant.store.textstore import TextStore

    truth = np.load(_paths(args.work, args.size)["truth"])["ids"]
    n = len(texts)
    rounds = args.rounds

    def hybrid(i: int, top_k: int = 5):
        with store.reading() as view:
            return retriever.retrieve(view, [Query(texts[i], vectors[i])], top_k=top_k)

    with store.reading() as view:
        for i in range(WARMUP):
            view.dense.search(vectors[i], K)
    for i in range(WARMUP):
        hybrid(i)

    dense_wall, dense_cpu = np.zeros((rounds, n)), np.zeros((rounds, n))
    hybrid_wall, hybrid_cpu = np.zeros((rounds, n)), np.zeros((rounds, n))
    dense_ids = np.zeros((n, K), dtype=np.int64)
    hybrid5 = np.zeros(n, dtype=bool)
    loads = []
    for r in range(rounds):
        with store.reading() as view:
            for i in range(n):
                w, c = time.perf_counter(), time.thread_time()
                ids, _ = view.dense.search(vectors[i], K)
                dense_cpu[r, i], dense_wall[r, i] = time.thread_time() - c, time.perf_counter() - w
                if r == 0:
                    dense_ids[i, : len(ids)] = ids
        for i in range(n):
            w, c = time.perf_counter(), time.thread_time()
            passages = hybrid(i)
            hybrid_cpu[r, i], hybrid_wall[r, i] = time.thread_time() - c, time.perf_counter() - w
            if r == 0:
                hybrid5[i] = any(p.chunk_id == gold[i] for p in passages)
        loads.append(load_average())
        print(
            f"  [search {args.size:,}] round {r + 1}: dense p50 {np.median(dense_wall[r]) * 1000:.2f} ms, "
            f"hybrid p50 {np.median(hybrid_wall[r]) * 1000:.1f} ms (load {loads[-1]:.1f})",
            flush=True,
        )
    hybrid10 = np.array([any(p.chunk_id == gold[i] for p in hybrid(i, top_k=K)) for i in range(n)])
    recall = np.mean([len(set(dense_ids[i]) & set(truth[i])) / K for i in range(n)])

    # Where a hybrid question's time goes: the retriever's calls into the view, timed on a sample.
    timers = Timers()
    for owner, attr in (
        (SegmentSet, "search"),
        (SegmentSet, "scores"),
        (KeywordSearch, "search"),
        (KeywordSearch, "scores"),
        (SentenceScores, "best"),
        (TextStore, "chunks"),
        (EmbeddedStore, "_begin"),
        (HybridRetriever, "retrieve"),
    ):
        timers.wrap(owner, attr)
    sample = range(min(PROFILED_QUESTIONS, n))
    for i in sample:
        hybrid(i)
    timers.restore()
    stages = {k: v["s"] / len(sample) * 1000 for k, v in timers.report().items()}
    profile = cProfile.Profile()
    profile.enable()
    for i in sample:
        hybrid(i)
    profile.disable()
    return {
        "open": opened,
        "queries": n,
        "rounds": rounds,
        "dense": {
            **percentiles_ms(np.median(dense_wall, axis=0)),
            "cpu_p50_ms": float(np.percentile(np.median(dense_cpu, axis=0), 50) * 1000),
            "round_p50_ms": [float(np.median(row) * 1000) for row in dense_wall],
        },
        "hybrid": {
            **percentiles_ms(np.median(hybrid_wall, axis=0)),
            "cpu_p50_ms": float(np.percentile(np.median(hybrid_cpu, axis=0), 50) * 1000),
            "cpu_p95_ms": float(np.percentile(np.median(hybrid_cpu, axis=0), 95) * 1000),
            "round_p50_ms": [float(np.median(row) * 1000) for row in hybrid_wall],
            "stages_ms_per_question": stages,
            "profile_top": profile_top(profile),
        },
        "recall@10": float(recall),
        "squad": {
            "hybrid_R@5": float(hybrid5.mean()),
            "hybrid_R@10": float(hybrid10.mean()),
            "dense_R@10": float(np.mean([gold[i] in dense_ids[i] for i in range(n)])),
            "exact_R@10": float(np.mean([gold[i] in truth[i] for i in range(n)])),
        },
        "rss_bytes": vm_rss(),
        "peak_rss_bytes": peak_rss(),
        "load_average": loads,
        "settings": {
            "candidate_k": settings.retrieval.candidate_k,
            "fusion": settings.retrieval.fusion,
            "hnsw_ef_search": settings.hnsw_ef_search,
        },
    }


def child_add(args: argparse.Namespace) -> dict:
    from assistant import Assistant
    from assistant.ingest.chunker import SentenceChunker
    from assistant.ingest.isolation import ReaderProcess
    from assistant.ingest.pipeline import Ingestor
    from assistant.settings import Settings
    from assistant.store import segments
    from assistant.store.index import EmbeddedStore, EmbeddedWriter
    from assistant.store.textstore import TextStore

    paths = _paths(args.work, args.size)
    setup = json.loads(paths["setup"].read_text())
    path, claims = Path(setup["add_file"]), setup["add_claims"]
    t0 = time.perf_counter()
    assistant = Assistant(Settings(index_dir=paths["index"]))
    construct_s = time.perf_counter() - t0
    assistant.embedder.encode(["a warm-up sentence for the model"] * 8)
    t1 = time.perf_counter()
    assistant.retrieve(claims[0]["claim"], top_k=5)  # a running server has the index open
    first_question_s = time.perf_counter() - t1

    def found() -> tuple[float, float, list[int | None]]:
        """Share of the claims whose top 5 holds the added file, seconds of the first search, ranks."""
        ranks: list[int | None] = []
        first = 0.0
        for n, claim in enumerate(claims):
            t = time.perf_counter()
            passages = assistant.retrieve(claim["claim"], top_k=5)
            if n == 0:
                first = time.perf_counter() - t
            ranks.append(next((r for r, p in enumerate(passages, 1) if p.source == str(path)), None))
        return sum(r is not None for r in ranks) / len(ranks), first, ranks

    timers = Timers()
    timers.wrap(assistant.embedder, "encode", "embedding")
    for owner, attr in (
        (ReaderProcess, "read"),
        (SentenceChunker, "chunk"),
        (Ingestor, "_store"),
        (TextStore, "check"),
        (TextStore, "add_document"),
        (TextStore, "commit"),
        (TextStore, "remove_document"),
        (TextStore, "sources"),
        (EmbeddedStore, "_sweep"),
        (EmbeddedStore, "_load"),
        (EmbeddedWriter, "commit"),
        (EmbeddedWriter, "_write_segment"),
        (segments.Segment, "build"),
        (segments.Segment, "save"),
    ):
        timers.wrap(owner, attr)
    rounds = []
    # Round 0 is the first ingest in the process (the sentence splitter loads then); the next
    # ADD_ROUNDS are reported (median); the last is under cProfile.
    for r in range(ADD_ROUNDS + 2):
        profile = cProfile.Profile() if r == ADD_ROUNDS + 1 else None
        timers.reset()
        t, used = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        report = assistant.ingest([path])
        add_s, add_cpu = time.perf_counter() - t, time.process_time() - used
        if profile:
            profile.disable()
        add_timers = timers.report()
        share, first_after_add, ranks = found()
        timers.reset()
        t, used = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        removed = assistant.remove(str(path))
        remove_s, remove_cpu = time.perf_counter() - t, time.process_time() - used
        if profile:
            profile.disable()
        remove_timers = timers.report()
        gone, first_after_remove, _ = found()
        entry = {
            "add_s": add_s,
            "add_cpu_s": add_cpu,
            "embed_s": add_timers.get("embedding", {}).get("s", 0.0),
            "embed_cpu_s": add_timers.get("embedding", {}).get("cpu_s", 0.0),
            "remove_cpu_s": remove_cpu,
            "texts_embedded": report.embeddings_computed,
            "chunks_added": report.chunks_added,
            "remove_s": remove_s,
            "chunks_removed": removed.chunks_removed,
            "found@5": share,
            "ranks": ranks,
            "first_search_after_add_s": first_after_add,
            "found@5_after_remove": gone,
            "first_search_after_remove_s": first_after_remove,
            "add_timers": add_timers,
            "remove_timers": remove_timers,
            "profiled": profile is not None,
            "first_in_process": r == 0,
            "load_average": load_average(),
        }
        if profile:
            entry["profile_top"] = profile_top(profile, 18)
        rounds.append(entry)
        print(
            f"  [add {args.size:,}] round {r + 1}{' (profiled)' if profile else ''}: add {add_s:.2f} s "
            f"(embedding {entry['embed_s']:.2f} s, {report.chunks_added} chunks), remove {remove_s:.2f} s, "
            f"found@5 {share:.2f} then {gone:.2f}",
            flush=True,
        )
    timers.restore()
    plain = rounds[1 : ADD_ROUNDS + 1]
    return {
        "file": str(path),
        "words": len(path.read_text(encoding="utf-8").split()),
        "claims": len(claims),
        "assistant_construct_s": construct_s,
        "first_question_s": first_question_s,
        "add_s": statistics.median(e["add_s"] for e in plain),
        "embed_s": statistics.median(e["embed_s"] for e in plain),
        "add_cpu_s": statistics.median(e["add_cpu_s"] for e in plain),
        "embed_cpu_s": statistics.median(e["embed_cpu_s"] for e in plain),
        "add_without_embedding_s": statistics.median(e["add_s"] - e["embed_s"] for e in plain),
        "remove_s": statistics.median(e["remove_s"] for e in plain),
        "found@5": plain[0]["found@5"],
        "found@5_after_remove": plain[0]["found@5_after_remove"],
        "first_search_after_add_s": statistics.median(e["first_search_after_add_s"] for e in plain),
        "first_in_process_add_s": rounds[0]["add_s"],
        "rounds": rounds,
        "peak_rss_bytes": peak_rss(),
    }


CHILDREN = {"build": child_build, "truth": child_truth, "open": child_open, "search": child_search, "add": child_add}


def run_child(stage: str, size: int, args: argparse.Namespace) -> dict:
    """Run one stage in a fresh process; returns what it wrote, with the parent's view of its wall time."""
    result_file = args.work / f"child-{stage}-{size}.json"
    result_file.unlink(missing_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(ONE_THREAD if stage in ("open", "search") else {})}
    command = [sys.executable, "-m", "benchmarks.bench_scale", "--child", stage, "--size", str(size)]
    command += ["--work", str(args.work), "--cache", str(args.cache), "--rounds", str(args.rounds)]
    command += ["--result", str(result_file)]
    spawned = time.time()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    result = json.loads(result_file.read_text())
    result["process_wall_s"] = time.time() - spawned
    if "answered_at" in result:
        result["spawn_to_answer_s"] = result["answered_at"] - spawned
    elif "open" in result:
        result["open"]["spawn_to_answer_s"] = result["open"]["answered_at"] - spawned
    return result


# -- the parent: setup, stages, results -----------------------------------------------------------------


def prepare(args: argparse.Namespace) -> dict:
    """Write what every child reads: the model's identity and chunker settings, the question sample,
    and the document to add. Refuses a pool embedded by another model than the configured one."""
    from assistant.embedding import load_embedder
    from assistant.ingest.pipeline import Ingestor
    from assistant.settings import Settings

    from .scale_corpus import load_pool

    args.work.mkdir(parents=True, exist_ok=True)
    paths = _paths(args.work, 0)
    settings = Settings(index_dir=args.work / "unused")
    embedder = load_embedder(settings)
    identity = embedder.identity
    pool = load_pool(args.cache)
    expected = f"{identity.name} ({identity.backend}, weights sha256 {identity.weights_sha256[:12]})"
    if pool.embedding != expected:
        raise SystemExit(f"The sentence pool was embedded by {pool.embedding}, the settings name {expected}.")
    real = len(pool.paragraph_vectors)
    chosen = question_sample(pool, real, args.queries)
    np.savez(
        paths["queries"],
        vectors=pool.question_vectors[chosen],
        gold=pool.question_paragraph[chosen].astype(np.int64),
        texts=np.array(json.dumps([pool.questions[i] for i in chosen])),
    )
    add_file, claims = added_document(args.work / "add", args.cache)
    setup = {
        "identity": asdict(identity),
        "chunker": Ingestor.of(settings, embedder).chunker_settings,
        "pool": pool.embedding,
        "queries": len(chosen),
        "add_file": str(add_file),
        "add_claims": claims,
        "storage": {
            k: getattr(settings, k)
            for k in ("ann_min_chunks", "ann_kind", "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "merge_factor")
        },
    }
    paths["setup"].write_text(json.dumps(setup, indent=2))
    return setup


def measure_size(size: int, args: argparse.Namespace, entry: dict, save) -> dict:
    paths = _paths(args.work, size)
    reused = args.reuse and paths["index"].is_dir() and paths["build"].is_file()
    if reused:
        built = json.loads(paths["build"].read_text())
        if entry.get("build", {}).get("built_at") != built["built_at"]:
            entry = {}
        entry["build"] = {**built, "reused": True}
        print(f"== {size:,} chunks: reusing the index built {built['built_at']}", flush=True)
    else:
        entry = {}
        shutil.rmtree(paths["index"], ignore_errors=True)
        paths["build"].unlink(missing_ok=True)
        print(f"== {size:,} chunks: building", flush=True)
        entry["build"] = run_child("build", size, args)
        save(entry)
    if not paths["truth"].is_file() or "truth_s" not in entry:
        print(f"== {size:,} chunks: exact ground truth", flush=True)
        entry["truth_s"] = run_child("truth", size, args)["seconds"]
        save(entry)
    if "search" not in entry:
        print(f"== {size:,} chunks: open and search ({args.queries} questions x {args.rounds} rounds)", flush=True)
        entry["search"] = run_child("search", size, args)
        save(entry)
    if "open" not in entry:
        runs = [entry["search"]["open"]] + [run_child("open", size, args) for _ in range(args.open_runs - 1)]
        entry["open"] = {
            "runs": runs,
            "open_and_answer_s": statistics.median(r["open_and_answer_s"] for r in runs),
            "spawn_to_answer_s": statistics.median(r["spawn_to_answer_s"] for r in runs),
            "rss_bytes": max(r["rss_bytes"] for r in runs),
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs),
            "rss_after_imports_bytes": statistics.median(r["rss_after_imports_bytes"] for r in runs),
        }
        save(entry)
    if "add" not in entry:
        print(f"== {size:,} chunks: add and remove one 10-page document", flush=True)
        entry["add"] = run_child("add", size, args)
        save(entry)
    entry["complete"] = True
    save(entry)
    return entry


def goals(sizes: dict) -> dict:
    at = sizes.get(str(GOALS["at_chunks"]))
    if not at:
        return {"status": f"not measured at {GOALS['at_chunks']:,} chunks"}
    p50, recall, add_s = at["search"]["dense"]["p50_ms"], at["search"]["recall@10"], at["add"]["add_s"]
    return {
        "search": f"dense p50 {p50:.2f} ms at recall@10 {recall:.3f}: "
        + ("met" if p50 < GOALS["search_p50_ms"] and recall >= GOALS["recall@10"] else "NOT met")
        + f" (goal < {GOALS['search_p50_ms']:g} ms at >= {GOALS['recall@10']})",
        "hybrid": f"hybrid p50 {at['search']['hybrid']['p50_ms']:.1f} ms"
        + (" (also < 50 ms)" if at["search"]["hybrid"]["p50_ms"] < GOALS["search_p50_ms"] else " (over 50 ms)"),
        "add": f"add one 10-page document {add_s:.2f} s: "
        + ("met" if add_s < GOALS["add_s"] else "NOT met")
        + f" (goal < {GOALS['add_s']:g} s; {at['add']['add_cpu_s']:.2f} s CPU, embedding "
        + f"{at['add']['embed_s']:.2f} s wall / {at['add']['embed_cpu_s']:.2f} s CPU, the rest "
        + f"{at['add']['add_without_embedding_s']:.2f} s)",
    }


def _gb(value: float) -> str:
    return f"{value / 2**30:.2f}"


def to_markdown(results: dict) -> str:
    sizes = results["sizes"]
    lines = [
        f"# The embedded index at scale ({results['date']})",
        "",
        f"Machine: {results['machine']}; shared with other jobs (load average during stages "
        f"{results['load_range']}). FAISS {results['faiss']}. Corpus: `scale_corpus.py` (pool by "
        f"{results['setup']['pool']}), {DOC_CHUNKS} chunks per document, a commit per {COMMIT_CHUNKS:,} chunks. "
        f"Storage settings: {', '.join(f'{k} {v}' for k, v in results['setup']['storage'].items())}. "
        f"{results['setup']['queries']} SQuAD questions; latencies are each question's median over "
        f"{results['rounds']} rounds, one thread, in a fresh process that opened the index.",
        "",
        "| chunks | build s (rows / segments) | build peak RSS GB (corpus) | disk GB | segments | open s | open RSS MB "
        "| dense p50 / p95 ms | recall@10 | hybrid p50 / p95 ms | hybrid CPU p50 ms | SQuAD R@10 hybrid (exact dense) "
        "| add s (embedding) | add CPU s (embedding) | remove s | found@5 after add / remove |",
        "|---" * 16 + "|",
    ]
    for key in sorted(sizes, key=int):
        e = sizes[key]
        b, s, o, a = e["build"], e["search"], e["open"], e["add"]
        segments = ", ".join(f"{g['chunks']:,} {g['kind']}" for g in b["manifest_segments"])
        lines.append(
            f"| {int(key):,} | {b['wall_s']:.0f} ({b['rows_s']:.0f} / {b['segments_s']:.0f}) "
            f"| {_gb(b['peak_rss_bytes'])} ({_gb(b['rss_corpus_bytes'])}) | {_gb(b['size_bytes'])} | {segments} "
            f"| {o['open_and_answer_s']:.2f} | {o['rss_bytes'] / 2**20:.0f} "
            f"| {s['dense']['p50_ms']:.2f} / {s['dense']['p95_ms']:.2f} | {s['recall@10']:.3f} "
            f"| {s['hybrid']['p50_ms']:.1f} / {s['hybrid']['p95_ms']:.1f} | {s['hybrid']['cpu_p50_ms']:.1f} "
            f"| {s['squad']['hybrid_R@10']:.3f} ({s['squad']['exact_R@10']:.3f}) "
            f"| {a['add_s']:.2f} ({a['embed_s']:.2f}) | {a['add_cpu_s']:.2f} ({a['embed_cpu_s']:.2f}) "
            f"| {a['remove_s']:.2f} "
            f"| {a['found@5']:.2f} / {a['found@5_after_remove']:.2f} |"
        )
    lines += ["", "Goals at 1M chunks: " + "; ".join(results["goals"].values()) + ".", ""]
    lines += ["## Where the time and memory go", ""]
    for key in sorted(sizes, key=int):
        e = sizes[key]
        b, s, o, a = e["build"], e["search"], e["open"], e["add"]
        parts = ", ".join(f"{k.replace('_', ' ')} {v:.0f} s" for k, v in b["commit_parts_s"].items())
        disk = ", ".join(f"{k.replace('_', ' ')} {_gb(v)} GB" for k, v in b["disk"].items() if v)
        stages = ", ".join(f"{k} {v:.2f}" for k, v in s["hybrid"]["stages_ms_per_question"].items())
        first_open = o["runs"][0]
        open_parts = ", ".join(f"{k} {v['s']:.2f} s" for k, v in first_open["timers"].items())
        add_parts = ", ".join(f"{k} {v['s']:.2f} s" for k, v in a["rounds"][1]["add_timers"].items())
        remove_parts = ", ".join(f"{k} {v['s']:.2f} s" for k, v in a["rounds"][1]["remove_timers"].items())
        lines += [
            f"### {int(key):,} chunks ({b['documents']:,} documents, {b['sentences']:,} sentences)",
            "",
            f"- Build {b['wall_s']:.0f} s: rows written {b['rows_s']:.0f} s, segments at {len(b['commits'])} "
            f"commit(s) {b['segments_s']:.0f} s ({parts}), writers opened/closed {b['writer_open_close_s']:.1f} s; "
            f"the benchmark's own document assembly {b['prepare_s']:.0f} s (outside the store). "
            f"Peak RSS {_gb(b['peak_rss_bytes'])} GB, of which the corpus held in the process "
            f"{_gb(b['rss_corpus_bytes'])} GB.",
            "- Commits: "
            + "; ".join(
                f"{c['chunks']:,}: rows {c['rows_s']:.0f} s, commit {c['commit_s']:.0f} s"
                + (f", merge after it {c['merge_after_s']:.0f} s" if c.get("merge_after_s") else "")
                + " -> "
                + ", ".join(f"{n} {k} {r:,}" for n, r, k in c["segments"])
                for c in b["commits"]
            ),
            f"- Disk {_gb(b['size_bytes'])} GB: {disk}.",
            f"- Open (fresh process, median of {len(o['runs'])}): {o['open_and_answer_s']:.2f} s to open and answer "
            f"one question after imports ({o['spawn_to_answer_s']:.1f} s from spawn); RSS "
            f"{o['rss_bytes'] / 2**20:.0f} MB (imports alone {o['rss_after_imports_bytes'] / 2**20:.0f} MB), peak "
            f"{o['peak_rss_bytes'] / 2**20:.0f} MB. First open: {open_parts}.",
            f"- Search rounds p50 (dense ms {', '.join(f'{v:.2f}' for v in s['dense']['round_p50_ms'])}; hybrid ms "
            f"{', '.join(f'{v:.1f}' for v in s['hybrid']['round_p50_ms'])}); hybrid ms per question by call: "
            f"{stages}. SQuAD: hybrid R@5 {s['squad']['hybrid_R@5']:.3f}, dense R@10 {s['squad']['dense_R@10']:.3f}.",
            f"- Add ({a['words']:,} words, {a['rounds'][0]['chunks_added']} chunks, "
            f"{a['rounds'][0]['texts_embedded']} texts embedded, medians of {ADD_ROUNDS} rounds): {a['add_s']:.2f} s "
            f"({a['add_cpu_s']:.2f} s CPU in this process), of which embedding {a['embed_s']:.2f} s "
            f"({a['embed_cpu_s']:.2f} s CPU), the rest {a['add_without_embedding_s']:.2f} s; "
            f"first search after it {a['first_search_after_add_s']:.2f} s; the first add in the process took "
            f"{a['first_in_process_add_s']:.2f} s. Round 2 by call: {add_parts}. "
            f"Remove {a['remove_s']:.2f} s: {remove_parts}. Found@5 over {a['claims']} SciFact claims of its "
            f"abstracts {a['found@5']:.2f} after the add, {a['found@5_after_remove']:.2f} after the removal.",
            "",
        ]
    largest = max(sizes, key=int)
    lines += [
        f"### cProfile at {int(largest):,} chunks",
        "",
        f"Hybrid retrieval, {PROFILED_QUESTIONS} questions (own time):",
        "",
        "```",
        *sizes[largest]["search"]["hybrid"]["profile_top"],
        "```",
        "",
        "Adding and removing the document (profiled round):",
        "",
        "```",
        *sizes[largest]["add"]["rounds"][-1].get("profile_top", []),
        "```",
    ]
    if results.get("chart"):
        lines += ["", f"![curves]({Path(results['chart']).name})"]
    return "\n".join(lines) + "\n"


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = sorted(results["sizes"], key=int)
    x = [int(k) for k in keys]
    e = [results["sizes"][k] for k in keys]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    panels = [
        (
            "search latency (ms)",
            {
                "dense p50": [v["search"]["dense"]["p50_ms"] for v in e],
                "dense p95": [v["search"]["dense"]["p95_ms"] for v in e],
                "hybrid p50": [v["search"]["hybrid"]["p50_ms"] for v in e],
                "hybrid p95": [v["search"]["hybrid"]["p95_ms"] for v in e],
            },
            GOALS["search_p50_ms"],
            True,
        ),
        (
            "build (s)",
            {
                "total": [v["build"]["wall_s"] for v in e],
                "rows written": [v["build"]["rows_s"] for v in e],
                "segments / ANN": [v["build"]["segments_s"] for v in e],
            },
            None,
            True,
        ),
        (
            "memory (GB)",
            {
                "build peak RSS": [v["build"]["peak_rss_bytes"] / 2**30 for v in e],
                "build: corpus alone": [v["build"]["rss_corpus_bytes"] / 2**30 for v in e],
                "opened + 1 question RSS": [v["open"]["rss_bytes"] / 2**30 for v in e],
            },
            None,
            True,
        ),
        (
            "disk (GB)",
            {
                "size_bytes": [v["build"]["size_bytes"] / 2**30 for v in e],
                "database": [v["build"]["disk"]["database"] / 2**30 for v in e],
                "live segments": [v["build"]["disk"]["segments_live"] / 2**30 for v in e],
            },
            None,
            True,
        ),
        (
            "add one 10-page document (s)",
            {
                "add": [v["add"]["add_s"] for v in e],
                "of which embedding": [v["add"]["embed_s"] for v in e],
                "add, CPU s of this process": [v["add"]["add_cpu_s"] for v in e],
                "embedding, CPU s": [v["add"]["embed_cpu_s"] for v in e],
                "remove": [v["add"]["remove_s"] for v in e],
            },
            GOALS["add_s"],
            False,
        ),
        (
            "quality",
            {
                "dense recall@10 vs exact": [v["search"]["recall@10"] for v in e],
                "SQuAD R@10 hybrid": [v["search"]["squad"]["hybrid_R@10"] for v in e],
                "SQuAD R@10 exact dense": [v["search"]["squad"]["exact_R@10"] for v in e],
            },
            GOALS["recall@10"],
            False,
        ),
    ]
    for ax, (title, series, goal, log_y) in zip(axes.flat, panels):
        for label, values in series.items():
            ax.plot(x, values, marker="o", label=label)
        if goal is not None:
            ax.axhline(goal, color="grey", linestyle="--", linewidth=1, label=f"goal {goal:g}")
        ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("chunks")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Embedded index at scale, {results['date']} ({results['machine']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_results(partial: dict, args: argparse.Namespace, stem: str) -> None:
    import faiss

    done = {k: v for k, v in partial["sizes"].items() if v.get("complete")}
    if not done:
        return
    loads = [
        x
        for v in done.values()
        for x in [v["build"]["load_average"], *v["search"]["load_average"], v["add"]["rounds"][0]["load_average"]]
    ]
    results = {
        "date": stem.removeprefix("scale-"),
        "machine": machine(),
        "faiss": faiss.__version__,
        "setup": {k: v for k, v in partial["setup"].items() if k != "add_claims"},
        "rounds": args.rounds,
        "goals_set": GOALS,
        "goals": goals(done),
        "load_range": f"{min(loads):.1f}-{max(loads):.1f}",
        "sizes": done,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / f"{stem}.png"
    chart(results, png)
    results["chart"] = str(png)
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2))
    (args.out / f"{stem}.md").write_text(to_markdown(results))
    print(f"wrote {args.out / stem}.md, .json and .png", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="indexes, ground truth, partial results")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="the scale corpus's sentence pool")
    parser.add_argument("--reuse", action="store_true", help="keep an index already built in the work folder")
    parser.add_argument("--again", action="store_true", help="measure sizes already in the partial results again")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--open-runs", type=int, default=3, help="fresh processes that open the index")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--report", action="store_true", help="only write the results from the partial JSON")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = CHILDREN[args.child](args)
        args.result.write_text(json.dumps(result, indent=2, default=float))
        return

    stem = f"scale-{date.today().isoformat()}"
    partial_file = args.work / "scale-partial.json"
    if args.report:
        write_results(json.loads(partial_file.read_text()), args, stem)
        return
    setup = prepare(args)
    partial = json.loads(partial_file.read_text()) if partial_file.exists() else {"sizes": {}}
    partial["setup"] = setup
    for size in args.sizes:
        key = str(size)
        if partial["sizes"].get(key, {}).get("complete") and not args.again:
            print(f"== {size:,} chunks: measured already (in {partial_file}; --again to redo)", flush=True)
            continue

        def save(entry: dict, key: str = key) -> None:
            partial["sizes"][key] = entry
            partial_file.write_text(json.dumps(partial, indent=2))

        entry = dict(partial["sizes"].get(key, {}))
        entry.pop("complete", None)
        if args.again:
            entry = {k: v for k, v in entry.items() if k in ("build", "truth_s")}
        measure_size(size, args, entry, save)
        write_results(partial, args, stem)
    write_results(partial, args, stem)


if __name__ == "__main__":
    main()
