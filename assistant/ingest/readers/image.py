"""Images (PNG, JPEG, TIFF) as documents: each frame a page, read by OCR.

A multi-page TIFF (a fax, a scanner's batch) is one document of several pages, as its PDF twin is.
A photographed page is turned upright by its EXIF orientation first, as a viewer shows it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from .base import Reading, UnreadableFile
from .ocr import Tesseract
from .paged import Page, assemble, lines_of

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage


def read_image(path: Path, data: bytes, tesseract: Tesseract) -> Reading:
    from PIL import Image, ImageOps, UnidentifiedImageError

    missing = tesseract.missing()
    if missing:
        raise UnreadableFile(f"an image is read by OCR, which cannot run: {missing}")
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise UnreadableFile(f"not a {path.suffix.lstrip('.').upper()} image that Pillow can open") from None
    frames = getattr(image, "n_frames", 1)

    def image_of(number: int) -> tuple[PILImage, float | None]:
        image.seek(number - 1)
        dpi = float(image.info.get("dpi", (0, 0))[0] or 0)
        # 72 and less is a placeholder (many programs' default for "unknown"), not a scan's
        # resolution; Tesseract then judges from the height of the text.
        return _flatten(ImageOps.exif_transpose(image)), dpi if dpi > 72 else None

    recognised, notices = tesseract.recognise_pages(range(1, frames + 1), image_of)
    pages = [Page(number, lines_of(page), page) for number, page in sorted(recognised.items())]
    return assemble(pages, path.stem, tesseract.options, notices)


def _flatten(image: PILImage) -> PILImage:
    """Grayscale on white: a transparent background would otherwise turn black."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, "white")
        background.alpha_composite(image.convert("RGBA"))
        image = background
    return image.convert("L")
