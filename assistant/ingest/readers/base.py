"""What every reader returns, and the error it raises for a file it cannot read."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...types import Block, PageSpan


class UnreadableFile(Exception):
    """The file cannot be turned into text; ``str(e)`` is the reason shown to the user."""


@dataclass
class Reading:
    """A file as read: its text, title, blocks and (for paged formats) page spans."""

    text: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    pages: list[PageSpan] = field(default_factory=list)


def decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary content (NUL bytes) in a text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("not valid UTF-8 or Windows-1252 text")


def first_heading(blocks: list[Block], text: str) -> str:
    for block in blocks:
        if block.kind == "heading":
            return text[block.start : block.end][:120]
    return ""
