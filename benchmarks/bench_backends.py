"""The two embedding backends side by side: quality, ingest speed, cold start and warm latency.

``onnx-int8`` (the default: all-MiniLM-L6-v2 with int8 weights on onnxruntime, no PyTorch) against
``sentence-transformers`` (the same model in float32 on PyTorch, the default before it), measured in
one run on one machine. Each backend runs in its own process with its own index cache (their vectors
must never share an index): SQuAD v1.1 open-corpus retrieval and answers on a fixed sample of
``test-v1`` questions, BEIR SciFact retrieval, and the ingest throughput of building those indexes.
Cold start is the wall time of a fresh ``assistant ask`` process on the seed index; warm latency is
``Assistant.ask`` in one process after a warm-up; both are medians, measured round by round with the
backends interleaved, so both see the same machine load.

    python -m benchmarks.bench_backends [--squad-questions 1000] [--cold-runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from .common import CACHE, ROOT
from .run_all import RESULTS, machine

BACKENDS = ("sentence-transformers", "onnx-int8")
QUESTION = "What did the interior minister claim?"


def _quality(squad_questions: int) -> dict:
    """SQuAD and SciFact for the backend this process's settings name, each on its own index cache."""
    from . import scifact, squad_open

    return {"squad": squad_open.run(squad_questions, baseline=False), "scifact": scifact.run()}


def _speed(backends: tuple[str, ...], rounds: int) -> dict[str, dict[str, float]]:
    """Cold and warm latency of each backend, interleaved round by round so that both see the same
    machine load: cold is a fresh ``assistant ask`` process, warm is ``Assistant.ask`` after a warm-up."""
    from assistant import Assistant

    from .corpora import load_scifact

    # Ingest-sized batches: real abstracts, most of them near the model's input length.
    abstracts = list(load_scifact().corpus.values())[:256]
    batch: dict[str, list[float]] = {b: [] for b in backends}
    cold: dict[str, list[float]] = {b: [] for b in backends}
    warm: dict[str, list[float]] = {b: [] for b in backends}
    embed: dict[str, list[float]] = {b: [] for b in backends}
    with tempfile.TemporaryDirectory(prefix="bench-backends-") as tmp:
        assistants = {}
        for backend in backends:
            index = Path(tmp) / backend
            assistants[backend] = Assistant.open(index, create=True, embedding_backend=backend)
            assistants[backend].ingest([ROOT / "seeds"])
            for _ in range(5):
                assistants[backend].ask(QUESTION)
        for _ in range(rounds):
            for backend in backends:
                env = {**os.environ, "ASSISTANT_EMBEDDING_BACKEND": backend, "HF_HUB_OFFLINE": "1"}
                started = time.perf_counter()
                subprocess.run(
                    [
                        str(Path(sys.executable).parent / "assistant"),
                        "ask",
                        QUESTION,
                        "--index",
                        str(Path(tmp) / backend),
                    ],
                    check=True,
                    capture_output=True,
                    env=env,
                )
                cold[backend].append(time.perf_counter() - started)
                for _ in range(10):
                    started = time.perf_counter()
                    assistants[backend].ask(QUESTION)
                    warm[backend].append(time.perf_counter() - started)
                    started = time.perf_counter()
                    assistants[backend].embedder.encode([QUESTION])
                    embed[backend].append(time.perf_counter() - started)
                started = time.perf_counter()
                assistants[backend].embedder.encode(abstracts)
                batch[backend].append(len(abstracts) / (time.perf_counter() - started))
    return {
        b: {
            "cold_ask_s": statistics.median(cold[b]),
            "warm_ask_s": statistics.median(warm[b]),
            "query_embedding_s": statistics.median(embed[b]),
            "abstracts_per_s": statistics.median(batch[b]),
        }
        for b in backends
    }


