"""PDF with pypdf: pages of lines, page furniture removed, wrapped lines and hyphenated words mended;
pages without a usable text layer (a scan, a fax) rendered with pypdfium2 and read by OCR.

pypdf stays the extractor: its text keeps the reading order of single-column manuals and reports,
which is what the line reader needs; page numbers come from its page list. A mixed PDF keeps its
text pages and OCRs only the others.
"""

from __future__ import annotations

import io
import math
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from .base import Reading, UnreadableFile
from .ocr import RecognisedPage, Tesseract, pages_text
from .paged import Page, assemble, lines_of

if TYPE_CHECKING:
    from PIL.Image import Image

# A text layer with fewer letters and digits than this is not a page's text: the real text pages of
# the PDFs in tests/fixtures hold at least 151 (a title page), a scanner's stamp or watermark
# ("Scanned by CamScanner") about 20. A page this sparse that is real text reads the same by OCR.
MIN_LAYER_CHARS = 50
# A layer where more than this share of the visible characters is unreadable (control or private-use
# characters, U+FFFD) comes from fonts without a character map: glyph codes, not text.
MAX_UNREADABLE_SHARE = 0.1
_UNREADABLE = {"Cc", "Co", "Cn", "Cs"}
# A page is rendered at the OCR resolution unless that would exceed this many pixels (a poster or
# a drawing the size of a wall): the image is held in the reader's bounded memory.
MAX_PAGE_PIXELS = 40_000_000


def usable_text_layer(text: str) -> bool:
    visible = [c for c in text if not c.isspace()]
    if sum(c.isalnum() for c in visible) < MIN_LAYER_CHARS:
        return False
    unreadable = sum(c == "\ufffd" or unicodedata.category(c) in _UNREADABLE for c in visible)
    return unreadable <= MAX_UNREADABLE_SHARE * len(visible)


def read_pdf(path: Path, data: bytes, tesseract: Tesseract) -> Reading:
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
    scanned = [number for number, text in enumerate(raw, start=1) if not usable_text_layer(text)]
    recognised: dict[int, RecognisedPage] = {}
    notices: list[str] = []
    if scanned:
        missing = tesseract.missing()
        if missing and len(scanned) == len(raw):
            raise UnreadableFile(f"no usable text layer (a scanned PDF?), and it cannot be read by OCR: {missing}")
        if missing:
            notices.append(f"no usable text layer on {pages_text(scanned)}, which OCR could not read: {missing}")
        else:
            recognised, notices = _recognise(data, scanned, tesseract)
    pages = [
        Page(number, lines_of(recognised[number]), recognised[number])
        if number in recognised
        else Page(number, text.split("\n"))
        for number, text in enumerate(raw, start=1)
    ]
    return assemble(pages, title or path.stem, tesseract.options, notices)


def _recognise(data: bytes, numbers: list[int], tesseract: Tesseract) -> tuple[dict[int, RecognisedPage], list[str]]:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:

        def image_of(number: int) -> tuple[Image, float]:
            page = document[number - 1]
            try:
                width, height = page.get_size()
                scale = tesseract.options.dpi / 72
                scale = min(scale, math.sqrt(MAX_PAGE_PIXELS / max(width * height, 1.0)))
                # Grayscale: Tesseract binarises the page anyway, and it is a third of the memory.
                return page.render(scale=scale, grayscale=True).to_pil(), scale * 72
            finally:
                page.close()

        return tesseract.recognise_pages(numbers, image_of)
    finally:
        document.close()
