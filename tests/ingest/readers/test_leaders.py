"""Leader runs in OCR'd lines: the rules on lines as Tesseract gives them (words with boxes), then the
table of contents of the libtasn1 manual rendered at test time and read by the real Tesseract."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pypdfium2
import pytest
from support import FIXTURES

from assistant.ingest.readers import OcrOptions, read_document
from assistant.ingest.readers.leaders import LEADER, clean_leaders
from assistant.ingest.readers.lines import LEADER as LINE_READER_LEADER
from assistant.ingest.readers.ocr import Word

MANUAL = FIXTURES / "real" / "libtasn1-manual.pdf"
# The manual's page iii: its table of contents.
CONTENTS_PAGE = 3


def _line(*texts: str) -> tuple[Word, ...]:
    """Words laid out left to right, 10 pixels per character and one space between them."""
    words, left = [], 100
    for text in texts:
        words.append(Word(text, left, 40, 10 * len(text), 20, 90.0))
        left += 10 * len(text) + 10
    return tuple(words)


def _texts(line) -> list[str]:
    return [word.text for word in line]


@pytest.mark.parametrize(
    "texts, cleaned",
    [
        # Dots as a word, dots run into the title, dots read as zeros and round letters.
        (("Introduction", "........", "3"), ["Introduction", LEADER, "3"]),
        (("2.2", "Naming....."), ["2.2", "Naming", LEADER]),
        (("1", "Introduction", ".............", "0...", "eee", "eee", "1"), ["1", "Introduction", LEADER, "1"]),
        (
            ("4", "Function", "reference................0..0", "0.00", "e", "eee", "8"),
            ["4", "Function", "reference", LEADER, "8"],
        ),
        (("3", "Utilities", "0000.", ".ccceeeeeee", "5"), ["3", "Utilities", LEADER, "5"]),
        (("3", "Utilities", "00.0", "cence", "eee", "5"), ["3", "Utilities", LEADER, "5"]),
        # Title words spelled in the letters dots are read as stay.
        (("Notes", "on", "its", "use", "......", "4"), ["Notes", "on", "its", "use", LEADER, "4"]),
        (("Notes", "on", "its", "use.....", "4"), ["Notes", "on", "its", "use", LEADER, "4"]),
        # Spaced dots; underscores; the leader dropped inside a line, the words kept.
        (("Contents", ".", ".", ".", ".", ".", "iv"), ["Contents", LEADER, "iv"]),
        (("Name", "__________", "Date", "______"), ["Name", "Date"]),
        (("Name", "_____-__"), ["Name"]),
        (("Signed", "________", "on", "behalf"), ["Signed", "on", "behalf"]),
    ],
)
def test_leader_runs_are_cleaned(texts, cleaned):
    assert _texts(clean_leaders(_line(*texts))) == cleaned


@pytest.mark.parametrize(
    "texts",
    [
        ("Wait...", "one", "second."),  # an ellipsis
        ("The", "rate", "is", "0.000", "5"),  # a number in a table row
        ("It", "is", "not", "one."),  # round letters without dots
        ("Version", "1.0.0.0", "2"),
        ("see", "e.g.", "section", "3"),
    ],
)
def test_text_that_only_looks_like_a_leader_is_kept(texts):
    assert _texts(clean_leaders(_line(*texts))) == list(texts)


def test_cleaned_words_keep_their_share_of_the_box():
    title, leader, page = clean_leaders(_line("Notes.......", "4"))
    assert (title.text, title.left, title.width) == ("Notes", 100, 50)
    assert (leader.left, leader.left + leader.width) == (150, 220), "the run keeps the rest of the word's box"
    assert page.text == "4" and page.left == 230
    [name, signed] = clean_leaders(_line("Name______Signed"))
    assert (name.text, name.width, signed.text, signed.left, signed.width) == ("Name", 40, "Signed", 200, 60)


def test_a_cleaned_table_of_contents_entry_is_left_out_as_a_text_layers_is():
    assert LINE_READER_LEADER.search(" ".join(_texts(clean_leaders(_line("1", "Introduction", "0...", "cece", "1")))))


@pytest.mark.parametrize("dpi", [150, 200])
def test_scanned_table_of_contents_leaves_no_leader_junk(tmp_path, monkeypatch, dpi):
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    document = pypdfium2.PdfDocument(MANUAL)
    try:
        image = document[CONTENTS_PAGE - 1].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    scan = tmp_path / "contents.png"
    image.save(scan, dpi=(dpi, dpi))
    data = scan.read_bytes()
    read = read_document(scan, data, hashlib.sha256(data).hexdigest(), ocr=OcrOptions(dpi=dpi))
    words = set(read.text.split())
    # What Tesseract made of the leaders before they were cleaned ("0... eee cece", "6.6666").
    assert not words & {"eee", "cece", "cence", "ene", "eens", "0...", "000s", "6.6666"}, read.text
    assert "...." not in read.text and ".ccceeeeeee" not in read.text
    # The entries whose leaders OCR saw are left out, as the text layer's entries are.
    assert "Copying Information" not in read.text and "Function and Data Index" not in read.text
    assert read.text.startswith("Table of Contents")
    text_layer = read_document(MANUAL, MANUAL.read_bytes(), "manual")
    [span] = [s for s in text_layer.pages if s.page == CONTENTS_PAGE]
    assert text_layer.text[span.start : span.end] == "Table of Contents"


def test_words_of_a_leader_line_keep_boxes_on_the_page(tmp_path: Path, monkeypatch):
    """The boxes of the words kept from leader lines are still the words' on the image."""
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1400, 300), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=36)
    draw.text((60, 60), "Applicant name ____________ signed on behalf of the firm", fill=0, font=font)
    draw.text((60, 160), "Please return the form by Friday", fill=0, font=font)
    scan = tmp_path / "form.png"
    image.save(scan, dpi=(200, 200))
    data = scan.read_bytes()
    read = read_document(scan, data, hashlib.sha256(data).hexdigest(), ocr=OcrOptions(dpi=200))
    assert "_" not in read.text and "Applicant name signed on behalf of the firm" in read.text, read.text
    [page] = read.ocr_pages
    [signed] = [w for w in page.words if read.text[w.start : w.end] == "signed"]
    # "signed" is drawn after the name and the rule, at about 40 % of the line's width.
    assert 500 < signed.left < 900 and 50 < signed.top < 110
