"""Calibrate the citation support check (``assistant/answer/verify.py``) on SQuAD v1.1 dev.

A generated sentence restates the question with its answer, so claims are built as "question +
answer". Each claim is checked against three passages:

- its gold paragraph (supported),
- another paragraph of the same article (a wrong citation: same topic, no answer),
- its gold paragraph, with the answer swapped for another question's answer (a fabricated fact).

The grid search picks the similarity weight and threshold with the best balanced accuracy and prints
the grid. Questions are drawn with their own seed only from the "train" and "calibration" articles
of ``benchmarks/splits/`` (chosen by title: article numbers differ between SQuAD versions), and so
are the wrong citations and swapped-in answers. ``bench_generative.py`` reports on "test-v1" and
"test-v2" questions only, so the check is not tuned on what it is measured on.

    python benchmarks/calibrate_support.py --questions 400
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answer.base import CandidateSentence  # noqa: E402
from assistant.answer.verify import SupportCheck  # noqa: E402
from assistant.embedding import load_embedder  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.text import punkt  # noqa: E402
from assistant.types import Passage  # noqa: E402
from benchmarks.splits import squad_titles  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad" / "dev-v1.1.json"
FITTING_SPLITS = ("train", "calibration")


def paragraph_passage(article: int, index: int, context: str) -> Passage:
    return Passage(
        chunk_id=article * 1000 + index,
        doc_id=f"a{article}",
        source=f"a{article}.txt",
        title="",
        page=None,
        text=context,
        start=index * 100_000,
        end=index * 100_000 + len(context),
        fused_score=0.0,
    )


def sentences_of(passage: Passage, embedder) -> list[CandidateSentence]:
    spans = list(punkt().span_tokenize(passage.text))
    texts = [passage.text[a:b] for a, b in spans]
    vectors = embedder.encode(texts)
    return [
        CandidateSentence(passage, 0, passage.doc_id, i, passage.start + a, passage.start + b, t, v)
        for i, ((a, b), t, v) in enumerate(zip(spans, texts, vectors))
    ]


def build_cases(path: Path, n: int, seed: int, embedder) -> list[tuple[str, Passage, list, bool]]:
    data = json.loads(path.read_text())["data"]
    rng = random.Random(seed)
    titles = frozenset().union(*(squad_titles()[name] for name in FITTING_SPLITS))
    pool = []
    for a, article in enumerate(data):
        if article["title"] in titles:
            for p, para in enumerate(article["paragraphs"]):
                for qa in para["qas"]:
                    pool.append((a, p, qa["question"], qa["answers"][0]["text"]))
    picked = rng.sample(pool, n)
    all_answers = [answer for *_, answer in pool]
    cache: dict[tuple[int, int], tuple[Passage, list]] = {}

    def passage(a: int, p: int):
        if (a, p) not in cache:
            psg = paragraph_passage(a, p, data[a]["paragraphs"][p]["context"])
            cache[(a, p)] = (psg, sentences_of(psg, embedder))
        return cache[(a, p)]

    cases = []
    for a, p, question, answer in picked:
        claim = f"{question.rstrip(' ?')} {answer}."
        gold, gold_sents = passage(a, p)
        cases.append((claim, gold, gold_sents, True))
        others = [i for i in range(len(data[a]["paragraphs"])) if i != p]
        wrong, wrong_sents = passage(a, rng.choice(others))
        cases.append((claim, wrong, wrong_sents, False))
        fake = rng.choice(all_answers)
        if fake.lower() not in gold.text.lower():
            cases.append((f"{question.rstrip(' ?')} {fake}.", gold, gold_sents, False))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--seed", type=int, default=20240917)
    args = parser.parse_args()

    started = time.perf_counter()
    embedder = load_embedder(Settings())
    cases = build_cases(args.squad, args.questions, args.seed, embedder)
    claim_vectors = embedder.encode([c[0] for c in cases])
    labels = np.array([c[3] for c in cases])
    print(f"{len(cases)} cases ({labels.sum()} supported) built in {time.perf_counter() - started:.1f} s")

    # Similarity and overlap do not depend on the weights, so they are measured once.
    measured = [
        SupportCheck(threshold=0.0).score(claim, v, psg, sents)
        for (claim, psg, sents, _), v in zip(cases, claim_vectors)
    ]
    similarity = np.array([m.similarity for m in measured])
    overlap = np.array([m.overlap for m in measured])
    numbers_found = np.array([m.numbers_found for m in measured])
    results = []
    for weight in np.arange(0.0, 1.01, 0.1):
        scores = np.where(numbers_found, weight * similarity + (1 - weight) * overlap, -1.0)
        for threshold in np.arange(0.30, 0.91, 0.01):
            predicted = scores >= threshold
            tpr = (predicted & labels).sum() / labels.sum()
            tnr = (~predicted & ~labels).sum() / (~labels).sum()
            precision = (predicted & labels).sum() / max(predicted.sum(), 1)
            results.append(
                (float((tpr + tnr) / 2), float(weight), float(threshold), float(tpr), float(tnr), float(precision))
            )
    results.sort(reverse=True)
    print("balanced_acc  sim_weight  threshold  recall  specificity  precision")
    for row in results[:15]:
        print("  ".join(f"{x:10.3f}" for x in row))
    best = results[0]
    print(
        f"\nchosen: similarity_weight={best[1]:.1f} threshold={best[2]:.2f} "
        f"(balanced accuracy {best[0]:.3f}, precision {best[5]:.3f})"
    )


if __name__ == "__main__":
    main()
