"""The HTTP API's cost: ``POST /v1/ask`` against the same questions through ``Assistant.ask``.

The server is what ``assistant serve`` runs (the API with the Gradio UI mounted on it, uvicorn), in its
own process on 127.0.0.1 over an index of the seed article; the Python side is ``Assistant.ask`` on the
same index in this process. For 1, 4 and 16 concurrent clients (threads, each with its own keep-alive
``httpx`` client for HTTP) both answer the same questions (the seed question set, cycled), in two
rounds of alternating order (HTTP then Python, Python then HTTP) so that neither always runs on a
warmer machine. Reported per level and side: requests/s, p50 and p95 latency, errors; and the
overhead as ratios (HTTP p50 over Python p50, Python requests/s over HTTP requests/s).

    python -m benchmarks.bench_api [--questions 50] [--clients 1 4 16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import httpx

from .common import ROOT, latency_summary
from .run_all import RESULTS, machine

QUESTIONS = ROOT / "seeds" / "questions.jsonl"


def serve(index: Path, port: int) -> None:
    """The server process: ``assistant serve``'s app over ``index``, without its rate limit (the
    benchmark's own clients would hit it)."""
    import uvicorn

    from assistant import Assistant
    from assistant.http.app import ApiConfig, build_api
    from ui.app import UiConfig, build_app, mount

    assistant = Assistant.open(index)
    api = build_api(assistant, ApiConfig.of(assistant.settings, rate_per_minute=1e9, burst=1_000_000))
    app = mount(build_app(assistant, UiConfig.of(assistant.settings.ui)), api)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


@dataclass
class Run:
    clients: int
    side: str  # "http" or "python"
    requests: int
    errors: int
    seconds: float
    requests_per_s: float
    p50_s: float
    p95_s: float


def _questions() -> list[str]:
    return [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]


def _measure(clients: int, questions: list[str], ask: Callable[[str], bool]) -> tuple[list[float], int, float]:
    """Latencies, errors and wall time of ``questions`` asked by ``clients`` threads at once."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(question: str) -> None:
        nonlocal errors
        started = time.perf_counter()
        ok = ask(question)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            errors += not ok

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, questions))
    return latencies, errors, time.perf_counter() - started


def _http_asker(url: str) -> Callable[[str], bool]:
    local = threading.local()

    def ask(question: str) -> bool:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=120)
        response = local.client.post("/v1/ask", json={"question": question})
        return response.status_code == 200 and "answer" in response.json()

    return ask


def _python_asker(assistant) -> Callable[[str], bool]:
    def ask(question: str) -> bool:
        return bool(assistant.ask(question).text)

    return ask


def run(levels: list[int], per_level: int, index: Path, url: str) -> list[Run]:
    from assistant import Assistant

    askers = {"http": _http_asker(url), "python": _python_asker(Assistant.open(index))}
    pool = _questions()
    for ask in askers.values():  # warm both sides: model, caches, connections
        _measure(2, pool[:4], ask)
    runs = []
    for clients in levels:
        questions = [pool[i % len(pool)] for i in range(per_level)]
        results: dict[str, tuple[list[float], int, float]] = {"http": ([], 0, 0.0), "python": ([], 0, 0.0)}
        for order in (("http", "python"), ("python", "http")):
            for side in order:
                latencies, errors, seconds = _measure(clients, questions, askers[side])
                done = results[side]
                results[side] = (done[0] + latencies, done[1] + errors, done[2] + seconds)
        for side, (latencies, errors, seconds) in results.items():
            summary = latency_summary(latencies)
            runs.append(Run(clients, side, len(latencies), errors, seconds, len(latencies) / seconds, **summary))
            print(
                f"  {clients:>2} clients, {side:<6}: {len(latencies) / seconds:6.1f} req/s, "
                f"p50 {summary['p50_s'] * 1000:.0f} ms, p95 {summary['p95_s'] * 1000:.0f} ms",
                flush=True,
            )
    return runs


def ratios(runs: list[Run]) -> list[dict[str, float]]:
    by = {(r.clients, r.side): r for r in runs}
    return [
        {
            "clients": clients,
            "p50_ratio": by[clients, "http"].p50_s / by[clients, "python"].p50_s,
            "p95_ratio": by[clients, "http"].p95_s / by[clients, "python"].p95_s,
            "throughput_ratio": by[clients, "python"].requests_per_s / by[clients, "http"].requests_per_s,
        }
        for clients in sorted({r.clients for r in runs})
    ]


def to_markdown(runs: list[Run], per_level: int) -> str:
    lines = [
        f"# HTTP API overhead, {date.today().isoformat()}",
        "",
        f"Machine: {machine()}. `POST /v1/ask` on `assistant serve`'s app (uvicorn, 127.0.0.1, its own "
        "process) against `Assistant.ask` in the benchmark's process, on one index of the seed article; "
        f"{per_level} seed questions per side, level and round, two rounds in alternating order "
        "(`python -m benchmarks.bench_api`).",
        "",
        "| clients | side | requests | errors | requests/s | p50 ms | p95 ms |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.clients} | {r.side} | {r.requests} | {r.errors} | {r.requests_per_s:.1f} | "
            f"{r.p50_s * 1000:.0f} | {r.p95_s * 1000:.0f} |"
        )
    lines += [
        "",
        "| clients | p50 HTTP / Python | p95 HTTP / Python | requests/s Python / HTTP |",
        "|---:|---:|---:|---:|",
    ]
    for ratio in ratios(runs):
        cells = [f"{ratio[k]:.2f}" for k in ("p50_ratio", "p95_ratio", "throughput_ratio")]
        lines.append(f"| {ratio['clients']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=50, help="questions per side, level and round")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--serve", nargs=2, metavar=("INDEX", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return

    from assistant import Assistant

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        index = Path(tmp) / "index"
        Assistant.open(index, create=True).ingest([ROOT / "seeds"])
        port = _free_port()
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
        server = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_api", "--serve", str(index), str(port)], cwd=ROOT, env=env
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_up(url, server)
            runs = run(args.clients, args.questions, index, url)
        finally:
            server.terminate()
            server.wait(timeout=60)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"api-{date.today().isoformat()}"
    stem.with_suffix(".json").write_text(
        json.dumps({"machine": machine(), "runs": [asdict(r) for r in runs], "ratios": ratios(runs)}, indent=2) + "\n"
    )
    stem.with_suffix(".md").write_text(to_markdown(runs, args.questions))
    print(stem.with_suffix(".md").read_text())


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, server: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout:g} s")


if __name__ == "__main__":
    main()
