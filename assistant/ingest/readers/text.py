"""Plain text: blank lines separate paragraphs; wrapped lines are joined; structure lines stay lines.

A form feed starts a new page, as in RFCs and printed manuals; their running headers and footers
("RFC 2119    Key words    March 1997", "Bradner    [Page 2]") are dropped like a PDF's.

A text file has no title field, so its title is, as for the other formats (an HTML page's <title>,
then its first heading, then the file name), the best of what it has:

1. its title line: the first line with letters or digits (a rule of "=" or "*" above it aside, a
   Markdown "# " taken off), when it is short (``MAX_TITLE_LINE_CHARS``), has a word, does not end
   like a sentence or clause (". : ; ,"), is no list item or web address, and its line break is the
   author's, not a wrap: a blank line, a rule ("====") or the end follows it, or the next line does
   not start in lower case and its first word would have fit on the title's line (as wide as the
   longest line of its paragraph, or the text's usual wrapped line), which a wrap never leaves room
   for: "Apache License" over "Version 2.0, January 2004" is a title, "The licence is granted to"
   over "every recipient." is not;
2. else, when the file name is machine-made (``machine_made``: an id, a counter, a camera's or
   scanner's default name), the opening words of its first sentence, cut on a word boundary
   (``MAX_OPENING_CHARS``) with "…";
3. else the file name's stem as it is ("meeting-notes"), as every other reader falls back to: a name a
   person chose reads fine, and it is the name they know the file by.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...text import punkt
from ...types import Block
from .base import Reading, decode_text
from .builder import TextBuilder, inline
from .lines import LIST_ITEM, MARKDOWN_HEADING, LineReader, heading_level, strip_page_furniture

MAX_TITLE_LINE_CHARS = 100
MAX_OPENING_CHARS = 60

_ALNUM = re.compile(r"[^\W_]")
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
_CLAUSE_END = re.compile(r"[.:;,][\"'”’)\]]*$")
_HEX_ID = re.compile(r"(?=[0-9a-f]*\d)[0-9a-f]+", re.I)
_UUID = re.compile(r"[0-9a-f]{8}(?:-?[0-9a-f]{4}){3}-?[0-9a-f]{12}", re.I)
_LETTER_RUN = re.compile(r"[^\W\d_]+")
# Names cameras, phones, scanners and applications give files by themselves; with a number they name
# nothing about the content ("IMG_2031", "scan_0001", "New Text Document (2)").
_DEFAULT_NAMES = frozenset(
    "img image dsc dscn dscf pxl mvimg vid photo pic scan scanned screenshot capture document doc file "
    "page untitled new text copy export download".split()
)


def read_text(path: Path, data: bytes) -> Reading:
    raw = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    pages = [page.split("\n") for page in raw.split("\f")]
    if len(pages) > 1:
        pages = strip_page_furniture(pages)
    builder = TextBuilder()
    reader = LineReader(builder)
    for page in pages:
        reader.read(page)
    text, blocks, spans = builder.finish()
    title = title_line([line.rstrip() for page in pages for line in page])
    if not title and machine_made(path.stem):
        title = opening_words(text, blocks)
    return Reading(text, title or path.stem, blocks, spans)


def title_line(lines: list[str]) -> str:
    """The text's title line (see the module docstring), or "" when it does not start with one."""
    first = next((i for i, line in enumerate(lines) if _ALNUM.search(line)), None)
    if first is None:
        return ""
    line = lines[first]
    marked = MARKDOWN_HEADING.match(line)
    title = inline(marked.group(2) if marked else line)
    if (
        len(title) > MAX_TITLE_LINE_CHARS
        or not _LETTER_WORD.search(title)
        or _CLAUSE_END.search(title)
        or "://" in title
        or (LIST_ITEM.match(title) and heading_level(title) is None)
    ):
        return ""
    paragraph = lines[first : next((i for i in range(first, len(lines)) if not lines[i].strip()), len(lines))]
    following = paragraph[1] if len(paragraph) > 1 else ""
    if not _ALNUM.search(following) or (marked and not following.lstrip().startswith("#")):
        return title  # a blank line, the end, a rule under it ("====", "****"), or a "# heading" over text
    next_word = following.split()[0]
    would_fit = len(line) + 1 + len(next_word) <= max(max(len(p) for p in paragraph), _wrap_width(lines))
    return title if would_fit and not next_word[:1].islower() else ""


def _wrap_width(lines: list[str]) -> int:
    """The median length of the lines that run on in a paragraph (0 when none do): a text wrapped at
    some width has most of them just under it, so the next word of a wrapped line never fits in it."""
    running = sorted(len(line) for line, after in zip(lines, lines[1:]) if line.strip() and after.strip())
    return running[len(running) // 2] if running else 0


def machine_made(stem: str) -> bool:
    """Whether a file name says nothing of its content: no word in it but a default name.

    The stem is split on everything but letters and digits; a part that is hex digits with a digit
    among them ("017", "3fa9c0d24b1e", a UUID's groups) is an id, and of the rest only runs of 3 or
    more letters count as words. It is machine-made when no word is left, or only words of
    ``_DEFAULT_NAMES``: "017_3fa9c0d24b1e", "2024-01-05", "IMG_2031", "DSC01234", "scan_0001",
    "Screenshot 2024-01-05 at 10.32.11"; not "meeting-notes", "rfc2119", "budget-2024", "HR-policy".
    """
    if _UUID.fullmatch(stem):
        return True
    words = [
        run.casefold()
        for part in re.split(r"[\W_]+", stem)
        if part and not _HEX_ID.fullmatch(part)
        for run in _LETTER_RUN.findall(part)
        if len(run) >= 3
    ]
    return all(word in _DEFAULT_NAMES for word in words)


def opening_words(text: str, blocks: list[Block]) -> str:
    """The first sentence of the first block, whole when short, else its opening words with "…"."""
    if not blocks:
        return ""
    block = text[blocks[0].start : blocks[0].end][:1000]
    spans = list(punkt().span_tokenize(block))
    sentence = " ".join(block[spans[0][0] : spans[0][1]].split()) if spans else inline(block)
    if len(sentence) <= MAX_OPENING_CHARS:
        return sentence.rstrip(" .:;,")
    cut = sentence[: MAX_OPENING_CHARS - 1]
    # Drop the word the cut falls in, unless it falls just after a whole word.
    if sentence[MAX_OPENING_CHARS - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"
