"""The two index stores side by side: the embedded index (SQLite + segment files, the default) against
PostgreSQL + pgvector (``Settings(store="postgresql://...")``), measured in one run on one machine.

Embedding is shared so that the comparison isolates the store: the embedded indexes are the cached
``BenchIndex`` builds (the normal ingest), and each PostgreSQL store is filled from one of them through
the store's writer protocol (``store.writer(chunker).add_document(...)``) with the same documents,
chunks, chunk vectors and sentence vectors; the embedded store is filled the same way into a scratch
folder, so that both fills are timed alike. Then, question by question with the two backends
interleaved (the first to answer alternates, both see the same machine load):

* SQuAD v1.1 open corpus, the same fixed-seed sample of ``test-v1`` questions as squad_open.py:
  R@1, R@5 and answer contains gold of ``Assistant.ask`` (top_k 10), with retrieve and ask latency;
* BEIR SciFact, every test query: nDCG@10 and Recall@100 (candidate_k 400, top_k 100, as scifact.py);
* bm25 and dense modes as well, to say which half of the hybrid a difference comes from.

Differences are paired: per question the same answer or not, McNemar's exact test on the questions
only one backend gets right, and a paired bootstrap 95% interval of each metric's difference. Last, a
real ``Assistant.ingest`` of the same SciFact abstracts (``--ingest-docs``) on each backend, into a
fresh index or database each time, in turns.

Without ``--store-url`` the test server of scripts/postgres.sh is started (its data in
``$ASSISTANT_PG_DIR``, default ``$ASSISTANT_BENCH_CACHE/postgres``, apart from the tests' server) and
stopped after. The benchmark creates and drops its own databases on that server (``bench_stores_*``),
so the address's user needs CREATEDB.

    python -m benchmarks.bench_stores [--store-url URL] [--squad-questions 1000] [--ingest-docs 300]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from .common import CACHE, ROOT, SEED, BenchIndex, latency_summary, ndcg_at_k, ranked_entries, recall_at_k, ticker
from .run_all import RESULTS, machine

BACKENDS = ("embedded", "postgresql")
LABELS = {"embedded": "embedded (SQLite + segments)", "postgresql": "PostgreSQL + pgvector"}
SQUAD_CHUNKS = 10  # squad_open.CHUNKS
SCIFACT_CHUNKS, SCIFACT_CANDIDATES = 100, 400  # scifact.CHUNKS, scifact.CANDIDATES
MODES = ("hybrid", "bm25", "dense")
BOOTSTRAP = 10_000
EXAMPLES = 10  # disagreements kept in the JSON, per corpus


# -- the server and its databases ------------------------------------------------------------------


def _script(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres.sh"), command], capture_output=True, text=True, env=env, timeout=300
    )


@contextmanager
def server(url: str | None) -> Iterator[str]:
    """``url``, or the test server started for this run (and stopped after, unless it was running)."""
    if url:
        yield url
        return
    env = {**os.environ, "ASSISTANT_PG_DIR": os.environ.get("ASSISTANT_PG_DIR", str(CACHE / "postgres"))}
    running = _script("status", env).returncode == 0
    started = _script("start", env)
    if started.returncode:
        raise SystemExit(f"scripts/postgres.sh start failed:\n{started.stderr}")
    try:
        yield started.stdout.strip()
    finally:
        if not running:
            _script("stop", env)


@contextmanager
def database(url: str, purpose: str) -> Iterator[str]:
    """A fresh database with the vector extension on the server at ``url``, dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"bench_stores_{purpose}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    target = urlsplit(url)._replace(path="/" + name).geturl()
    try:
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        yield target
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# -- copying an embedded index through the writer protocol ------------------------------------------


