"""Split a Document's blocks into units: the sentences, rows and listings an answer can quote, and
the headings that name them.

Prose blocks (paragraphs, list items, fields) are split into sentences by the trained Punkt model that
ships with llama-index-core (``text.punkt``), run on the block's joined text, so a sentence never
spans two blocks and never stops at a wrapped line. A unit that is too long to quote (a legal clause,
a run-on list) is cut at clause boundaries; a fragment (under three words, or only numbers and
punctuation) joins its neighbour instead of becoming a candidate. A heading is a unit of its own that
is searched but never quoted (``quotable=False``): it names the units below it.

    >>> units = [u for u in segment(document) if u.quotable]
    >>> document.text[units[0].start:units[0].end]
    'The licence is granted to every recipient.'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import punkt, trim
from ..types import HEADING_SEPARATOR, Block, Document, SentenceSpan

MAX_UNIT_WORDS = 60
MIN_UNIT_WORDS = 3
_PROSE = {"paragraph", "list_item", "field"}
# Neighbouring blocks of these kinds belong together, so a fragment may join the next one.
_SIBLINGS = {"list_item", "table_row", "field"}
_BLANK_LINE = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"\S+")
# Where a long unit may be cut, best first: after ";", after ":", before a dash, after ",".
_CLAUSE_BREAKS = (re.compile(r";\s+"), re.compile(r":\s+"), re.compile(r"\s+[—–-]{1,2}\s+"), re.compile(r",\s+"))


@dataclass(frozen=True)
class Unit:
    """One span of ``Document.text`` and the index of the block it starts in (a fragment joined to
    its sibling list item or table row makes a unit that ends in the next block). Headings are
    units with ``quotable=False``."""

    start: int
    end: int
    block: int
    quotable: bool = True

    def span(self, blocks: list[Block]) -> SentenceSpan:
        heading = HEADING_SEPARATOR.join(blocks[self.block].heading)
        return SentenceSpan(self.start, self.end, heading, self.quotable)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_fragment(text: str, block: Block) -> bool:
    if block.kind == "code":
        return not _LETTER.search(text)
    if (
        block.kind == "paragraph"
        and _words(text) <= MIN_UNIT_WORDS
        and not _SENTENCE_END.search(text)
        and not _DIGIT.search(text)
    ):
        # A short line standing alone without a full stop or a figure is a label ("Table of
        # Contents", "Example"), while "Added in: v0.9.3" is a fact.
        return True
    return _words(text) < MIN_UNIT_WORDS or not _LETTER.search(text)


def split_clauses(text: str, start: int, end: int, max_words: int = MAX_UNIT_WORDS) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of at most ``max_words`` words, at the best clause breaks.

    Each cut is the strongest kind of break available (";" before ":" before a dash before ","),
    and among those the one nearest the middle, so pieces come out balanced; a span with no
    punctuation at all is cut between words.
    """
    if _words(text[start:end]) <= max_words:
        return [(start, end)]
    words = list(_WORD.finditer(text, start, end))
    low, high = words[MIN_UNIT_WORDS].start(), words[-MIN_UNIT_WORDS].start()
    middle = words[len(words) // 2].start()
    cut = None
    for pattern in _CLAUSE_BREAKS:
        candidates = [m.end() for m in pattern.finditer(text, start, end) if low <= m.end() <= high]
        if candidates:
            cut = min(candidates, key=lambda c: abs(c - middle))
            break
    if cut is None:
        cut = middle
    left = trim(text, start, cut)
    right = trim(text, cut, end)
    return split_clauses(text, *left, max_words) + split_clauses(text, *right, max_words)


def _block_units(text: str, block: Block, index: int) -> list[Unit]:
    if block.kind == "heading":
        return [Unit(block.start, block.end, index, quotable=False)]
    if block.kind in _PROSE:
        spans = [(block.start + s, block.start + e) for s, e in punkt().span_tokenize(text[block.start : block.end])]
    else:
        spans = [(block.start, block.end)]
    units = []
    for s, e in spans:
        s, e = trim(text, s, e)
        for a, b in split_clauses(text, s, e) if block.kind != "code" else [(s, e)]:
            if b > a:
                units.append(Unit(a, b, index))
    return units


def _joinable(blocks: list[Block], a: Unit, b: Unit) -> bool:
    if a.block == b.block:
        return True
    first, second = blocks[a.block], blocks[b.block]
    return (
        first.kind == second.kind
        and first.kind in _SIBLINGS
        and first.heading == second.heading
        and abs(a.block - b.block) == 1
    )


def _merge_fragments(text: str, blocks: list[Block], units: list[Unit]) -> list[Unit]:
    """Fold fragments into the previous unit, else the next; drop the ones that stand alone."""
    out: list[Unit] = []
    carry: Unit | None = None
    for unit in units:
        if not unit.quotable:
            out.append(unit)
            carry = None
            continue
        if carry is not None:
            if _joinable(blocks, carry, unit):
                unit = Unit(carry.start, unit.end, carry.block)
            carry = None
        if not _is_fragment(text[unit.start : unit.end], blocks[unit.block]):
            out.append(unit)
        elif out and out[-1].quotable and _joinable(blocks, out[-1], unit):
            out[-1] = Unit(out[-1].start, unit.end, out[-1].block)
        else:
            carry = unit
    return out


def blocks_of(document: Document) -> list[Block]:
    """The document's blocks; a Document built by hand without any reads as blank-line paragraphs."""
    if document.blocks:
        return document.blocks
    blocks, position = [], 0
    for match in [*_BLANK_LINE.finditer(document.text), None]:
        end = match.start() if match else len(document.text)
        start, end = trim(document.text, position, end)
        if end > start:
            blocks.append(Block("paragraph", start, end))
        position = match.end() if match else end
    return blocks


def segment(document: Document) -> list[Unit]:
    """A document's units in order: quotable ones that never cross a block boundary (except a
    fragment joined to a sibling list item or table row), and its headings."""
    blocks = blocks_of(document)
    units: list[Unit] = []
    for index, block in enumerate(blocks):
        units.extend(_block_units(document.text, block, index))
    return _merge_fragments(document.text, blocks, units)
