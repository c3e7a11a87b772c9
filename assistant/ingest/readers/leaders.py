"""Leader runs in OCR'd lines: the dots of a table of contents ("Introduction ........ 3") and the
rules of a form ("Name ______ Date ______"), which Tesseract reads as dots mixed with letters and
zeros it imagines in them ("....... 0... cece eee").

A run of dots at the end of a line, where a table-of-contents entry has its leader, becomes one clean
``....`` word (before the page number, when there is one): the line reader then leaves the entry out,
as it does a text layer's entries, instead of taking "2.4 Library Notes 4" for a heading. Any other
run (inside a line, or a form's blank at its end) is dropped and the words around it kept. Each word
keeps its box; a word cut short (the "Notes" of "Notes.......") keeps the part of its box its letters
take.

    clean_leaders((Word("Name", ...), Word("______", ...), Word("Date", ...)))   # -> Name, Date
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol, TypeVar


class Boxed(Protocol):
    """A word with its box (``ocr.Word``, a frozen dataclass); this module only needs its fields."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def text(self) -> str: ...

    @property
    def left(self) -> int: ...

    @property
    def top(self) -> int: ...

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...

    @property
    def confidence(self) -> float: ...


W = TypeVar("W", bound=Boxed)

_FILLERS = ".·…_"
# Four or more: an ellipsis ("...") is punctuation, not a leader.
_RUN = re.compile(f"[{_FILLERS}]{{4,}}")
# What Tesseract makes of leader dots besides dots: zeros and other digits, commas, and the round
# lowercase letters ("0... cece eee", "6.6666 e").
_JUNK_CHARS = f"{_FILLERS}.,:;'`0-9ceonstaiu-"
_JUNK = re.compile(f"[{_JUNK_CHARS}]+")
# Where a word's own leader begins: "Notes......." and "reference...0..0".
_JUNK_TAIL = re.compile(f"[{_FILLERS}][{_JUNK_CHARS}]*$")
_PAGE_REFERENCE = re.compile(r"(?:\d{1,4}|[ivxlcdm]{1,7})", re.I)
LEADER = "...."
"""The word a line-end leader run becomes; ``lines.LEADER`` recognises it."""


def _part(word: W, start: int, end: int) -> W:
    """``word.text[start:end]`` with the share of the box its characters take."""
    share = word.width / max(len(word.text), 1)
    left = word.left + round(start * share)
    return replace(word, text=word.text[start:end], left=left, width=max(1, round((end - start) * share)))


def _union(words: Sequence[W], text: str) -> W:
    left = min(w.left for w in words)
    top = min(w.top for w in words)
    right = max(w.left + w.width for w in words)
    bottom = max(w.top + w.height for w in words)
    confidence = round(sum(w.confidence for w in words) / len(words), 1)
    return replace(
        words[0], text=text, left=left, top=top, width=right - left, height=bottom - top, confidence=confidence
    )


def _is_leader(text: str, page_reference: bool) -> bool:
    """Whether junk that begins at ``text`` is a leader: it starts with a dot (or a dot read as a zero)
    and has a run of four dots, or two dots and four dots or zeros in all ("0000. .cceee"); before a
    page number, four dots or zeros and a few of the letters dots are read as will do ("00.0 cence eee")."""
    if not text or text[0] not in _FILLERS + "0":
        return False
    dots = sum(c in _FILLERS + "0" for c in text)
    if _RUN.search(text) or (re.search(f"[{_FILLERS}]{{2}}", text) and dots >= 4):
        return True
    return page_reference and dots >= 4 and sum(c.isalpha() for c in text) >= 3


def _trim(word: W) -> list[W]:
    """A word inside a line without its leader runs ("______", "Name____", "Name____Date"): the parts
    left between them, each with its share of the box."""
    parts, at = [], 0
    for run in _RUN.finditer(word.text):
        if run.start() > at:
            parts.append(_part(word, at, run.start()))
        at = run.end()
    if at == 0:
        return [word]
    if at < len(word.text):
        parts.append(_part(word, at, len(word.text)))
    return parts


def _starts(text: str) -> list[int]:
    """Where in a word a leader may begin: at its start, or where dots begin that run to its end, with
    what they are read as ("Notes.......", "reference....0..0")."""
    tail = _JUNK_TAIL.search(text)
    return [0, tail.start()] if tail and tail.start() > 0 else [0]


def clean_leaders(line: Sequence[W]) -> tuple[W, ...]:
    """The line with its leader runs cleaned (see the module docstring)."""
    words = list(line)
    reference = len(words) > 1 and bool(_PAGE_REFERENCE.fullmatch(words[-1].text))
    end = len(words) - 1 if reference else len(words)
    first = end
    while first > 0 and _JUNK.fullmatch(words[first - 1].text):
        first -= 1
    # The leader is the first tail of the line's junk end (with the dots the word before it may end
    # in) that looks like one.
    for k in range(max(first - 1, 0), end):
        for at in _starts(words[k].text):
            tail = words[k].text[at:] + "".join(word.text for word in words[k + 1 : end])
            if not _is_leader(tail, reference):
                continue
            before = words[:k] + ([_part(words[k], 0, at)] if at else [])
            kept = [part for word in before for part in _trim(word)]
            if tail.strip("_-"):
                kept.append(_union([_part(words[k], at, len(words[k].text)), *words[k + 1 : end]], LEADER))
            return tuple(kept + words[end:])
    return tuple(part for word in words for part in _trim(word))
