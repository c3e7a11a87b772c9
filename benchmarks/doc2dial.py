"""doc2dial validation: does history-aware retrieval find the grounding span of follow-up turns?

Only turns with earlier dialogue are used. A hit@5 is a top-5 passage from the turn's document that
overlaps the gold grounding span (character offsets in the document). The same index is queried
with the history (the assistant's follow-up handling) and with the last user turn alone.

    python -m benchmarks.run_all --only doc2dial --dial-turns 1000
"""

from __future__ import annotations

import random
import time

from assistant.eval.metrics import mean

from .common import SEED, BenchIndex, entry_id, latency_summary, ticker
from .corpora import DialTurn, load_doc2dial


def _hit(passages, turn: DialTurn) -> float:
    return float(
        any(entry_id(p.source) == turn.doc and any(p.start < e and s < p.end for s, e in turn.spans) for p in passages)
    )


def run(n_turns: int = 1000) -> dict:
    corpus, turns = load_doc2dial()
    bench = BenchIndex.build("doc2dial", corpus)
    followups = [t for t in turns if t.history]
    sample = random.Random(SEED).sample(followups, min(n_turns, len(followups)))
    assistant = bench.assistant()
    with_history, alone, lat = [], [], []
    tick = ticker("doc2dial", len(sample))
    for i, turn in enumerate(sample, 1):
        started = time.perf_counter()
        with_history.append(_hit(assistant.retrieve(turn.question, history=turn.history, top_k=5), turn))
        lat.append(time.perf_counter() - started)
        alone.append(_hit(assistant.retrieve(turn.question, top_k=5), turn))
        tick(i)
    return {
        "name": "doc2dial validation, follow-up turns",
        "corpus": len(corpus),
        "questions": len(sample),
        "seed": SEED,
        "ingest": bench.stats.summary(),
        "rows": {
            "assistant hybrid, history-aware": {"span hit@5": mean(with_history), "retrieve": latency_summary(lat)},
            "assistant hybrid, last user turn only": {"span hit@5": mean(alone)},
        },
    }
