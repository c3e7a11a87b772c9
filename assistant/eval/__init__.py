"""Evaluation on a test question set: load and validate questions, ask, score, report.

    >>> from assistant.eval import evaluate
    >>> report = evaluate("tests/questions/seed.jsonl", docs=["seeds"], out_dir="eval-out")
    >>> report.metrics["answer_match"]
"""

from .questions import EvalQuestion, LineError, QuestionFileError, load_questions, parse_questions, validate_lines
from .runner import EvalReport, QuestionResult, evaluate, score_answer, summarize

__all__ = [
    "EvalQuestion",
    "EvalReport",
    "LineError",
    "QuestionFileError",
    "QuestionResult",
    "evaluate",
    "load_questions",
    "parse_questions",
    "score_answer",
    "summarize",
    "validate_lines",
]
