"""Scanned PDFs and images read by the real Tesseract: the seed article is typeset as a text PDF,
rendered to page images with pypdfium2, degraded (noise, a slight rotation, blur) and wrapped as an
image-only PDF, a multi-page TIFF and a PNG, all at test time; then ingested and asked about."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from PIL import Image, ImageFilter
from pypdf import PdfReader, PdfWriter
from support import SEED_FILE, SEED_QUESTIONS

from assistant import Assistant
from assistant.ingest.readers import OcrOptions, read_document

# Low enough to keep the tests quick, high enough for Tesseract to read body text without errors.
DPI = 150
# The article's first five paragraphs are page 1, the rest page 2.
FIRST_PAGE_PARAGRAPHS = 5
SEED_QUESTIONS = {q["id"]: q for q in map(json.loads, SEED_QUESTIONS.read_text().splitlines())}
# On page 1 and page 2 of the typeset article.
OBSERVANCE, COMMITTEE = SEED_QUESTIONS["observance"], SEED_QUESTIONS["committee"]


def _typeset(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    paragraphs = [p for p in SEED_FILE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    style = getSampleStyleSheet()["BodyText"]
    flow = [Paragraph(p, style) for p in paragraphs[:FIRST_PAGE_PARAGRAPHS]] + [PageBreak()]
    flow += [Paragraph(p, style) for p in paragraphs[FIRST_PAGE_PARAGRAPHS:]]
    SimpleDocTemplate(str(path), pagesize=A4, title="Anti-trafficking day").build(flow)
    return path


def _render(pdf: Path, dpi: int = DPI) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72, grayscale=True).to_pil() for page in document]
    finally:
        document.close()


def _degrade(image: Image.Image, seed: int, noise: float = 30.0, angle: float = 1.5) -> Image.Image:
    """A scanner's grain and a page put on the glass slightly askew."""
    grain = np.random.default_rng(seed).normal(0, noise, (image.height, image.width))
    noisy = Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + grain, 0, 255).astype(np.uint8))
    return noisy.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scans")
    text_pdf = _typeset(folder / "article.pdf")
    clean = _render(text_pdf)
    assert len(clean) == 2, "the article is typeset on two pages"
    pages = [_degrade(image, seed) for seed, image in enumerate(clean)]
    made = {"text": text_pdf}
    for name, resolution in (("pdf", {"resolution": DPI}), ("tiff", {"dpi": (DPI, DPI)})):
        made[name] = folder / name / f"scan.{name}"
        made[name].parent.mkdir()
        # Copies: saving as PDF leaves its encoder's settings on the images, which the TIFF encoder trips on.
        first, *rest = (page.copy() for page in pages)
        first.save(made[name], save_all=True, append_images=rest, **resolution)
    made["png"] = folder / "png" / "page-2.png"
    made["png"].parent.mkdir()
    pages[1].save(made["png"], dpi=(DPI, DPI))
    # An out-of-focus photograph of page 2, at a low resolution: Tesseract still finds words, unsure of them.
    made["blurred"] = folder / "blurred" / "blurred.png"
    made["blurred"].parent.mkdir()
    _render(text_pdf, dpi=100)[1].filter(ImageFilter.GaussianBlur(2)).save(made["blurred"])
    # Page 1 keeps its text layer; page 2 is an image of page 2, clean, so its word boxes can be
    # checked against where the text PDF draws the same words.
    clean_page = folder / "clean-page-2.pdf"
    clean[1].save(clean_page, resolution=DPI)
    writer = PdfWriter()
    writer.add_page(PdfReader(text_pdf).pages[0])
    writer.add_page(PdfReader(clean_page).pages[0])
    made["mixed"] = folder / "mixed.pdf"
    with open(made["mixed"], "wb") as fh:
        writer.write(fh)
    return made


def _read(path: Path, **options):
    data = path.read_bytes()
    return read_document(path, data, hashlib.sha256(data).hexdigest(), ocr=OcrOptions(dpi=DPI, **options))


def _ingest(tmp_path: Path, path: Path, **settings):
    assistant = Assistant.open(tmp_path / "index", create=True, ocr_dpi=DPI, **settings)
    seen: list[str] = []
    report = assistant.ingest([path], progress=lambda done, total, name: seen.append(name))
    return assistant, report, seen


def _cites(assistant: Assistant, question: dict, source: Path, page: int | None) -> None:
    answer = assistant.ask(question["question"])
    assert answer.found, question["question"]
    assert any(a.lower() in answer.text.lower() for a in question["answers"]), answer.text
    assert answer.citations[0].source == str(source) and answer.citations[0].page == page


def test_scanned_pdf_answers_seed_questions_with_their_pages(scans, tmp_path):
    assistant, report, seen = _ingest(tmp_path, scans["pdf"])
    assert report.files_read == 1 and not report.skipped and not report.notices
    assert [name for name in seen if "OCR" in name] == ["scan.pdf (OCR, page 1 of 2)", "scan.pdf (OCR, page 2 of 2)"]
    _cites(assistant, OBSERVANCE, scans["pdf"], 1)
    _cites(assistant, COMMITTEE, scans["pdf"], 2)


def test_multipage_tiff_is_one_document_of_its_pages(scans, tmp_path):
    assistant, report, _ = _ingest(tmp_path, scans["tiff"])
    assert report.files_read == 1 and not report.skipped
    [document] = assistant.documents()
    assert document.format == "image" and document.pages == 2
    _cites(assistant, COMMITTEE, scans["tiff"], 2)


