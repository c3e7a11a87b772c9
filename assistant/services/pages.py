"""The cited page: which passages come from pages OCR read, and the page drawn with the quote marked.

    mark_ocr(view.text, passages)          # passage.ocr, passage.ocr_confidence
    image = page_image(document, Path(document.path), 3, "The licence is granted to ...")
    image.png, image.boxes, image.found

A PDF page with a text layer is drawn by pdfium and the quote found in pdfium's own text of that page
(character boxes, so a quote over two lines gets a rectangle on each). A page OCR read (a scanned PDF
page, an image file's frame) is drawn turned as it was for reading, and the quote found in the
document's text, whose words OCR gave boxes. The file is the one indexed only while its sha256 is
the document's id: a file changed since is drawn as it is now, with nothing marked (``stale``).
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PageImageError
from ..store.protocols import ChunkTexts
from ..types import Document, OcrPage, PageImage, Passage
from .highlight import Box, lines, locate

if TYPE_CHECKING:
    from PIL.Image import Image
    from pypdfium2 import PdfPage

DEFAULT_WIDTH = 900
"""Pixels: a page drawn this wide reads well beside a chat."""
MAX_WIDTH = 2000
# A page drawn is held whole in memory and encoded as PNG: a poster-sized page is drawn smaller.
MAX_PIXELS = 6_000_000
# The marker: a translucent yellow, as a highlighter pen's, a little larger than the text it covers.
_MARK = (255, 214, 0)
_MARK_OPACITY = 0.38
_MARK_PAD = 2


def mark_ocr(texts: ChunkTexts, passages: list[Passage]) -> None:
    """Set ``ocr`` and ``ocr_confidence`` on the passages whose page OCR read (one query for all)."""
    found = texts.ocr_confidence(sorted({p.doc_id for p in passages}))
    for passage in passages:
        pages = found.get(passage.doc_id, {})
        # A one-page document's passages name no page; its one page is the only one listed.
        confidence = pages.get(passage.page) if passage.page is not None else next(iter(pages.values()), None)
        if confidence is not None:
            passage.ocr, passage.ocr_confidence = True, round(confidence, 1)


def page_image(
    document: Document, source: Path, page: int | None, quote: str | None = None, *, width_px: int = DEFAULT_WIDTH
) -> PageImage:
    """Page ``page`` (1-based; None for a one-page document's page) of ``source``, the file of
    ``document``, as a PNG about ``width_px`` wide (at most ``MAX_WIDTH``), with ``quote`` marked.

    Raises ``PageImageError`` when the document is not a PDF or an image (show its passage as text
    instead), the file is gone, or it has no such page."""
    if document.format not in ("pdf", "image"):
        raise PageImageError(
            f"{document.title or document.path} is a {document.format} document, which has no page images; "
            "only PDFs and images do"
        )
    if isinstance(width_px, bool) or not isinstance(width_px, int) or width_px < 1:
        raise PageImageError(f"width_px must be a whole number of pixels, not {width_px!r}")
    if page is None:
        if len(document.pages) != 1:
            raise PageImageError(f"{document.title or document.path} has {len(document.pages)} pages: name one")
        page = document.pages[0].page
    if isinstance(page, bool) or not isinstance(page, int):
        raise PageImageError(f"page must be a whole number, not {page!r}")
    try:
        stat = source.stat()
    except OSError as exc:
        raise PageImageError(
            f"the file of {document.title or document.doc_id} is no longer at {source} ({exc.strerror}): "
            "its pages cannot be drawn"
        ) from None
    stale = _sha256(str(source), stat.st_size, stat.st_mtime_ns) != document.doc_id
    ocr = next((p for p in document.ocr_pages if p.page == page), None)
    rotation = ocr.rotation if ocr else 0
    width = min(width_px, MAX_WIDTH)
    boxes: list[Box] = []
    if document.format == "pdf":
        image, boxes = _pdf_page(source, page, width, rotation, None if ocr or stale else quote)
    else:
        image = _image_frame(source, page, width, rotation)
    if ocr is not None and quote and not stale:
        boxes = _word_boxes(document, ocr, quote, image.width / ocr.width)
    return PageImage(
        png=_png(image, boxes),
        width=image.width,
        height=image.height,
        page=page,
        boxes=boxes,
        ocr=ocr is not None,
        found=bool(boxes),
        stale=stale,
        source=str(source),
    )


@lru_cache(maxsize=256)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    """The file's sha256, which is its document id while it is unchanged; computed once per version of
    the file (its size and modification time name the version)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fit(width: float, height: float, target: int, rotation: int = 0) -> float:
    """The scale that draws ``width`` x ``height``, turned by ``rotation`` degrees, ``target`` pixels
    wide, or smaller within ``MAX_PIXELS``."""
    scale = target / (height if rotation % 180 else width)
    return min(scale, math.sqrt(MAX_PIXELS / max(width * height, 1.0)))


def _pdf_page(source: Path, page: int, width: int, rotation: int, quote: str | None) -> tuple[Image, list[Box]]:
    """The page drawn by pdfium ``width`` pixels wide after turning it clockwise by ``rotation``
    degrees, as OCR read it, and ``quote``'s rectangles found in its text layer (none when ``quote``
    is None)."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(source)
    except pypdfium2.PdfiumError as exc:
        raise PageImageError(f"{source} cannot be opened as a PDF now ({exc})") from None
    try:
        if not 1 <= page <= len(pdf):
            raise PageImageError(f"{source} has no page {page}: its pages are 1 to {len(pdf)}")
        pdf_page = pdf[page - 1]
        try:
            page_width, page_height = pdf_page.get_size()
            scale = _fit(page_width, page_height, width, rotation)
            image = pdf_page.render(scale=scale).to_pil()
            boxes = _text_boxes(pdf_page, quote, image.width, image.height) if quote else []
            # Pillow turns anticlockwise, and by a right angle exactly.
            image = image.rotate(-rotation, expand=True) if rotation else image
        finally:
            pdf_page.close()
    finally:
        pdf.close()
    return image, boxes


def _text_boxes(pdf_page: PdfPage, quote: str, width: int, height: int) -> list[Box]:
    """``quote``'s rectangles on the page drawn ``width`` x ``height``: one per line of the page's
    text it spans (pdfium's own rectangles for the characters, joined line by line)."""
    import pypdfium2.raw as pdfium

    textpage = pdf_page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range()
        if len(text) != count:
            # pdfium left out or added characters: read them one by one, by their index.
            text = "".join(chr(pdfium.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
        found = locate(text, quote)
        if found is None:
            return []
        start, end = found
        rects = [textpage.get_rect(i) for i in range(textpage.count_rects(start, end - start))]
    finally:
        textpage.close()
    x, y = ctypes.c_int(), ctypes.c_int()

    def device(px: float, py: float) -> tuple[int, int]:
        # The page's own rotation and its crop box are in pdfium's transform, as in its drawing.
        pdfium.FPDF_PageToDevice(pdf_page.raw, 0, 0, width, height, 0, px, py, x, y)
        return x.value, y.value

    boxes = []
    for left, bottom, right, top in rects:
        corners = [device(left, top), device(right, bottom)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        boxes.append((max(min(xs), 0), max(min(ys), 0), min(max(xs), width), min(max(ys), height)))
    return lines([b for b in boxes if b[2] > b[0] and b[3] > b[1]])


def _image_frame(source: Path, page: int, width: int, rotation: int) -> Image:
    """Frame ``page`` of an image file, upright as the reader read it (turned by its EXIF orientation,
    then clockwise by ``rotation`` degrees), ``width`` pixels wide."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(source)
    except (UnidentifiedImageError, OSError) as exc:
        raise PageImageError(f"{source} cannot be opened as an image now ({exc})") from None
    with image:
        frames = getattr(image, "n_frames", 1)
        if not 1 <= page <= frames:
            raise PageImageError(f"{source} has no page {page}: its pages are 1 to {frames}")
        image.seek(page - 1)
        upright = ImageOps.exif_transpose(image).convert("RGBA")
        frame = Image.new("RGBA", upright.size, "white")
        frame.alpha_composite(upright)
        frame = frame.rotate(-rotation, expand=True) if rotation else frame
        scale = _fit(frame.width, frame.height, width)
        size = (max(1, round(frame.width * scale)), max(1, round(frame.height * scale)))
        return frame.convert("RGB").resize(size, Image.Resampling.LANCZOS)


def _word_boxes(document: Document, ocr: OcrPage, quote: str, scale: float) -> list[Box]:
    """``quote``'s rectangles from the boxes OCR gave the words it spans in the document's text on this
    page, scaled by ``scale`` to the image drawn."""
    span = next((s for s in document.pages if s.page == ocr.page), None)
    if span is None:
        return []
    found = locate(document.text[span.start : span.end], quote)
    if found is None:
        return []
    start, end = span.start + found[0], span.start + found[1]
    words = [w for w in ocr.words if w.start < end and w.end > start]
    return lines(
        [
            (
                math.floor(w.left * scale),
                math.floor(w.top * scale),
                math.ceil((w.left + w.width) * scale),
                math.ceil((w.top + w.height) * scale),
            )
            for w in words
        ]
    )


def _png(image: Image, boxes: list[Box]) -> bytes:
    """The image as PNG, ``boxes`` marked on it."""
    from PIL import Image

    image = image.convert("RGB")
    for left, top, right, bottom in boxes:
        # Only the boxes are blended: the whole page would cost more than encoding it.
        region = (
            max(left - _MARK_PAD, 0),
            max(top - _MARK_PAD, 0),
            min(right + _MARK_PAD, image.width),
            min(bottom + _MARK_PAD, image.height),
        )
        patch = image.crop(region)
        image.paste(Image.blend(patch, Image.new("RGB", patch.size, _MARK), _MARK_OPACITY), region[:2])
    out = io.BytesIO()
    # Level 3 of 9: as small as the default's within a few percent, in two thirds of its time.
    image.save(out, "PNG", compress_level=3)
    return out.getvalue()
