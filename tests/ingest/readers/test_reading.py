"""The reading layer per format: blocks, heading paths, pages and sentences as a person sees them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.ingest.readers import read_document
from assistant.ingest.segment import segment


def _read(path: Path):
    data = path.read_bytes()
    return read_document(path, data, hashlib.sha256(data).hexdigest())


def _units(doc) -> list[str]:
    return [doc.text[u.start : u.end] for u in segment(doc) if u.quotable]


def _kinds(doc) -> list[tuple[str, str]]:
    return [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]


def _check_offsets(doc) -> None:
    for block in doc.blocks:
        assert doc.text[block.start : block.end] == doc.text[block.start : block.end].strip()
    for a, b in zip(doc.blocks, doc.blocks[1:]):
        assert a.end < b.start


def test_html_inline_elements_do_not_split_sentences(tmp_path):
    path = tmp_path / "api.html"
    path.write_text(
        "<html><head><title>API</title></head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li>Download</li></ul></nav>"
        "<main><h1>Client</h1><ul class='contents'><li><a href='#t'>Timeouts</a></li>"
        "<li><a href='#r'>Retry policy</a></li></ul><h2>Timeouts</h2>"
        "<p>Call <code>Session.close()</code> when you are done, or use the session as a "
        "<em>context manager</em>; see <a href='#x'>the guide</a> for details.</p>"
        "<ul><li>Pass <code>timeout=5</code> to give up after five seconds.</li></ul>"
        "<pre>with Session() as s:\n    s.get(url)</pre>"
        "<table><tr><th>Option</th><th>Default</th></tr><tr><td>retries</td><td>3</td></tr></table>"
        "</main><footer>Copyright the authors</footer></body></html>"
    )
    doc = _read(path)
    _check_offsets(doc)
    assert "Home" not in doc.text and "Copyright" not in doc.text, "navigation and footer are dropped"
    assert "Retry policy" not in doc.text, "the page's own table of contents is dropped"
    units = _units(doc)
    assert (
        "Call Session.close() when you are done, or use the session as a context manager; "
        "see the guide for details." in units
    )
    assert "Pass timeout=5 to give up after five seconds." in units
    kinds = _kinds(doc)
    assert ("code", "with Session() as s:\n    s.get(url)") in kinds
    assert ("table_row", "Option: retries | Default: 3") in kinds, "a row is read with its header"
    paragraph = next(b for b in doc.blocks if b.kind == "paragraph")
    assert paragraph.heading == ("Client", "Timeouts")


def test_markdown_structure_from_the_parser(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(
        "# Tool\n\nA small tool that converts\nfiles between formats.\n\n"
        "## Install\n\n1. Download the archive.\n2. Run the installer from\n   a terminal window.\n\n"
        "```sh\npip install tool\n```\n\n| Format | Read | Write |\n|---|---|---|\n| CSV | yes | no |\n\n"
        "## Usage\n\nRun `tool convert` with **two** paths.\n"
    )
    doc = _read(path)
    _check_offsets(doc)
    assert doc.title == "Tool"
    assert _kinds(doc) == [
        ("heading", "Tool"),
        ("paragraph", "A small tool that converts files between formats."),
        ("heading", "Install"),
        ("list_item", "Download the archive."),
        ("list_item", "Run the installer from a terminal window."),
        ("code", "pip install tool"),
        ("table_row", "Format: CSV | Read: yes | Write: no"),
        ("heading", "Usage"),
        ("paragraph", "Run tool convert with two paths."),
    ]
    assert doc.blocks[4].heading == ("Tool", "Install")
    assert doc.blocks[-1].heading == ("Tool", "Usage")


def test_pdf_toc_headers_and_hyphenation(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    body = [
        "The pump must be primed before the first start. Fill the housing with clean water",
        "through the priming port until it overflows, then close the port and open the suc-",
        "tion valve slowly.",
        "2.2 Maintenance",
        "Replace the seal every two years or whenever water leaks from the shaft, and",
        "check the well-known failure points listed in the appendix.",
    ]
    pages = [
        [
            "Table of Contents",
            "1 Introduction . . . . . . . . . . . . . 1",
            "2 Operation . . . . . . . . . . . . 2",
            "2.1 Priming . . . . . . . . . . . . . . 2",
            "2.2 Maintenance . . . . . . . . . . . . 3",
        ],
        [
            "Chapter 1: Introduction 1",
            "1 Introduction",
            "This manual describes the installation and the operation of the pump. Read it",
            "completely before the pump is installed, and keep it near the pump for reference.",
            "- 1 -",
        ],
        [
            "Chapter 2: Operation 2",
            "2 Operation",
            "2.1 Priming",
            *body[:3],
            "Close the drain plug before the pump is started again, or the",
            "- 2 -",
        ],
        [
            "Chapter 2: Operation 3",
            "housing will not fill with water.",
            *body[3:],
            "A well-known pump needs little care.",
            "- 3 -",
        ],
    ]
    path = tmp_path / "manual.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        y = 800
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    doc = _read(path)
    _check_offsets(doc)
    units = _units(doc)
    assert not any(". . ." in u or "Table of Contents" == u for u in units), "a TOC page yields no candidates"
    assert "Chapter" not in doc.text and "- 2 -" not in doc.text, "running headers and page numbers dropped"
    assert (
        "Fill the housing with clean water through the priming port until it overflows, then close the port "
        "and open the suction valve slowly." in units
    )
    assert any("the well-known failure points" in u for u in units), "a real hyphenated word keeps its hyphen"
    by_page = {p.page: doc.text[p.start : p.end] for p in doc.pages}
    assert "suction valve" in by_page[3] and "Replace the seal" in by_page[4]
    run_on = "Close the drain plug before the pump is started again, or the housing will not fill with water."
    assert run_on in units, "a sentence running over a page break comes back whole"
    assert by_page[3].endswith("or the") and by_page[4].startswith("housing will not fill")
    seal = next(b for b in doc.blocks if doc.text[b.start : b.end].startswith("Replace the seal"))
    assert seal.heading == ("2 Operation", "2.2 Maintenance")


def test_docx_headings_lists_and_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Release notes", level=1)
    document.add_heading("Fixes", level=2)
    document.add_paragraph("The exporter no longer drops empty rows.", style="List Bullet")
    document.add_paragraph("Dates are written in ISO format.\nTimes keep their zone.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Platform", "Status"
    table.cell(1, 0).text, table.cell(1, 1).text = "Linux", "supported"
    path = tmp_path / "notes.docx"
    document.save(str(path))
    doc = _read(path)
    _check_offsets(doc)
    assert _kinds(doc) == [
        ("heading", "Release notes"),
        ("heading", "Fixes"),
        ("list_item", "The exporter no longer drops empty rows."),
        ("paragraph", "Dates are written in ISO format. Times keep their zone."),
        ("table_row", "Platform | Status"),
        ("table_row", "Linux | supported"),
    ]
    assert doc.blocks[-1].heading == ("Release notes", "Fixes")


def test_plain_text_pages_drop_running_headers_and_footers(tmp_path):
    topics = ["Colours", "Greetings", "Errors", "Security"]
    endings = ["before any other message.", "once per session.", "when a request fails.", "over TLS only."]
    pages = []
    for number, topic in enumerate(topics, start=1):
        header = "" if number == 1 else "RFC 9999                 Widget Protocol                  May 2026\n\n"
        pages.append(
            f"{header}{number}.  {topic}\n\n"
            f"   Peers that implement the widget protocol exchange {topic.lower()} messages, and they\n"
            f"   do so {endings[number - 1]}\n\n"
            f"Doe                        Informational                    [Page {number}]\n"
        )
    path = tmp_path / "rfc9999.txt"
    path.write_text("\f\n".join(pages))
    doc = _read(path)
    assert "RFC 9999" not in doc.text and "[Page" not in doc.text
    assert (
        "Peers that implement the widget protocol exchange errors messages, and they do so when a request fails."
        in _units(doc)
    )
    errors = next(b for b in doc.blocks if "errors messages" in doc.text[b.start : b.end])
    assert errors.heading == ("3. Errors",)