def test_png_is_read_as_a_page(scans, tmp_path):
    assistant, report, _ = _ingest(tmp_path, scans["png"])
    assert report.files_read == 1 and not report.skipped
    # A one-page document's citations name no page, as a one-page PDF's do.
    _cites(assistant, COMMITTEE, scans["png"], None)


def test_mixed_pdf_ocrs_only_its_image_page_and_keeps_word_boxes(scans, monkeypatch):
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")  # as the reader process runs Tesseract
    mixed, text = _read(scans["mixed"]), _read(scans["text"])
    assert [page.page for page in mixed.ocr_pages] == [2]
    assert not text.ocr_pages
    first = [text.text[p.start : p.end] for p in text.pages if p.page == 1]
    assert [mixed.text[p.start : p.end] for p in mixed.pages if p.page == 1] == first, "the text page is the same"
    [ocr] = mixed.ocr_pages
    assert ocr.confidence > 80 and ocr.dpi == DPI
    assert all(mixed.text[w.start : w.end].strip() for w in ocr.words)
    second = next(p for p in mixed.pages if p.page == 2)
    assert all(second.start <= w.start < w.end <= second.end for w in ocr.words)

    # Where the quote "Counter Trafficking" is on the page image, from its offsets: the boxes of the
    # words it spans, against where the text PDF draws those characters.
    start = mixed.text.index("Counter Trafficking")
    boxes = [w for w in ocr.words if w.start < start + len("Counter Trafficking") and w.end > start]
    assert [mixed.text[w.start : w.end] for w in boxes] == ["Counter", "Trafficking"]
    document = pypdfium2.PdfDocument(scans["text"])
    page = document[1]
    textpage = page.get_textpage()
    index, count = textpage.search("Counter", match_case=True, match_whole_word=True).get_next()
    left, _, _, top = textpage.get_charbox(index)
    _, bottom, right, _ = textpage.get_charbox(index + count - 1)
    height = page.get_size()[1]
    document.close()
    scale = DPI / 72
    expected = (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
    found = (boxes[0].left, boxes[0].top, boxes[0].left + boxes[0].width, boxes[0].top + boxes[0].height)
    overlap = max(0.0, min(found[2], expected[2]) - max(found[0], expected[0])) * max(
        0.0, min(found[3], expected[3]) - max(found[1], expected[1])
    )
    area = (expected[2] - expected[0]) * (expected[3] - expected[1])
    assert overlap > 0.5 * area, (found, expected)


def test_low_confidence_page_is_reported(scans, tmp_path):
    _, report, _ = _ingest(tmp_path, scans["blurred"])
    assert report.files_read == 1
    [notice] = report.notices
    assert notice.startswith(str(scans["blurred"])) and "page 1 with low confidence" in notice


def test_missing_tesseract_skips_an_image_with_the_install_hint(scans, tmp_path, monkeypatch):
    # The reader process finds programs on PATH; without Tesseract's folder on it, Tesseract is missing.
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    _, report, _ = _ingest(tmp_path, scans["png"])
    [skipped] = report.skipped
    assert "Tesseract (OCR) is not installed" in skipped.reason and "scripts/install-tesseract.sh" in skipped.reason


def test_mixed_pdf_without_tesseract_keeps_its_text_pages(scans, monkeypatch):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    document = _read(scans["mixed"])
    assert [p.page for p in document.pages] == [1] and not document.ocr_pages
    [notice] = document.notices
    assert "page 2" in notice and "apt-get install tesseract-ocr" in notice
    with pytest.raises(Exception, match="no usable text layer.*install-tesseract.sh"):
        _read(scans["pdf"])


def test_ocr_turned_off_says_so(scans):
    with pytest.raises(Exception, match=r"OCR is turned off \(ocr_enabled\)"):
        _read(scans["png"], enabled=False)


def test_page_limits_leave_pages_out_and_say_so(scans, monkeypatch):
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    document = _read(scans["pdf"], max_pages=1)
    assert [page.page for page in document.ocr_pages] == [1] and [p.page for p in document.pages] == [1]
    assert document.notices == ["OCR read the first 1 of its 2 pages without text (ocr_max_pages); not indexed: page 2"]
    with pytest.raises(Exception, match=r"no extractable text: OCR of pages 1-2 took longer than 0.01 s"):
        _read(scans["pdf"], page_timeout_s=0.01)


@pytest.mark.parametrize("turn", [90, 180])
def test_a_page_scanned_turned_is_read_upright(scans, tmp_path, monkeypatch, turn):
    """A page put on the glass sideways or upside down reads as junk at first; OSD finds how it is
    turned and it is read again upright: the same words, with boxes on the upright page."""
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    upright = _degrade(_render(scans["text"])[1], seed=7)
    (tmp_path / "upright").mkdir()
    (tmp_path / "turned").mkdir()
    upright.save(tmp_path / "upright" / "page.png", dpi=(DPI, DPI))
    # Pillow turns anticlockwise: the reader must turn it back clockwise by as much.
    upright.rotate(turn, expand=True).save(tmp_path / "turned" / "page.png", dpi=(DPI, DPI))
    straight, turned = _read(tmp_path / "upright" / "page.png"), _read(tmp_path / "turned" / "page.png")
    [page], [reference] = turned.ocr_pages, straight.ocr_pages
    assert reference.rotation == 0 and page.rotation == turn
    assert (page.width, page.height) == upright.size and page.confidence > 80
    assert turned.text == straight.text and page.words == reference.words
    assert any(a.lower() in turned.text.lower() for a in COMMITTEE["answers"])
