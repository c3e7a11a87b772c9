"""Extractive vs local-LLM answers, side by side, on SQuAD v1.1 dev and SQuAD v2.0 unanswerables.

Every paragraph of the sampled questions' articles is indexed (one file per paragraph), so retrieval
has to find the right paragraph among its neighbours. Each question is retrieved once and the same
request goes to both answerers. Per answerer it reports:

- answer match: a gold answer appears in the answer (answerable questions),
- token F1 against the best gold answer, markers removed (answerable questions),
- abstention: share of unanswerable questions abstained on, and of answerable ones wrongly abstained on,
- citation precision: share of citations whose quote carries a gold answer,
- seconds per answer (answering only; retrieval is shared and reported once),
- for the LLM: how often it fell back to the extractive answer, and the share of verified sentences.

    python benchmarks/bench_generative.py                      # 200 + 100 questions, seed 13
    python benchmarks/bench_generative.py --answerable 20 --unanswerable 10 --model smollm2-135m-instruct
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.answer.base import AnswerRequest  # noqa: E402
from assistant.answer.extractive import ExtractiveAnswerer  # noqa: E402
from assistant.answer.generative import GenerationConfig, GenerativeAnswer, GenerativeAnswerer  # noqa: E402
from assistant.eval.metrics import answer_in_text, best_f1, quote_supports, strip_markers  # noqa: E402
from assistant.llm.backends import LocalGGUF  # noqa: E402
from assistant.llm.model_files import DEFAULT_MODEL, resolve_model  # noqa: E402
from assistant.types import Answer  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "squad"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:60]


def sample(v1: Path, v2: Path, answerable: int, unanswerable: int, seed: int):
    """(questions, paragraphs): questions as dicts with ``golds`` ([] when unanswerable) and ``file``."""
    rng = random.Random(seed)
    paragraphs: dict[str, str] = {}
    picked = []
    for path, count, want_impossible in ((v1, answerable, False), (v2, unanswerable, True)):
        data = json.loads(path.read_text())["data"]
        pool = [
            (article, p, qa)
            for article in data
            for p, para in enumerate(article["paragraphs"])
            for qa in para["qas"]
            if bool(qa.get("is_impossible")) == want_impossible
        ]
        for article, p, qa in rng.sample(pool, count):
            picked.append({
                "id": qa["id"], "question": qa["question"], "golds": [a["text"] for a in qa["answers"]],
                "file": f"{_slug(article['title'])}_{p:03d}.txt", "title": article["title"],
            })
        for article in data:
            if any(q["title"] == article["title"] for q in picked):
                for p, para in enumerate(article["paragraphs"]):
                    paragraphs[f"{_slug(article['title'])}_{p:03d}.txt"] = para["context"]
    return picked, paragraphs


class Capture:
    """Keeps the request the assistant built, so both answerers see the same retrieval."""

    name = "capture"

    def __init__(self, inner) -> None:
        self.inner = inner
        self.request: AnswerRequest | None = None

    def answer(self, request: AnswerRequest) -> Answer:
        self.request = request
        return self.inner.answer(request)


def score(question: dict, answer: Answer, seconds: float) -> dict:
    golds = question["golds"]
    text = strip_markers(answer.text)
    row = {"found": answer.found, "seconds": seconds, "text": answer.text, "answerer": answer.answerer}
    if golds:
        row["match"] = answer.found and answer_in_text(text, golds)
        row["f1"] = best_f1(text, golds) if answer.found else 0.0
        row["cited"] = len(answer.citations)
        row["cited_ok"] = sum(quote_supports(c.quote, golds) for c in answer.citations)
    if isinstance(answer, GenerativeAnswer):
        row["fallback"] = bool(answer.fallback)
        row["sentences"] = len(answer.sentences)
        row["verified"] = sum(s.verified for s in answer.sentences)
    return row


def summarize(rows: list[dict], questions: list[dict]) -> dict:
    answerable = [r for r, q in zip(rows, questions) if q["golds"]]
    unanswerable = [r for r, q in zip(rows, questions) if not q["golds"]]
    cited = sum(r["cited"] for r in answerable)
    summary = {
        "answer_match": mean(r["match"] for r in answerable) if answerable else None,
        "token_f1": mean(r["f1"] for r in answerable) if answerable else None,
        "abstain_unanswerable": mean(not r["found"] for r in unanswerable) if unanswerable else None,
        "abstain_answerable": mean(not r["found"] for r in answerable) if answerable else None,
        "citation_precision": sum(r["cited_ok"] for r in answerable) / cited if cited else None,
        "seconds_per_answer": mean(r["seconds"] for r in rows),
        "seconds_per_answered": mean([r["seconds"] for r in rows if r["found"]] or [0.0]),
    }
    generative = [r for r in rows if "fallback" in r and r["found"]]
    if generative:
        summary["fallback_rate"] = mean(r["fallback"] for r in generative)
        sentences = sum(r["sentences"] for r in generative)
        summary["verified_sentences"] = sum(r["verified"] for r in generative) / sentences if sentences else None
    return summary


def markdown(summaries: dict[str, dict], meta: dict) -> str:
    names = list(summaries)
    keys = list(dict.fromkeys(k for s in summaries.values() for k in s))
    lines = [
        f"# Extractive vs local LLM ({meta['answerable']} SQuAD v1.1 + {meta['unanswerable']} SQuAD v2.0 "
        f"unanswerable, seed {meta['seed']}, model {meta['model']})",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key in keys:
        cells = []
        for name in names:
            value = summaries[name].get(key)
            cells.append("-" if value is None else f"{value:.3f}")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Retrieval: {meta['retrieval_seconds']:.3f} s per question (shared). "
                 f"Index of {meta['paragraphs']} paragraphs built in {meta['ingest_seconds']:.0f} s.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answerable", type=int, default=200)
    parser.add_argument("--unanswerable", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="packaged model name or GGUF path")
    parser.add_argument("--context-tokens", type=int, default=1000)
    parser.add_argument("--max-answer-tokens", type=int, default=120)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "bench_generative")
    args = parser.parse_args()

    questions, paragraphs = sample(DATA / "dev-v1.1.json", DATA / "dev-v2.0.json", args.answerable,
                                   args.unanswerable, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        for name, text in paragraphs.items():
            (docs / name).write_text(text, encoding="utf-8")
        started = time.perf_counter()
        assistant = Assistant.open(Path(tmp) / "index", create=True)
        assistant.ingest([docs])
        ingest_seconds = time.perf_counter() - started
        print(f"indexed {len(paragraphs)} paragraphs in {ingest_seconds:.0f} s", flush=True)

        extractive = ExtractiveAnswerer(assistant.settings)
        llm = LocalGGUF(resolve_model(args.model), n_ctx=args.context_tokens + args.max_answer_tokens + 256,
                        n_threads=args.threads)
        generative = GenerativeAnswerer(
            llm, assistant.embedder, extractive, name="local-llm",
            config=GenerationConfig(context_tokens=args.context_tokens, max_answer_tokens=args.max_answer_tokens),
        )
        capture = Capture(extractive)
        assistant.answerer = capture
        rows: dict[str, list[dict]] = {"extractive": [], "local-llm": []}
        retrieval = []
        for i, question in enumerate(questions, start=1):
            t = time.perf_counter()
            assistant.ask(question["question"])
            retrieval.append(time.perf_counter() - t)
            for name, answerer in (("extractive", extractive), ("local-llm", generative)):
                t = time.perf_counter()
                answer = answerer.answer(capture.request)
                rows[name].append(score(question, answer, time.perf_counter() - t))
            llm_row = rows["local-llm"][-1]
            print(f"[{i}/{len(questions)}] {llm_row['seconds']:5.1f} s  found={llm_row['found']!s:5}  "
                  f"{question['question'][:60]!r} -> {llm_row['text'][:80]!r}", flush=True)

    summaries = {name: summarize(r, questions) for name, r in rows.items()}
    meta = {"answerable": args.answerable, "unanswerable": args.unanswerable, "seed": args.seed,
            "model": args.model, "context_tokens": args.context_tokens, "paragraphs": len(paragraphs),
            "ingest_seconds": ingest_seconds, "retrieval_seconds": mean(retrieval)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(
        {"meta": meta, "summary": summaries, "questions": questions, "rows": rows}, indent=1))
    report = markdown(summaries, meta)
    (args.out / "report.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
