"""Core figures of issue #2, side by side in one run.

- Ingest throughput on all 2,067 SQuAD v1.1 dev paragraphs (a fresh index), beside the baseline of
  the bare model encoding the same chunk and sentence texts in the same process (the ratio is our
  overhead: reading, sentence splitting, token counting, SQLite, FAISS, BM25, the atomic switch).
- Paragraph Recall@1/@5 on 1,000 sampled questions (fixed seed) for dense-only, BM25-only, hybrid.
- Warm ``ask()`` latency p50/p95 on that index and on a >= 10k-chunk index (SQuAD + SciFact),
  beside the bare query embedding time in the same run; index size on disk.

    python -m benchmarks.bench_core [--questions 1000] [--work /tmp/assistant-bench-core]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import time
from datetime import date
from pathlib import Path

import numpy as np

from assistant import Assistant
from benchmarks.squad_data import DATA_DIR, load_squad, write_paragraph_files


def recall(assistant: Assistant, questions, paths: dict[str, tuple[int, int]], mode: str) -> dict[str, float]:
    hits1 = hits5 = 0
    for q in questions:
        found = [paths.get(p.source) for p in assistant.retrieve(q.question, top_k=5, mode=mode)]
        target = (q.article, q.paragraph)
        hits1 += bool(found) and found[0] == target
        hits5 += target in found
    return {"R@1": hits1 / len(questions), "R@5": hits5 / len(questions)}


def timed(fn, items) -> dict[str, float]:
    fn(items[0])
    times = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - started)
    ms = np.array(times) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)), "n": len(ms)}


def write_scifact(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR / "scifact" / "corpus.jsonl") as fh:
        for line in fh:
            doc = json.loads(line)
            path = folder / f"{doc['_id']}.md"
            if not path.exists():
                path.write_text(f"# {doc['title']}\n\n{doc['text']}\n")


def bare_encode_seconds(assistant: Assistant) -> tuple[float, int]:
    """Time for the model alone to embed every chunk and sentence text the ingest embedded."""
    snapshot = assistant.view()
    ids, chunk_texts = snapshot.text.all_chunk_texts()
    sentences = snapshot.text.chunk_sentences(ids)
    records = snapshot.text.chunks(ids)
    texts = list(chunk_texts)
    seen = set()
    for chunk_id, text in zip(ids, chunk_texts):
        offset = records[chunk_id].start
        for s in sentences[chunk_id]:
            if (s.doc_id, s.idx) not in seen:
                seen.add((s.doc_id, s.idx))
                texts.append(text[s.start - offset : s.end - offset])
    started = time.perf_counter()
    assistant.embedder.encode(texts, batch_size=assistant.settings.embedding_batch_size)
    return time.perf_counter() - started, len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--latency-questions", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-bench-core"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    squad = load_squad("dev-v1.1")
    paths = write_paragraph_files(squad.paragraphs, args.work / "squad")
    index_dir = args.work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    assistant = Assistant.open(index_dir, create=True)
    results: dict = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} CPU cores, no GPU"}

    report = assistant.ingest([args.work / "squad"])
    bare_s, n_texts = bare_encode_seconds(assistant)
    results["ingest"] = {
        "paragraphs": report.files_read,
        "chunks": report.chunks_added,
        "embeddings": report.embeddings_computed,
        "seconds": report.seconds,
        "chunks_per_s": report.chunks_added / report.seconds,
        "bare_model_seconds_same_texts": bare_s,
        "bare_model_texts": n_texts,
        "ingest_over_bare_model": report.seconds / bare_s,
    }
    print(f"ingest: {json.dumps(results['ingest'])}", flush=True)
    rerun = assistant.ingest([args.work / "squad"])
    results["reingest_unchanged"] = {"seconds": rerun.seconds, "embeddings": rerun.embeddings_computed}
    results["squad_index_mb"] = assistant.index.size_bytes() / 1e6

    rng = random.Random(args.seed)
    questions = rng.sample(squad.questions, args.questions)
    results["recall"] = {}
    for mode in ("dense", "bm25", "hybrid"):
        results["recall"][mode] = recall(assistant, questions, paths, mode)
        print(f"{mode:6s} {results['recall'][mode]}", flush=True)

    texts = [q.question for q in questions[: args.latency_questions]]
    results["latency"] = {"squad": {"chunks": assistant.info()["chunks"]}}
    results["latency"]["squad"]["ask"] = timed(assistant.ask, texts)
    results["latency"]["squad"]["bare_query_embedding"] = timed(lambda t: assistant.embedder.encode([t]), texts)
    print(f"latency: {json.dumps(results['latency']['squad'])}", flush=True)

    write_scifact(args.work / "scifact")
    assistant.ingest([args.work / "scifact"])
    info = assistant.info()
    large = {"chunks": info["chunks"], "index_mb": info["size_bytes"] / 1e6}
    large["ask"] = timed(assistant.ask, texts)
    large["bare_query_embedding"] = timed(lambda t: assistant.embedder.encode([t]), texts)
    results["latency"]["large"] = large
    print(f"latency (large): {json.dumps(large)}", flush=True)

    out = Path(__file__).parent / "results" / f"core-{results['date']}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
