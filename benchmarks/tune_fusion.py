"""Choose the hybrid fusion settings on the fitting splits' questions, never on reported ones.

Every candidate setting is run through the public ``Assistant.retrieve`` on the cached SQuAD v1.1
index (all 2,067 dev paragraphs, the corpus ``squad_open`` reports on, so the settings are chosen
against the same distractors) and scored by paragraph Recall@1/@5. The tuning questions are the
SQuAD v1.1 dev questions of the "train" and "calibration" articles of ``benchmarks/splits/``, chosen
by title (the index's paragraph keys follow v1.1's article numbering, not v2.0's). Reported figures
ask only "test-v1" and "test-v2" questions, so they stay out-of-sample; SciFact and doc2dial are not
tuned on at all.

    python -m benchmarks.tune_fusion --questions 500
"""

from __future__ import annotations

import argparse
import random

from assistant.eval.metrics import mean

from .common import BenchIndex, ranked_entries, ticker
from .corpora import squad_corpus, squad_key
from .splits import squad_titles

TUNE_SEED = 101
FITTING_SPLITS = ("train", "calibration")
# Chunks fetched per question, as in squad_open.
CHUNKS = 10

GRID = (
    [{"retrieval_mode": "dense", "sentence_weight": w} for w in (0.0, 1.0)]
    + [{"retrieval_mode": "bm25"}]
    + [
        {"fusion": "rrf", "dense_weight": 1.0, "bm25_weight": b, "sentence_weight": w}
        for b in (1.0, 3.0)
        for w in (0.0, 0.7)
    ]
    + [
        {"fusion": "convex", "dense_weight": round(1 - a, 2), "bm25_weight": a, "sentence_weight": w}
        for a in (0.2, 0.3, 0.4)
        for w in (0.0, 0.5, 0.7, 0.85)
    ]
)


def tuning_sample(questions: list, n: int) -> list:
    titles = frozenset().union(*(squad_titles()[name] for name in FITTING_SPLITS))
    return random.Random(TUNE_SEED).sample([q for q in questions if q.title in titles], n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=500)
    args = parser.parse_args()

    corpus, questions = squad_corpus("dev-v1.1")
    bench = BenchIndex.build("squad-v1.1", corpus)
    tune = tuning_sample(questions, args.questions)
    rows = []
    for setting in GRID:
        assistant = bench.assistant(**setting)
        r1, r5 = [], []
        tick = ticker(str(setting), len(tune), every_s=60)
        for i, q in enumerate(tune, 1):
            ranked = ranked_entries([p.source for p in assistant.retrieve(q.question, top_k=CHUNKS)])
            gold = squad_key(q.article, q.paragraph)
            r1.append(float(ranked[:1] == [gold]))
            r5.append(float(gold in ranked[:5]))
            tick(i)
        rows.append((setting, mean(r1), mean(r5)))
    print(f"{len(tune)} tuning questions (seed {TUNE_SEED}) from the {' and '.join(FITTING_SPLITS)} splits")
    print("| setting | R@1 | R@5 |\n|---|---|---|")
    for setting, a, b in rows:
        print(f"| {', '.join(f'{k}={v}' for k, v in setting.items())} | {a:.3f} | {b:.3f} |")


if __name__ == "__main__":
    main()
