"""Fault injection: does the index survive crashes, failed writes and damaged files?

Three faults, each repeated, each judged the same way: afterwards the index must open and answer from
a complete generation (the old one or the new one, never a mix). Where the index database was damaged
after the fact, the index must refuse with ``IndexCorruptError`` (a clear message) rather than any
other exception; where a segment's files were, it must rebuild the segment from the database and
answer as before.

- ``kill -9`` during an ingest of 60 generated documents into a copy of a seed index, at a random
  moment spread over the ingest's measured duration (reading, embedding and the commit);
- a write that fails mid-ingest: the ingest runs with a file-size limit (``RLIMIT_FSIZE``) so that
  writing the new rows or segment fails part-way, as on a full disk;
- damage after the fact: the index database truncated, zeroed or overwritten with random bytes, or a
  segment's vector file truncated or one of its bytes flipped.

    python -m benchmarks.bench_faults [--rounds 8]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import date
from pathlib import Path

from assistant import Assistant
from assistant.errors import IndexCorruptError

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

        def damage_database(mode: str):
            def apply(index: Path) -> None:
                db = index / "store.sqlite"
                # What a clean shutdown leaves: everything in the main file, no write-ahead log.
                with closing(sqlite3.connect(db)) as connection:
                    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                size = db.stat().st_size
                with open(db, "r+b") as fh:
                    if mode == "truncate":
                        fh.truncate(size // 2)
                    else:
                        fh.seek(size // 3)
                        fh.write(b"\0" * (size // 3) if mode == "zero" else os.urandom(size // 3))

            return apply

        def damage_vectors(mode: str):
            def apply(index: Path) -> None:
                for vectors in (index / "segments").glob("*/vectors.npy"):
                    data = bytearray(vectors.read_bytes())
                    if mode == "truncate":
                        del data[len(data) // 2 :]
                    else:
                        data[rng.randrange(128, len(data))] ^= 0xFF
                    vectors.write_bytes(bytes(data))

            return apply

        expected = Assistant.open(base).ask(QUESTION).text
        for name, damage, outcome in (
            ("database truncated", damage_database("truncate"), "clear"),
            ("database pages zeroed", damage_database("zero"), "clear"),
            ("database pages random", damage_database("random"), "clear"),
            ("segment vectors truncated", damage_vectors("truncate"), "repaired"),
            ("segment vector byte flipped", damage_vectors("flip"), "repaired"),
        ):
            survived = 0
            tries = max(1, rounds // 4)
            for _ in range(tries):
                index = _fresh(base, work)
                damage(index)
                try:
                    assistant = Assistant.open(index)
                    answer = assistant.ask(QUESTION)
                    survived += outcome == "repaired" and assistant.repaired is not None and answer.text == expected
                except IndexCorruptError:
                    survived += outcome == "clear"
                except Exception:  # noqa: BLE001 - any other failure is an unclear error
                    pass
            label = "clear IndexCorruptError" if outcome == "clear" else "rebuilt from the database, same answer"
            results[f"{name}: {label}"] = {"survived": survived, "total": tries}
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
