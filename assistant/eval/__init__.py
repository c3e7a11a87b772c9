"""Evaluation on a test question set: load and validate questions, ask, score, report.

>>> from assistant.eval import evaluate
>>> report = evaluate("seeds/questions.jsonl", docs=["seeds"], out_dir="eval-out")
>>> report.metrics["answer_match"]
"""

from .questions import (
    EvalQuestion,
    LineError,
    QuestionFileError,
    corpus_question_files,
    load_questions,
    parse_questions,
    validate_lines,
)
from .report import CITATION_SUPPORT_NOTE, METRIC_LABELS
from .results import LOWER_IS_BETTER, SCORE_METRICS, EvalReport, QuestionResult
from .runner import evaluate, score_answer, summarize

__all__ = [
    "CITATION_SUPPORT_NOTE",
    "EvalQuestion",
    "EvalReport",
    "LOWER_IS_BETTER",
    "LineError",
    "METRIC_LABELS",
    "QuestionFileError",
    "QuestionResult",
    "SCORE_METRICS",
    "corpus_question_files",
    "evaluate",
    "load_questions",
    "parse_questions",
    "score_answer",
    "summarize",
    "validate_lines",
]
