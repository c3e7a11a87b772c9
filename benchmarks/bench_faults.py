"""Fault injection: does the index survive crashes, failed writes and damaged files?

Three faults, each repeated, each judged the same way: afterwards the index must open and answer from
a complete generation (the old one or the new one, never a mix). Where a file of the live generation
was damaged after the fact, an index with an earlier generation must restore it and answer from it,
and one without must refuse with ``IndexCorruptError`` (a clear message) rather than any other
exception.

- ``kill -9`` during an ingest of 60 generated documents into a copy of a seed index, at a random
  moment spread over the ingest's measured duration (reading, embedding and the commit);
- a write that fails mid-ingest: the ingest runs with a file-size limit (``RLIMIT_FSIZE``) so that
  writing the new generation fails part-way, as on a full disk;
- damage after the fact: the live generation's text store truncated, zeroed or overwritten with
  random bytes, or its vector file truncated, in an index of one generation and in one of two.

    python -m benchmarks.bench_faults [--rounds 8]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from assistant import Assistant
from assistant.errors import IndexCorruptError
from assistant.store.index import IndexDirectory

from .common import ROOT, SEED
from .run_all import RESULTS, machine

QUESTION = "What did the interior minister claim?"
_INGEST = """
import resource, sys
if len(sys.argv) > 3:
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from assistant import Assistant
Assistant.open(sys.argv[1], create=True).ingest([sys.argv[2]])
"""


def _documents(folder: Path, rng: random.Random, n: int = 60) -> None:
    words = "harbour ferry council budget museum tram river bridge library school market festival".split()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sentences = [
            f"The {rng.choice(words)} report number {i}-{j} says the {rng.choice(words)} "
            f"cost {rng.randint(2, 900)} thousand."
            for j in range(40)
        ]
        (folder / f"doc-{i:03d}.txt").write_text(" ".join(sentences) + "\n")


def _ingest(index: Path, folder: Path, fsize: int | None = None) -> subprocess.Popen:
    args = [sys.executable, "-c", _INGEST, str(index), str(folder)] + ([str(fsize)] if fsize else [])
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_ignore_xfsz)


def _ignore_xfsz() -> None:
    # With SIGXFSZ ignored, a write past the limit fails with EFBIG inside the ingest (like ENOSPC)
    # instead of killing the process outright.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _intact(index: Path, documents: set[int]) -> bool:
    """The index opens, answers the seed question, and holds a whole generation."""
    try:
        assistant = Assistant.open(index)
        answer = assistant.ask(QUESTION)
        count = assistant.info()["documents"]
    except Exception:  # noqa: BLE001 - any failure to open or answer is what is being counted
        return False
    return answer.found and count in documents


def _fresh(base: Path, work: Path) -> Path:
    target = work / f"index-{time.monotonic_ns()}"
    shutil.copytree(base, target)
    return target


def run(rounds: int) -> dict:
    rng = random.Random(SEED)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="assistant-faults-") as tmp:
        work = Path(tmp)
        base = work / "base"
        Assistant.open(base, create=True).ingest([ROOT / "seeds"])
        extra = work / "extra"
        _documents(extra, rng)
        # Documents before and after a complete ingest: the seed article, then it and the extras.
        whole = {1, 1 + len(list(extra.glob("*.txt")))}

        started = time.perf_counter()
        timing = _fresh(base, work)
        _ingest(timing, extra).wait()
        duration = time.perf_counter() - started
        assert _intact(timing, {max(whole)}), "an undisturbed ingest must complete"

        survived = finished_first = 0
        for _ in range(rounds):
            index = _fresh(base, work)
            process = _ingest(index, extra)
            time.sleep(rng.uniform(0.5, duration))
            finished_first += process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait()
            survived += _intact(index, whole)
        results["kill -9 during ingest"] = {
            "survived": survived,
            "total": rounds,
            "ingest_s": round(duration, 1),
            "finished_before_kill": finished_first,
        }

        survived = failed = 0
        for _ in range(rounds):
            index = _fresh(base, work)
            # Below what the new generation needs (its sentence vectors alone are a few MB).
            limit = rng.randint(64 << 10, 2 << 20)
            process = _ingest(index, extra, fsize=limit)
            failed += process.wait() != 0
            survived += _intact(index, whole)
        results["write fails mid-ingest (file-size limit)"] = {
            "survived": survived,
            "total": rounds,
            "writes_failed": failed,
        }

        def damage_text(mode: str):
            def apply(generation: Path) -> None:
                db = generation / "chunks.sqlite"
                size = db.stat().st_size
                with open(db, "r+b") as fh:
                    if mode == "truncate":
                        fh.truncate(size // 2)
                    else:
                        fh.seek(size // 3)
                        fh.write(b"\0" * (size // 3) if mode == "zero" else os.urandom(size // 3))

            return apply

        def truncate_vectors(generation: Path) -> None:
            vectors = generation / "vectors.faiss"
            with open(vectors, "r+b") as fh:
                fh.truncate(vectors.stat().st_size // 2)

        # The same damage to an index holding one generation (nothing to fall back on: the clear error)
        # and to one holding two (the earlier one is restored and answers).
        two = _fresh(base, work)
        _ingest(two, extra).wait()
        damages = (
            ("text store truncated", damage_text("truncate")),
            ("text store pages zeroed", damage_text("zero")),
            ("text store pages random", damage_text("random")),
            ("vector file truncated", truncate_vectors),
        )
        for name, damage in damages:
            clear = restored = 0
            tries = max(1, rounds // 4)
            for _ in range(tries):
                index = _fresh(base, work)
                damage(index / IndexDirectory(index).current())
                try:
                    Assistant.open(index).ask(QUESTION)
                except IndexCorruptError:
                    clear += 1
                except Exception:  # noqa: BLE001 - any other failure is an unclear error
                    pass
                index = _fresh(two, work)
                damage(index / IndexDirectory(index).current())
                try:
                    restored += _intact(index, {min(whole)}) and any(index.glob("gen-*.damaged-*"))
                except Exception:  # noqa: BLE001 - counted as not restored
                    pass
            results[f"{name}, one generation: clear IndexCorruptError"] = {"survived": clear, "total": tries}
            results[f"{name}, two generations: earlier one restored and answering"] = {
                "survived": restored,
                "total": tries,
            }
    return results


def to_markdown(result: dict) -> str:
    lines = [f"# Fault injection {result['date']}", "", f"{result['machine']}; seed {result['seed']}.", ""]
    lines += ["| fault | survived | notes |", "|---|---|---|"]
    for fault, row in result["rows"].items():
        notes = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in row.items() if k not in ("survived", "total"))
        lines.append(f"| {fault} | {row['survived']}/{row['total']} | {notes} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    today = date.today().isoformat()
    result = {"date": today, "machine": machine(), "seed": SEED, "rows": run(args.rounds)}
    stem = RESULTS / f"faults-{today}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2))
    stem.with_suffix(".md").write_text(to_markdown(result))
    print(to_markdown(result), flush=True)


if __name__ == "__main__":
    main()
