"""PDF with pypdf: pages of lines, page furniture removed, wrapped lines and hyphenated words mended.

pypdf stays the extractor: its text keeps the reading order of single-column manuals and reports,
which is what the line reader needs; page numbers come from its page list.
"""

from __future__ import annotations

import io
from pathlib import Path

from .base import Reading, UnreadableFile
from .builder import TextBuilder
from .lines import LineReader, strip_page_furniture, vocabulary


def read_pdf(path: Path, data: bytes) -> Reading:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("the PDF is encrypted with a password")
        raw = [(page.extract_text() or "") for page in reader.pages]
        title = ""
        if reader.metadata and reader.metadata.title:
            title = str(reader.metadata.title).strip()
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise UnreadableFile(f"could not parse PDF: {exc}") from exc
    pages = strip_page_furniture([text.split("\n") for text in raw])
    builder = TextBuilder()
    LineReader(builder, vocabulary=vocabulary(raw)).read_pages(enumerate(pages, start=1))
    text, blocks, spans = builder.finish()
    return Reading(text, title or path.stem, blocks, spans)
