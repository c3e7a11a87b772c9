"""Calibrate ``ui_related_floor``: how similar a passage's best sentence must be to a question before
an abstention lists it as "related, but not an answer".

Only the "calibration" articles of ``benchmarks/splits/`` are used (SQuAD v2.0 dev), so no reported
test figure shares a question or paragraph with this fit. For every question (answerable and
unanswerable alike: in SQuAD v2.0 both are written about their paragraph, so the paragraph is on
topic) it takes two paragraphs: its own ("related") and one paragraph of a different calibration
article, drawn at random with --seed ("unrelated"). Each paragraph is read as an ingested .txt file
is (``read_text``), chunked and split into sentences by the project's own chunker and segmenter, and
each distinct sentence embedded as ingest embeds it; the question is embedded as retrieval embeds it
(``assistant.embedding``, the configured backend). A paragraph's score is its best sentence's cosine
with the question: what ``Passage.sentence_score`` reports for the paragraph's best chunk.

The floor chosen is the largest value (cut down to 2 decimals) that still keeps at least --keep of
the unanswerable questions' own paragraphs: an abstention is what shows related passages, and it
mostly answers a question the documents cannot answer. The table says what share of related and
unrelated paragraphs each floor lets through.

    python -m benchmarks.calibrate_related [--limit 800] [--keep 0.95] [--seed 13]
"""

from __future__ import annotations

import argparse
import math
import random
import shlex
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from assistant.embedding import load_embedder
from assistant.ingest.chunker import SentenceChunker
from assistant.ingest.readers.text import read_text
from assistant.settings import Settings
from assistant.store.textstore import TextStore
from assistant.types import Document
from benchmarks.common import SEED
from benchmarks.run_all import RESULTS, machine
from benchmarks.splits import squad_split

SPLIT = "calibration"
TABLE_FLOORS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def paragraph_sentences(chunker: SentenceChunker, key: tuple[int, int], context: str) -> list[str]:
    """The texts ingest embeds as a paragraph file's sentences (its chunks' distinct sentences)."""
    name = Path(f"a{key[0]:03d}_p{key[1]:03d}.txt")
    reading = read_text(name, context.encode("utf-8"))
    document = Document(
        doc_id=name.stem,
        path=str(name),
        title=reading.title,
        text=reading.text,
        format="text",
        pages=reading.pages,
        blocks=reading.blocks,
    )
    spans = TextStore.distinct_sentences(chunker.chunk(document))
    return [document.text[s.start : s.end] for s in spans]


def share_at_least(scores: np.ndarray, floor: float) -> float:
    return float((scores >= floor).mean()) if len(scores) else float("nan")


