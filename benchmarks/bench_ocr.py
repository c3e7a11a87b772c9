"""OCR of scanned PDFs: character error rate against the text layer, seconds per page, and answers
from a scan beside answers from its text PDF, in one run.

The PDFs of ``tests/fixtures/real`` are "scanned" here: each page rendered with pypdfium2 at a
scanner's resolution and saved as an image-only PDF, once clean and once degraded (grain and a page
put on the glass askew). Each scan is read by the real reader process (``ReaderProcess``: Tesseract,
the per-page limits, the reading layer), so the figures are what an ingest gets:

- a resolution sweep: CER and seconds per page at several OCR resolutions on a few pages;
- every page of both PDFs, clean and degraded, at the default settings: CER, mean word confidence
  (what ``ocr_low_confidence`` is judged on) and seconds per page;
- the questions of ``tests/fixtures/real/questions.jsonl`` whose document is one of these PDFs, asked of an
  index of the text PDFs and of one of their clean scans: answer match, cited document and page.

CER is the edit distance between a page's reading from the scan and from the text PDF (whitespace
runs as one space) over the length of the latter, so it counts reading-order differences too; the
mean is over the pages' characters. Pages whose text-layer reading is nearly empty (a table of
contents or an index: their dot-leader lines are not read) are counted apart, as "sparse".

    python -m benchmarks.bench_ocr                          # about ten minutes on two busy cores
    python -m benchmarks.bench_ocr --dpis 150 200 --sweep-pages 2

Results go to ``benchmarks/results/ocr-YYYY-MM-DD.{md,json}``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.eval.metrics import answer_in_text
from assistant.ingest.isolation import ReaderProcess
from assistant.ingest.readers import OcrOptions, ReadLimits
from assistant.settings import Settings
from assistant.types import Document

from .run_all import RESULTS, machine

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "real"
QUESTIONS = ROOT / "tests" / "fixtures" / "real" / "questions.jsonl"
PDFS = ("libtasn1-manual.pdf", "shared-mime-info-spec.pdf")
# What an office scanner writes; the reader renders such a page again at ``ocr_dpi``.
SCAN_DPI = 300
# The degraded scan: grain (standard deviation on 0-255 grey levels) and a tilt in degrees.
GRAIN = 40.0
TILT = 1.0
# A page whose reading from the text layer is shorter than this is a contents or index page.
SPARSE_CHARS = 200


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one row of the table at a time in numpy: a row's insertions are a running
    minimum, so each row is a few vector operations and a page of text takes milliseconds."""
    if not a or not b:
        return len(a) or len(b)
    target = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    steps = np.arange(len(b) + 1)
    row = steps.copy()
    for i, char in enumerate(a, start=1):
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + (target != ord(char)))
        row = np.minimum.accumulate(best - steps) + steps
    return int(row[-1])


def normalised(text: str) -> str:
    return " ".join(text.split())


def scan(pdf: Path, out: Path, pages: list[int] | None = None, degraded: bool = False) -> Path:
    """An image-only PDF of ``pages`` (1-based; all by default) of ``pdf``, as a scanner makes it."""
    import pypdfium2
    from PIL import Image

    document = pypdfium2.PdfDocument(pdf)
    images = []
    for number in pages or range(1, len(document) + 1):
        image = document[number - 1].render(scale=SCAN_DPI / 72, grayscale=True).to_pil()
        if degraded:
            grain = np.random.default_rng(number).normal(0, GRAIN, (image.height, image.width))
            image = Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + grain, 0, 255).astype(np.uint8))
            image = image.rotate(TILT, resample=Image.Resampling.BILINEAR, fillcolor=255)
        images.append(image)
    document.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(out, save_all=True, append_images=images[1:], resolution=SCAN_DPI)
    return out


def read(path: Path, ocr: OcrOptions) -> tuple[Document, list[float]]:
    """The file as the reader process reads it, and the seconds each OCR'd page took (rendering,
    Tesseract and handing the words back)."""
    settings = Settings()
    marks: list[float] = []
    data = path.read_bytes()
    with ReaderProcess(ReadLimits(), settings.read_timeout_s, settings.max_read_memory_mb, ocr) as reader:
        reader.read(Path("warm-up.txt"), b"Starts the reader before the clock.", "warm-up")
        document = reader.read(
            path, data, hashlib.sha256(data).hexdigest(), lambda done, total: marks.append(time.perf_counter())
        )
    marks.append(time.perf_counter())
    return document, [b - a for a, b in zip(marks, marks[1:])]


