"""Run every benchmark and write a dated results file: benchmarks/results/YYYY-MM-DD.{json,md}.

    python -m benchmarks.run_all                       # all four, full sizes (about an hour on 2 cores)
    python -m benchmarks.run_all --only squad_open --squad-questions 500

Each benchmark prints our figures beside baselines measured in the same run; indexes are cached
under $ASSISTANT_BENCH_CACHE (default /tmp/assistant-bench), so a rerun skips embedding.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, date, datetime
from pathlib import Path

BENCHMARKS = ("squad_open", "scifact", "squad_v2", "doc2dial")
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict):
        return ", ".join(
            f"{k.removesuffix('_s')} {v * 1000:.0f} ms" if k.endswith("_s") else f"{k} {_fmt(v)}"
            for k, v in value.items()
        )
    return "n/a" if value is None else str(value)


def to_markdown(results: dict) -> str:
    lines = [f"# Benchmark results {results['date']}", "", f"Machine: {results['machine']}", ""]
    for bench in results["benchmarks"].values():
        lines += [f"## {bench['name']}", ""]
        lines.append(
            f"Corpus {bench['corpus']:,} documents, {bench['questions']:,} questions"
            + (f" (seed {bench['seed']})" if "seed" in bench else "")
            + f", {bench['seconds']:.0f} s in all."
        )
        ingest = bench.get("ingest")
        if ingest and ingest["seconds"]:
            lines.append(
                f"Ingestion (when the cached index was built): {ingest['documents']:,} documents, "
                f"{ingest['chunks']:,} chunks in {ingest['seconds']:.0f} s = {ingest['docs_per_s']:.1f} docs/s, "
                f"{ingest['chunks_per_s']:.1f} chunks/s."
            )
        lines.append("")
        columns = list(dict.fromkeys(c for row in bench["rows"].values() for c in row))
        lines += ["| system | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
        for name, row in bench["rows"].items():
            lines.append(f"| {name} | " + " | ".join(_fmt(row.get(c)) for c in columns) + " |")
        for label in ("published", "goals", "hybrid_outcomes"):
            if label in bench:
                lines.append("")
                lines.append(
                    f"{label.capitalize().replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in bench[label].items())
                )
        if bench.get("chart"):
            lines += ["", f"![curve]({Path(bench['chart']).name})"]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--squad-questions", type=int, default=0, help="sample of test-v1 (0: all)")
    parser.add_argument("--v2-questions", type=int, default=0, help="sample of test-v2 (0: all)")
    parser.add_argument("--dial-turns", type=int, default=1000)
    parser.add_argument("--no-llamaindex", action="store_true", help="skip the llama-index baseline")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    stem = date.today().isoformat()
    json_file = args.out / f"{stem}.json"
    # Benchmarks run separately on one day accumulate in that day's file.
    earlier = json.loads(json_file.read_text())["benchmarks"] if json_file.exists() else {}
    results = {
        "date": stem,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "benchmarks": earlier,
    }
    for name in args.only:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        if name == "squad_open":
            from .squad_open import run

            bench = run(args.squad_questions, baseline=not args.no_llamaindex)
        elif name == "scifact":
            from .scifact import run

            bench = run()
        elif name == "squad_v2":
            from .squad_v2 import run

            bench = run(args.v2_questions, chart=args.out / f"{stem}-squad-v2-abstention.png")
        else:
            from .doc2dial import run

            bench = run(args.dial_turns)
        bench["seconds"] = time.perf_counter() - started
        results["benchmarks"][name] = bench
        print(to_markdown({**results, "benchmarks": {name: bench}}).split("\n", 4)[-1], flush=True)
        # Written after each benchmark so a long run that is stopped keeps what it measured.
        json_file.write_text(json.dumps(results, indent=2))
        (args.out / f"{stem}.md").write_text(to_markdown(results))
    print(f"Results: {args.out / stem}.md", flush=True)


if __name__ == "__main__":
    main()