def embedded_rows(index_dir: Path) -> tuple[dict, dict[str, int], list[tuple]]:
    """The chunker settings, the counts and every document of an embedded index as ``add_document``
    takes them (documents in the order of their first chunk id, so that a fresh store hands out the
    same chunk ids), each with its source paths. Read from its database (``store/textstore.py``)."""
    from assistant.types import Chunk, Document, PageSpan, SentenceSpan

    db = sqlite3.connect(f"file:{index_dir / 'store.sqlite'}?mode=ro", uri=True)
    try:
        manifest = json.loads(db.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()[0])
        sources: dict[str, list[str]] = {}
        for path, doc_id in db.execute("SELECT path, doc_id FROM sources ORDER BY path"):
            sources.setdefault(doc_id, []).append(path)
        sentences: dict[str, list[tuple]] = {}
        for doc_id, start, end, blob, heading, quotable in db.execute(
            "SELECT doc_id, start, end, vector, heading, quotable FROM sentences ORDER BY doc_id, idx"
        ):
            sentences.setdefault(doc_id, []).append((SentenceSpan(start, end, heading, bool(quotable)), blob))
        chunks: dict[str, list[tuple]] = {}
        for row in db.execute(
            "SELECT doc_id, text, start, end, page, n_tokens, sent_first, sent_last, heading, vector, chunk_id"
            " FROM chunks ORDER BY chunk_id"
        ):
            chunks.setdefault(row[0], []).append(row)
        documents = []
        for doc_id, title, fmt, text, pages in db.execute("SELECT doc_id, title, format, text, pages FROM documents"):
            spans = [s for s, _ in sentences.get(doc_id, [])]
            doc_chunks = [
                Chunk(d, t, s, e, p, spans[first : last + 1], n, heading=h)
                for d, t, s, e, p, n, first, last, h, _, _ in chunks.get(doc_id, [])
            ]
            paths = sources.get(doc_id, [])
            document = Document(
                doc_id, paths[0] if paths else "", title, text, fmt, [PageSpan(*p) for p in json.loads(pages)]
            )
            chunk_vectors = _vectors([r[9] for r in chunks.get(doc_id, [])])
            sentence_vectors = _vectors([b for _, b in sentences.get(doc_id, [])])
            first_id = chunks[doc_id][0][10] if doc_id in chunks else math.inf
            documents.append((first_id, document, doc_chunks, chunk_vectors, sentence_vectors, paths))
    finally:
        db.close()
    documents.sort(key=lambda d: (d[0], d[1].doc_id))
    return manifest["chunker"], manifest["counts"], [d[1:] for d in documents]


def _vectors(blobs: list[bytes]) -> np.ndarray:
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)


def fill(store, chunker: dict, documents: list[tuple]) -> float:
    """Write ``documents`` into ``store`` in one writer, as an ingest would; returns the seconds."""
    started = time.perf_counter()
    with store.writer(chunker) as writer:
        for document, chunks, chunk_vectors, sentence_vectors, paths in documents:
            # add_document sets the chunks' ids: give each store its own copies.
            copies = [c.__class__(**{**c.__dict__, "chunk_id": None}) for c in chunks]
            writer.add_document(document, copies, chunk_vectors, sentence_vectors)
            for path in paths:
                writer.add_source(path, document.doc_id)
        writer.commit()
    return time.perf_counter() - started


# -- paired statistics -------------------------------------------------------------------------------


