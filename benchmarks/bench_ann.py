"""Which FAISS index for large indexes: exact Flat against HNSW, IVF-Flat, IVF-SQ8 and IVF-PQ with a
float re-rank, on the scale corpus (``scale_corpus.py``: real sentence vectors blended into synthetic
chunks, plus the real SQuAD paragraphs) at each size asked for.

Per index: build seconds (2 threads; IVF training on a seeded sample), memory (bytes of the serialised
index, the growth of this process's RSS, and the seconds a full ``write_index`` takes, as the store
rewrites its file after each ingest), then for each search setting single-query latency p50/p95 with
one thread (a server answering one question), recall@10 against exact search, and how often the
question's gold paragraph is in the top 10. Last, one document's update with one thread: removing
30 ids from the middle of the index and adding 30 vectors, medians of 5 rounds ("unsupported" where
FAISS refuses). Every index but IVF holds its ids through ``IndexIDMap2``, as the store does today.

An HNSW build whose projected time passes ``--hnsw-limit-s`` is stopped and its full build time
extrapolated from the part built (insertion cost growing as log n), instead of measured.

    python -m benchmarks.bench_ann --sizes 100000 1000000
    python -m benchmarks.bench_ann --sizes 20000 --only flat hnsw16    # a quick check
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import faiss
import numpy as np

from .run_all import RESULTS, machine
from .scale_corpus import DEFAULT_CACHE, ScaleCorpus, load_pool, make_corpus, synthetic_chunks

K = 10
UPDATE = 30
UPDATE_ROUNDS = 5
WARMUP = 20
BUILD_THREADS = 2
# HNSW is added in slices so that a build heading past its time limit can be stopped and projected.
HNSW_SLICE = 50_000
PROJECT_AFTER = 200_000
TARGET = {"p50_ms": 50.0, "recall@10": 0.95}


@dataclass
class Candidate:
    name: str
    params: str
    build: Callable[[np.ndarray, np.ndarray], faiss.Index | None]
    """Returns the built index, or None when the build was stopped (``notes`` then say why)."""
    settings: list[str]
    """ParameterSpace strings to sweep (``nprobe=32``, ``efSearch=64``), plus ``k_factor=`` for refine."""
    notes: dict = field(default_factory=dict)


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _sample(vectors: np.ndarray, count: int, seed: int) -> np.ndarray:
    if count >= len(vectors):
        return vectors
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), size=count, replace=False))
    return vectors[rows]


def flat(dimension: int) -> Candidate:
    def build(x: np.ndarray, ids: np.ndarray) -> faiss.Index:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        index.add_with_ids(x, ids)
        return index

    return Candidate("Flat", "IDMap2,Flat (the store today)", build, [""])


def hnsw(dimension: int, m: int, ef_construction: int, limit_s: float) -> Candidate:
    candidate = Candidate(
        f"HNSW{m}",
        f"M={m}, efConstruction={ef_construction}",
        lambda x, ids: None,
        [f"efSearch={e}" for e in (16, 32, 64, 128, 256)],
    )

    def build(x: np.ndarray, ids: np.ndarray) -> faiss.Index | None:
        index = faiss.index_factory(dimension, f"IDMap2,HNSW{m},Flat", faiss.METRIC_INNER_PRODUCT)
        faiss.downcast_index(index.index).hnsw.efConstruction = ef_construction
        started = time.perf_counter()
        for start in range(0, len(x), HNSW_SLICE):
            index.add_with_ids(x[start : start + HNSW_SLICE], ids[start : start + HNSW_SLICE])
            done, elapsed = min(start + HNSW_SLICE, len(x)), time.perf_counter() - started
            # Inserting the i-th vector costs about log i, so n of them about n ln n - n. The first
            # PROJECT_AFTER vectors are built before any projection, which is noisy on a small part.
            projected = elapsed * _nlogn(len(x)) / _nlogn(done)
            if PROJECT_AFTER <= done < len(x) and projected > limit_s:
                candidate.notes.update(
                    stopped=f"stopped after {done:,} of {len(x):,} vectors in {elapsed:.0f} s",
                    build_s_extrapolated=projected,
                )
                return None
        return index

    candidate.build = build
    return candidate


def _nlogn(n: int) -> float:
    return n * math.log(n) - n if n > 1 else 1.0


def ivf(dimension: int, nlist: int, codec: str, refine: bool = False) -> Candidate:
    spec = f"IVF{nlist},{codec}" + (",RFlat" if refine else "")

    def build(x: np.ndarray, ids: np.ndarray) -> faiss.Index:
        index = faiss.index_factory(dimension, spec, faiss.METRIC_INNER_PRODUCT)
        if codec.startswith("PQ"):
            # Polysemous training orders PQ codes for Hamming-distance filtering, which no search
            # here uses, and costs minutes.
            faiss.downcast_index(faiss.extract_index_ivf(index)).do_polysemous_training = False
        # 64 points per centroid: below 39 FAISS warns of poor centroids, above it training time
        # grows with little gain (PQ codebooks need far fewer: 256 per sub-quantiser).
        index.train(_sample(x, 64 * nlist, seed=len(x)))
        if refine:
            # IndexRefine keeps its float copy by position, so ids come from an IDMap2 around it.
            index = faiss.IndexIDMap2(index)
        index.add_with_ids(x, ids)
        return index

    if refine:
        settings = [f"nprobe={p},k_factor={k}" for k in (8, 32) for p in (16, 32, 64, 128)]
        name = f"IVF-{codec}+refine"
    else:
        settings = [f"nprobe={p}" for p in (4, 8, 16, 32, 64, 128, 256)]
        name = f"IVF-{codec}"
    return Candidate(name, spec, build, settings)


def _apply(index: faiss.Index, setting: str) -> None:
    parts = dict(p.split("=") for p in setting.split(",") if p)
    if "k_factor" in parts:
        faiss.downcast_index(index.index).k_factor = float(parts.pop("k_factor"))
    if parts:
        faiss.ParameterSpace().set_index_parameters(index, ",".join(f"{k}={v}" for k, v in parts.items()))


def _search(index: faiss.Index, queries: np.ndarray) -> tuple[np.ndarray, list[float]]:
    faiss.omp_set_num_threads(1)
    for q in queries[:WARMUP]:
        index.search(q[None, :], K)
    found = np.empty((len(queries), K), dtype=np.int64)
    seconds = []
    for i, q in enumerate(queries):
        started = time.perf_counter()
        _, ids = index.search(q[None, :], K)
        seconds.append(time.perf_counter() - started)
        found[i] = ids[0]
    return found, seconds


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))


def _gold(found: np.ndarray, gold: np.ndarray) -> float:
    return float(np.mean([g in f for g, f in zip(gold, found)]))


def _ms(seconds: list[float], q: int) -> float:
    return float(np.percentile(seconds, q) * 1000)


def _update_costs(index: faiss.Index, corpus: ScaleCorpus) -> dict:
    """One document's update, ``UPDATE_ROUNDS`` times: remove UPDATE ids from the middle of the index
    (a document ingested long ago), then add UPDATE vectors back under those ids; where removing is
    unsupported, the adds use fresh ids instead. One thread; medians in milliseconds."""
    faiss.omp_set_num_threads(1)
    n = len(corpus)
    fresh, _ = synthetic_chunks(corpus.pool, UPDATE * UPDATE_ROUNDS, np.random.default_rng([corpus.seed, n]))
    add_s, remove_s, unsupported = [], [], ""
    for r in range(UPDATE_ROUNDS):
        ids = np.arange(n // 2 + r * UPDATE, n // 2 + (r + 1) * UPDATE, dtype=np.int64)
        vectors = corpus.vectors[ids]
        if not unsupported:
            started = time.perf_counter()
            try:
                removed = index.remove_ids(faiss.IDSelectorBatch(ids))
            except RuntimeError as error:
                unsupported = str(error).rsplit(": ", 1)[-1].strip()
            else:
                remove_s.append(time.perf_counter() - started)
                if removed != UPDATE:
                    raise RuntimeError(f"removed {removed} of {UPDATE} ids")
        if unsupported:
            ids = np.arange(n + r * UPDATE, n + (r + 1) * UPDATE, dtype=np.int64)
            vectors = fresh[r * UPDATE : (r + 1) * UPDATE]
        started = time.perf_counter()
        index.add_with_ids(np.ascontiguousarray(vectors), ids)
        add_s.append(time.perf_counter() - started)
    return {
        "add_ms": statistics.median(add_s) * 1000,
        "remove_ms": statistics.median(remove_s) * 1000 if remove_s else None,
        "remove_note": f"unsupported ({unsupported})" if unsupported else "",
    }


def _footprint(index: faiss.Index, scratch: Path) -> tuple[int, float]:
    """Bytes of the serialised index and seconds to write it (to a file: the store's own path)."""
    path = scratch / "bench-ann.index.tmp"
    started = time.perf_counter()
    faiss.write_index(index, str(path))
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    path.unlink()
    return size, seconds


def candidates(n: int, dimension: int, only: list[str] | None, hnsw_limit_s: float) -> list[Candidate]:
    nlist = int(round(4 * math.sqrt(n)))
    every = {
        "flat": flat(dimension),
        "hnsw16": hnsw(dimension, 16, 64, hnsw_limit_s),
        "hnsw32": hnsw(dimension, 32, 100, hnsw_limit_s),
        "ivfflat": ivf(dimension, nlist, "Flat"),
        "ivfsq8": ivf(dimension, nlist, "SQ8"),
        "ivfpq": ivf(dimension, nlist, "PQ48", refine=True),
    }
    return [c for key, c in every.items() if not only or key in only]


def run_size(n: int, corpus_all: ScaleCorpus, queries: np.ndarray, gold: np.ndarray, args: argparse.Namespace) -> dict:
    x = corpus_all.vectors[:n]
    corpus = ScaleCorpus(
        x, corpus_all.offsets[: n + 1], corpus_all.members, corpus_all.real, corpus_all.pool, corpus_all.seed
    )
    ids = np.arange(n, dtype=np.int64)
    faiss.omp_set_num_threads(BUILD_THREADS)
    exact = faiss.IndexFlatIP(x.shape[1])
    exact.add(x)
    _, truth = exact.search(queries, K)
    del exact
    result = {"size": n, "load_before": os.getloadavg(), "exact_gold@10": _gold(truth, gold), "indexes": []}
    print(f"\n## {n:,} chunk vectors (exact search: gold paragraph in top 10 for {_gold(truth, gold):.3f})")
    for candidate in candidates(n, x.shape[1], args.only, args.hnsw_limit_s):
        gc.collect()
        faiss.omp_set_num_threads(BUILD_THREADS)
        rss, started = _rss(), time.perf_counter()
        index = candidate.build(x, ids)
        build_s = time.perf_counter() - started
        gc.collect()
        entry = {"index": candidate.name, "params": candidate.params, "build_s": build_s, **candidate.notes}
        if index is None:
            print(
                f"{candidate.name} ({candidate.params}): {candidate.notes['stopped']}, full build projected "
                f"{candidate.notes['build_s_extrapolated']:.0f} s; not searched"
            )
            result["indexes"].append(entry)
            continue
        entry["rss_delta_bytes"] = _rss() - rss
        entry["file_bytes"], entry["write_s"] = _footprint(index, args.cache)
        entry["sweep"] = []
        for setting in candidate.settings:
            _apply(index, setting)
            found, seconds = _search(index, queries)
            point = {
                "setting": setting or "exact",
                "p50_ms": _ms(seconds, 50),
                "p95_ms": _ms(seconds, 95),
                "recall@10": _recall(found, truth),
                "gold@10": _gold(found, gold),
            }
            entry["sweep"].append(point)
            print(
                f"{candidate.name} {point['setting']}: p50 {point['p50_ms']:.2f} ms, p95 {point['p95_ms']:.2f} ms, "
                f"recall@10 {point['recall@10']:.3f}",
                flush=True,
            )
        entry.update(_update_costs(index, corpus))
        print(
            f"{candidate.name}: built in {build_s:.0f} s, file {entry['file_bytes'] / 2**20:.0f} MB, "
            f"add {UPDATE} {entry['add_ms']:.2f} ms, remove {UPDATE} "
            f"{entry['remove_note'] or format(entry['remove_ms'], '.2f') + ' ms'}",
            flush=True,
        )
        result["indexes"].append(entry)
        del index
    result["load_after"] = os.getloadavg()
    return result


def flat_curve(corpus: ScaleCorpus, queries: np.ndarray, sizes: list[int]) -> dict[int, dict[str, float]]:
    """Exact search latency on prefixes of the corpus: where Flat stops meeting the latency target."""
    curve = {}
    for n in sizes:
        if n > len(corpus):
            continue
        index = faiss.IndexFlatIP(corpus.pool.dimension)
        index.add(corpus.vectors[:n])
        _, seconds = _search(index, queries[:200])
        curve[n] = {"p50_ms": _ms(seconds, 50), "p95_ms": _ms(seconds, 95)}
        print(f"Flat at {n:,}: p50 {curve[n]['p50_ms']:.1f} ms, p95 {curve[n]['p95_ms']:.1f} ms", flush=True)
        del index
    return curve


def best_settings(size_result: dict) -> list[dict]:
    """Per index, the fastest setting that reaches the recall target, and whether it meets p50."""
    best = []
    for entry in size_result["indexes"]:
        good = [p for p in entry.get("sweep", []) if p["recall@10"] >= TARGET["recall@10"]]
        if good:
            point = min(good, key=lambda p: p["p50_ms"])
            best.append({"index": entry["index"], **point, "meets_target": point["p50_ms"] < TARGET["p50_ms"]})
    return best


def _mb(value: float | None) -> str:
    return "" if value is None else f"{value / 2**20:,.0f}"


def to_markdown(results: dict) -> str:
    lines = [
        f"# FAISS index types at scale ({results['date']})",
        "",
        f"Machine: {results['machine']}; FAISS {results['faiss']}. The machine was shared with other jobs "
        "during the run (load averages below), so latencies are upper bounds of an idle machine's.",
        "",
        f"Corpus: `benchmarks/scale_corpus.py`, seed {results['seed']} ({results['sentences']:,} real sentence "
        f"vectors blended into synthetic chunks, plus {results['real_chunks']:,} real SQuAD paragraphs); "
        f"{results['queries']} SQuAD dev questions. Builds on {BUILD_THREADS} threads; queries one at a time on 1 "
        f"thread; recall@10 against exact Flat search; gold@10: the question's own paragraph in the top 10. "
        f"Update: median of {UPDATE_ROUNDS} rounds of removing {UPDATE} ids from the middle and adding {UPDATE} "
        f"vectors, 1 thread. Target: p50 < {TARGET['p50_ms']:.0f} ms at recall@10 >= {TARGET['recall@10']}.",
        "",
    ]
    for size in results["sizes"]:
        lines += [
            f"## {size['size']:,} chunk vectors",
            "",
            f"Load average (1/5/15 min) before {'/'.join(f'{v:.1f}' for v in size['load_before'])}, after "
            f"{'/'.join(f'{v:.1f}' for v in size['load_after'])}. Exact search: gold@10 {size['exact_gold@10']:.3f}.",
            "",
            "| index | params | build s | file MB | RSS Δ MB | write s | add 30 ms | remove 30 ms | setting "
            "| p50 ms | p95 ms | recall@10 | gold@10 |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for entry in size["indexes"]:
            if "sweep" not in entry:
                lines.append(
                    f"| {entry['index']} | {entry['params']} | ~{entry['build_s_extrapolated']:,.0f} (projected; "
                    f"{entry['stopped']}) | | | | | | not built | | | | |"
                )
                continue
            remove = entry["remove_note"] or f"{entry['remove_ms']:.1f}"
            head = (
                f"| {entry['index']} | {entry['params']} | {entry['build_s']:,.0f} | {_mb(entry['file_bytes'])} | "
                f"{_mb(entry['rss_delta_bytes'])} | {entry['write_s']:.1f} | {entry['add_ms']:.2f} | {remove} |"
            )
            for i, p in enumerate(entry["sweep"]):
                prefix = head if i == 0 else "| | | | | | | | |"
                lines.append(
                    f"{prefix} {p['setting']} | {p['p50_ms']:.2f} | {p['p95_ms']:.2f} | {p['recall@10']:.3f} | "
                    f"{p['gold@10']:.3f} |"
                )
        lines += ["", "Fastest setting reaching the recall target:", ""]
        for b in size["best"]:
            verdict = "meets" if b["meets_target"] else "misses"
            lines.append(
                f"- {b['index']} {b['setting']}: p50 {b['p50_ms']:.2f} ms, recall@10 {b['recall@10']:.3f} "
                f"({verdict} the latency target)"
            )
        lines.append("")
    if results["flat_curve"]:
        lines += ["## Exact Flat latency by size (prefixes of the largest corpus, 200 queries)", ""]
        lines += ["| vectors | p50 ms | p95 ms |", "|---|---|---|"]
        for n, row in sorted(results["flat_curve"].items(), key=lambda kv: int(kv[0])):
            lines.append(f"| {int(n):,} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--only", nargs="+", choices=["flat", "hnsw16", "hnsw32", "ivfflat", "ivfsq8", "ivfpq"])
    parser.add_argument("--hnsw-limit-s", type=float, default=1200.0, help="stop and project longer HNSW builds")
    parser.add_argument(
        "--flat-curve", type=int, nargs="*", default=[250_000, 500_000], help="extra sizes timed for Flat only"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="sentence pool cache and scratch files")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--name", default="ann")
    args = parser.parse_args()

    args.cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    pool = load_pool(args.cache)
    corpus = make_corpus(max(args.sizes + args.flat_curve), pool)
    queries, gold = corpus.queries(args.queries)
    results = {
        "date": date.today().isoformat(),
        "machine": machine(),
        "faiss": faiss.__version__,
        "seed": corpus.seed,
        "sentences": len(pool.sentences),
        "real_chunks": corpus.real,
        "queries": len(queries),
        "sizes": [],
    }
    for n in sorted(args.sizes):
        size = run_size(n, corpus, queries, gold, args)
        size["best"] = best_settings(size)
        results["sizes"].append(size)
    results["flat_curve"] = flat_curve(corpus, queries, [n for n in args.flat_curve if n not in args.sizes])
    for size in results["sizes"]:
        flat_rows = [e for e in size["indexes"] if e["index"] == "Flat"]
        if flat_rows:
            results["flat_curve"][size["size"]] = {k: flat_rows[0]["sweep"][0][k] for k in ("p50_ms", "p95_ms")}
    results["seconds"] = time.perf_counter() - started

    markdown = to_markdown(results)
    print("\n" + markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{args.name}-{results['date']}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, default=float))
    stem.with_suffix(".md").write_text(markdown)


if __name__ == "__main__":
    main()