def page_texts(document: Document) -> dict[int, str]:
    return {page.page: document.text[page.start : page.end] for page in document.pages}


@dataclass
class PageResult:
    pdf: str
    page: int
    variant: str
    dpi: int
    reference_chars: int
    errors: int
    confidence: float
    seconds: float

    @property
    def cer(self) -> float:
        return self.errors / max(self.reference_chars, 1)


def measure(
    pdf: str, pages: list[int], variant: str, ocr: OcrOptions, folder: Path, reference: Document
) -> list[PageResult]:
    path = scan(FIXTURES / pdf, folder / pdf, pages, degraded=variant == "degraded")
    document, seconds = read(path, ocr)
    texts, truth = page_texts(document), page_texts(reference)
    confidence = {page.page: page.confidence for page in document.ocr_pages}
    rows = []
    for i, (source, s) in enumerate(zip(pages, seconds), start=1):
        expected, got = normalised(truth.get(source, "")), normalised(texts.get(i, ""))
        errors = edit_distance(expected, got)
        rows.append(PageResult(pdf, source, variant, ocr.dpi, len(expected), errors, confidence.get(i, 0.0), s))
    return rows


def summary(rows: list[PageResult]) -> dict[str, float]:
    text = [r for r in rows if r.reference_chars >= SPARSE_CHARS]
    sparse = [r for r in rows if r.reference_chars < SPARSE_CHARS]
    return {
        "pages": len(text),
        "cer_mean": sum(r.errors for r in text) / max(sum(r.reference_chars for r in text), 1),
        "cer_median": statistics.median(r.cer for r in text),
        "confidence_mean": statistics.fmean(r.confidence for r in text),
        "confidence_min": min(r.confidence for r in text),
        "seconds_per_page": statistics.fmean(r.seconds for r in rows),
        "sparse_pages": len(sparse),
        "sparse_confidence_max": max((r.confidence for r in sparse), default=0.0),
    }


def ask_both(text_dir: Path, scan_dir: Path, scratch: Path) -> list[dict]:
    """Each question asked of the text PDFs' index and of their scans' index."""
    questions = [q for q in map(json.loads, QUESTIONS.read_text().splitlines()) if q.get("source") in PDFS]
    rows = [dict(id=q["id"], question=q["question"]) for q in questions]
    for name, folder in (("text", text_dir), ("scan", scan_dir)):
        assistant = Assistant.open(scratch / f"index-{name}", create=True)
        report = assistant.ingest([folder])
        print(f"{name}: {report.files_read} files in {report.seconds:.0f} s; {report.notices or 'no notices'}")
        for row, question in zip(rows, questions):
            answer = assistant.ask(question["question"])
            cited = answer.citations[0] if answer.citations else None
            row[name] = {
                "match": answer_in_text(answer.text, question["answers"]) if answer.found else False,
                "source_hit": cited is not None and Path(cited.source).name == question["source"],
                "page": cited.page if cited else None,
            }
    return rows


