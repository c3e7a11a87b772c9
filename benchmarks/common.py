"""Shared pieces: data paths, cached benchmark indexes, rank metrics and timing summaries.

Every corpus entry becomes one UTF-8 ``<id>.txt`` file, ingested through the public
``Assistant.ingest``; a retrieved ``Passage.source`` maps back to the entry by its file stem.
Indexes are cached under ``$ASSISTANT_BENCH_CACHE`` (default /tmp/assistant-bench) because
embedding thousands of passages on a CPU takes minutes; an unchanged corpus costs only hashing.

    >>> bench = BenchIndex.build("squad-v1", {"0_0": "Super Bowl 50 was ..."})
    >>> bench.assistant(retrieval_mode="bm25").retrieve("Who won?", top_k=5)
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant import Assistant

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ASSISTANT_BENCH_DATA", ROOT.parent / "shared" / "data"))
CACHE = Path(os.environ.get("ASSISTANT_BENCH_CACHE", "/tmp/assistant-bench"))
SEED = 13
# The fusion a plain hybrid script would use (and this project's default until tune_fusion.py):
# equal-weight reciprocal rank fusion of chunk vectors and BM25, reported beside our default.
RRF_BASELINE = {"fusion": "rrf", "dense_weight": 1.0, "bm25_weight": 1.0, "sentence_weight": 0.0}


@dataclass
class IngestStats:
    """Throughput of the build that created the cached index (not of a cache hit)."""

    documents: int
    chunks: int
    seconds: float

    def summary(self) -> dict[str, float]:
        """The ``ingest`` entry of a benchmark's results."""
        return {**asdict(self), "docs_per_s": self.docs_per_s, "chunks_per_s": self.chunks_per_s}

    @property
    def docs_per_s(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0


@dataclass
class BenchIndex:
    name: str
    index_dir: Path
    stats: IngestStats

    @classmethod
    def build(cls, name: str, corpus: dict[str, str], progress: bool = True) -> BenchIndex:
        root = CACHE / name
        docs_dir, index_dir, stats_file = root / "docs", root / "index", root / "ingest.json"
        docs_dir.mkdir(parents=True, exist_ok=True)
        for doc_id, text in corpus.items():
            path = docs_dir / f"{doc_id}.txt"
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
        assistant = Assistant.open(index_dir=index_dir, create=True)
        started = time.perf_counter()
        last = [0.0]

        def report(done: int, total: int, current: str) -> None:
            if progress and (time.perf_counter() - last[0] > 30 or done == total):
                last[0] = time.perf_counter()
                print(f"  [{name}] ingest {done}/{total} files, {time.perf_counter() - started:.0f} s", flush=True)

        result = assistant.ingest([docs_dir], prune=True, progress=report)
        if result.chunks_added or not stats_file.exists():
            stats = IngestStats(result.documents_added, result.chunks_added, result.seconds)
            stats_file.write_text(json.dumps(asdict(stats)))
        stats = IngestStats(**json.loads(stats_file.read_text()))
        return cls(name, index_dir, stats)

    def assistant(self, **overrides) -> Assistant:
        return Assistant.open(index_dir=self.index_dir, **overrides)


def entry_id(source: str) -> str:
    return Path(source).stem


def ranked_entries(sources: Sequence[str]) -> list[str]:
    """Corpus entries in the order their first passage appears (chunk scores aggregated by max)."""
    return list(dict.fromkeys(entry_id(s) for s in sources))


def ndcg_at_k(ranked: Sequence[str], relevance: dict[str, int], k: int = 10) -> float:
    """nDCG@k with graded relevance, as in BEIR (pytrec_eval's ndcg_cut)."""
    dcg = sum(relevance.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevance.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    from assistant.eval.metrics import percentile

    return {"p50_s": percentile(seconds, 50) or 0.0, "p95_s": percentile(seconds, 95) or 0.0}


def ticker(name: str, total: int, every_s: float = 30.0):
    """A progress printer for long loops: call it with the number done."""
    started = time.perf_counter()
    last = [started]

    def tick(done: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= every_s or done == total:
            last[0] = now
            print(f"  [{name}] {done}/{total}, {now - started:.0f} s", flush=True)

    return tick
