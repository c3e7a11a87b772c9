"""Markdown: markdown-it-py (CommonMark with tables) renders it, and the HTML reader reads the result.

Going through HTML instead of walking markdown-it's tokens gives Markdown everything the HTML reader
knows: inline code and links stay inside their sentence, raw HTML blocks (badges, centred titles) are
read like any page, tables become rows, and a README's own table of contents (a list of links to its
sections) is not read as content.
"""

from __future__ import annotations

from pathlib import Path

from .base import Reading, decode_text
from .html import read_html


def read_markdown(path: Path, data: bytes) -> Reading:
    from markdown_it import MarkdownIt

    source = decode_text(data).replace("\r\n", "\n")
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(source)
    return read_html(path, rendered.encode("utf-8"))