def write(results: dict) -> Path:
    stem = RESULTS / f"ocr-{date.today().isoformat()}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"# OCR of scanned PDFs ({date.today().isoformat()})",
        "",
        f"`python -m benchmarks.bench_ocr` on {results['machine']}; Tesseract {results['tesseract']}, one thread "
        f"(as the reader process runs it). Scans are image-only PDFs at {SCAN_DPI} DPI of the PDFs in "
        f"tests/fixtures/real; degraded: grain of {GRAIN:g} grey levels and a {TILT:g}° tilt. CER: edit distance "
        "between the page's reading from the scan and from the text PDF, over the latter's length (the mean is "
        f"over all characters). Sparse pages (a text-layer reading under {SPARSE_CHARS} characters: contents and "
        "index pages, whose dot leaders are not read) are left out of CER.",
        "",
        "## OCR resolution (pages rendered at this DPI for Tesseract)",
        "",
        "| variant | DPI | pages | CER mean | CER median | confidence mean | s/page |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, s in results["sweep"].items():
        variant, dpi = key.split("@")
        lines.append(
            f"| {variant} | {dpi} | {s['pages']} | {s['cer_mean']:.4f} | {s['cer_median']:.4f} | "
            f"{s['confidence_mean']:.1f} | {s['seconds_per_page']:.2f} |"
        )
    lines += [
        "",
        f"## Every page at the default settings ({results['dpi']} DPI)",
        "",
        "| variant | text pages | CER mean | CER median | confidence mean | confidence min | s/page (all pages) "
        "| sparse pages | their confidence max |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for variant, s in results["full"].items():
        lines.append(
            f"| {variant} | {s['pages']} | {s['cer_mean']:.4f} | {s['cer_median']:.4f} | {s['confidence_mean']:.1f} | "
            f"{s['confidence_min']:.1f} | {s['seconds_per_page']:.2f} | {s['sparse_pages']} | "
            f"{s['sparse_confidence_max']:.1f} |"
        )
    qa = results["questions"]
    lines += [
        "",
        f"## Questions on the text PDFs and on their clean scans ({len(qa)} questions of "
        "tests/fixtures/real/questions.jsonl)",
        "",
        "| | answer match | cited the right document | same cited page as the text PDF |",
        "|---|---|---|---|",
    ]
    for name in ("text", "scan"):
        same = sum(r["scan"]["page"] == r["text"]["page"] for r in qa) if name == "scan" else len(qa)
        lines.append(
            f"| {name} PDF | {sum(r[name]['match'] for r in qa)}/{len(qa)} | "
            f"{sum(r[name]['source_hit'] for r in qa)}/{len(qa)} | {same}/{len(qa)} |"
        )
    lines += ["", "| question | text: match, page | scan: match, page |", "|---|---|---|"]
    for r in qa:
        lines.append(
            f"| {r['id']} | {'yes' if r['text']['match'] else 'no'}, {r['text']['page']} | "
            f"{'yes' if r['scan']['match'] else 'no'}, {r['scan']['page']} |"
        )
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return stem.with_suffix(".md")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_ocr")
    parser.add_argument("--dpis", type=int, nargs="+", default=[100, 150, 200, 300])
    parser.add_argument("--sweep-pages", type=int, default=4, help="pages of each PDF in the resolution sweep")
    args = parser.parse_args()
    import pytesseract

    defaults = Settings()
    ocr = OcrOptions(
        languages=defaults.ocr_languages,
        dpi=defaults.ocr_dpi,
        page_timeout_s=defaults.ocr_page_timeout_s,
        max_pages=defaults.ocr_max_pages,
        low_confidence=defaults.ocr_low_confidence,
    )
    results: dict = {"machine": machine(), "tesseract": str(pytesseract.get_tesseract_version()), "dpi": ocr.dpi}
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        scratch = Path(tmp)
        references = {}
        for pdf in PDFS:
            document, _ = read(FIXTURES / pdf, ocr)
            assert not document.ocr_pages, f"{pdf} has a text layer on every page"
            references[pdf] = document
        sizes = {pdf: len(references[pdf].pages) for pdf in PDFS}
        results["sweep"] = {}
        for variant in ("clean", "degraded"):
            for dpi in args.dpis:
                options = OcrOptions(**{**asdict(ocr), "dpi": dpi})
                rows = []
                for pdf in PDFS:
                    # Evenly spread body pages, past the title page.
                    step = max(1, (sizes[pdf] - 1) // args.sweep_pages)
                    pages = list(range(2, sizes[pdf] + 1, step))[: args.sweep_pages]
                    rows += measure(pdf, pages, variant, options, scratch / f"sweep-{variant}-{dpi}", references[pdf])
                results["sweep"][f"{variant}@{dpi}"] = summary(rows)
                print(f"sweep {variant} {dpi} DPI: {results['sweep'][f'{variant}@{dpi}']}", flush=True)
        results["full"], results["pages"] = {}, []
        for variant in ("clean", "degraded"):
            rows = []
            for pdf in PDFS:
                rows += measure(pdf, list(range(1, sizes[pdf] + 1)), variant, ocr, scratch / variant, references[pdf])
            results["full"][variant] = summary(rows)
            results["pages"] += [{**asdict(r), "cer": r.cer} for r in rows]
            print(f"all pages, {variant}: {results['full'][variant]}", flush=True)
        text_dir = scratch / "text"
        text_dir.mkdir()
        for pdf in PDFS:
            (text_dir / pdf).write_bytes((FIXTURES / pdf).read_bytes())
        results["questions"] = ask_both(text_dir, scratch / "clean", scratch)
    print(f"wrote {write(results)}")


if __name__ == "__main__":
    main()