def mcnemar_p(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p: the questions only one backend gets right, under a fair coin."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired(a: list[float], b: list[float], binary: bool = False) -> dict:
    """PostgreSQL (b) minus embedded (a), question by question: mean difference, its paired bootstrap
    95% interval, how many questions score the same, and for a 0/1 metric McNemar's exact p."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = y - x
    rng = np.random.default_rng(SEED)
    means = diff[rng.integers(0, len(diff), size=(BOOTSTRAP, len(diff)))].mean(axis=1)
    low, high = (float(v) for v in np.percentile(means, [2.5, 97.5]))
    out = {
        "embedded": float(x.mean()),
        "postgresql": float(y.mean()),
        "delta": float(diff.mean()),
        "ci95": [low, high],
        "same": int(np.sum(np.isclose(x, y, rtol=0, atol=1e-9))),
        "n": len(diff),
    }
    if binary:
        out["only_embedded"], out["only_postgresql"] = int(np.sum(x > y)), int(np.sum(y > x))
        out["mcnemar_p"] = mcnemar_p(out["only_embedded"], out["only_postgresql"])
        out["within_noise"] = out["mcnemar_p"] >= 0.05
    else:
        out["within_noise"] = low <= 0 <= high
    return out


def _same(a: list, b: list) -> int:
    return sum(x == y for x, y in zip(a, b))


# -- the two corpora ---------------------------------------------------------------------------------


def _assistants(bench: BenchIndex, url: str, embedder, **overrides) -> dict:
    from assistant import Assistant, Settings

    return {
        "embedded": Assistant(Settings(index_dir=bench.index_dir, store="", **overrides), embedder=embedder),
        "postgresql": Assistant(Settings(store=url, **overrides), embedder=embedder),
    }


def _order(i: int) -> tuple[str, ...]:
    return BACKENDS if i % 2 == 0 else BACKENDS[::-1]


def _prepare(name: str, bench: BenchIndex, url: str, embedder) -> dict:
    """Fill the PostgreSQL store at ``url`` (and a scratch embedded one) from ``bench``'s index; check
    that it holds the same counts; the fill seconds and the sizes."""
    from assistant import Assistant, Settings

    chunker, counts, documents = embedded_rows(bench.index_dir)
    postgres = Assistant(Settings(store=url), embedder=embedder).index
    seconds = {"postgresql": fill(postgres, chunker, documents)}
    with tempfile.TemporaryDirectory(prefix="bench-stores-") as tmp:
        scratch = Assistant(Settings(index_dir=Path(tmp) / "index", store=""), embedder=embedder).index
        seconds["embedded"] = fill(scratch, chunker, documents)
        scratch.close()
    with postgres.reading() as view:
        pg_counts = view.manifest.counts
    if {k: pg_counts.get(k) for k in counts} != counts:
        raise SystemExit(f"{name}: the PostgreSQL store holds {pg_counts}, the embedded index {counts}")
    sizes = {"embedded": Assistant(Settings(index_dir=bench.index_dir, store=""), embedder=embedder).index.size_bytes()}
    sizes["postgresql"] = postgres.size_bytes()
    postgres.close()
    print(f"  [{name}] filled PostgreSQL with {counts} in {seconds['postgresql']:.0f} s", flush=True)
    return {"counts": counts, "fill_s": seconds, "size_bytes": sizes, "ingest_cached": bench.stats.summary()}


def _warm(assistants: dict, question: str, **kwargs) -> None:
    for assistant in assistants.values():
        for _ in range(3):
            assistant.retrieve(question, **kwargs)


def run_squad(url: str, embedder, n_questions: int) -> dict:
    from assistant.eval.metrics import answer_in_text

    from .corpora import squad_corpus, squad_key
    from .splits import squad_split

    corpus, _ = squad_corpus("dev-v1.1")
    bench = BenchIndex.build("squad-v1.1", corpus)
    questions = squad_split("test-v1")
    sample = random.Random(SEED).sample(questions, n_questions) if n_questions else questions
    with database(url, "squad") as target:
        out = {"questions": len(sample), "seed": SEED, **_prepare("squad", bench, target, embedder)}
        assistants = _assistants(bench, target, embedder)
        _warm(assistants, sample[0].question, top_k=SQUAD_CHUNKS)
        rankings = {(m, b): [] for m in MODES for b in BACKENDS}
        retrieve_s = {b: [] for b in BACKENDS}
        ask_s = {b: [] for b in BACKENDS}
        r1, r5, contains, found, answers, top5 = ({b: [] for b in BACKENDS} for _ in range(6))
        tick = ticker("squad", len(sample))
        for i, q in enumerate(sample):
            gold = squad_key(q.article, q.paragraph)
            for b in _order(i):
                started = time.perf_counter()
                passages = assistants[b].retrieve(q.question, top_k=SQUAD_CHUNKS)
                retrieve_s[b].append(time.perf_counter() - started)
                rankings["hybrid", b].append(ranked_entries([p.source for p in passages]))
            for b in _order(i):
                started = time.perf_counter()
                answer = assistants[b].ask(q.question, top_k=SQUAD_CHUNKS)
                ask_s[b].append(time.perf_counter() - started)
                ranked = ranked_entries([p.source for p in answer.passages])
                r1[b].append(float(ranked[:1] == [gold]))
                r5[b].append(float(gold in ranked[:5]))
                found[b].append(float(answer.found))
                contains[b].append(float(answer.found and answer_in_text(answer.text, q.answers)))
                answers[b].append((answer.found, answer.text))
                top5[b].append(ranked[:5])
            for mode in ("bm25", "dense"):
                for b in _order(i):
                    passages = assistants[b].retrieve(q.question, top_k=SQUAD_CHUNKS, mode=mode)
                    rankings[mode, b].append(ranked_entries([p.source for p in passages]))
            tick(i + 1)
        for assistant in assistants.values():
            assistant.index.close()
    e, p = BACKENDS
    out["metrics"] = {
        "R@1": paired(r1[e], r1[p], binary=True),
        "R@5": paired(r5[e], r5[p], binary=True),
        "answer_contains_gold": paired(contains[e], contains[p], binary=True),
        "answered": paired(found[e], found[p], binary=True),
    }
    out["agreement"] = {
        "same_answer": _same(answers[e], answers[p]),
        "same_top5_paragraphs_ask": _same(top5[e], top5[p]),
        **{f"same_top10_chunks_paragraphs_{m}": _same(rankings[m, e], rankings[m, p]) for m in MODES},
    }
    out["latency"] = {
        "retrieve": {b: latency_summary(retrieve_s[b]) for b in BACKENDS},
        "ask": {b: latency_summary(ask_s[b]) for b in BACKENDS},
    }
    out["examples"] = [
        {
            "question": q.question,
            "embedded": answers[e][i],
            "postgresql": answers[p][i],
            "top5": [top5[e][i], top5[p][i]],
        }
        for i, q in enumerate(sample)
        if answers[e][i] != answers[p][i] or top5[e][i] != top5[p][i]
    ][:EXAMPLES]
    return out


def run_scifact(url: str, embedder) -> dict:
    from .corpora import load_scifact

    data = load_scifact()
    bench = BenchIndex.build("scifact", data.corpus)
    queries = list(data.queries.items())
    with database(url, "scifact") as target:
        out = {"questions": len(queries), **_prepare("scifact", bench, target, embedder)}
        assistants = _assistants(bench, target, embedder, candidate_k=SCIFACT_CANDIDATES)
        _warm(assistants, queries[0][1], top_k=SCIFACT_CHUNKS)
        ndcg = {(m, b): [] for m in MODES for b in BACKENDS}
        recall = {(m, b): [] for m in MODES for b in BACKENDS}
        rankings = {(m, b): [] for m in MODES for b in BACKENDS}
        retrieve_s = {b: [] for b in BACKENDS}
        tick = ticker("scifact", len(queries))
        for i, (qid, text) in enumerate(queries):
            rel = data.qrels[qid]
            relevant = {d for d, s in rel.items() if s > 0}
            for mode in MODES:
                for b in _order(i):
                    started = time.perf_counter()
                    passages = assistants[b].retrieve(text, top_k=SCIFACT_CHUNKS, mode=mode)
                    if mode == "hybrid":
                        retrieve_s[b].append(time.perf_counter() - started)
                    ranked = ranked_entries([p.source for p in passages])
                    rankings[mode, b].append(ranked)
                    ndcg[mode, b].append(ndcg_at_k(ranked, rel, 10))
                    recall[mode, b].append(recall_at_k(ranked, relevant, 100))
            tick(i + 1)
        for assistant in assistants.values():
            assistant.index.close()
    e, p = BACKENDS
    out["metrics"] = {
        f"{m} {name}": paired(values[m, e], values[m, p])
        for m in MODES
        for name, values in (("nDCG@10", ndcg), ("Recall@100", recall))
    }
    out["agreement"] = {
        **{f"same_top10_{m}": _same([r[:10] for r in rankings[m, e]], [r[:10] for r in rankings[m, p]]) for m in MODES},
        **{f"same_top100_{m}": _same(rankings[m, e], rankings[m, p]) for m in MODES},
    }
    out["latency"] = {"retrieve": {b: latency_summary(retrieve_s[b]) for b in BACKENDS}}
    out["examples"] = [
        {"query": text, "top10": [rankings["hybrid", e][i][:10], rankings["hybrid", p][i][:10]]}
        for i, (_, text) in enumerate(queries)
        if rankings["hybrid", e][i][:10] != rankings["hybrid", p][i][:10]
    ][:EXAMPLES]
    return out


def run_ingest(url: str, embedder, n_docs: int, rounds: int) -> dict:
    """A real ``Assistant.ingest`` (read, chunk, embed, write) of the same ``n_docs`` SciFact abstracts on
    each backend, into a fresh index each time, the backends taking turns."""
    from assistant import Assistant, Settings

    from .corpora import load_scifact

    docs = CACHE / f"stores-ingest-{n_docs}" / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for doc_id, text in list(load_scifact().corpus.items())[:n_docs]:
        path = docs / f"{doc_id}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    embedder.encode(["warm-up"] * 32)
    seconds: dict[str, list[float]] = {b: [] for b in BACKENDS}
    chunks: dict[str, list[int]] = {b: [] for b in BACKENDS}
    for r in range(rounds):
        for b in _order(r):
            with tempfile.TemporaryDirectory(prefix="bench-stores-") as tmp, database(url, "ingest") as target:
                settings = Settings(store=target) if b == "postgresql" else Settings(index_dir=Path(tmp), store="")
                assistant = Assistant(settings, embedder=embedder)
                started = time.perf_counter()
                report = assistant.ingest([docs])
                seconds[b].append(time.perf_counter() - started)
                chunks[b].append(report.chunks_added)
                assistant.index.close()
            print(f"  [ingest] round {r + 1} {b}: {seconds[b][-1]:.1f} s", flush=True)
    return {
        "documents": n_docs,
        "rounds": rounds,
        "chunks": chunks,
        "seconds": seconds,
        "median_s": {b: statistics.median(seconds[b]) for b in BACKENDS},
    }


# -- the report --------------------------------------------------------------------------------------


def _interval(m: dict, scale: float = 1.0) -> str:
    low, high = m["ci95"]
    return f"{m['delta'] * scale:+.4f} [{low * scale:+.4f}, {high * scale:+.4f}]"


def _verdict(m: dict) -> str:
    noise = "within noise" if m["within_noise"] else "**beyond noise**"
    if "mcnemar_p" in m:
        only = f"{m['only_embedded']} vs {m['only_postgresql']}"
        return f"{only} questions right on one side only, p={m['mcnemar_p']:.2f}: {noise}"
    return f"same on {m['same']}/{m['n']}: {noise}"


def to_markdown(results: dict) -> str:
    lines = [
        f"# Index stores: embedded against PostgreSQL + pgvector ({results['date']})",
        "",
        f"Machine: {results['machine']}; PostgreSQL {results.get('server_version', '?')} with pgvector "
        f"{results.get('pgvector_version', '?')}, on the same machine. Each PostgreSQL store is filled from "
        "the embedded index through the writer protocol (same chunks, same vectors), so the rows below "
        "differ by the store alone. Differences are PostgreSQL minus embedded with a paired bootstrap 95% "
        "interval; 0/1 metrics also with McNemar's exact test on the questions only one backend gets right.",
        "",
        f"| figure | {LABELS['embedded']} | {LABELS['postgresql']} | difference [95% CI] | paired |",
        "|---|---|---|---|---|",
    ]
    squad, scifact, ingest = results.get("squad"), results.get("scifact"), results.get("ingest")
    if squad:
        n = squad["questions"]
        for key in ("R@1", "R@5", "answer_contains_gold"):
            m = squad["metrics"][key]
            lines.append(
                f"| SQuAD {key} ({n} `test-v1` questions) | {m['embedded']:.3f} | {m['postgresql']:.3f} "
                f"| {_interval(m)} | {_verdict(m)} |"
            )
        agree = squad["agreement"]
        lines.append(f"| SQuAD same answer (found and text) | | | | {agree['same_answer']}/{n} |")
        lines.append(
            "| SQuAD same top-10 paragraph ranking, hybrid / bm25 / dense | | | | "
            f"{agree['same_top10_chunks_paragraphs_hybrid']} / {agree['same_top10_chunks_paragraphs_bm25']} / "
            f"{agree['same_top10_chunks_paragraphs_dense']} of {n} |"
        )
    if scifact:
        n = scifact["questions"]
        for key in ("hybrid nDCG@10", "hybrid Recall@100", "bm25 nDCG@10", "dense nDCG@10"):
            m = scifact["metrics"][key]
            lines.append(
                f"| SciFact {key} ({n} queries) | {m['embedded']:.4f} | {m['postgresql']:.4f} "
                f"| {_interval(m)} | {_verdict(m)} |"
            )
        agree = scifact["agreement"]
        lines.append(
            "| SciFact same top-10 documents, hybrid / bm25 / dense | | | | "
            f"{agree['same_top10_hybrid']} / {agree['same_top10_bm25']} / {agree['same_top10_dense']} of {n} |"
        )
        lines.append(
            "| SciFact same top-100 documents, hybrid / bm25 / dense | | | | "
            f"{agree['same_top100_hybrid']} / {agree['same_top100_bm25']} / {agree['same_top100_dense']} of {n} |"
        )

    def latency(name: str, pair: dict) -> None:
        e, p = pair["embedded"], pair["postgresql"]
        lines.append(
            f"| {name}, p50 / p95 ms | {e['p50_s'] * 1e3:.1f} / {e['p95_s'] * 1e3:.1f} "
            f"| {p['p50_s'] * 1e3:.1f} / {p['p95_s'] * 1e3:.1f} | | p50 {p['p50_s'] / e['p50_s']:.2f}x |"
        )

    if squad:
        latency("SQuAD `retrieve` (hybrid, top 10)", squad["latency"]["retrieve"])
        latency("SQuAD `ask` (top 10)", squad["latency"]["ask"])
    if scifact:
        latency("SciFact `retrieve` (hybrid, top 100 of 400)", scifact["latency"]["retrieve"])
    for name, bench in (("SQuAD", squad), ("SciFact", scifact)):
        if bench:
            e, p = bench["fill_s"]["embedded"], bench["fill_s"]["postgresql"]
            c = bench["counts"]
            lines.append(
                f"| {name} store write through the writer protocol ({c['documents']:,} documents, "
                f"{c['chunks']:,} chunks, {c['sentences']:,} sentences; vectors given), s | {e:.1f} | {p:.1f} | | "
                f"{p / e:.1f}x |"
            )
            se, sp = bench["size_bytes"]["embedded"], bench["size_bytes"]["postgresql"]
            lines.append(f"| {name} store size, MB | {se / 1e6:.1f} | {sp / 1e6:.1f} | | {sp / se:.1f}x |")
    if ingest:
        e, p = ingest["median_s"]["embedded"], ingest["median_s"]["postgresql"]
        runs = {b: ", ".join(f"{s:.1f}" for s in ingest["seconds"][b]) for b in BACKENDS}
        lines.append(
            f"| `Assistant.ingest` of {ingest['documents']} SciFact abstracts ({ingest['chunks']['embedded'][0]} "
            f"chunks; read, chunk, embed, write), median s of {ingest['rounds']} (runs) | {e:.1f} ({runs['embedded']}) "
            f"| {p:.1f} ({runs['postgresql']}) | | {p / e:.2f}x |"
        )
    lines.append("")
    if squad or scifact:
        beyond = [
            f"{corpus} {key}"
            for corpus, bench in (("SQuAD", squad), ("SciFact", scifact))
            if bench
            for key, m in bench["metrics"].items()
            if not m["within_noise"]
        ]
        lines.append(
            "Verdict: "
            + (
                "every quality difference is within noise (paired tests above)."
                if not beyond
                else "differences beyond noise in " + ", ".join(beyond) + "."
            )
        )
        lines.append("")
    for name, bench in (("SQuAD", squad), ("SciFact", scifact)):
        if bench:
            stats = bench["ingest_cached"]
            lines.append(
                f"{name} embedded index: the cached normal ingest, {stats['documents']:,} documents, "
                f"{stats['chunks']:,} chunks in {stats['seconds']:.0f} s when it was built (embedding included)."
            )
    lines.append(
        "Latency rows: both backends answered each question in turn (which one first alternates), so they "
        "saw the same machine load; the store write rows time only the store (vectors precomputed)."
    )
    return "\n".join(lines) + "\n"


def _versions(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()[0]
        row = conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").fetchone()
    return {"server_version": server_version, "pgvector_version": row[0] if row else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store-url", help="a PostgreSQL server (user with CREATEDB); default: start the test one")
    parser.add_argument("--squad-questions", type=int, default=1000)
    parser.add_argument("--ingest-docs", type=int, default=300)
    parser.add_argument("--ingest-rounds", type=int, default=2)
    parser.add_argument("--only", action="append", choices=("squad", "scifact", "ingest"), help="repeatable")
    args = parser.parse_args()
    parts = args.only or ["squad", "scifact", "ingest"]

    from assistant import Settings
    from assistant.embedding import load_embedder

    embedder = load_embedder(Settings())
    results: dict = {"date": date.today().isoformat(), "machine": machine()}
    started = time.perf_counter()
    with server(args.store_url) as url:
        results.update(_versions(url))
        if "squad" in parts:
            results["squad"] = run_squad(url, embedder, args.squad_questions)
        if "scifact" in parts:
            results["scifact"] = run_scifact(url, embedder)
        if "ingest" in parts:
            results["ingest"] = run_ingest(url, embedder, args.ingest_docs, args.ingest_rounds)
    results["seconds"] = time.perf_counter() - started
    markdown = to_markdown(results)
    if args.only is None:
        stem = RESULTS / f"stores-{results['date']}"
        stem.with_suffix(".json").write_text(json.dumps(results, indent=2))
        stem.with_suffix(".md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
