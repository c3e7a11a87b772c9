"""OCR with Tesseract (through pytesseract): the words on page images, with their boxes and confidences.

Scanned PDF pages and image files have no text to extract, only pixels. Tesseract reads each page
image into words, each with its box in pixels and a confidence; ``paged.py`` turns them into the
same reading as a text layer gives. Tesseract is a Debian package (scripts/install-tesseract.sh);
without it, or with OCR turned off, ``Tesseract.missing()`` says why and how to fix it.

    tesseract = Tesseract(OcrOptions(languages="eng"), progress=None)
    pages, notices = tesseract.recognise_pages([2, 3], image_of)   # image_of(2) -> (image, dpi)
    pages[2].lines[0][0].text, pages[2].confidence
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

INSTALL_HINT = (
    "install Tesseract with scripts/install-tesseract.sh (or apt-get install tesseract-ocr tesseract-ocr-eng)"
)

PageProgress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` before each page OCR reads: ``done`` pages of ``total`` are read."""

# A page image whose darkest and lightest pixels differ this little has no ink on it: a blank page,
# which Tesseract would only be asked to find nothing on.
_BLANK_CONTRAST = 32


@dataclass(frozen=True)
class OcrOptions:
    """How scanned pages and images are read; the ``ocr_*`` settings."""

    enabled: bool = True
    languages: str = "eng"
    dpi: int = 200
    page_timeout_s: float = 60.0
    max_pages: int = 100
    low_confidence: float = 60.0


@dataclass(frozen=True)
class Word:
    """A word as Tesseract read it: its box in pixels of the page image, its confidence (0-100)."""

    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float


@dataclass(frozen=True)
class RecognisedPage:
    """One page image read by OCR: its size in pixels, its resolution (None when unknown) and its
    words line by line, in Tesseract's reading order (column by column)."""

    width: int
    height: int
    dpi: float | None
    lines: tuple[tuple[Word, ...], ...]

    @property
    def confidence(self) -> float:
        """The mean confidence of its words; 0 for a page where no word was found."""
        words = [w.confidence for line in self.lines for w in line]
        return sum(words) / len(words) if words else 0.0


class PageTimeout(Exception):
    """Tesseract took longer than ``ocr_page_timeout_s`` on one page and was stopped."""


class PageFailed(Exception):
    """Tesseract could not read one page image; ``str(e)`` is its own reason."""


def pages_text(numbers: Sequence[int]) -> str:
    """``[3]`` -> "page 3"; ``[2, 3, 4, 7]`` -> "pages 2-4, 7"."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs]
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(parts)


def is_blank(image: Image) -> bool:
    levels = [level for level, count in enumerate(image.convert("L").histogram()) if count]
    return levels[-1] - levels[0] < _BLANK_CONTRAST


class Tesseract:
    """Reads page images with Tesseract under the ``OcrOptions``' limits, one page at a time."""

    def __init__(self, options: OcrOptions, progress: PageProgress | None = None) -> None:
        self.options = options
        self.progress = progress

    @cached_property
    def _missing(self) -> str | None:
        if not self.options.enabled:
            return "OCR is turned off (ocr_enabled)"
        import pytesseract

        try:
            installed = set(pytesseract.get_languages())
        except (pytesseract.TesseractNotFoundError, OSError):
            return f"Tesseract (OCR) is not installed: {INSTALL_HINT}"
        absent = [lang for lang in self.options.languages.split("+") if lang not in installed]
        if absent:
            packages = " ".join(f"tesseract-ocr-{lang.lower()}" for lang in absent)
            return f"Tesseract has no data for {', '.join(absent)} (ocr_languages): apt-get install {packages}"
        return None

    def missing(self) -> str | None:
        """Why OCR cannot run here (turned off, Tesseract or a language not installed), or None."""
        return self._missing

    def recognise(self, image: Image, dpi: float | None) -> RecognisedPage:
        """The words on one page image; ``PageTimeout`` past ``ocr_page_timeout_s``, ``PageFailed``
        when Tesseract rejects the image."""
        import pytesseract

        # Tesseract guesses a resolution from text height when it is not told one.
        config = f"--dpi {round(dpi)}" if dpi else ""
        try:
            data = pytesseract.image_to_data(
                image,
                lang=self.options.languages,
                config=config,
                timeout=self.options.page_timeout_s,
                output_type=pytesseract.Output.DICT,
            )
        except RuntimeError as exc:
            # pytesseract's only signal for a stopped process is this message.
            if "timeout" in str(exc).lower():
                raise PageTimeout from None
            raise
        except pytesseract.TesseractError as exc:
            raise PageFailed(str(exc.message).strip().splitlines()[-1] if exc.message else str(exc)) from None
        lines: dict[tuple[int, int, int], list[Word]] = {}
        for i, level in enumerate(data["level"]):
            # Level 5 rows are words; the others are the page, blocks, paragraphs and lines around them.
            text = "".join(str(data["text"][i]).split())
            if level != 5 or not text or float(data["conf"][i]) < 0:
                continue
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines.setdefault(key, []).append(
                Word(
                    text,
                    int(data["left"][i]),
                    int(data["top"][i]),
                    int(data["width"][i]),
                    int(data["height"][i]),
                    float(data["conf"][i]),
                )
            )
        return RecognisedPage(image.width, image.height, dpi, tuple(tuple(words) for words in lines.values()))

    def recognise_pages(
        self, numbers: Sequence[int], image_of: Callable[[int], tuple[Image, float | None]]
    ) -> tuple[dict[int, RecognisedPage], list[str]]:
        """Read the pages ``numbers`` (at most ``ocr_max_pages`` of them), each drawn by ``image_of``;
        blank pages are passed over. Returns the pages read and notices on those that were not."""
        notices = []
        chosen = list(numbers[: self.options.max_pages])
        if len(numbers) > len(chosen):
            notices.append(
                f"OCR read the first {len(chosen)} of its {len(numbers)} pages without text (ocr_max_pages); "
                f"not indexed: {pages_text(numbers[len(chosen) :])}"
            )
        pages: dict[int, RecognisedPage] = {}
        timed_out: list[int] = []
        failed: list[tuple[int, str]] = []
        for done, number in enumerate(chosen):
            if self.progress is not None:
                self.progress(done, len(chosen))
            image, dpi = image_of(number)
            if is_blank(image):
                continue
            try:
                pages[number] = self.recognise(image, dpi)
            except PageTimeout:
                timed_out.append(number)
            except PageFailed as exc:
                failed.append((number, str(exc)))
        if timed_out:
            notices.append(
                f"OCR of {pages_text(timed_out)} took longer than {self.options.page_timeout_s:g} s "
                "(ocr_page_timeout_s) and was stopped; not indexed"
            )
        for number, reason in failed:
            notices.append(f"Tesseract could not read {pages_text([number])} ({reason}); not indexed")
        return pages, notices
