"""Write an ``EvalReport`` as report.json, a readable report.md, and PNG charts.

    >>> files = write_report(report, Path("eval-out"))
    >>> sorted(files)
    ['json', 'latency_png', 'markdown', 'metrics_png']

Charts are drawn with matplotlib's object API on a bare ``Figure`` (Agg canvas), never through
``pyplot``, so writing a report from a UI worker thread touches no global GUI state.
"""

from __future__ import annotations

import json
from pathlib import Path

from .metrics import percentile
from .results import LOWER_IS_BETTER, SCORE_METRICS, EvalReport, QuestionResult

METRIC_LABELS = {
    "answer_match": "Answer match (gold answer in answer text)",
    "token_f1": "Token F1 vs best gold answer",
    "source_hit_at_k": "Source hit@k (expected file among retrieved passages)",
    "source_mrr": "Source MRR (retrieved passages)",
    "cited_source_hit": "Cited source hit (expected file among citations)",
    "cited_source": "Cited source (answered questions citing the expected file)",
    "abstention_precision": "Abstention precision (refusals that were right)",
    "abstention_recall": "Abstention recall (unanswerable questions refused)",
    "false_refusal_rate": "False refusals (answerable questions refused)",
    "citation_support": "Citation support (quotes carrying a gold answer)",
    "latency_p50_s": "Latency p50 (s)",
    "latency_p95_s": "Latency p95 (s)",
}

CITATION_SUPPORT_NOTE = (
    "Citation support is a lexical check, not a model's judgement: a citation counts as supporting "
    "when its quoted text contains a gold answer after SQuAD normalisation, or at least 80% of the "
    "gold answer's content words (stop words removed). It is measured on answerable questions the "
    "assistant answered. It cannot tell a quote that merely mentions the answer from one that "
    "asserts it, so it slightly over-counts; a correct paraphrase with different words under-counts."
)


def _fmt(value: float | None, seconds: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} s" if seconds else f"{value:.3f}"


def _cell(text: str, limit: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failure_row(r: QuestionResult) -> str:
    gold = "; ".join(r.answers) if r.answers else "(unanswerable)"
    answer = r.answer if r.found else f"(refused) {r.answer}"
    # An errored question has no answer, so its 0.0 confidence would be a made-up value.
    confidence = "-" if r.error else f"{r.confidence:.2f}"
    rank = "-" if r.retrieved_rank is None else str(r.retrieved_rank)
    return (
        f"| {_cell(r.id, 40)} | {_cell(r.question)} | {_cell(gold, 80)} | {_cell(answer)} | {confidence} "
        f"| {r.failure} | {rank} |"
    )


def render_markdown(report: EvalReport, charts: dict[str, str]) -> str:
    c, mt = report.counts, report.metrics
    lines = [
        "# Evaluation report",
        "",
        f"- Created: {report.created_at} on {report.machine}",
        f"- Questions: {report.questions_file or '(in memory)'}: {c['questions']} "
        f"({c['answerable']} answerable, {c['unanswerable']} unanswerable, {c['with_history']} follow-ups)",
        f"- Index: {report.index_dir or '(temporary, built from --docs)'}",
        "- Settings: " + ", ".join(f"{k}={v}" for k, v in report.settings.items()),
        "",
        "## Metrics",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    for name in (*SCORE_METRICS, *LOWER_IS_BETTER):
        label = METRIC_LABELS[name].replace("@k", f"@{report.k}")
        lines.append(f"| {label} | {_fmt(mt[name], seconds=name.startswith('latency'))} |")
    lines += ["", CITATION_SUPPORT_NOTE, ""]
    for key, title in (("metrics_png", "Scores"), ("latency_png", "Latency")):
        if key in charts:
            lines += [f"![{title}]({Path(charts[key]).name})", ""]
    failures = report.failures
    lines += [f"## Failures ({len(failures)} of {c['questions']})", ""]
    if failures:
        lines += [
            "| id | question | gold | answer | confidence | why | source rank |",
            "|---|---|---|---|---|---|---|",
            *(_failure_row(r) for r in failures),
        ]
    else:
        lines.append("Every question passed.")
    return "\n".join(lines) + "\n"


def plot_metrics(report: EvalReport, path: Path) -> None:
    from matplotlib.figure import Figure

    names = [n for n in SCORE_METRICS if report.metrics[n] is not None]
    values = [float(report.metrics[n] or 0.0) for n in names]
    fig = Figure(figsize=(8, 0.45 * len(names) + 1.2))
    ax = fig.add_subplot()
    bars = ax.barh(names[::-1], values[::-1], color="#3b75af")
    ax.bar_label(bars, fmt="%.2f", padding=3)
    ax.set_xlim(0, 1.1)
    ax.set_xlabel("score (higher is better)")
    ax.set_title(f"Scores on {report.counts['questions']} questions")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_latency(report: EvalReport, path: Path) -> None:
    from matplotlib.figure import Figure

    latencies = [r.latency_s for r in report.results]
    fig = Figure(figsize=(7, 3.6))
    ax = fig.add_subplot()
    ax.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), color="#6a9f58")
    for q, style in ((50, "--"), (95, ":")):
        value = percentile(latencies, q)
        if value is None:
            continue
        ax.axvline(value, color="black", linestyle=style, label=f"p{q} = {value:.2f} s")
    ax.set_xlabel("seconds per question")
    ax.set_ylabel("questions")
    ax.set_title("Latency per question")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_report(report: EvalReport, out_dir: Path) -> dict[str, str]:
    """Write the report files into ``out_dir`` (created if needed); returns ``{kind: path}``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"metrics_png": str(out_dir / "metrics.png"), "latency_png": str(out_dir / "latency.png")}
    plot_metrics(report, Path(files["metrics_png"]))
    plot_latency(report, Path(files["latency_png"]))
    files["markdown"] = str(out_dir / "report.md")
    Path(files["markdown"]).write_text(render_markdown(report, files), encoding="utf-8")
    files["json"] = str(out_dir / "report.json")
    payload = {**report.to_dict(), "citation_support_method": CITATION_SUPPORT_NOTE, "files": files}
    Path(files["json"]).write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return files
