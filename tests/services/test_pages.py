"""The cited page drawn with its quote marked: on a text PDF (the libtasn1 manual) the marks are checked
against where pdfium itself draws those characters; on scans made from the same pages at test time
(one page turned sideways), read by the real Tesseract, against the same places; and the page of an
image file, a file changed since it was indexed, and the pages that cannot be drawn."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from PIL import Image
from support import FIXTURES

from assistant import Assistant
from assistant.errors import DocumentNotFoundError, PageImageError
from assistant.ingest.readers import OcrOptions, read_document
from assistant.services.pages import MAX_WIDTH, page_image
from assistant.types import Document, PageImage

MANUAL = FIXTURES / "real" / "libtasn1-manual.pdf"
DPI = 150
# Pages of the manual (1-based, in the file): the title page's back, whose "manip-ulation" is hyphenated
# across a line end, and two pages of chapter 2.
HYPHENATED, CONSTRAINTS, NOTES = 2, 6, 7
# On two lines of page 6: "... It doesn't support the AUTOMATIC TAGS" / "option, and the EXPORT ...".
TWO_LINES = "It doesn’t support the AUTOMATIC TAGS option, and the EXPORT and IMPORT sections, either."


def _read(path: Path, **ocr) -> Document:
    data = path.read_bytes()
    return read_document(path, data, hashlib.sha256(data).hexdigest(), ocr=OcrOptions(dpi=DPI, **ocr))


@pytest.fixture(scope="module")
def manual() -> Document:
    return _read(MANUAL)


def _quote(document: Document, page: int, sentence: str) -> str:
    """``sentence`` as the document's text on ``page`` has it (as a citation quotes it)."""
    [span] = [s for s in document.pages if s.page == page]
    start = document.text.index(sentence, span.start, span.end)
    return document.text[start : start + len(sentence)]


def _where_pdfium_draws(page: int, word: str, scale: float) -> tuple[float, float]:
    """The centre, in pixels at ``scale``, of the first ``word`` on the manual's ``page``, as pdfium
    places its characters."""
    document = pypdfium2.PdfDocument(MANUAL)
    try:
        pdf_page = document[page - 1]
        textpage = pdf_page.get_textpage()
        index, count = textpage.search(word, match_case=True, match_whole_word=True).get_next()
        left, bottom, _, top = textpage.get_charbox(index)
        _, _, right, _ = textpage.get_charbox(index + count - 1)
        height = pdf_page.get_size()[1]
    finally:
        document.close()
    return (left + right) / 2 * scale, (height - (top + bottom) / 2) * scale


def _inside(point: tuple[float, float], box: tuple[int, int, int, int]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _pixels(image: PageImage) -> np.ndarray:
    from io import BytesIO

    with Image.open(BytesIO(image.png)) as png:
        assert png.size == (image.width, image.height)
        return np.asarray(png.convert("RGB"), dtype=np.int16)


def _yellow(pixels: np.ndarray) -> np.ndarray:
    """Where the marker is: red and green well above blue (paper is white, ink is grey)."""
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return (red - blue > 40) & (green - blue > 40)


def test_a_quote_over_two_lines_of_a_text_pdf_is_marked_where_pdfium_draws_it(manual):
    image = page_image(manual, MANUAL, CONSTRAINTS, _quote(manual, CONSTRAINTS, TWO_LINES))
    assert image.found and not image.ocr and not image.stale and image.page == CONSTRAINTS
    assert 880 <= image.width <= 920 and image.height > image.width
    first, second = image.boxes
    assert all(0 <= b[0] < b[2] <= image.width and 0 <= b[1] < b[3] <= image.height for b in image.boxes)
    assert first[3] <= second[1], "one rectangle per line, the first above the second"
    scale = image.width / 612
    assert _inside(_where_pdfium_draws(CONSTRAINTS, "AUTOMATIC", scale), first)
    assert _inside(_where_pdfium_draws(CONSTRAINTS, "EXPORT", scale), second)
    assert not _inside(_where_pdfium_draws(CONSTRAINTS, "REAL", scale), first), "the line's start is not quoted"

    pixels = _pixels(image)
    marked = _yellow(pixels)
    left, top, right, bottom = first
    assert marked[top:bottom, left:right].mean() > 0.5, "the marker is drawn over the quote"
    assert marked.sum() < 1.3 * sum((b[2] - b[0] + 5) * (b[3] - b[1] + 5) for b in image.boxes), "and only there"
    plain = page_image(manual, MANUAL, CONSTRAINTS, None)
    assert not plain.found and plain.boxes == [] and not _yellow(_pixels(plain)).any()
    ink = _pixels(plain)[top:bottom, left:right]
    assert (ink < 128).any(), "the box holds the quote's ink"


def test_a_word_hyphenated_at_a_line_end_and_mended_in_the_text_is_found(manual):
    quote = _quote(manual, HYPHENATED, "Distinguished Encoding Rules (DER) manipulation.")
    assert "manip-" not in quote
    image = page_image(manual, MANUAL, HYPHENATED, quote)
    assert image.found and len(image.boxes) == 2
    scale = image.width / 612
    assert _inside(_where_pdfium_draws(HYPHENATED, "Distinguished", scale), image.boxes[0])


def test_a_quote_with_a_word_read_otherwise_is_found_by_its_other_words(manual):
    image = page_image(manual, MANUAL, CONSTRAINTS, "The SIZE constraints are permitted, but no check is done on them.")
    [box] = image.boxes
    scale = image.width / 612
    assert _inside(_where_pdfium_draws(CONSTRAINTS, "SIZE", scale), box)
    assert _inside(_where_pdfium_draws(CONSTRAINTS, "them", scale), box)


def test_a_quote_not_on_the_page_marks_nothing(manual):
    image = page_image(manual, MANUAL, NOTES, _quote(manual, CONSTRAINTS, TWO_LINES))
    assert not image.found and image.boxes == [] and image.png.startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, Document]:
    """Pages 6 and 7 of the manual as an image-only PDF, page 7 put on the glass sideways."""
    document = pypdfium2.PdfDocument(MANUAL)
    try:
        pages = [document[n - 1].render(scale=DPI / 72, grayscale=True).to_pil() for n in (CONSTRAINTS, NOTES)]
    finally:
        document.close()
    pages[1] = pages[1].rotate(90, expand=True)
    path = tmp_path_factory.mktemp("scanned") / "scan.pdf"
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=DPI)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_THREAD_LIMIT", "1")
        return path, _read(path)


