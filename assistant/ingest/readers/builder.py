"""Assemble a document's reading text block by block, recording exact offsets, headings and pages.

Every reader turns its format into calls on one ``TextBuilder``, so every format ends up with the
same shape: blocks separated by a blank line, a heading path on each block, page spans over the text.

    >>> b = TextBuilder()
    >>> b.heading("Install", level=1)
    >>> b.block("paragraph", "Run the   installer\\n and wait.")
    >>> text, blocks, pages = b.finish()
    >>> text[blocks[1].start:blocks[1].end], blocks[1].heading
    ('Run the installer and wait.', ('Install',))
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from ...types import BLOCK_KINDS, Block, PageSpan

_SPACE = re.compile(r"\s+")
_SEPARATOR = "\n\n"

# Cap on one heading's length in a heading path: a "heading" longer than this is a reader's misjudged
# paragraph, and the path is shown in every citation.
_MAX_HEADING_CHARS = 160


def inline(text: str) -> str:
    """Collapse runs of whitespace, as a browser renders inline text; wrapped lines join with a space."""
    return _SPACE.sub(" ", text).strip()


def code(text: str) -> str:
    """Preformatted text keeps its lines; common indentation, trailing spaces and surrounding blank
    lines go."""
    lines = [line.rstrip() for line in textwrap.dedent(text.replace("\t", "    ")).split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


class TextBuilder:
    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._path: list[tuple[int, str]] = []
        self._page_starts: list[tuple[int, int]] = []
        self.blocks: list[Block] = []

    def _append(self, text: str) -> tuple[int, int]:
        if self._length:
            self._parts.append(_SEPARATOR)
            self._length += len(_SEPARATOR)
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        return start, self._length

    def _on_page(self, page: int | None, offset: int) -> None:
        if page is not None and (not self._page_starts or self._page_starts[-1][0] != page):
            self._page_starts.append((page, offset))

    def heading(self, text: str, level: int, page: int | None = None) -> None:
        """A heading of ``level`` (1 = outermost) closes every open section at that level or deeper."""
        text = inline(text)
        if not text:
            return
        self.leave(level)
        self._path.append((level, text[:_MAX_HEADING_CHARS]))
        start, end = self._append(text)
        self._on_page(page, start)
        self.blocks.append(Block("heading", start, end, self.path))

    def leave(self, level: int) -> None:
        """Close the open sections at ``level`` or deeper without opening a new one."""
        while self._path and self._path[-1][0] >= level:
            self._path.pop()

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self._path)

    def block(self, kind: str, text: str, page: int | None = None, breaks: Sequence[tuple[int, int]] = ()) -> None:
        """Add one block; prose is whitespace-collapsed, ``code`` keeps its lines.

        ``page`` is the page the block starts on; ``breaks`` lists ``(offset in text, page)`` where a
        block that runs over a page break enters the next page (``text`` must then be collapsed
        already, so the offsets hold).
        """
        if kind not in BLOCK_KINDS or kind == "heading":
            raise ValueError(f"unknown block kind {kind!r}; headings go through heading()")
        text = code(text) if kind == "code" else inline(text)
        if not text:
            return
        start, end = self._append(text)
        self._on_page(page, start)
        for offset, number in breaks:
            self._on_page(number, start + offset)
        self.blocks.append(Block(kind, start, end, self.path))

    def finish(self) -> tuple[str, list[Block], list[PageSpan]]:
        text = "".join(self._parts)
        if not self._page_starts:
            return text, self.blocks, [PageSpan(1, 0, len(text))] if text else []
        pages = []
        for i, (number, start) in enumerate(self._page_starts):
            end = self._page_starts[i + 1][1] if i + 1 < len(self._page_starts) else len(text)
            while end > start and text[end - 1].isspace():
                end -= 1
            pages.append(PageSpan(number, start, end))
        return text, self.blocks, pages
