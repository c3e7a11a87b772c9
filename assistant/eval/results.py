"""What an evaluation produces: each question's scored outcome, the report over all of them, and
the names of the metrics it measures.

``runner`` fills them in and ``report`` writes them out; both import them from here, so neither
imports the other to share them.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from typing import Any

# Metrics where a higher value is better, in the order reports show them. Latencies are reported but
# are not scores, so they are not in this list.
SCORE_METRICS = (
    "answer_match",
    "token_f1",
    "source_hit_at_k",
    "source_mrr",
    "cited_source_hit",
    "cited_source",
    "abstention_precision",
    "abstention_recall",
    "citation_support",
)
LOWER_IS_BETTER = ("false_refusal_rate", "latency_p50_s", "latency_p95_s")


@dataclass
class QuestionResult:
    """One question's outcome. ``answer_match``/``f1``/ranks are None where they do not apply.

    ``answerer`` names the answerer that wrote the answer ("" after an error); it says on which
    scale ``confidence`` is.
    """

    id: str
    question: str
    answers: list[str]
    source: str | None
    has_history: bool
    found: bool
    answer: str
    answer_match: bool | None
    f1: float | None
    retrieved_rank: int | None
    cited_rank: int | None
    citations: int
    citations_supported: int
    confidence: float
    answerer: str
    latency_s: float
    cited_sources: list[str] = field(default_factory=list)
    retrieved_sources: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def failure(self) -> str | None:
        """Why this question counts as failed, or None when it passed."""
        if self.error:
            return f"error: {self.error}"
        if not self.answerable:
            return "answered an unanswerable question" if self.found else None
        if not self.found:
            return "refused an answerable question"
        if not self.answer_match:
            return "answer does not contain a gold answer"
        if self.source and self.retrieved_rank is None:
            return "expected source not retrieved"
        # A gold answer quoted from another document is right by coincidence: the citation a reader
        # would follow does not lead to the document the question is about.
        if self.cited_source_ok is False:
            if not self.citations:
                return f"cited no document, expected {self.source}"
            return f"cited another document than {self.source}"
        return None

    @property
    def cited_source_ok(self) -> bool | None:
        """Whether an answered question with a ``source`` cites it; None when it was refused or has no
        source: a refusal cites nothing, so it says nothing about which document would be quoted."""
        if not (self.source and self.answers and self.found) or self.error:
            return None
        return self.cited_rank is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "answerable": self.answerable,
            "cited_source_ok": self.cited_source_ok,
            "failure": self.failure,
        }


@dataclass
class EvalReport:
    created_at: str
    questions_file: str | None
    index_dir: str | None
    settings: dict[str, Any]
    k: int
    counts: dict[str, int]
    metrics: dict[str, float | None]
    results: list[QuestionResult]
    machine: str = field(
        default_factory=lambda: f"{platform.system()} {platform.machine()}, {platform.python_version()}"
    )
    files: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> list[QuestionResult]:
        return [r for r in self.results if r.failure]

    def missed(self, minimums: dict[str, float]) -> list[str]:
        """Human-readable misses of ``{"metric": minimum}`` thresholds; an unmeasurable metric misses."""
        misses = []
        for name, minimum in minimums.items():
            if name not in self.metrics:
                raise KeyError(f"unknown metric {name!r}; known: {', '.join(self.metrics)}")
            value = self.metrics[name]
            if value is None:
                misses.append(f"{name} could not be measured on this question set (minimum {minimum:.3f})")
            elif value < minimum:
                misses.append(f"{name} = {value:.3f} is below the minimum {minimum:.3f}")
        return misses

    def to_dict(self) -> dict[str, Any]:
        return {
            "created_at": self.created_at,
            "questions_file": self.questions_file,
            "index_dir": self.index_dir,
            "machine": self.machine,
            "settings": self.settings,
            "k": self.k,
            "counts": self.counts,
            "metrics": self.metrics,
            "results": [r.to_dict() for r in self.results],
        }
