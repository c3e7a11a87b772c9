"""Where a quote lies in a page's text, whatever the text's spacing: the quote and the page are
compared on their letters and digits alone (casefolded, ligatures spelled out), so line breaks,
hyphens at line ends, double spaces and punctuation that one reading has and the other lacks do not
matter. The page's text is pdfium's for a PDF page with a text layer (our document text came from
pypdf, which breaks and mends lines otherwise) and the document's own for a page OCR read.

    locate("Abstract Syntax\\r\\nNotation One", "syntax notation")   # -> (9, 31)
    lines([(10, 5, 50, 20), (55, 6, 90, 21), (10, 30, 40, 45)])     # -> two rectangles, one per line
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

Box = tuple[int, int, int, int]
"""``(left, top, right, bottom)`` in pixels."""

# How far apart (in letters and digits of the page) two matched runs of a quote may lie and still
# be one quote: a word or two read otherwise.
_GAP = 24
# The shortest run of words a quote that is not found whole may be found by.
_MIN_RUN = 3


def _keyed(text: str) -> tuple[str, list[int]]:
    """``text``'s letters and digits, casefolded and NFKC-normalised, and the index in ``text`` of each."""
    chars: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        for k in unicodedata.normalize("NFKC", c).casefold():
            if k.isalnum():
                chars.append(k)
                where.append(i)
    return "".join(chars), where


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """``(start, end)`` of ``quote`` in ``text``, or None. A quote not there whole (a word OCR or the
    PDF's fonts spell otherwise) is found by its longest run of words that is there, grown word by
    word to either side over words that are missing, as long as the next word found lies close."""
    page, where = _keyed(text)
    key, _ = _keyed(quote)
    if not key:
        return None
    at = page.find(key)
    if at >= 0:
        return where[at], where[at + len(key) - 1] + 1
    words = [k for k in (_keyed(w)[0] for w in quote.split()) if k]
    found = _longest_run(page, words)
    if found is None:
        return None
    first, last, start, end = found
    start = _grow(page, reversed(words[:first]), start, backwards=True)
    end = _grow(page, iter(words[last:]), end, backwards=False)
    return where[start], where[end - 1] + 1


def _longest_run(page: str, words: list[str]) -> tuple[int, int, int, int] | None:
    """``(first word, past the last word, start, end)`` of the longest run of ``words`` found in
    ``page`` (of at least ``_MIN_RUN`` words, or all of a shorter quote)."""
    for n in range(len(words) - 1, min(_MIN_RUN, len(words)) - 1, -1):
        for i in range(len(words) - n + 1):
            run = "".join(words[i : i + n])
            at = page.find(run)
            if at >= 0:
                return i, i + n, at, at + len(run)
    return None


def _grow(page: str, words, edge: int, backwards: bool) -> int:
    """Move ``edge`` over the next of ``words`` that lie within ``_GAP`` of it, skipping ones not
    found, until one is too far."""
    for word in words:
        if backwards:
            at = page.rfind(word, max(0, edge - len(word) - _GAP), edge)
            if at >= 0:
                edge = at
        else:
            at = page.find(word, edge, edge + len(word) + _GAP)
            if at >= 0:
                edge = at + len(word)
    return edge


def lines(boxes: Sequence[Box]) -> list[Box]:
    """Word or character boxes in reading order joined into one rectangle per line: a box that
    overlaps the line's height by half of its own, and does not go back left, continues it."""
    merged: list[Box] = []
    for left, top, right, bottom in boxes:
        if merged:
            l0, t0, r0, b0 = merged[-1]
            overlap = min(b0, bottom) - max(t0, top)
            if overlap >= (bottom - top) / 2 and left >= l0:
                merged[-1] = (l0, min(t0, top), max(r0, right), max(b0, bottom))
                continue
        merged.append((left, top, right, bottom))
    return merged
