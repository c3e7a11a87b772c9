"""Calibrate the extractive answerer's abstention threshold on SQuAD v2.0 dev.

The corpus is the paragraphs of half of the articles. Questions that should be answered: answerable
questions about indexed articles. Questions that should be refused: SQuAD v2.0's unanswerable
questions about indexed articles (hard: on topic, adversarially written) and questions about the
held-out articles (their answer is simply not in the documents). The threshold is chosen to maximise
balanced accuracy between "answer" and "refuse"; the table shows the trade-off.

    python benchmarks/calibrate_abstention.py [--per-group 300] [--work /tmp/assistant-calibration]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import time
from collections import Counter
from pathlib import Path

import numpy as np

from assistant import Assistant
from squad_data import load_squad, write_paragraph_files


def normalize(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-group", type=int, default=300)
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-calibration"))
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    squad = load_squad("dev-v2.0")
    articles = sorted({a for a, _, _ in squad.paragraphs})
    indexed = set(articles[::2])
    write_paragraph_files([p for p in squad.paragraphs if p[0] in indexed], args.work / "docs")
    assistant = Assistant.open(args.work / "index", create=True, abstain_threshold=-1.0)
    started = time.perf_counter()
    report = assistant.ingest([args.work / "docs"])
    print(f"ingest: {report.chunks_added} chunks in {report.seconds:.1f} s (0 means reused)", flush=True)

    rng = random.Random(args.seed)
    groups = {
        "answerable": [q for q in squad.questions if q.article in indexed and q.answers],
        "unanswerable_on_topic": [q for q in squad.questions if q.article in indexed and not q.answers],
        "not_in_corpus": [q for q in squad.questions if q.article not in indexed],
    }
    rows = []
    for group, questions in groups.items():
        for q in rng.sample(questions, min(args.per_group, len(questions))):
            answer = assistant.ask(q.question)
            text = normalize(answer.text)
            correct = any(normalize(a) in text for a in q.answers) if q.answers else False
            rows.append({"group": group, "confidence": answer.confidence, "correct": correct})
    print(f"asked {len(rows)} questions in {time.perf_counter() - started:.0f} s", flush=True)

    conf = np.array([r["confidence"] for r in rows])
    should_answer = np.array([r["group"] == "answerable" for r in rows])
    correct = np.array([r["correct"] for r in rows])
    table = []
    for threshold in np.round(np.arange(0.10, 0.70, 0.02), 2):
        answered = conf >= threshold
        refused = ~answered
        recall_refuse = refused[~should_answer].mean()
        wrongly_refused = refused[should_answer].mean()
        precision_refuse = (refused & ~should_answer).sum() / max(refused.sum(), 1)
        balanced = 0.5 * (recall_refuse + (1 - wrongly_refused))
        kinds = {
            g: float(refused[[r["group"] == g for r in rows]].mean())
            for g in ("unanswerable_on_topic", "not_in_corpus")
        }
        answer_match = float((answered & correct)[should_answer].mean())
        table.append(
            {
                "threshold": float(threshold), "balanced_accuracy": float(balanced),
                "abstain_precision": float(precision_refuse), "abstain_recall": float(recall_refuse),
                "answerable_refused": float(wrongly_refused), "answer_match": answer_match,
                **{f"refused_{k}": v for k, v in kinds.items()},
            }
        )
    best = max(table, key=lambda r: r["balanced_accuracy"])
    print(f"{'thr':>5} {'bal.acc':>8} {'abst.P':>7} {'abst.R':>7} {'ans.refused':>11} {'ans.match':>9} "
          f"{'ref.ontopic':>11} {'ref.notincorpus':>15}")
    for r in table:
        mark = " <- best" if r is best else ""
        print(f"{r['threshold']:5.2f} {r['balanced_accuracy']:8.3f} {r['abstain_precision']:7.3f} "
              f"{r['abstain_recall']:7.3f} {r['answerable_refused']:11.3f} {r['answer_match']:9.3f} "
              f"{r['refused_unanswerable_on_topic']:11.3f} {r['refused_not_in_corpus']:15.3f}{mark}")
    counts = Counter(r["group"] for r in rows)
    out = Path(__file__).parent / "results" / "abstention-calibration.json"
    out.write_text(json.dumps({"groups": counts, "best": best, "table": table}, indent=2))
    print(f"best threshold {best['threshold']:.2f}; written to {out}")


if __name__ == "__main__":
    main()