def to_markdown(results: dict[str, dict], args: argparse.Namespace) -> str:
    base, new = results["sentence-transformers"], results["onnx-int8"]
    quality = (
        f"SQuAD v1.1 open corpus, {new['squad']['questions']} `test-v1` questions (seed {new['squad']['seed']}); "
        f"BEIR SciFact test, {new['scifact']['questions']} queries. "
        if "squad" in new
        else ""
    )
    lines = [
        f"# Embedding backends ({date.today().isoformat()})",
        "",
        f"Machine: {machine()}. {quality}Cold start: median of {args.cold_runs} fresh `assistant ask` "
        "processes on the seed index; every speed row measured round by round, interleaved with the other "
        "backend's.",
        "",
        "| figure | sentence-transformers (float32, PyTorch) | onnx-int8 (onnxruntime) | ratio |",
        "|---|---|---|---|",
    ]

    def row(name: str, a: float, b: float, digits: int = 3) -> None:
        lines.append(f"| {name} | {a:.{digits}f} | {b:.{digits}f} | {b / a if a else 0:.2f}x |")

    row("cold `assistant ask`, s", base["cold_ask_s"], new["cold_ask_s"], 2)
    row("warm `Assistant.ask`, ms", base["warm_ask_s"] * 1e3, new["warm_ask_s"] * 1e3, 1)
    row("query embedding, ms", base["query_embedding_s"] * 1e3, new["query_embedding_s"] * 1e3, 1)
    row("batch embedding (ingest), SciFact abstracts/s", base["abstracts_per_s"], new["abstracts_per_s"], 1)
    if "squad" not in new:
        return "\n".join(lines) + "\n"
    for corpus in ("squad", "scifact"):
        row(
            f"{corpus} ingest, chunks/s",
            base[corpus]["ingest"]["chunks_per_s"],
            new[corpus]["ingest"]["chunks_per_s"],
            1,
        )
    hybrid = "assistant hybrid (default)"
    for key in ("R@1", "R@5", "answer_contains_gold"):
        row(f"SQuAD hybrid {key}", base["squad"]["rows"][hybrid][key], new["squad"]["rows"][hybrid][key])
    dense = "assistant dense (chunk and best-sentence vectors)"
    row("SQuAD dense R@5", base["squad"]["rows"][dense]["R@5"], new["squad"]["rows"][dense]["R@5"])
    for name in (hybrid, dense):
        row(
            f"SciFact {name.split(' (')[0]} nDCG@10",
            base["scifact"]["rows"][name]["nDCG@10"],
            new["scifact"]["rows"][name]["nDCG@10"],
        )
    lines.append("")
    lines.append(
        "The ingest rows are from the runs that built each index cache, at different times and loads; the "
        "batch-embedding row above is the like-for-like comparison."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad-questions", type=int, default=1000)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--speed-only", action="store_true", help="only the latency and throughput rows")
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_quality(args.squad_questions)))
        return
    speed = _speed(BACKENDS, args.cold_runs)
    if args.speed_only:
        stem = RESULTS / f"backends-speed-{date.today().isoformat()}"
        stem.with_suffix(".md").write_text(to_markdown(speed, args))
        stem.with_suffix(".json").write_text(json.dumps({"machine": machine(), "results": speed}, indent=2))
        print(to_markdown(speed, args))
        return
    results = {}
    for backend in BACKENDS:
        # The sentence-transformers indexes are the ones the other benchmarks cached before.
        cache = CACHE if backend == "sentence-transformers" else CACHE.with_name(CACHE.name + "-onnx-int8")
        env = {
            **os.environ,
            "ASSISTANT_EMBEDDING_BACKEND": backend,
            "ASSISTANT_BENCH_CACHE": str(cache),
            "HF_HUB_OFFLINE": "1",
        }
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_backends",
                "--worker",
                backend,
                "--squad-questions",
                str(args.squad_questions),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        results[backend] = {**speed[backend], **json.loads(out.stdout.strip().splitlines()[-1])}
        print(f"  {backend}: done", flush=True)
    stem = RESULTS / f"backends-{date.today().isoformat()}"
    stem.with_suffix(".json").write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    stem.with_suffix(".md").write_text(to_markdown(results, args))
    print(to_markdown(results, args))


if __name__ == "__main__":
    main()
