"""SQuAD v1.1 dev as an open corpus: all 2,067 paragraphs indexed, questions of the test-v1 split.

The questions come only from the 13 articles of ``benchmarks/splits/`` "test-v1" (not in SQuAD v2.0
dev, so never fitted, calibrated or tuned on); ``n_questions`` takes a fixed-seed sample of them,
0 takes all.

Per question: is the gold paragraph the first / among the first five distinct paragraphs retrieved
(chunks are mapped to their paragraph, best chunk first), and does the assistant's answer text
contain a gold answer (SQuAD normalisation; an abstention counts as a miss). Modes bm25, dense and
hybrid are our retriever under ``retrieval_mode``; llama-index's default vector retriever over the
same model is the outside baseline.

    python -m benchmarks.run_all --only squad_open
"""

from __future__ import annotations

import random
import time

from assistant.eval.metrics import answer_in_text, mean

from .common import RRF_BASELINE, SEED, BenchIndex, latency_summary, ranked_entries, ticker
from .corpora import squad_corpus, squad_key
from .llamaindex_baseline import LlamaIndexBaseline
from .splits import squad_split

# Chunks fetched per question: a long paragraph can fill two chunks, so 10 chunks still yield at
# least five distinct paragraphs for Recall@5.
CHUNKS = 10


def _recalls(ranked: list[str], gold: str) -> tuple[float, float]:
    return float(ranked[:1] == [gold]), float(gold in ranked[:5])


def run(n_questions: int = 0, baseline: bool = True) -> dict:
    corpus, _ = squad_corpus("dev-v1.1")
    bench = BenchIndex.build("squad-v1.1", corpus)
    questions = squad_split("test-v1")
    sample = random.Random(SEED).sample(questions, n_questions) if n_questions else questions
    rows: dict[str, dict] = {}

    systems = {
        "assistant bm25": {"retrieval_mode": "bm25"},
        "assistant dense (chunk and best-sentence vectors)": {"retrieval_mode": "dense"},
        "equal-weight RRF over chunk vectors and BM25": RRF_BASELINE,
    }
    for name, overrides in systems.items():
        assistant = bench.assistant(**overrides)
        r1, r5, lat = [], [], []
        tick = ticker(f"squad {name}", len(sample))
        for i, q in enumerate(sample, 1):
            started = time.perf_counter()
            ranked = ranked_entries([p.source for p in assistant.retrieve(q.question, top_k=CHUNKS)])
            lat.append(time.perf_counter() - started)
            a, b = _recalls(ranked, squad_key(q.article, q.paragraph))
            r1.append(a), r5.append(b)
            tick(i)
        rows[name] = {"R@1": mean(r1), "R@5": mean(r5), "retrieve": latency_summary(lat)}

    assistant = bench.assistant()
    r1, r5, contains, found, lat = [], [], [], [], []
    # Where each miss happens, in pipeline order: retrieval, abstention, then sentence choice.
    outcome = {"correct": 0, "paragraph not in top 5": 0, "abstained": 0, "wrong sentence": 0}
    tick = ticker("squad hybrid+answer", len(sample))
    for i, q in enumerate(sample, 1):
        started = time.perf_counter()
        answer = assistant.ask(q.question, top_k=CHUNKS)
        lat.append(time.perf_counter() - started)
        a, b = _recalls(ranked_entries([p.source for p in answer.passages]), squad_key(q.article, q.paragraph))
        r1.append(a), r5.append(b)
        found.append(float(answer.found))
        contains.append(float(answer.found and answer_in_text(answer.text, q.answers)))
        if contains[-1]:
            outcome["correct"] += 1
        elif not b:
            outcome["paragraph not in top 5"] += 1
        elif not answer.found:
            outcome["abstained"] += 1
        else:
            outcome["wrong sentence"] += 1
        tick(i)
    rows["assistant hybrid (default)"] = {
        "R@1": mean(r1),
        "R@5": mean(r5),
        "answer_contains_gold": mean(contains),
        "answered": mean(found),
        "ask": latency_summary(lat),
    }

    if baseline:
        li = LlamaIndexBaseline.build("squad-v1.1", corpus)
        r1, r5, lat = [], [], []
        for q in sample:
            started = time.perf_counter()
            ranked = li.search(q.question, k=5)
            lat.append(time.perf_counter() - started)
            a, b = _recalls(ranked, squad_key(q.article, q.paragraph))
            r1.append(a), r5.append(b)
        rows["llama-index VectorStoreIndex (same model)"] = {
            "R@1": mean(r1),
            "R@5": mean(r5),
            "retrieve": latency_summary(lat),
            "build_s": li.build_seconds,
        }

    return {
        "name": "SQuAD v1.1 dev, open corpus, test-v1 questions (never fitted on)",
        "corpus": len(corpus),
        "questions": len(sample),
        "seed": SEED,
        "ingest": bench.stats.summary(),
        "rows": rows,
        "goals": {"R@1": 0.85, "R@5": 0.96, "answer_contains_gold": 0.88},
        "hybrid_outcomes": outcome,
    }
