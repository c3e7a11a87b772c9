"""HTML with BeautifulSoup: block elements are blocks, inline elements never break a sentence.

Navigation, scripts, styles and site chrome are dropped; when the page marks its main content
(``<main>``, ``role="main"``, a single ``<article>``) only that is read.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import Reading, first_heading
from .builder import TextBuilder

_DROP = ["script", "style", "noscript", "template", "head", "nav", "iframe", "svg", "button", "form", "select"]
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
# Class or id names that documentation generators (Sphinx, DocBook, MkDocs, Node's doc tool) give to
# navigation bars, sidebars, breadcrumbs and "edit this page" links.
_CHROME_NAME = re.compile(
    r"^(?:nav|navbar|navheader|navfooter|navigation|sidebar|sphinxsidebar|related|breadcrumbs?|menu|"
    r"skip-?link|toc|toc-?nav|md-sidebar|md-header|md-footer|footer|header|edit-?page)$",
    re.I,
)
# Anchor marks that generators put after a heading's text ("Installation ¶", "Usage #").
_HEADING_ANCHOR = re.compile(r"(?:\s*[#¶§🔗])+$")
_LAYOUT_CHILDREN = ["p", "div", "pre", "ul", "ol", "dl", "table", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"]
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Elements that start a new block; everything else (a, code, em, span, kbd, ...) is inline.
_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "aside",
    "header",
    "footer",
    "blockquote",
    "figure",
    "figcaption",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "li",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "pre",
    "address",
    "details",
    "summary",
    "fieldset",
    "hr",
    "br",
    "caption",
    "center",
} | set(_HEADINGS)


def _is_chrome(tag) -> bool:
    if tag.name in ("header", "footer") and tag.find_parent(["article", "main"]) is None:
        return True
    if tag.name in ("html", "body", "main", "article"):
        return False
    names = [*(tag.get("class") or []), tag.get("id") or ""]
    return (tag.get("role") or "").lower() in _CHROME_ROLES or any(_CHROME_NAME.match(n) for n in names if n)


def _is_page_toc(tag) -> bool:
    """A list whose every entry is a link to a section of one page (``#intro``, ``faq.html#why``) is
    a table of contents: reading it would put each section title in the index twice."""
    items = tag.find_all(["li", "dd", "dt"], recursive=False)
    if len(items) < 2:
        return False
    pages: set[str] = set()
    for item in items:
        links = [a for a in item.find_all("a", href=True) if "#" in a["href"]]
        text = " ".join(item.get_text(" ").split())
        linked = sum(len(" ".join(a.get_text(" ").split())) for a in links)
        if not links or linked < 0.6 * len(text):
            return False
        pages.update(a["href"].split("#")[0] for a in links)
    return len(pages) == 1


def _own_cells(table) -> list:
    return [cell for cell in table.find_all(["td", "th"]) if cell.find_parent("table") is table]


def _is_layout(table) -> bool:
    """A table used for layout (DocBook's Q&A lists, old-style pages) has no header cells and holds
    paragraphs in its cells: it is read as paragraphs, not as rows of data."""
    cells = _own_cells(table)
    return not any(cell.name == "th" for cell in cells) and any(cell.find(_LAYOUT_CHILDREN) for cell in cells)


class _Walker:
    def __init__(self, builder: TextBuilder) -> None:
        self.builder = builder
        self.buffer: list[str] = []
        self.kind = "paragraph"

    def flush(self) -> None:
        if self.buffer:
            self.builder.block(self.kind, "".join(self.buffer))
            self.buffer = []

    def table(self, table) -> None:
        """One block per row. When the first row is a header, every other row is read with it
        ("Library: json | Invalid documents accepted: 17"), so a quoted row says what its figures are."""
        rows = [
            [" ".join(cell.get_text(" ").split()) for cell in row.find_all(["td", "th"], recursive=False)]
            for row in table.find_all("tr")
            if row.find_parent("table") is table
        ]
        first = next((r for r in table.find_all("tr") if r.find_parent("table") is table), None)
        header = rows[0] if first is not None and not first.find("td", recursive=False) and len(rows) > 1 else None
        for cells in rows[1:] if header else rows:
            if header and len(cells) == len(header):
                cells = [f"{name}: {value}" if name and value else value for name, value in zip(header, cells)]
            self.builder.block("table_row", " | ".join(c for c in cells if c))

    def walk(self, node) -> None:
        from bs4 import NavigableString, Tag
        from bs4.element import Comment, Doctype, ProcessingInstruction

        for child in node.children:
            if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name not in _BLOCKS:
                self.walk(child)
                continue
            self.flush()
            if name in _HEADINGS:
                self.builder.heading(_HEADING_ANCHOR.sub("", child.get_text(" ")), _HEADINGS[name])
            elif name == "pre":
                self.builder.block("code", child.get_text())
            elif name == "table" and _is_layout(child):
                for cell in _own_cells(child):
                    self.walk(cell)
                    self.flush()
            elif name == "table":
                self.table(child)
            elif name in ("li", "dd"):
                outer, self.kind = self.kind, "list_item"
                self.walk(child)
                self.flush()
                self.kind = outer
            else:
                self.walk(child)
                self.flush()


def read_html(path: Path, data: bytes) -> Reading:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(_DROP):
        tag.decompose()
    for tag in [t for t in soup.find_all(True) if _is_chrome(t)]:
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.find_all(["ul", "ol", "dl"]):
        if not tag.decomposed and _is_page_toc(tag):
            tag.decompose()
    articles = soup.find_all("article")
    root = soup.find("main") or soup.select_one('[role="main"]') or (articles[0] if len(articles) == 1 else None)
    builder = TextBuilder()
    walker = _Walker(builder)
    walker.walk(root or soup.body or soup)
    walker.flush()
    text, blocks, pages = builder.finish()
    return Reading(text, title or first_heading(blocks, text) or path.stem, blocks, pages)
