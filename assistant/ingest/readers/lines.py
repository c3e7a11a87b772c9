"""Turn lines of text (a plain-text file, a PDF page) into blocks, the way a person reads a page.

Plain text and PDF extraction give us lines, not paragraphs: a wrapped sentence is several lines and
a heading, a list item or a table-of-contents entry is one. This module decides which line breaks
are wraps (joined, with words hyphenated across lines mended) and which are structure (kept).
Markdown, HTML and Word carry their structure explicitly and do not come through here.

    >>> b = TextBuilder()
    >>> LineReader(b).read(["The licence is granted to", "every recipient.", "", "(a) No warranty."])
    >>> [b.blocks[0].kind, b.blocks[1].kind]
    ['paragraph', 'list_item']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .builder import TextBuilder, inline

# Bullets, "1." / "1)" / "a." / "(a)" / "(iii)" / "[2]": what starts a list item or a numbered clause.
LIST_ITEM = re.compile(
    r"^\s*(?:[-*+•◦▪‣∙●○■□–](?=\s)|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlcdm]{1,6})[.)](?=\s)|\((?:\d{1,3}|[a-zA-Z]|[ivxlcdm]{1,6})\)(?=\s)|\[\d{1,3}\](?=\s))",
)
# "2.3 Simple parsing", "4. Function reference", "Chapter 3: Utilities", "Appendix A Copying".
NUMBERED_HEADING = re.compile(
    r"^\s*(?:(?:chapter|section|part)\s+)?(\d{1,2}(?:\.\d{1,2}){0,4})\.?:?\s+\S|^\s*appendix\s+([A-Z\d]{1,2})\b", re.I
)
_TYPE_NAME = re.compile(r"\b[A-Z]+\d+\b")
_CODE_LIKE = re.compile(r"[_=(){}<>\[\]]")
# Table-of-contents and index entries: a run of leader dots ending in a page reference.
LEADER = re.compile(r"(?:\.\s?){4,}\s*[\divxlcdm,\s–-]*$", re.I)
PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)
NUMBERED_CLAUSE = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){0,4})[.)]?\s+\S")
UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")
MARKDOWN_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
FIELD = re.compile(r"^[A-Za-z][\w .-]{0,40}:\s+\S")
# A term and its description in a reference manual ("Returns: ...", "len: length of the data"); a
# term of several words starts a block only after a full stop, so a wrapped "flags defined are: x"
# stays in its sentence.
TERM = re.compile(r"^[A-Za-z_][\w.-]*(?: [\w.-]+){0,2}:\s+\S")
_TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]*$")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_TRAILING_NUMBER = re.compile(r"\b(\d{1,4}|[ivxlcdm]{1,7})\s*$", re.I)
_DIGITS = re.compile(r"\d+")
_HYPHENATED_END = re.compile(r"([A-Za-z]+)-$")
_LOWER_START = re.compile(r"[a-z]+")

_MAX_HEADING_WORDS = 12


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _roman(value: str) -> int | None:
    numerals = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total, previous = 0, 0
    for ch in reversed(value.lower()):
        n = numerals.get(ch)
        if n is None:
            return None
        total = total - n if n < previous else total + n
        previous = max(previous, n)
    return total


def _page_label(text: str) -> int | None:
    return int(text) if text.isdigit() else _roman(text)


def _edge_key(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split()))


def strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers and footers and page-number lines from the top and bottom of pages.

    A header is an edge line that repeats (digits aside) on many pages, or one that ends in a number
    running in step with the page count ("Chapter 2: Parsing 14" on page 17, "Chapter 3: Output 15"
    on page 18): chapters change the words of a running header but never that step.
    """
    if len(pages) < 3:
        return [[line for line in page if not PAGE_NUMBER.match(line)] if len(page) > 1 else page for page in pages]
    edges: list[list[tuple[str, int]]] = []
    shapes: Counter[tuple[str, str]] = Counter()
    steps: Counter[tuple[str, int]] = Counter()

    def step(line: str, number: int) -> int | None:
        found = _TRAILING_NUMBER.search(line)
        label = _page_label(found.group(1)) if found and found.start() > 0 else None
        return None if label is None else number - label

    for number, page in enumerate(pages):
        content = [i for i, line in enumerate(page) if line.strip()]
        picked = sorted(set([("top", i) for i in content[:2]] + [("bottom", i) for i in content[-2:]]))
        edges.append(picked)
        for where, i in picked:
            shapes[(where, _edge_key(page[i]))] += 1
            offset = step(page[i], number)
            if offset is not None:
                steps[(where, offset)] += 1
    repeated = max(3, len(pages) // 4)
    cleaned = []
    for number, (page, picked) in enumerate(zip(pages, edges)):
        drop = set()
        # From each edge inwards: a second line goes only after the first (a two-line header).
        for where in ("top", "bottom"):
            for _, i in [p for p in picked if p[0] == where][:: 1 if where == "top" else -1]:
                offset = step(page[i], number)
                if not (
                    PAGE_NUMBER.match(page[i])
                    or shapes[(where, _edge_key(page[i]))] >= repeated
                    or (offset is not None and steps[(where, offset)] >= 3)
                ):
                    break
                drop.add(i)
        cleaned.append([line for i, line in enumerate(page) if i not in drop])
    return cleaned


def heading_level(line: str) -> int | None:
    """The level of a numbered heading ("2.3 Naming" is 2), or None for a line that is not one."""
    match = NUMBERED_HEADING.match(line)
    if not match:
        return None
    if match.group(2):
        return 1
    rest = line[match.end() - 1 :].strip()
    if not rest[:1].isupper() or _CODE_LIKE.search(rest):
        return None
    if rest.upper() == rest and _TYPE_NAME.search(rest):
        return None  # "4 CARD32 PRIORITY": a row of a binary format's table, not a section
    if rest.endswith(".") and len(rest.split()) > 4:
        return None
    return match.group(1).count(".") + 1


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    if not words or len(words) > _MAX_HEADING_WORDS or not _WORD.search(line):
        return False
    stripped = line.strip()
    if stripped.endswith((",", ";")) or "://" in stripped or _CODE_LIKE.search(stripped):
        return False
    if stripped.endswith(":") and len(words) > 4:
        return False  # a sentence that introduces a list or an example
    return heading_level(stripped) is not None or not stripped.endswith(".")


class LineReader:
    """Feeds lines to a TextBuilder as headings, paragraphs, list items, code and key: value fields.

    Plain text (``read``) marks paragraphs with blank lines. PDF text (``read_pages``) has none, so
    there a paragraph ends where a line stops short of the page's usual width after a sentence.
    ``vocabulary`` (see ``vocabulary()``) decides which hyphens at a line end belong to the word.
    """

    def __init__(self, builder: TextBuilder, vocabulary: set[str] | None = None):
        self.builder = builder
        self.vocabulary = vocabulary or set()

    def read(self, lines: Iterable[str]) -> None:
        """Read plain-text lines, where blank lines separate paragraphs."""
        self._read_text([line.rstrip() for line in lines])

    # ----- plain text -----

    def _read_text(self, lines: list[str]) -> None:
        base = Counter(_indent(line) for line in lines if line.strip()).most_common(1)
        base_indent = base[0][0] if base else 0
        group: list[str] = []
        groups: list[list[str]] = []
        for line in lines:
            if line.strip():
                group.append(line)
            elif group:
                groups.append(group)
                group = []
        if group:
            groups.append(group)
        for i, group in enumerate(groups):
            self._text_group(group, base_indent, is_last=i == len(groups) - 1)

    def _text_group(self, group: list[str], base_indent: int, is_last: bool) -> None:
        group = [line for line in group if not LEADER.search(line)]
        if not group:
            return
        if len(group) == 2 and UNDERLINE.match(group[1]) and not UNDERLINE.match(group[0]):
            self.builder.heading(group[0], 1 if group[1].strip()[0] == "=" else 2)
            return
        if all(_indent(line) >= base_indent + 4 for line in group) and not LIST_ITEM.match(group[0]):
            self.builder.block("code", "\n".join(line[base_indent + 4 :] for line in group))
            return
        if len(group) > 1 and all(FIELD.match(line.strip()) for line in group):
            for line in group:
                self.builder.block("field", line)
            return
        clause = NUMBERED_CLAUSE.match(group[0])
        if clause:
            # "2. Grant of Licence. ..." ends the section that "1. Definitions." opened.
            self.builder.leave(clause.group(1).count(".") + 2)
        markdown = MARKDOWN_HEADING.match(group[0])
        if markdown:
            self.builder.heading(markdown.group(2), len(markdown.group(1)))
            group = group[1:]
        elif len(group) == 1 and not is_last and _looks_like_heading(group[0]):
            self._heading(group[0])
            return
        self._items(group)

    def _heading(self, line: str) -> None:
        stripped = line.strip()
        level = heading_level(stripped)
        if level is not None:
            self.builder.heading(stripped, level + 1)
        else:
            letters = [c for c in stripped if c.isalpha()]
            self.builder.heading(stripped, 1 if letters and all(c.isupper() for c in letters) else 2)

    def _items(self, lines: list[str]) -> None:
        """Lines of one paragraph, where a list marker starts a new item and every other line wraps."""
        kind, current = "paragraph", list[str]()
        for line in lines:
            if LIST_ITEM.match(line) and current:
                self.builder.block(kind, self._join(current))
                current = []
            if not current:
                kind = "list_item" if LIST_ITEM.match(line) else "paragraph"
            current.append(line)
        if current:
            self.builder.block(kind, self._join(current))

    # ----- PDF pages -----

    def read_pages(self, pages: Iterable[tuple[int, list[str]]]) -> None:
        """Read a paged document. A paragraph that runs on over a page break (no full stop at the
        foot of the page, a lower-case start at the head of the next) stays one block; the page
        changes at the character where the new page's text begins."""
        kind = "paragraph"
        current: list[tuple[str, int]] = []

        def flush() -> None:
            if current:
                text, starts = self._join_lines([line for line, _ in current])
                pages_of = [page for _, page in current]
                breaks = [
                    (start, page) for start, page, before in zip(starts[1:], pages_of[1:], pages_of) if page != before
                ]
                self.builder.block(kind, text, page=pages_of[0], breaks=breaks)
                current.clear()

        for number, raw in pages:
            lines = reading_lines(raw)
            if not lines:
                continue
            runs_on = current and not _TERMINAL.search(current[-1][0]) and lines[0][:1].islower()
            if not runs_on:
                flush()
            lengths = sorted(len(line) for line in lines if len(line.split()) >= 4)
            width = lengths[int(len(lengths) * 0.8)] if lengths else 0
            for i, line in enumerate(lines):
                following = lines[i + 1] if i + 1 < len(lines) else ""
                short = len(line) < 0.75 * width
                level = heading_level(line)
                if level is not None and short and _looks_like_heading(line):
                    flush()
                    self.builder.heading(line, level, page=number)
                    continue
                if LIST_ITEM.match(line):
                    flush()
                    kind = "list_item"
                elif TERM.match(line) and (not current or ":" in line.split()[0] or _TERMINAL.search(current[-1][0])):
                    flush()
                    kind = "field"
                elif not current:
                    kind = "paragraph"
                current.append((line, number))
                if short and (_TERMINAL.search(line) or following[:1].isupper()):
                    flush()
        flush()

    # ----- joining wrapped lines -----

    def _join(self, lines: list[str]) -> str:
        return self._join_lines([inline(line) for line in lines])[0]

    def _join_lines(self, lines: list[str]) -> tuple[str, list[int]]:
        """Join wrapped lines with a space, mending a word hyphenated across a line break; returns
        the text and where each line starts in it.

        "manip-" + "ulation" becomes "manipulation", while "well-" + "known" stays "well-known" when the
        document spells it with a hyphen elsewhere (the only evidence we have without a dictionary).
        """
        parts, starts, length = [lines[0]], [0], len(lines[0])
        for previous, line in zip(lines, lines[1:]):
            # Only the previous line is searched, so a long paragraph costs linear time.
            head = _HYPHENATED_END.search(previous)
            tail = _LOWER_START.match(line)
            if head and tail and len(previous) > len(head.group(0)):
                joined = head.group(1) + tail.group(0)
                hyphenated = f"{head.group(1)}-{tail.group(0)}"
                if not (hyphenated.lower() in self.vocabulary and joined.lower() not in self.vocabulary):
                    parts[-1] = parts[-1][:-1]
                    length -= 1
            else:
                parts.append(" ")
                length += 1
            starts.append(length)
            parts.append(line)
            length += len(line)
        return "".join(parts), starts


def reading_lines(raw: list[str]) -> list[str]:
    """The lines of a page that ``LineReader.read_pages`` reads, whitespace-collapsed: blank lines and
    table-of-contents entries are not read."""
    return [inline(line) for line in raw if line.strip() and not LEADER.search(line)]


def vocabulary(texts: Iterable[str]) -> set[str]:
    """Lower-cased words of a document, hyphenated compounds included, for mending hyphenation."""
    words: set[str] = set()
    for text in texts:
        words.update(w.lower() for w in _WORD.findall(text))
    return words
