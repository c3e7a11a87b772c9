"""Extractive vs local-LLM answers, side by side, on SQuAD v1.1 dev and SQuAD v2.0 unanswerables.

The corpus is all 2,067 SQuAD v1.1 dev paragraphs (the cached ``squad-v1.1`` benchmark index; every
SQuAD v2.0 dev paragraph is among them), so retrieval has to find the right paragraph in an open
corpus and the unanswerable questions are asked beside the very paragraphs they were written
against. Each question is retrieved once and the same request goes to both answerers. Per answerer:

- answer match: a gold answer appears in the answer (answerable questions),
- token F1 against the best gold answer, markers removed (answerable questions),
- abstention: share of unanswerable questions abstained on, and of answerable ones wrongly abstained on,
- citation precision: share of citations whose quote carries a gold answer,
- seconds per answer (answering only; retrieval is shared and reported once),
- for the LLM: how often it fell back to the extractive answer, and the share of verified sentences.

Answerable and unanswerable questions are interleaved in a seeded order and every finished row is
appended to ``rows.jsonl``, so a run that is stopped (a 1.5B model needs about half a minute per
answer on two cores) reports a representative prefix, and ``--resume`` carries on from it.

    python -m benchmarks.bench_generative                      # 200 + 100 questions, seed 13
    python -m benchmarks.bench_generative --resume             # continue a stopped run
    python -m benchmarks.bench_generative --report             # summarise what a stopped run saved
    python -m benchmarks.bench_generative --answerable 20 --unanswerable 10 --model smollm2-135m-instruct
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date
from pathlib import Path
from statistics import mean, median

from assistant.answer.base import AnswerRequest
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.generative import GenerationConfig, GenerativeAnswer, GenerativeAnswerer
from assistant.eval.metrics import answer_in_text, best_f1, quote_supports, strip_markers
from assistant.llm.backends import LocalGGUF
from assistant.llm.model_files import DEFAULT_MODEL, resolve_model
from assistant.types import Answer

from .common import ROOT, BenchIndex
from .corpora import squad_corpus
from .splits import squad_split

RESULTS = Path(__file__).resolve().parent / "results"


def sample(answerable: int, unanswerable: int, seed: int) -> list[dict]:
    """Questions as dicts with ``golds`` ([] when unanswerable), in a seeded, interleaved order.

    Only reported splits are asked, so no fitted setting has seen them: answerable questions from
    "test-v1", unanswerable ones from "test-v2" (SQuAD v1.1 has none).
    """
    rng = random.Random(seed)
    picked = []
    for split, count, want_answerable in (("test-v1", answerable, True), ("test-v2", unanswerable, False)):
        pool = [q for q in squad_split(split) if bool(q.answers) == want_answerable]
        picked += [{"id": q.qid, "question": q.question, "golds": q.answers} for q in rng.sample(pool, count)]
    rng.shuffle(picked)
    return picked


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
        row["generated"] = answer.generated
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
        # Medians: a run of hours on a shared machine sees pauses that a mean would fold in.
        "seconds_per_answer": median(r["seconds"] for r in rows),
        "seconds_per_answered": median([r["seconds"] for r in rows if r["found"]] or [0.0]),
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
        f"# Extractive vs local LLM, {date.today().isoformat()}",
        "",
        f"{meta['completed']} of {meta['answerable'] + meta['unanswerable']} questions answered by both "
        f"({meta['answerable']} SQuAD v1.1 dev + {meta['unanswerable']} SQuAD v2.0 dev unanswerable, interleaved, "
        f"seed {meta['seed']}); model {meta['model']}, context budget {meta['context_tokens']} tokens, "
        f"open corpus of {meta['paragraphs']:,} paragraphs.",
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
    lines.append(f"Retrieval: {meta['retrieval_seconds']:.3f} s per question, shared by both answerers.")
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
    parser.add_argument(
        "--work", type=Path, default=ROOT / "artifacts" / "bench_generative", help="rows.jsonl and results.json go here"
    )
    parser.add_argument("--resume", action="store_true", help="keep the rows of an earlier run with these settings")
    parser.add_argument("--report", action="store_true", help="only summarise the rows an earlier run saved")
    args = parser.parse_args()
    args.resume = args.resume or args.report

    questions = sample(args.answerable, args.unanswerable, args.seed)
    corpus, _ = squad_corpus("dev-v1.1")
    bench = BenchIndex.build("squad-v1.1", corpus)
    assistant = bench.assistant()
    meta = {
        "answerable": args.answerable,
        "unanswerable": args.unanswerable,
        "seed": args.seed,
        "model": args.model,
        "context_tokens": args.context_tokens,
        "max_answer_tokens": args.max_answer_tokens,
        "paragraphs": len(corpus),
    }
    args.work.mkdir(parents=True, exist_ok=True)
    rows_file = args.work / "rows.jsonl"
    done: list[dict] = []
    if args.resume and rows_file.exists():
        done = [json.loads(line) for line in rows_file.read_text().splitlines() if line.strip()]
        if done and done[0]["meta"] != meta:
            raise SystemExit(f"{rows_file} was written with other settings: {done[0]['meta']}")
    else:
        rows_file.write_text("")

    extractive = ExtractiveAnswerer(assistant.settings.answering)
    llm = LocalGGUF(
        resolve_model(args.model), n_ctx=args.context_tokens + args.max_answer_tokens + 256, n_threads=args.threads
    )
    generative = GenerativeAnswerer(
        llm,
        assistant.embedder,
        extractive,
        name="local-llm",
        config=GenerationConfig(context_tokens=args.context_tokens, max_answer_tokens=args.max_answer_tokens),
    )
    capture = Capture(extractive)
    assistant.answerer = capture
    with rows_file.open("a") as out:
        for i, question in enumerate(questions[len(done) :] if not args.report else [], start=len(done) + 1):
            t = time.perf_counter()
            assistant.ask(question["question"])
            record = {"meta": meta, "id": question["id"], "retrieval_s": time.perf_counter() - t}
            for name, answerer in (("extractive", extractive), ("local-llm", generative)):
                t = time.perf_counter()
                answer = answerer.answer(capture.request)
                record[name] = score(question, answer, time.perf_counter() - t)
            out.write(json.dumps(record) + "\n")
            out.flush()
            done.append(record)
            llm_row = record["local-llm"]
            print(
                f"[{i}/{len(questions)}] {llm_row['seconds']:5.1f} s  found={llm_row['found']!s:5}  "
                f"{question['question'][:60]!r} -> {llm_row['text'][:80]!r}",
                flush=True,
            )

    asked = questions[: len(done)]
    summaries = {name: summarize([r[name] for r in done], asked) for name in ("extractive", "local-llm")}
    meta.update(completed=len(done), retrieval_seconds=mean(r["retrieval_s"] for r in done))
    (args.work / "results.json").write_text(json.dumps({"meta": meta, "summary": summaries}, indent=1))
    report = markdown(summaries, meta)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"generative-{date.today().isoformat()}.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
