"""Word documents with python-docx: headings (with their levels), list items, paragraphs and table
rows, in document order."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from .base import Reading, UnreadableFile, first_heading
from .builder import TextBuilder

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)
# Paragraph styles Word, LibreOffice and pandoc use for program listings and preformatted text.
_CODE_STYLE = re.compile(r"code|preformatted|plain text|verbatim|macro text", re.I)


def _paragraph(builder: TextBuilder, paragraph) -> None:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    level = _HEADING_STYLE.match(style)
    if level or style.lower() == "title":
        builder.heading(paragraph.text, int(level.group(1)) if level else 1)
        return
    if _CODE_STYLE.search(style):
        builder.block("code", paragraph.text)
        return
    properties = paragraph._p.pPr
    numbered = properties is not None and properties.numPr is not None
    kind = "list_item" if numbered or style.lower().startswith("list") else "paragraph"
    builder.block(kind, paragraph.text)


def read_docx(path: Path, data: bytes) -> Reading:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(f"could not open Word document: {exc}") from exc
    builder = TextBuilder()
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    # A merged cell appears once per grid column it spans; read it once.
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        cells.append(cell.text.strip())
                builder.block("table_row", " | ".join(cells))
        else:
            _paragraph(builder, item)
    text, blocks, pages = builder.finish()
    title = (document.core_properties.title or "").strip()
    return Reading(text, title or first_heading(blocks, text) or path.stem, blocks, pages)
