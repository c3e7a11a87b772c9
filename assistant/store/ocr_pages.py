"""A document's OCR'd pages as the stores keep them: compact JSON, one array per page and per word.

    [[page, width, height, dpi, confidence, rotation, [[start, end, left, top, width, height, confidence], ...]], ...]

A word is its offsets into the document's text (the text itself is there already) and its box; a
dense page of 400 words takes about 14 KB. Beside it each store keeps the pages' mean confidences
alone (``confidences``), which citations read per question without parsing every word box.
"""

from __future__ import annotations

import json

from ..types import Document, OcrPage, WordBox


def to_json(pages: list[OcrPage]) -> str | None:
    """The pages as stored; None for a document that no OCR read."""
    if not pages:
        return None
    rows = [
        [
            p.page,
            p.width,
            p.height,
            p.dpi,
            p.confidence,
            p.rotation,
            [[w.start, w.end, w.left, w.top, w.width, w.height, w.confidence] for w in p.words],
        ]
        for p in pages
    ]
    return json.dumps(rows, separators=(",", ":"))


def from_json(raw: str | list | None) -> list[OcrPage]:
    """The pages ``to_json`` stored (a server may hand back the JSON already parsed)."""
    rows = json.loads(raw) if isinstance(raw, str) else raw or []
    return [
        OcrPage(page, width, height, dpi, confidence, tuple(WordBox(*word) for word in words), rotation)
        for page, width, height, dpi, confidence, rotation, words in rows
    ]


def confidences(document: Document) -> dict[str, float] | None:
    """The mean OCR confidence of each page of ``document`` that OCR read and that has text, by page
    number (JSON keys are strings); None when there is none. A page OCR read that kept no text
    cannot be cited, and a one-page document's citations name no page: so the one page of such a
    document is this dict's only key."""
    with_text = {span.page for span in document.pages if span.end > span.start}
    found = {str(p.page): p.confidence for p in document.ocr_pages if p.page in with_text}
    return found or None
