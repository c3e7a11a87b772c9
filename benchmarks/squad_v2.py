"""SQuAD v2.0 dev: abstention on unanswerable questions against answer match on answerable ones.

The corpus is all 2,067 SQuAD v1.1 dev paragraphs (the cached ``squad-v1.1`` index; every one of
SQuAD v2.0 dev's 1,204 paragraphs is among them). Questions come only from the "test-v2" articles of
``benchmarks/splits/``, which nothing fitted on the splits has seen (the shipped answerer weights
predate the splits and overlap them; see benchmarks/README.md). Every question (``n_questions``: a
fixed-seed sample instead; about half are unanswerable) is asked once with abstention disabled,
recording each answer's confidence. Abstaining at threshold t means refusing every answer whose
confidence is below t, so one pass gives the whole curve; the point at
``Settings().abstain_threshold`` is our default. (With abstention disabled the extractive
answerer may append a second sentence it would otherwise drop; this can only raise answer match a
little, never change which questions are refused.)

    python -m benchmarks.run_all --only squad_v2
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np

from assistant import Settings
from assistant.eval.metrics import abstention_scores, answer_in_text

from .common import SEED, BenchIndex, latency_summary, ticker
from .corpora import squad_corpus
from .splits import squad_split

NEVER_ABSTAIN = -1e9


def _point(conf: np.ndarray, answerable: np.ndarray, contains: np.ndarray, t: float) -> dict:
    found = conf >= t
    scores = abstention_scores(zip(answerable.tolist(), found.tolist()))
    return {
        "threshold": float(t),
        "abstention_precision": scores.precision,
        "abstention_recall": scores.recall,
        "false_refusal_rate": scores.false_refusal_rate,
        "answer_match_answerable": float((found & contains)[answerable].mean()),
    }


def plot_curve(points: list[dict], default: float, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.2))
    ax = fig.add_subplot()
    x = [p["threshold"] for p in points]
    for key, label in (
        ("abstention_precision", "abstention precision"),
        ("abstention_recall", "abstention recall"),
        ("answer_match_answerable", "answer match (answerable)"),
        ("false_refusal_rate", "false refusals (answerable)"),
    ):
        ax.plot(x, [np.nan if p[key] is None else p[key] for p in points], label=label)
    ax.axvline(default, color="black", linestyle="--", label=f"default {default:.2f}")
    ax.set_xlabel("abstain threshold (answer confidence)")
    ax.set_ylim(0, 1.02)
    ax.set_title("SQuAD v2.0 dev: abstention trade-off")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def run(n_questions: int = 0, chart: Path | None = None) -> dict:
    corpus, _ = squad_corpus("dev-v1.1")
    bench = BenchIndex.build("squad-v1.1", corpus)
    questions = squad_split("test-v2")
    sample = random.Random(SEED).sample(questions, n_questions) if n_questions else questions
    assistant = bench.assistant(abstain_threshold=NEVER_ABSTAIN)
    conf, answerable, contains, lat = [], [], [], []
    tick = ticker("squad v2", len(sample))
    for i, q in enumerate(sample, 1):
        started = time.perf_counter()
        answer = assistant.ask(q.question)
        lat.append(time.perf_counter() - started)
        conf.append(answer.confidence if answer.found else -np.inf)
        answerable.append(bool(q.answers))
        contains.append(bool(q.answers) and answer.found and answer_in_text(answer.text, q.answers))
        tick(i)
    c, a, g = np.array(conf), np.array(answerable), np.array(contains)
    default = Settings().abstain_threshold
    finite = c[np.isfinite(c)]
    grid = np.unique(np.concatenate([np.quantile(finite, np.linspace(0, 1, 41)), [default]]))
    points = [_point(c, a, g, t) for t in grid]
    if chart is not None:
        plot_curve(points, default, chart)
    return {
        "name": "SQuAD v2.0 dev, test-v2 articles, open SQuAD v1.1 corpus: abstention",
        "corpus": len(corpus),
        "questions": len(sample),
        "unanswerable": int((~a).sum()),
        "seed": SEED,
        "ingest": bench.stats.summary(),
        "rows": {
            f"assistant hybrid, default threshold {default}": _point(c, a, g, default),
            "always answer (no abstention)": _point(c, a, g, NEVER_ABSTAIN),
            "always abstain": _point(c, a, g, np.inf),
        },
        "ask": latency_summary(lat),
        "curve": points,
        "chart": str(chart) if chart else None,
    }
