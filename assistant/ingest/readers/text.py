"""Plain text: blank lines separate paragraphs; wrapped lines are joined; structure lines stay lines.

A form feed starts a new page, as in RFCs and printed manuals; their running headers and footers
("RFC 2119    Key words    March 1997", "Bradner    [Page 2]") are dropped like a PDF's.
"""

from __future__ import annotations

from pathlib import Path

from .base import Reading, decode_text
from .builder import TextBuilder
from .lines import LineReader, strip_page_furniture


def read_text(path: Path, data: bytes) -> Reading:
    raw = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    pages = [page.split("\n") for page in raw.split("\f")]
    if len(pages) > 1:
        pages = strip_page_furniture(pages)
    builder = TextBuilder()
    reader = LineReader(builder)
    for page in pages:
        reader.read(page)
    text, blocks, spans = builder.finish()
    return Reading(text, path.stem, blocks, spans)
