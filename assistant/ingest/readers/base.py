"""What every reader returns, and the error it raises for a file it cannot read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...types import Block, OcrPage, PageSpan


class UnreadableFile(Exception):
    """The file cannot be turned into text; ``str(e)`` is the reason shown to the user."""


@dataclass
class Reading:
    """A file as read: its text, title, blocks and (for paged formats) page spans, the pages OCR read
    (with their word boxes) and notices on what could not be read well."""

    text: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    pages: list[PageSpan] = field(default_factory=list)
    ocr_pages: list[OcrPage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


# Text a person reads has almost no control characters besides line and page breaks and tabs; binary
# data decoded as Windows-1252 has about one in ten. Windows-1252 decodes nearly any bytes, so without
# this check a binary file without NUL bytes would be indexed as chunks of garbage.
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f]")
MAX_CONTROL_SHARE = 0.01
_SAMPLE_CHARS = 65536


def decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary content (NUL bytes) in a text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:_SAMPLE_CHARS]
        control = len(_CONTROL.findall(sample))
        if sample and control / len(sample) > MAX_CONTROL_SHARE:
            raise UnreadableFile(
                f"binary content, not text ({control / len(sample):.0%} control characters in its first "
                f"{len(sample):,} characters)"
            )
        return text
    raise UnreadableFile("not valid UTF-8 or Windows-1252 text")


def first_heading(blocks: list[Block], text: str) -> str:
    for block in blocks:
        if block.kind == "heading":
            return text[block.start : block.end][:120]
    return ""
