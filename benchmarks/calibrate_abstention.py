"""Calibrate the lexical answerer's weights and abstention threshold on SQuAD v2.0 dev.

Only the "train" and "calibration" articles of ``benchmarks/splits/`` are used, so ``squad_v2.py``,
which asks "test-v2" questions, reports out-of-sample. The corpus is the paragraphs of the "train"
articles. Questions that should be answered: their answerable questions. Questions that should be
refused: their unanswerable questions (hard: on topic, adversarially written) and the questions
about the "calibration" articles, which are not indexed (their answer is simply not in the
documents). For every weighting of the support features (see ``assistant/answer/scoring.py``) and
every threshold, it measures how often a question that should be answered gets a sentence holding a
gold answer, and how often one that should be refused is refused, and keeps the weighting and
threshold that refuse the most of the latter while refusing at most --max-answerable-refused of the
former (see the policy note in the code).

    python -m benchmarks.calibrate_abstention [--per-group 300] [--work /tmp/assistant-calibration]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import random
import re
import string
import time
from collections import Counter
from dataclasses import asdict, astuple
from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.answer.scoring import FEATURES, SupportWeights, candidate_features
from benchmarks.splits import squad_split, squad_titles
from benchmarks.squad_data import write_paragraph_files

INDEXED_SPLIT = "train"
HELD_OUT_SPLIT = "calibration"


def normalize(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


# Bump when assistant/answer/scoring.py computes features differently, so cached features are redone.
FEATURES_VERSION = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-group", type=int, default=300)
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-calibration"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-answerable-refused", type=float, default=0.02)
    args = parser.parse_args()

    indexed, held_out = squad_split(INDEXED_SPLIT), squad_split(HELD_OUT_SPLIT)
    work = run_folder(args.work)
    write_paragraph_files(sorted({(q.article, q.paragraph, q.context) for q in indexed}), work / "docs")
    assistant = Assistant.open(work / "index", create=True, abstain_threshold=-10.0)
    started = time.perf_counter()
    report = assistant.ingest([work / "docs"])
    print(f"ingest: {report.chunks_added} chunks in {report.seconds:.1f} s (0 means reused)", flush=True)

    rng = random.Random(args.seed)
    groups = {
        "answerable": [q for q in indexed if q.answers],
        "unanswerable_on_topic": [q for q in indexed if not q.answers],
        "not_in_corpus": held_out,
    }
    sampled = [
        (group, q)
        for group, questions in groups.items()
        for q in rng.sample(questions, min(args.per_group, len(questions)))
    ]
    cache = work / f"features-{FEATURES_VERSION}-{args.per_group}-{args.seed}.pkl"
    if cache.exists():
        rows = pickle.loads(cache.read_bytes())
    else:
        rows = []
        for group, q in sampled:
            request = assistant.prepare(q.question)
            contains = [any(normalize(a) in normalize(c.text) for a in q.answers) for c in request.candidates]
            rows.append((group, candidate_features(request), np.array(contains, dtype=bool)))
        cache.write_bytes(pickle.dumps(rows))
    print(f"prepared {len(rows)} questions in {time.perf_counter() - started:.0f} s", flush=True)

    should_answer = np.array([g == "answerable" for g, _, _ in rows])
    group_of = np.array([g for g, _, _ in rows])
    # Answerable questions split into thirds by length: SQuAD's crowd-written questions run long,
    # people type short ones, and cosine similarity runs lower for short questions.
    words = np.array([len(q.question.split()) for _, q in sampled])
    length_third = np.digitize(words, np.quantile(words[should_answer], [1 / 3, 2 / 3]))
    selection = fit_selection([r for r, answerable in zip(rows, should_answer) if answerable])
    print(f"selection weights {tuple(round(x, 2) for x in astuple(selection))}", flush=True)
    picked, correct = [], []
    for _, features, contains in rows:
        if len(features) == 0:
            picked.append(np.full(len(FEATURES), -1.0, dtype=np.float32))
            correct.append(False)
            continue
        top = int(np.argmax(features @ selection.vector()))
        picked.append(features[top])
        correct.append(bool(contains[top]))
    picked_features, best_correct = np.stack(picked), np.array(correct)
    fits = [(SupportWeights(*w), picked_features @ np.array(w, dtype=np.float32), best_correct) for w in weight_grid()]

    def table_for(support: np.ndarray, correct: np.ndarray) -> list[dict]:
        table = []
        for threshold in np.round(np.arange(0.10, 0.80, 0.02), 2):
            refused = support < threshold
            recall_refuse = refused[~should_answer].mean()
            wrongly_refused = refused[should_answer].mean()
            table.append(
                {
                    "threshold": float(threshold),
                    "balanced_accuracy": float(0.5 * (recall_refuse + 1 - wrongly_refused)),
                    "abstain_precision": float((refused & ~should_answer).sum() / max(refused.sum(), 1)),
                    "abstain_recall": float(recall_refuse),
                    "answerable_refused": float(wrongly_refused),
                    "answerable_refused_worst_length_third": float(
                        max(refused[should_answer & (length_third == k)].mean() for k in range(3))
                    ),
                    "answer_match": float((~refused & correct)[should_answer].mean()),
                    "refused_unanswerable_on_topic": float(refused[group_of == "unanswerable_on_topic"].mean()),
                    "refused_not_in_corpus": float(refused[group_of == "not_in_corpus"].mean()),
                }
            )
        return table

    # Policy: an extractive answer is a quoted, cited sentence, so answering an unanswerable question
    # shows the user real text they can check, while refusing an answerable one hides what they asked
    # for. So at most --max-answerable-refused of answerable questions may be refused, in each third
    # by question length (short questions must not pay for long ones); within that, refuse as many
    # questions that should be refused as possible, then prefer gold-bearing answers.
    def objective(row: dict) -> float:
        if row["answerable_refused_worst_length_third"] > args.max_answerable_refused:
            return -1.0
        return row["abstain_recall"] + 0.5 * row["answer_match"]

    ranked = []
    for weights, support, correct in fits:
        table = table_for(support, correct)
        best = max(table, key=objective)
        ranked.append((objective(best), weights, best, table))
    ranked.sort(key=lambda r: -r[0])
    score, weights, best, table = ranked[0]
    print(f"top support weightings {FEATURES}:")
    for value, w, b, _ in ranked[:5]:
        print(f"  {tuple(round(x, 2) for x in astuple(w))} objective {value:.3f} at threshold {b['threshold']:.2f}")
    print(
        f"{'thr':>5} {'abst.P':>7} {'abst.R':>7} {'ans.refused':>11} {'ans.match':>9} "
        f"{'ref.ontopic':>11} {'ref.notincorpus':>15}"
    )
    for r in table:
        mark = " <- chosen" if r is best else ""
        print(
            f"{r['threshold']:5.2f} {r['abstain_precision']:7.3f} "
            f"{r['abstain_recall']:7.3f} {r['answerable_refused']:11.3f} {r['answer_match']:9.3f} "
            f"{r['refused_unanswerable_on_topic']:11.3f} {r['refused_not_in_corpus']:15.3f}{mark}"
        )
    counts = Counter(g for g, _, _ in rows)
    out = Path(__file__).parent / "results" / "abstention-calibration.json"
    out.write_text(
        json.dumps(
            {
                "groups": counts,
                "selection_weights": asdict(selection),
                "support_weights": asdict(weights),
                "chosen": best,
                "table": table,
            },
            indent=2,
        )
    )
    print(
        f"support weights {tuple(round(x, 2) for x in astuple(weights))}, threshold {best['threshold']:.2f}; "
        f"written to {out}"
    )


def run_folder(work: Path) -> Path:
    """Where this choice of articles keeps its documents, index and feature cache: named after the
    articles, so what an earlier choice left under ``--work`` (an older version indexed every other
    v2.0 dev article, test ones included) is never ingested or reused."""
    titles = squad_titles()
    key = json.dumps([sorted(titles[INDEXED_SPLIT]), sorted(titles[HELD_OUT_SPLIT])])
    return work / f"splits-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def fit_selection(answerable_rows: list) -> SupportWeights:
    """The weighting whose top sentence most often holds a gold answer (coarse 0.1 grid, all at once)."""
    grid = np.array([w for w in simplex(len(FEATURES), 10)], dtype=np.float32)
    hits = np.zeros(len(grid))
    for _, features, contains in answerable_rows:
        if len(features):
            hits += contains[np.argmax(features @ grid.T, axis=0)]
    return SupportWeights(*(round(float(x), 2) for x in grid[int(np.argmax(hits))]))


def simplex(dimensions: int, steps: int):
    """Every non-negative weighting with ``dimensions`` parts summing to 1, in ``1/steps`` units."""
    for units in _compositions(dimensions, steps):
        yield tuple(round(u / steps, 2) for u in units)


def _compositions(parts: int, total: int):
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(parts - 1, total - first):
            yield (first, *rest)


def weight_grid():
    """Support weightings: similarity and overlap in 0.05 steps, a small rank prior and answer-type
    weight, the rest on passage similarity."""
    steps = np.round(np.arange(0.0, 1.01, 0.05), 2)
    for sim in steps:
        for overlap in steps:
            for prior in (0.0, 0.05, 0.1):
                for answer_type in (0.0, 0.05, 0.1, 0.2):
                    passage = round(1.0 - sim - overlap - prior - answer_type, 2) + 0.0  # no -0.0
                    if passage >= 0:
                        yield float(sim), float(overlap), float(prior), float(passage), float(answer_type)


if __name__ == "__main__":
    main()
