"""Markdown with markdown-it-py (CommonMark + tables): structure from the parser, not from regexes.

The reading text is the rendered text: link targets, emphasis markers and inline HTML are dropped,
inline code keeps its content, soft line breaks join wrapped lines.
"""

from __future__ import annotations

from pathlib import Path

from .base import Reading, decode_text, first_heading
from .builder import TextBuilder, inline


def _inline_text(token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


def _html_text(html: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser").get_text(" ")


def read_markdown(path: Path, data: bytes) -> Reading:
    from markdown_it import MarkdownIt

    source = decode_text(data).replace("\r\n", "\n")
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    builder = TextBuilder()
    in_list = 0
    row: list[str] | None = None
    heading_level = 0
    for i, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif kind == "heading_open":
            heading_level = int(token.tag[1])
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            if any(cell.strip() for cell in row):
                builder.block("table_row", " | ".join(inline(cell) for cell in row))
            row = None
        elif kind == "inline":
            text = _inline_text(token)
            if heading_level:
                builder.heading(text, heading_level)
                heading_level = 0
            elif row is not None:
                row.append(text)
            else:
                builder.block("list_item" if in_list else "paragraph", text)
        elif kind in ("fence", "code_block"):
            builder.block("code", token.content)
        elif kind == "html_block":
            builder.block("paragraph", _html_text(token.content))
    text, blocks, pages = builder.finish()
    return Reading(text, first_heading(blocks, text) or path.stem, blocks, pages)
