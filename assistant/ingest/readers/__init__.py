"""Read supported files into Documents: the text a person reads, its blocks, headings and pages.

One module per format, each using that format's own library; all of them build their reading with
``TextBuilder``, so every Document has the same shape: blocks (heading, paragraph, list item, table
row, code, key: value field) separated by blank lines, each with its heading path, and pages.
Scanned PDF pages and images (PNG, JPEG, TIFF) are read by OCR (``ocr.py``) into the same shape,
with each word's box on its page image kept (``Document.ocr_pages``).

    >>> doc = read_document(Path("seeds/article.txt"), data, doc_id)
    >>> doc.blocks[0].kind, doc.pages[0].page
    ('paragraph', 1)

Every reader raises ``UnreadableFile`` with a short reason a person can act on; the ingest run reports
it and goes on with the other files. Any other error a format's library raises on a broken or hostile
file becomes an ``UnreadableFile`` too: these libraries raise whatever their parsers hit (lxml syntax
errors, recursion limits, struct errors), and one such file must not abort a whole folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...types import Document
from .base import Reading, UnreadableFile
from .docx import read_docx
from .html import read_html
from .image import read_image
from .limits import ReadLimits, check_archive, check_text
from .markdown import read_markdown
from .ocr import OcrOptions, PageProgress, Tesseract
from .pdf import read_pdf
from .text import read_text

__all__ = [
    "SUPPORTED_SUFFIXES",
    "OcrOptions",
    "PageProgress",
    "ReadLimits",
    "UnreadableFile",
    "is_supported",
    "read_document",
]

READING_VERSION = 5
"""Bumped whenever readers or segmentation change what text, title or sentences a file yields; an
index written by another version is rebuilt on the next ingest."""

_READERS: dict[str, tuple[str, Callable[[Path, bytes], Reading]]] = {
    ".txt": ("text", read_text),
    ".md": ("markdown", read_markdown),
    ".markdown": ("markdown", read_markdown),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".docx": ("docx", read_docx),
}
# Formats that may hold page images, read by OCR.
_SCANNED_READERS: dict[str, tuple[str, Callable[[Path, bytes, Tesseract], Reading]]] = {
    ".pdf": ("pdf", read_pdf),
    ".png": ("image", read_image),
    ".jpg": ("image", read_image),
    ".jpeg": ("image", read_image),
    ".tif": ("image", read_image),
    ".tiff": ("image", read_image),
}
SUPPORTED_SUFFIXES = (*_READERS, *_SCANNED_READERS)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


# Formats stored as zip archives, checked against ReadLimits before they are opened, by the name a
# person knows them by.
_ARCHIVES = {"docx": "Word document"}


def read_document(
    path: Path,
    data: bytes,
    doc_id: str,
    limits: ReadLimits = ReadLimits(),
    ocr: OcrOptions = OcrOptions(),
    progress: PageProgress | None = None,
) -> Document:
    """Turn one file's bytes into a Document; raises ``UnreadableFile`` for empty, broken or oversized
    files. The format is the one ``path``'s own name says. ``progress`` hears of each page OCR reads."""
    if not data.strip():
        raise UnreadableFile("empty file")
    suffix = path.suffix.lower()
    fmt = (_READERS.get(suffix) or _SCANNED_READERS[suffix])[0]
    if fmt in _ARCHIVES:
        check_archive(data, limits, _ARCHIVES[fmt])
    try:
        if suffix in _SCANNED_READERS:
            reading = _SCANNED_READERS[suffix][1](path, data, Tesseract(ocr, progress))
        else:
            reading = _READERS[suffix][1](path, data)
    except (UnreadableFile, MemoryError):
        # Running out of memory says nothing about the file's format; the caller bounds memory.
        raise
    except Exception as exc:  # noqa: BLE001 - see the module docstring
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise UnreadableFile(
            f"could not read this {fmt} file ({type(exc).__name__}{': ' + detail if detail else ''})"
        ) from exc
    check_text(reading.text, limits)
    if not reading.text.strip() and reading.notices:
        raise UnreadableFile(f"no extractable text: {'; '.join(reading.notices)}")
    if not reading.text.strip():
        raise UnreadableFile("no extractable text (an empty document, or an image without legible text?)")
    return Document(
        doc_id=doc_id,
        path=str(path),
        title=reading.title,
        text=reading.text,
        format=fmt,
        pages=reading.pages,
        blocks=reading.blocks,
        ocr_pages=reading.ocr_pages,
        notices=reading.notices,
    )
