"""A paged document's reading from its pages' lines, whether a text layer or OCR gave them.

Text-layer pages and OCR'd pages go through the same line reader, so a scan reads like its text
twin: page furniture dropped, wrapped lines joined, hyphenated words mended, headings and list
items found. OCR'd pages keep their words' boxes: after reading, each kept line is found again in
the text (in page order, from where the page begins), which gives every word its offsets.

    pages = [Page(1, ["Text layer line."]), Page(2, lines_of(recognised), recognised)]
    reading = assemble(pages, "Title", OcrOptions(), notices=[])
    reading.ocr_pages[0].words[0]     # WordBox(start, end, left, top, width, height, confidence)
"""

from __future__ import annotations

from dataclasses import dataclass

from ...types import OcrPage, PageSpan, WordBox
from .base import Reading
from .builder import TextBuilder
from .lines import LineReader, reading_lines, strip_page_furniture, vocabulary
from .ocr import OcrOptions, RecognisedPage, pages_text


@dataclass(frozen=True)
class Page:
    """One page's lines, and what OCR read on it when its lines came from OCR."""

    number: int
    lines: list[str]
    recognised: RecognisedPage | None = None


def lines_of(page: RecognisedPage) -> list[str]:
    return [" ".join(word.text for word in line) for line in page.lines]


def assemble(pages: list[Page], title: str, options: OcrOptions, notices: list[str]) -> Reading:
    """Read ``pages`` in order into one Reading; ``notices`` (what OCR could not read) are kept, and
    pages OCR read with a mean confidence under ``options.low_confidence`` are added to them."""
    cleaned = strip_page_furniture([page.lines for page in pages])
    builder = TextBuilder()
    reader = LineReader(builder, vocabulary=vocabulary("\n".join(page.lines) for page in pages))
    reader.read_pages((page.number, lines) for page, lines in zip(pages, cleaned))
    text, blocks, spans = builder.finish()
    where = {span.page: span for span in spans}
    ocr_pages = [
        _boxes(text, where.get(page.number), page.number, page.recognised, set(reading_lines(lines)))
        for page, lines in zip(pages, cleaned)
        if page.recognised is not None
    ]
    low = [page for page in ocr_pages if page.confidence < options.low_confidence]
    notices = list(notices)
    if low:
        mean = sum(page.confidence for page in low) / len(low)
        notices.append(
            f"OCR read {pages_text([page.page for page in low])} with low confidence (mean {mean:.0f} of 100, "
            f"under ocr_low_confidence {options.low_confidence:g}): their text may be wrong; check the scan"
        )
    return Reading(text, title, blocks, spans, ocr_pages=ocr_pages, notices=notices)


def _boxes(text: str, span: PageSpan | None, number: int, page: RecognisedPage, kept: set[str]) -> OcrPage:
    """The page's words that are in ``text``, with their offsets: each line the reader kept (not page
    furniture) is found in order from where the page begins; a line hyphenated at its end may have
    lost the hyphen to the word it was mended into."""
    words: list[WordBox] = []
    cursor, end = (span.start, span.end) if span else (0, 0)
    for line, line_text in zip(page.lines, lines_of(page)):
        if span is None or line_text not in kept:
            continue
        core = line_text[:-1] if line_text.endswith("-") and len(line_text) > 1 else line_text
        found = text.find(core, cursor, end)
        if found < 0:
            continue
        cursor = found + len(core)
        offset = found
        for word in line:
            stop = min(offset + len(word.text), cursor)
            words.append(WordBox(offset, stop, word.left, word.top, word.width, word.height, word.confidence))
            offset += len(word.text) + 1
    return OcrPage(number, page.width, page.height, page.dpi, page.confidence, tuple(words), page.rotation)