def choose_floor(related: np.ndarray, keep: float) -> tuple[float, float]:
    """The largest floor keeping at least ``keep`` of ``related``: exact, and cut down to 2 decimals
    (rounding down, so the rounded floor keeps at least as many)."""
    needed = math.ceil(keep * len(related))
    exact = float(np.sort(related)[::-1][needed - 1])
    return exact, math.floor(exact * 100 + 1e-9) / 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="questions to sample (0: the whole split)")
    parser.add_argument("--keep", type=float, default=0.95, help="share of related paragraphs the floor keeps")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-write", action="store_true", help="print only; write no results file")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    questions = squad_split(SPLIT)
    total_questions = len(questions)
    if args.limit and args.limit < len(questions):
        questions = rng.sample(questions, args.limit)
    paragraphs = {(q.article, q.paragraph): q.context for q in squad_split(SPLIT)}
    by_article: dict[int, list[tuple[int, int]]] = {}
    for key in sorted(paragraphs):
        by_article.setdefault(key[0], []).append(key)
    # One unrelated paragraph per question, from a different article of the same split.
    unrelated_of = []
    for q in questions:
        other = rng.choice(sorted(a for a in by_article if a != q.article))
        unrelated_of.append(rng.choice(by_article[other]))

    settings = Settings()
    started = time.perf_counter()
    embedder = load_embedder(settings)
    chunker = SentenceChunker(embedder, settings.chunking.chunk_tokens, settings.chunking.overlap_tokens)
    needed = sorted({(q.article, q.paragraph) for q in questions} | set(unrelated_of))
    sentence_texts, owner = [], []
    for i, key in enumerate(needed):
        texts = paragraph_sentences(chunker, key, paragraphs[key])
        sentence_texts.extend(texts)
        owner.extend([i] * len(texts))
    sentence_vectors = embedder.encode(sentence_texts)
    question_vectors = embedder.encode([q.question for q in questions])
    embedded = time.perf_counter() - started
    print(
        f"embedded {len(needed)} paragraphs ({len(sentence_texts)} sentences) and {len(questions)} questions "
        f"in {embedded:.0f} s ({embedder.identity.backend})",
        flush=True,
    )

    # Best sentence of each paragraph for each question: a (questions x paragraphs) table.
    owner_arr = np.asarray(owner)
    order = np.argsort(owner_arr, kind="stable")
    starts = np.flatnonzero(np.r_[True, owner_arr[order][1:] != owner_arr[order][:-1]])
    cos = question_vectors @ sentence_vectors[order].T
    best = np.maximum.reduceat(cos, starts, axis=1)
    column = {key: i for i, key in enumerate(needed)}
    rows = np.arange(len(questions))
    related = best[rows, [column[(q.article, q.paragraph)] for q in questions]]
    unrelated = best[rows, [column[key] for key in unrelated_of]]
    answerable = np.array([bool(q.answers) for q in questions])
    # Cosine runs lower for short questions (and people type shorter ones than SQuAD's), so the
    # table also shows the shortest third of questions by word count.
    words = np.array([len(q.question.split()) for q in questions])
    short = words <= np.quantile(words, 1 / 3)

    exact, floor = choose_floor(related[~answerable], args.keep)
    # For comparison only: the floor that keeps --keep of all questions' paragraphs.
    _, floor_all = choose_floor(related, args.keep)
    floors = sorted(set(TABLE_FLOORS) | {floor, floor_all})
    table = [
        {
            "floor": f,
            "related": share_at_least(related, f),
            "related_answerable": share_at_least(related[answerable], f),
            "related_unanswerable": share_at_least(related[~answerable], f),
            "related_short": share_at_least(related[short], f),
            "unrelated": share_at_least(unrelated, f),
        }
        for f in floors
    ]
    header = (
        "| floor | related kept | answerable kept | unanswerable kept | shortest-third kept | unrelated let through |"
    )
    lines = [header, "|---:|---:|---:|---:|---:|---:|"]
    for r in table:
        mark = " (chosen)" if r["floor"] == floor else ""
        lines.append(
            f"| {r['floor']:.2f}{mark} | {r['related']:.3f} | {r['related_answerable']:.3f} | "
            f"{r['related_unanswerable']:.3f} | {r['related_short']:.3f} | {r['unrelated']:.3f} |"
        )
    quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]
    spread = [
        f"| related | {' | '.join(f'{np.quantile(related, p):.3f}' for p in quantiles)} |",
        f"| unrelated | {' | '.join(f'{np.quantile(unrelated, p):.3f}' for p in quantiles)} |",
    ]
    spread_header = [
        "| best-sentence cosine | " + " | ".join(f"p{round(p * 100)}" for p in quantiles) + " |",
        "|---|" + "---:|" * len(quantiles),
    ]
    at_floor = next(r for r in table if r["floor"] == floor)
    summary = (
        f"Chosen floor {floor:.2f} (exact {exact:.4f}): keeps {at_floor['related_unanswerable']:.1%} of the "
        f"unanswerable questions' paragraphs (target {args.keep:.0%}), {at_floor['related']:.1%} of all related "
        f"paragraphs, and lets through {at_floor['unrelated']:.1%} of unrelated ones."
    )
    at_all = next(r for r in table if r["floor"] == floor_all)
    note = (
        f"For comparison, keeping {args.keep:.0%} of all questions' paragraphs would allow floor "
        f"{floor_all:.2f} (unrelated let through: {at_all['unrelated']:.1%})."
    )
    print("\n".join(lines))
    print()
    print("\n".join(spread_header + spread))
    print()
    print(summary)
    print(note)

    if args.no_write:
        return
    today = date.today().isoformat()
    command = "HF_HUB_OFFLINE=1 python -m benchmarks.calibrate_related " + shlex.join(sys.argv[1:])
    counts = (
        f"{len(questions)} questions sampled of the split's {total_questions} "
        f"({int(answerable.sum())} answerable, {int((~answerable).sum())} unanswerable; shortest third: "
        f"{int(short.sum())} questions of at most {int(np.quantile(words, 1 / 3))} words); "
        f"{len({(q.article, q.paragraph) for q in questions})} distinct related paragraphs, "
        f"{len(set(unrelated_of))} distinct unrelated paragraphs; {len(by_article)} articles."
    )
    report = [
        f"# Related-passage floor {today}",
        "",
        f"{machine()}; seed {args.seed}; embedder {embedder.identity.name} ({embedder.identity.backend}).",
        "",
        "Sets `ui_related_floor` (assistant/settings.py): an abstention lists at most 3 passages whose best "
        "sentence's cosine with the question (`Passage.sentence_score`) is at least this floor.",
        "",
        f"Data: SQuAD v2.0 dev, the `{SPLIT}` split of benchmarks/splits/squad.json "
        f"({', '.join(sorted({q.title for q in squad_split(SPLIT)}))}); no test split is used. {counts}",
        "",
        "Related: the question's own paragraph (on topic for answerable and unanswerable questions alike). "
        f"Unrelated: one paragraph of a different article of the split, drawn at random (seed {args.seed}). "
        "Score: the best sentence's cosine, sentences split and embedded as ingest does, the question "
        "embedded as retrieval does.",
        "",
        f"**{summary}**",
        "",
        note,
        "",
        *lines,
        "",
        *spread_header,
        *spread,
        "",
        "Command:",
        "",
        "```",
        command.strip(),
        "```",
        "",
    ]
    out = RESULTS / f"related-floor-{today}.md"
    out.write_text("\n".join(report))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
