"""Extract text (with page spans) from supported files, using each format's own library.

    >>> doc = read_document(Path("seeds/article.txt"), data, doc_id)
    >>> doc.pages[0].page
    1

Every reader raises ``UnreadableFile`` with a short reason a person can act on; the ingest run reports
it and goes on with the other files.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from ..types import Document, PageSpan

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")


class UnreadableFile(Exception):
    """The file cannot be turned into text; ``str(e)`` is the reason shown to the user."""


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary content (NUL bytes) in a text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("not valid UTF-8 or Windows-1252 text")


def _first_line_title(text: str, path: Path) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:120] if len(line) <= 120 else path.stem
    return path.stem


def _read_text(path: Path, data: bytes) -> tuple[str, str, list[PageSpan]]:
    text = _decode_text(data).replace("\r\n", "\n")
    return text, path.stem, []


def _read_markdown(path: Path, data: bytes) -> tuple[str, str, list[PageSpan]]:
    text = _decode_text(data).replace("\r\n", "\n")
    heading = re.search(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    return text, heading.group(1) if heading else _first_line_title(text, path), []


def _read_html(path: Path, data: bytes) -> tuple[str, str, list[PageSpan]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    body = soup.body or soup
    blocks = [line.strip() for line in body.get_text("\n").splitlines()]
    text = "\n".join(line for line in blocks if line)
    return text, title or path.stem, []


def _read_pdf(path: Path, data: bytes) -> tuple[str, str, list[PageSpan]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("the PDF is encrypted with a password")
        parts: list[str] = []
        pages: list[PageSpan] = []
        offset = 0
        for number, page in enumerate(reader.pages, start=1):
            page_text = (page.extract_text() or "").strip()
            if not page_text:
                continue
            if parts:
                parts.append("\n\n")
                offset += 2
            pages.append(PageSpan(number, offset, offset + len(page_text)))
            parts.append(page_text)
            offset += len(page_text)
        title = ""
        if reader.metadata and reader.metadata.title:
            title = str(reader.metadata.title).strip()
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise UnreadableFile(f"could not parse PDF: {exc}") from exc
    return "".join(parts), title or path.stem, pages


def _read_docx(path: Path, data: bytes) -> tuple[str, str, list[PageSpan]]:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(f"could not open Word document: {exc}") from exc
    blocks = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text.strip() for cell in row.cells))
    text = "\n\n".join(b for b in blocks if b)
    title = (document.core_properties.title or "").strip()
    return text, title or path.stem, []


_READERS: dict[str, tuple[str, Callable[[Path, bytes], tuple[str, str, list[PageSpan]]]]] = {
    ".txt": ("text", _read_text),
    ".md": ("markdown", _read_markdown),
    ".markdown": ("markdown", _read_markdown),
    ".html": ("html", _read_html),
    ".htm": ("html", _read_html),
    ".pdf": ("pdf", _read_pdf),
    ".docx": ("docx", _read_docx),
}


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in _READERS


def read_document(path: Path, data: bytes, doc_id: str) -> Document:
    """Turn one file's bytes into a Document; raises ``UnreadableFile`` for empty or broken files."""
    if not data.strip():
        raise UnreadableFile("empty file")
    fmt, reader = _READERS[path.suffix.lower()]
    text, title, pages = reader(path, data)
    if not text.strip():
        raise UnreadableFile("no extractable text (a scanned PDF or an empty document?)")
    if not pages:
        pages = [PageSpan(1, 0, len(text))]
    return Document(doc_id=doc_id, path=str(path), title=title, text=text, format=fmt, pages=pages)