@pytest.mark.parametrize(
    "page, manual_page, sentence, first_word",
    [
        (1, CONSTRAINTS, TWO_LINES, "AUTOMATIC"),
        (2, NOTES, "used to store the ASN.1 definitions and structures", "store"),
    ],
)
def test_a_quote_on_a_scanned_page_is_marked_by_its_words_boxes(scanned, page, manual_page, sentence, first_word):
    path, document = scanned
    assert [(p.page, p.rotation) for p in document.ocr_pages] == [(1, 0), (2, 90)]
    image = page_image(document, path, page, _quote(document, page, sentence))
    assert image.ocr and image.found and not image.stale
    # Drawn upright, as it was read, whichever way it was scanned.
    assert image.height > image.width and 880 <= image.width <= 920
    assert len(image.boxes) == 2
    assert all(0 <= b[0] < b[2] <= image.width and 0 <= b[1] < b[3] <= image.height for b in image.boxes)
    # The scan is the manual's page drawn at DPI: the words are where pdfium draws them, scaled.
    assert _inside(_where_pdfium_draws(manual_page, first_word, image.width / 612), image.boxes[0])
    left, top, right, bottom = image.boxes[0]
    assert _yellow(_pixels(image))[top:bottom, left:right].mean() > 0.5


def test_an_image_file_is_drawn_and_marked_and_its_one_page_needs_no_number(tmp_path, scanned):
    path, document = scanned
    png = tmp_path / "page.png"
    pypdfium2.PdfDocument(path)[0].render(scale=DPI / 72, grayscale=True).to_pil().save(png, dpi=(DPI, DPI))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_THREAD_LIMIT", "1")
        image_document = _read(png)
    quote = _quote(image_document, 1, "The SIZE constraints are allowed, but no check is done on them.")
    image = page_image(image_document, png, None, quote, width_px=600)
    assert image.page == 1 and image.ocr and image.found and image.width == 600
    [box] = image.boxes
    assert _inside(_where_pdfium_draws(CONSTRAINTS, "SIZE", 600 / 612), box)

    # Changed since it was read: drawn as it is now, nothing marked where the old text was.
    with Image.open(png) as changed:
        changed.crop((0, 0, changed.width, changed.height // 2)).save(png, dpi=(DPI, DPI))
    stale = page_image(image_document, png, None, quote, width_px=600)
    assert stale.stale and not stale.found and stale.boxes == [] and stale.height < stale.width


def test_pages_that_cannot_be_drawn_say_why(manual, tmp_path):
    text = FIXTURES / "real" / "apache-2.0-license.txt"
    with pytest.raises(PageImageError, match="text document, which has no page images"):
        page_image(_read(text), text, 1, None)
    for page in (0, 37):
        with pytest.raises(PageImageError, match=f"has no page {page}: its pages are 1 to 36"):
            page_image(manual, MANUAL, page, None)
    with pytest.raises(PageImageError, match="36 pages: name one"):
        page_image(manual, MANUAL, None, None)
    with pytest.raises(PageImageError, match="width_px must be a whole number"):
        page_image(manual, MANUAL, 1, None, width_px=0)
    with pytest.raises(PageImageError, match="no longer at"):
        page_image(manual, tmp_path / "moved.pdf", 1, None)
    assert page_image(manual, MANUAL, 1, None, width_px=10_000).width <= MAX_WIDTH


def test_assistant_draws_a_citations_page(tmp_path, scanned):
    path, _ = scanned
    source = tmp_path / "files" / "scan.pdf"
    source.parent.mkdir()
    shutil.copy(path, source)
    assistant = Assistant.open(tmp_path / "index", create=True, ocr_dpi=DPI)
    assistant.ingest([source])
    answer = assistant.ask("Are SIZE constraints checked?")
    cited = answer.citations[0]
    assert cited.ocr and cited.page == 1
    image = assistant.page_image(cited.doc_id, cited.page, cited.quote)
    assert image.found and image.ocr and image.source == str(source)
    with pytest.raises(DocumentNotFoundError):
        assistant.page_image("0" * 64, 1)
