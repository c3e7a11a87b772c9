"""OCR with Tesseract (through pytesseract): the words on page images, with their boxes and confidences.

Scanned PDF pages and image files have no text to extract, only pixels. Tesseract reads each page
image into words, each with its box in pixels and a confidence; ``paged.py`` turns them into the
same reading as a text layer gives. Tesseract is a Debian package (scripts/install-tesseract.sh);
without it, or with OCR turned off, ``Tesseract.missing()`` says why and how to fix it.

A page put in the scanner sideways or upside down reads as junk with a low confidence: such a page
is asked about its orientation (Tesseract's OSD, which costs about a reading's time, so only then)
and read again turned upright. Leader runs (``leaders.py``) are cleaned from each line.

    tesseract = Tesseract(OcrOptions(languages="eng"), progress=None)
    pages, notices = tesseract.recognise_pages([2, 3], image_of)   # image_of(2) -> (image, dpi)
    pages[2].lines[0][0].text, pages[2].confidence
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .leaders import clean_leaders

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
    words line by line, in Tesseract's reading order (column by column). ``rotation`` is how far the
    image was turned clockwise (0, 90, 180 or 270 degrees) to be read upright; the size and the word
    boxes are those of the turned image."""

    width: int
    height: int
    dpi: float | None
    lines: tuple[tuple[Word, ...], ...]
    rotation: int = 0

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
    def _installed(self) -> set[str] | None:
        """The languages Tesseract has data for (``osd`` among them when it can tell orientation), or
        None when Tesseract is not installed."""
        import pytesseract

        try:
            return set(pytesseract.get_languages())
        except (pytesseract.TesseractNotFoundError, OSError):
            return None

    @cached_property
    def _missing(self) -> str | None:
        if not self.options.enabled:
            return "OCR is turned off (ocr_enabled)"
        installed = self._installed
        if installed is None:
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
        """The words on one page image, read again turned upright when the first reading is poor
        (under ``ocr_low_confidence``) and OSD finds the page turned. ``PageTimeout`` when one run of
        Tesseract takes longer than ``ocr_page_timeout_s``, ``PageFailed`` when it rejects the image."""
        page = self._read(image, dpi, 0)
        if page.confidence >= self.options.low_confidence or "osd" not in (self._installed or ()):
            return page
        turn = self._orientation(image, dpi)
        if not turn:
            return page
        # Pillow turns anticlockwise, and by a right angle exactly (no resampling).
        upright = self._read(image.rotate(-turn, expand=True), dpi, turn)
        return upright if upright.confidence > page.confidence else page

    def _config(self, dpi: float | None) -> str:
        # Tesseract guesses a resolution from text height when it is not told one.
        return f"--dpi {round(dpi)}" if dpi else ""

    def _orientation(self, image: Image, dpi: float | None) -> int:
        """How far ``image`` must be turned clockwise to stand upright, by OSD; 0 when OSD cannot tell
        (too few letters on the page) or takes too long."""
        import pytesseract

        try:
            osd = pytesseract.image_to_osd(
                image,
                config=self._config(dpi),
                timeout=self.options.page_timeout_s,
                output_type=pytesseract.Output.DICT,
            )
        except (RuntimeError, pytesseract.TesseractError):
            return 0
        turn = int(osd.get("rotate", 0)) % 360
        return turn if turn in (90, 180, 270) else 0

    def _read(self, image: Image, dpi: float | None, rotation: int) -> RecognisedPage:
        import pytesseract

        try:
            data = pytesseract.image_to_data(
                image,
                lang=self.options.languages,
                config=self._config(dpi),
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
                    # A tenth is all the engine's confidence tells; the index stores it so.
                    round(float(data["conf"][i]), 1),
                )
            )
        cleaned = (clean_leaders(words) for words in lines.values())
        return RecognisedPage(image.width, image.height, dpi, tuple(line for line in cleaned if line), rotation)

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
