"""Time from asking in the browser to the first answer text on screen, against Assistant.ask alone.

Both are measured in the same run, on the same index and the same 10 questions from
seeds/questions.jsonl, interleaved question by question after a warm-up, so the difference is
what the UI adds (Gradio's queue, the websocket round trip, rendering). In the browser the clock
starts when the Ask button is clicked and stops when a MutationObserver sees the answer's text
appear in the chat (the first streamed delta where the answerer streams).

    .venv/bin/python benchmarks/bench_ui_latency.py            # writes artifacts/ui_latency.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "seeds" / "questions.jsonl"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Click Ask, then resolve with the milliseconds until a new, non-placeholder answer is in the chat.
TIME_TO_ANSWER_JS = """
() => new Promise((resolve) => {
  const chat = document.querySelector('#chat');
  const count = () => chat.querySelectorAll('.answer:not(.pending)').length;
  const before = count();
  const t0 = performance.now();
  const observer = new MutationObserver(() => {
    if (count() > before) { observer.disconnect(); resolve(performance.now() - t0); }
  });
  observer.observe(chat, { subtree: true, childList: true, characterData: true });
  document.querySelector('#ask').click();
})
"""


def load_questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if not r.get("history")][:n]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p90_ms": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1),
        "min_ms": round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
    }


def run(n: int) -> dict:
    from playwright.sync_api import sync_playwright

    from assistant import Assistant
    from ui.app import UiConfig, build_app, launch

    questions = load_questions(n)
    workdir = Path(tempfile.mkdtemp(prefix="ui-latency-"))
    try:
        assistant = Assistant.open(index_dir=workdir / "index", create=True)
        assistant.ingest([ROOT / "seeds"])
        demo = build_app(assistant, UiConfig(upload_dir=workdir / "uploads"))
        port = free_port()
        launch(demo, port=port, block=False)
        direct: list[float] = []
        browser_ms: list[float] = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#question textarea")

                def in_browser(question: str) -> float:
                    page.click("#clear")
                    page.wait_for_function("!document.querySelector('#chat .answer')")
                    page.fill("#question textarea", question)
                    return page.evaluate(TIME_TO_ANSWER_JS)

                def alone(question: str) -> float:
                    t0 = time.perf_counter()
                    assistant.ask(question)
                    return (time.perf_counter() - t0) * 1000

                # Warm both paths on every question, then interleave the timed runs so that load
                # from anything else on the machine falls on both alike.
                for q in questions:
                    alone(q)
                    in_browser(q)
                for q in questions:
                    direct.append(alone(q))
                    browser_ms.append(in_browser(q))
                browser.close()
        finally:
            demo.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    return {
        "questions": questions,
        "assistant_ask": {**summary(direct), "all_ms": [round(x, 1) for x in direct]},
        "browser_first_text": {**summary(browser_ms), "all_ms": [round(x, 1) for x in browser_ms]},
        "ui_overhead_median_ms": round(statistics.median(browser_ms) - statistics.median(direct), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10, help="questions to time")
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "ui_latency.json")
    args = parser.parse_args()
    result = run(args.n)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    a, b = result["assistant_ask"], result["browser_first_text"]
    print(f"{'path':<28}{'median ms':>10}{'p90 ms':>10}")
    print(f"{'Assistant.ask':<28}{a['median_ms']:>10}{a['p90_ms']:>10}")
    print(f"{'browser, first answer text':<28}{b['median_ms']:>10}{b['p90_ms']:>10}")
    print(f"UI overhead (median): {result['ui_overhead_median_ms']} ms; written to {args.out}")


if __name__ == "__main__":
    main()
