"""How documents nobody here wrote are read: sentences, fragments, embeddings, ingest time, answers.

Runs on ``tests/fixtures/real`` (manuals, licences, HTML pages, READMEs, a Word file; sources in its
tests/fixtures/SOURCES.md) and its question set ``tests/fixtures/real/questions.jsonl``, for this
checkout and for a baseline git revision checked out into a temporary worktree. Each variant runs in
its own process with its own ``assistant`` package on ``PYTHONPATH``, alternating, so both are
measured in one run on one machine:

    python -m benchmarks.bench_reading                       # baseline: the commit before the reading layer
    python -m benchmarks.bench_reading --baseline HEAD~3 --rounds 3

Figures per variant: sentences (distinct quotable units), share of fragments (< 4 words) and of
over-long units (> 60 words), embeddings computed (chunks + distinct sentences) per document, ingest
seconds (median of the rounds; the ratio is what to quote), and the question set's evaluation.
Results go to ``benchmarks/results/reading-YYYY-MM-DD.{md,json}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "real"
QUESTIONS = ROOT / "tests" / "fixtures" / "real" / "questions.jsonl"
RESULTS = ROOT / "benchmarks" / "results"
# The last commit whose readers cut text at line breaks.
DEFAULT_BASELINE = "c890f1a"
FRAGMENT_WORDS = 4
LONG_WORDS = 60
EVAL_METRICS = (
    "answer_match",
    "token_f1",
    "source_hit_at_k",
    "abstention_precision",
    "abstention_recall",
    "false_refusal_rate",
)


def measure(fixtures: Path, questions: Path) -> dict:
    """Ingest the fixtures into a fresh index and evaluate the questions, with whichever ``assistant``
    package is importable; uses only API that every revision being compared has."""
    import assistant as package
    from assistant import Assistant, evaluate

    with tempfile.TemporaryDirectory(prefix="bench-reading-") as scratch:
        bot = Assistant.open(Path(scratch) / "index", create=True)
        bot.embedder.encode(["warm up the model before timing"])
        report = bot.ingest([fixtures])
        snapshot = bot.view()
        chunk_ids, _ = snapshot.text.all_chunk_texts()
        records = snapshot.text.chunks(chunk_ids)
        per_chunk = snapshot.text.chunk_sentences(chunk_ids)
        documents: dict[str, dict] = {}
        names = {d.doc_id: Path(d.sources[0]).name for d in bot.documents()}
        texts = {doc_id: snapshot.text.document(doc_id).text for doc_id in names}
        seen: set[tuple[str, int]] = set()
        for chunk_id in chunk_ids:
            record = records[chunk_id]
            entry = documents.setdefault(
                names[record.doc_id], {"chunks": 0, "sentences": 0, "fragments": 0, "long": 0, "embeddings": 0}
            )
            entry["chunks"] += 1
            entry["embeddings"] += 1
            for sentence in per_chunk[chunk_id]:
                if (sentence.doc_id, sentence.idx) in seen:
                    continue
                seen.add((sentence.doc_id, sentence.idx))
                entry["embeddings"] += 1
                # Headings are embedded but not quotable; revisions before the reading layer have none.
                if not getattr(sentence, "quotable", True):
                    continue
                words = len(texts[sentence.doc_id][sentence.start : sentence.end].split())
                entry["sentences"] += 1
                entry["fragments"] += words < FRAGMENT_WORDS
                entry["long"] += words > LONG_WORDS
        evaluation = evaluate(str(questions), assistant=bot)
        return {
            "package": str(Path(package.__file__).parent),
            "ingest_seconds": report.seconds,
            "embeddings_computed": report.embeddings_computed,
            "skipped": [[s.path, s.reason] for s in report.skipped],
            "documents": documents,
            "metrics": {name: evaluation.metrics.get(name) for name in EVAL_METRICS},
            "counts": evaluation.counts,
            "answers": [{"id": r.id, "answer_match": r.answer_match, "found": r.found} for r in evaluation.results],
        }


def _run_variant(source_root: Path, fixtures: Path, questions: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(source_root), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", str(fixtures), str(questions)],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"measurement with {source_root} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _totals(run: dict) -> dict:
    docs = run["documents"].values()
    sentences = sum(d["sentences"] for d in docs)
    return {
        "documents": len(run["documents"]),
        "sentences": sentences,
        "fragment_share": sum(d["fragments"] for d in docs) / sentences if sentences else 0.0,
        "long_share": sum(d["long"] for d in docs) / sentences if sentences else 0.0,
        "embeddings": sum(d["embeddings"] for d in docs),
    }


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def report(baseline_rev: str, runs: dict[str, list[dict]]) -> str:
    before, after = runs["before"][0], runs["after"][0]
    totals = {name: _totals(r[0]) for name, r in runs.items()}
    seconds = {name: statistics.median(x["ingest_seconds"] for x in r) for name, r in runs.items()}
    lines = [
        f"# Reading real documents — {dt.date.today().isoformat()}",
        "",
        f"Fixtures: `tests/fixtures/real` ({totals['after']['documents']} documents); questions: "
        f"`tests/fixtures/real/questions.jsonl` ({after['counts'].get('questions', '?')} questions, "
        f"{after['counts'].get('unanswerable', '?')} unanswerable). Before = `{baseline_rev}`, after = this "
        f"checkout; {len(runs['after'])} ingest round(s) each, alternating, in fresh processes.",
        "",
        "| measure | before | after |",
        "|---|---|---|",
        f"| sentences (quotable units) | {totals['before']['sentences']} | {totals['after']['sentences']} |",
        f"| fragments (< {FRAGMENT_WORDS} words) | {totals['before']['fragment_share']:.1%} | "
        f"{totals['after']['fragment_share']:.1%} |",
        f"| over-long units (> {LONG_WORDS} words) | {totals['before']['long_share']:.1%} | "
        f"{totals['after']['long_share']:.1%} |",
        f"| embeddings computed | {totals['before']['embeddings']} | {totals['after']['embeddings']} |",
        f"| ingest seconds (median) | {seconds['before']:.1f} | {seconds['after']:.1f} "
        f"(ratio {seconds['after'] / seconds['before']:.2f}) |",
    ]
    for name in EVAL_METRICS:
        lines.append(f"| {name} | {_fmt(before['metrics'][name])} | {_fmt(after['metrics'][name])} |")
    lines += [
        "",
        "Per document (before → after):",
        "",
        "| document | sentences | fragments | over-long | embeddings |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(set(before["documents"]) | set(after["documents"])):
        b = before["documents"].get(name, {"sentences": 0, "fragments": 0, "long": 0, "embeddings": 0})
        a = after["documents"].get(name, {"sentences": 0, "fragments": 0, "long": 0, "embeddings": 0})
        lines.append(
            f"| {name} | {b['sentences']} → {a['sentences']} | {b['fragments']} → {a['fragments']} | "
            f"{b['long']} → {a['long']} | {b['embeddings']} → {a['embeddings']} |"
        )
    changed = [
        (b["id"], b["answer_match"], a["answer_match"])
        for b, a in zip(before["answers"], after["answers"])
        if b["answer_match"] != a["answer_match"]
    ]
    if changed:
        lines += [
            "",
            "Questions whose answer match changed: "
            + ", ".join(f"`{qid}` {_fmt(b)} → {_fmt(a)}" for qid, b, a in changed),
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision to compare against")
    parser.add_argument("--rounds", type=int, default=2, help="ingest rounds per variant (alternating)")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--measure", nargs=2, type=Path, metavar=("FIXTURES", "QUESTIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-reading-base-") as scratch:
        worktree = Path(scratch) / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            runs: dict[str, list[dict]] = {"before": [], "after": []}
            for round_ in range(args.rounds):
                for name, root in (("before", worktree), ("after", ROOT)):
                    result = _run_variant(root, args.fixtures.resolve(), args.questions.resolve())
                    runs[name].append(result)
                    print(
                        f"round {round_ + 1} {name}: {result['ingest_seconds']:.1f} s from {result['package']}",
                        file=sys.stderr,
                    )
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)
    text = report(args.baseline, runs)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"reading-{dt.date.today().isoformat()}"
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(json.dumps({"baseline": args.baseline, "runs": runs}, indent=2))
    print(text)


if __name__ == "__main__":
    main()
