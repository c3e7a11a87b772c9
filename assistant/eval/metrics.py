"""Scores for one answer against gold answers, and aggregates over a question set.

Answer matching follows the official SQuAD evaluation script: lower-case, drop punctuation and the
articles a/an/the, collapse whitespace. Inline citation markers such as ``[2]`` are removed first,
so they neither help nor hurt a match.

    >>> answer_in_text("The 18th day was held on December 12 [1].", ["12 December", "December 12"])
    True
    >>> round(token_f1("held on December 12", "December 12"), 2)
    0.67
"""

from __future__ import annotations

import collections
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

_MARKER = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans({c: " " for c in string.punctuation + "“”‘’–—…"})

# Words that carry no answer content; a quote is not "supporting" just because it shares them.
_STOPWORDS = frozenset(
    "a an the of in on at to for from by with and or but is are was were be been being it its this that "
    "these those as he she they them his her their we our you your i not no do does did has have had "
    "which who whom what when where why how there here so than then also into about over after before".split()
)


def strip_markers(text: str) -> str:
    """Remove inline citation markers (``[1]``, ``[1, 2]``) from answer text."""
    return _MARKER.sub(" ", text)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation; curly quotes and dashes count as punctuation too.

    The official script deletes punctuation outright (``"U.S."`` -> ``"us"``); deleting instead of
    spacing would glue ``"1976–77"`` into one token that no gold answer spells, so punctuation becomes
    a space here. Gold answers go through the same function, so both sides agree.
    """
    text = strip_markers(text).lower().translate(_PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def _tokens(text: str) -> list[str]:
    return normalize_answer(text).split()


def exact_match(prediction: str, golds: Sequence[str]) -> bool:
    """True when the whole prediction equals a gold answer after normalisation."""
    pred = normalize_answer(prediction)
    return any(pred == normalize_answer(g) for g in golds)


def answer_in_text(text: str, golds: Sequence[str]) -> bool:
    """True when some gold answer appears in ``text`` as a whole-word run after normalisation."""
    haystack = f" {normalize_answer(text)} "
    for gold in golds:
        needle = normalize_answer(gold)
        if needle and f" {needle} " in haystack:
            return True
    return False


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token-overlap F1 between a prediction and one gold answer."""
    pred, ref = _tokens(prediction), _tokens(gold)
    if not pred or not ref:
        return float(pred == ref)
    common = collections.Counter(pred) & collections.Counter(ref)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: Sequence[str]) -> float:
    """Token F1 against the best-matching gold answer (0.0 when there are none)."""
    return max((token_f1(prediction, g) for g in golds), default=0.0)


def source_matches(expected: str, source: str) -> bool:
    """Whether a retrieved ``source`` path is the ``expected`` file (a file name or a path suffix).

    >>> source_matches("report.pdf", "/data/docs/report.pdf")
    True
    """
    want = PurePath(expected.replace("\\", "/")).parts
    have = PurePath(source.replace("\\", "/")).parts
    return len(want) <= len(have) and [p.lower() for p in have[-len(want) :]] == [p.lower() for p in want]


def source_rank(expected: str, sources: Iterable[str]) -> int | None:
    """1-based rank of the first source matching ``expected`` among distinct ``sources``, else None."""
    seen: list[str] = []
    for source in sources:
        if source in seen:
            continue
        seen.append(source)
        if source_matches(expected, source):
            return len(seen)
    return None


def quote_supports(quote: str, golds: Sequence[str], min_recall: float = 0.8) -> bool:
    """Whether a cited quote carries a gold answer.

    A lexical stand-in for entailment: the quote supports the answer when it contains a gold answer
    (normalised, whole words), or when at least ``min_recall`` of that answer's content words (not
    stop words) occur in it, which accepts a long gold span quoted with small edits. It cannot tell
    a quote that mentions the answer from one that asserts it, so it over-counts slightly.
    """
    if answer_in_text(quote, golds):
        return True
    quote_words = set(_tokens(quote))
    for gold in golds:
        content = [t for t in _tokens(gold) if t not in _STOPWORDS]
        if content and sum(t in quote_words for t in content) / len(content) >= min_recall:
            return True
    return False


@dataclass(frozen=True)
class AbstentionScores:
    """How well ``found=False`` separates unanswerable from answerable questions.

    ``precision``: share of refusals that were on unanswerable questions; ``recall``: share of
    unanswerable questions refused; ``false_refusal_rate``: share of answerable questions refused.
    A value is None when its denominator is zero.
    """

    refused_unanswerable: int
    refused_answerable: int
    answered_unanswerable: int
    answered_answerable: int
    precision: float | None
    recall: float | None
    false_refusal_rate: float | None


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def abstention_scores(outcomes: Iterable[tuple[bool, bool]]) -> AbstentionScores:
    """Score ``(answerable, found)`` pairs, one per question.

    >>> abstention_scores([(False, False), (True, False), (True, True)]).precision
    0.5
    """
    counts = collections.Counter((answerable, found) for answerable, found in outcomes)
    tp, fp = counts[(False, False)], counts[(True, False)]
    fn, tn = counts[(False, True)], counts[(True, True)]
    return AbstentionScores(
        refused_unanswerable=tp,
        refused_answerable=fp,
        answered_unanswerable=fn,
        answered_answerable=tn,
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, tp + fn),
        false_refusal_rate=_ratio(fp, fp + tn),
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation), None for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else None


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None
