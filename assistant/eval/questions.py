"""Test question sets: JSON Lines, one question per line, validated with line-numbered errors.

Each line is an object::

    {"id": "q1", "question": "Who chairs the committee?", "answers": ["Sar Sokha"], "source": "seed.txt"}

``answers: []`` marks a question the documents do not answer (the assistant should abstain).
``source`` (a file name or path suffix, or null) names the document expected to answer it.
``history`` (optional) lists earlier turns, ``{"role": "user"|"assistant", "content": "..."}``,
for follow-up questions. Other keys are kept in ``extra`` and otherwise ignored.

    >>> qs = parse_questions(['{"id": "a", "question": "Why?", "answers": []}'])
    >>> qs[0].answerable
    False
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AssistantError
from ..ingest.pipeline import CORPUS_QUESTIONS

_KNOWN_KEYS = {"id", "question", "answers", "source", "history"}
_ROLES = {"user", "assistant"}


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: list[str]
    source: str | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class QuestionFileError(AssistantError, ValueError):
    """The question file has invalid lines; ``errors`` lists every one of them."""

    def __init__(self, path: str, errors: list[LineError]) -> None:
        self.path = path
        self.errors = errors
        listed = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"{path}: {len(errors)} invalid line(s):\n{listed}")


def _check(obj: Any, line: int) -> tuple[EvalQuestion | None, list[str]]:
    if not isinstance(obj, dict):
        return None, [f"expected a JSON object, got {type(obj).__name__}"]
    problems: list[str] = []
    qid, question, answers = obj.get("id"), obj.get("question"), obj.get("answers")
    source, history = obj.get("source"), obj.get("history", [])
    if not isinstance(qid, str) or not qid.strip():
        problems.append('"id" must be a non-empty string')
    if not isinstance(question, str) or not question.strip():
        problems.append('"question" must be a non-empty string')
    if "answers" not in obj:
        problems.append('"answers" is missing (use [] for a question the documents do not answer)')
    elif not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        problems.append('"answers" must be a list of non-empty strings')
    if source is not None and (not isinstance(source, str) or not source.strip()):
        problems.append('"source" must be a file name or null')
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and t.get("role") in _ROLES and isinstance(t.get("content"), str) for t in history
    ):
        problems.append('"history" must be a list of {"role": "user"|"assistant", "content": "..."} turns')
    if problems:
        return None, problems
    assert isinstance(qid, str) and isinstance(question, str) and isinstance(answers, list)  # checked above
    extra = {k: v for k, v in obj.items() if k not in _KNOWN_KEYS}
    turns = [{"role": t["role"], "content": t["content"]} for t in history]
    return EvalQuestion(qid, question.strip(), list(answers), source, turns, line, extra), []


def validate_lines(lines: Iterable[str]) -> tuple[list[EvalQuestion], list[LineError]]:
    """Parse every line, collecting all errors instead of stopping at the first. Blank lines are skipped."""
    questions: list[EvalQuestion] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(LineError(number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        question, problems = _check(obj, number)
        errors.extend(LineError(number, p) for p in problems)
        if question is None:
            continue
        if question.id in seen:
            errors.append(LineError(number, f'duplicate id "{question.id}" (first on line {seen[question.id]})'))
            continue
        seen[question.id] = number
        questions.append(question)
    return questions, errors


def parse_questions(lines: Iterable[str], name: str = "<questions>") -> list[EvalQuestion]:
    """The questions in ``lines``; raises ``QuestionFileError`` listing every bad line."""
    questions, errors = validate_lines(lines)
    if errors:
        raise QuestionFileError(name, errors)
    if not questions:
        raise QuestionFileError(name, [LineError(0, "no questions found")])
    return questions


def load_questions(path: str | Path) -> list[EvalQuestion]:
    """Read and validate a JSON Lines question file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionFileError(str(path), [LineError(0, "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise QuestionFileError(str(path), [LineError(0, f"not UTF-8 text ({exc.reason})")]) from None
    return parse_questions(text.splitlines(), name=str(path))


def corpus_question_files(sources: Iterable[str]) -> list[Path]:
    """The question sets shipped with the documents at ``sources`` (indexed file paths): a
    ``questions.jsonl`` (``CORPUS_QUESTIONS``) in a folder that holds one of them, each listed once,
    in folder order. The chat offers their questions as examples."""
    folders = dict.fromkeys(Path(s).parent for s in sources)
    return [folder / CORPUS_QUESTIONS for folder in folders if (folder / CORPUS_QUESTIONS).is_file()]
