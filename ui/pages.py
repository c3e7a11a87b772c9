"""HTML for the cited page view: the page image with the quote's boxes drawn over it.

Boxes are placed in percent of the image's size, so the highlight stays on the words at whatever
width the panel gives the image. The image travels inline (a data URL): the page view then needs no
route of its own and obeys the chat's own sign-in.

Usage::

    html = page_view_html(assistant.page_image(doc_id, page=3, quote="..."), title="Pump manual")
"""

from __future__ import annotations

import base64

from assistant.types import PageImage

from .render import esc


def _box(x0: float, y0: float, x1: float, y1: float, width: int, height: int) -> str:
    left, top = 100 * x0 / width, 100 * y0 / height
    w, h = 100 * (x1 - x0) / width, 100 * (y1 - y0) / height
    return f'<div class="quote-box" style="left:{left:.3f}%;top:{top:.3f}%;width:{w:.3f}%;height:{h:.3f}%"></div>'


def page_view_html(image: PageImage, title: str, request: str = "") -> str:
    """The page image of ``title`` with the quote highlighted, and a line saying what is shown;
    ``request`` tags the view with the request it answers, so the page's script knows it arrived."""
    notes = []
    if image.ocr:
        notes.append("read by OCR: check the quote against the image")
    if image.stale:
        notes.append("the file has changed since it was indexed, so the quote is not marked")
    elif not image.found and image.boxes == []:
        notes.append("the quote could not be located on this page")
    note = f'<div class="page-note">{esc("; ".join(notes))}</div>' if notes else ""
    boxes = "" if image.stale else "".join(_box(*b, image.width, image.height) for b in image.boxes)
    data = base64.b64encode(image.png).decode("ascii")
    return (
        f'<div class="page-view" data-page="{image.page}" data-request="{esc(request)}" '
        f'data-boxes="{0 if image.stale else len(image.boxes)}">'
        f'<div class="page-head"><span class="doc-name">{esc(title)}</span> '
        f'<span class="page">p. {image.page}</span>'
        '<button type="button" class="page-close" title="Close the page view">×</button></div>'
        f"{note}"
        f'<div class="page-frame"><div class="page-canvas"><img alt="{esc(title)}, page {image.page}" '
        f'src="data:image/png;base64,{data}" width="{image.width}" height="{image.height}">{boxes}</div></div></div>'
    )
