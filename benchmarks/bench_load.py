"""Load: do questions stay quick while another user uploads a large file?

The served app (the same ``build_app`` + ``launch`` as ``assistant serve``) runs in its own process on
127.0.0.1, over a copy of the seed index. For 1, 8 and 32 chat sessions (each its own gradio_client
session, asking the seed questions in a loop) it measures two phases back to back: ``idle``, questions
alone for a fixed time, then ``upload``, questions while one more session uploads a large text file
through the Documents API (SciFact abstracts, so real prose) until that upload is indexed. Each phase
reports requests, errors (a failed request, or an answer that says it failed), p50/p95 and the worst
latency (the longest any one person waited). The whole run is done twice: with uploads indexed in the
serving process (``inline``) and in a low-priority child process (``background``, the default), so
the comparison is within one run on one machine.

    python -m benchmarks.bench_load [--sessions 1 8 32] [--idle-s 20] [--upload-kb 300]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import date
from functools import partial
from pathlib import Path

from .common import ROOT, latency_summary
from .corpora import load_scifact
from .run_all import RESULTS, machine

QUESTIONS = ROOT / "seeds" / "questions.jsonl"


def serve(index: Path, port: int, inline: bool) -> None:
    """The server process: the app over ``index``, as ``assistant serve`` builds it."""
    from assistant import Assistant
    from ui.app import UiConfig, build_app, launch

    demo = build_app(Assistant.open(index), UiConfig(upload_dir=index / "uploads", ingest_in_background=not inline))
    launch(demo, host="127.0.0.1", port=port, block=True)


@dataclass
class Phase:
    mode: str
    sessions: int
    phase: str
    requests: int
    errors: int
    p50_s: float
    p95_s: float
    worst_s: float
    seconds: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, proc: subprocess.Popen, timeout: float = 180.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited while starting")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the server did not start")


def _questions() -> list[str]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r.get("answers") and not r.get("history")]


def _ask_loop(url: str, questions: list[str], offset: int, stop: threading.Event, out: list) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    i = offset
    while not stop.is_set():
        started = time.perf_counter()
        try:
            _, messages, _, _ = client.predict(questions[i % len(questions)], [], api_name="/chat")
            ok = 'class="answer error"' not in str(messages[-1]["content"])
        except Exception:  # noqa: BLE001 - any failed request is what is being counted
            ok = False
        out.append((time.perf_counter() - started, ok))
        i += 1
    client.close()


def _phase(url: str, mode: str, sessions: int, name: str, until) -> Phase:
    questions = _questions()
    stop = threading.Event()
    results: list[tuple[float, bool]] = []
    threads = [threading.Thread(target=_ask_loop, args=(url, questions, k, stop, results)) for k in range(sessions)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    until()
    stop.set()
    for t in threads:
        t.join()
    latencies = [s for s, _ in results]
    return Phase(
        mode=mode,
        sessions=sessions,
        phase=name,
        requests=len(results),
        errors=sum(not ok for _, ok in results),
        **latency_summary(latencies),
        worst_s=max(latencies, default=0.0),
        seconds=time.perf_counter() - started,
    )


def _upload(url: str, path: Path) -> None:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    status, *_ = client.predict([handle_file(str(path))], api_name="/add_documents")
    client.close()
    if "Indexed 1 file" not in status:
        raise RuntimeError(f"the upload was not indexed: {status}")


def _big_files(folder: Path, kb: int, count: int) -> list[Path]:
    """``count`` files of about ``kb`` KB each, of different abstracts: the index stores the same bytes
    once, so a repeated upload would cost nothing."""
    abstracts = iter(load_scifact().corpus.values())
    paths = []
    for i in range(count):
        size, parts = 0, []
        while size < kb * 1024:
            parts.append(next(abstracts))
            size += len(parts[-1])
        paths.append(folder / f"abstracts-{i}.txt")
        paths[-1].write_text("\n\n".join(parts), encoding="utf-8")
    return paths


def run(sessions: list[int], idle_s: float, upload_kb: int, seed_index: Path) -> list[Phase]:
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        # Both modes upload the same files, in the same order, each into its own copy of the index.
        uploads = _big_files(Path(tmp), upload_kb, len(sessions))
        for mode in ("inline", "background"):
            index = Path(tmp) / mode
            shutil.copytree(seed_index, index)
            port = _free_port()
            url = f"http://127.0.0.1:{port}/"
            env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
            server = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.bench_load", "--serve", str(index), "--port", str(port)]
                + (["--inline"] if mode == "inline" else []),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait_up(url, server)
                for n, big in zip(sessions, uploads):
                    idle = _phase(url, mode, n, "idle", lambda: time.sleep(idle_s))
                    loaded = _phase(url, mode, n, "upload", partial(_upload, url, big))
                    phases += [idle, loaded]
                    for p in (idle, loaded):
                        print(
                            f"  {mode:10s} {n:3d} sessions {p.phase:6s}: {p.requests} asked, {p.errors} errors, "
                            f"p50 {p.p50_s:.2f} s, p95 {p.p95_s:.2f} s, worst {p.worst_s:.2f} s ({p.seconds:.0f} s)",
                            flush=True,
                        )
            finally:
                server.terminate()
                server.wait(timeout=30)
    return phases


def to_markdown(phases: list[Phase], args: argparse.Namespace) -> str:
    lines = [
        f"# Load: questions while one user uploads ({date.today().isoformat()})",
        "",
        f"Machine: {machine()}. Seed index; upload: {args.upload_kb} KB of SciFact abstracts as one .txt. "
        f"Idle phase {args.idle_s:g} s; upload phase lasts until the upload is indexed.",
        "",
        "| ingest | sessions | phase | asked | errors | p50 s | p95 s | worst s | p95 vs idle | phase s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    idle = {(p.mode, p.sessions): p for p in phases if p.phase == "idle"}
    for p in phases:
        base = idle[(p.mode, p.sessions)]
        ratio = p.p95_s / base.p95_s if base.p95_s else 0.0
        lines.append(
            f"| {p.mode} | {p.sessions} | {p.phase} | {p.requests} | {p.errors} | {p.p50_s:.2f} | "
            f"{p.p95_s:.2f} | {p.worst_s:.2f} | {ratio:.2f}x | {p.seconds:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--idle-s", type=float, default=20.0)
    parser.add_argument("--upload-kb", type=int, default=300)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--inline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.inline)
        return
    from assistant import Assistant

    with tempfile.TemporaryDirectory(prefix="bench-load-seed-") as tmp:
        seed_index = Path(tmp) / "index"
        Assistant.open(seed_index, create=True).ingest([ROOT / "seeds"])
        phases = run(args.sessions, args.idle_s, args.upload_kb, seed_index)
    stem = RESULTS / f"load-{date.today().isoformat()}"
    stem.with_suffix(".json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "args": {"sessions": args.sessions, "idle_s": args.idle_s, "upload_kb": args.upload_kb},
                "phases": [asdict(p) for p in phases],
            },
            indent=2,
        )
    )
    stem.with_suffix(".md").write_text(to_markdown(phases, args))
    print(f"wrote {stem}.md and .json")


if __name__ == "__main__":
    main()
