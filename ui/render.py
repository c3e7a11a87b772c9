"""HTML for answers, inline citation markers and highlighted sources.

Document text is data, never markup: every string that comes from a document, a file name or a
question goes through :func:`html.escape` before it is placed in HTML, and highlights are built by
escaping the pieces around ``<mark>`` rather than by inserting tags into already-escaped text.

Usage::

    from ui.render import answer_html, sources_html
    chat_message = answer_html(answer, turn=0)
    panel = sources_html(answer, turn=0, context=lambda doc_id: assistant.document_text(doc_id))
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Sequence

from assistant.types import Answer, Citation, Passage

# How much of the document to show on each side of a passage in its "in context" view.
CONTEXT_CHARS = 600
# An abstention lists at most this many related passages: more reads as an answer hidden somewhere.
RELATED_LIMIT = 3

_MARKER = re.compile(r"\[(\d+)\]")


def esc(text: str) -> str:
    """Escape text for HTML element content and quoted attribute values.

    >>> esc('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(text, quote=True)


# ASCII punctuation that Markdown gives a meaning to; a backslash makes each one literal.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_esc(text: str) -> str:
    r"""Escape text for a Markdown status line: HTML escaped, and Markdown punctuation made literal, so
    a document titled ``[click](https://evil)`` shows as that text, not as a link.

    >>> md_esc("[x](http://e)")
    '\\[x\\]\\(http://e\\)'
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", esc(text))


def source_anchor(turn: int, marker: int) -> str:
    """The element id of citation ``marker``'s card for answer number ``turn``."""
    return f"src-{turn}-{marker}"


def highlight(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Escape ``text`` and wrap each ``(start, end)`` span in ``<mark>``.

    Spans out of range are clipped, and overlapping spans merge, so a bad offset can never cut an
    HTML entity in half or leave a tag unclosed.

    >>> highlight("a <b> c", [(2, 5)])
    'a <mark>&lt;b&gt;</mark> c'
    """
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    pos = 0
    for start, end in merged:
        parts.append(esc(text[pos:start]))
        parts.append(f"<mark>{esc(text[start:end])}</mark>")
        pos = end
    parts.append(esc(text[pos:]))
    return "".join(parts)


def _cite(turn: int, marker: int) -> str:
    return f'<a class="cite" href="#{source_anchor(turn, marker)}" title="Show source {marker}">[{marker}]</a>'


def _marker_link(match: re.Match[str], turn: int, known: set[int]) -> str:
    marker = int(match.group(1))
    return _cite(turn, marker) if marker in known else match.group(0)


def _differ_heading(conflicts: Sequence[Citation]) -> str:
    # "Differ", not "contradict": nothing here judges whether the two claims can both be true.
    others = "another document answers" if len(conflicts) == 1 else "other documents answer"
    return f"Sources differ: {others} this differently."


def _side(citation: Citation, turn: int) -> str:
    return (
        f'<div class="differ-source">{_cite(turn, citation.marker)} '
        f"{_title(citation.source, citation.title, citation.page, citation.heading)}"
        f'<blockquote class="differ-quote">{esc(citation.quote)}</blockquote></div>'
    )


def _differing(answer: Answer, turn: int) -> str:
    """The quoted sources and the differing ones side by side, so neither reads as the settled answer."""
    if not answer.conflicts:
        return ""
    quoted = "".join(_side(c, turn) for c in answer.citations)
    others = "".join(_side(c, turn) for c in answer.conflicts)
    return (
        f'<div class="sources-differ" role="note"><div class="differ-head">{_differ_heading(answer.conflicts)}'
        '</div><div class="differ-sides">'
        f'<div class="differ-column quoted"><div class="differ-label">Quoted in the answer</div>{quoted}</div>'
        f'<div class="differ-column differing"><div class="differ-label">Answers differently</div>{others}</div>'
        "</div></div>"
    )


def related_passages(answer: Answer, floor: float) -> list[Passage]:
    """The passages an abstention shows as "related, but not an answer": the first few whose best
    sentence is at least ``floor`` similar to the question. Passages found by keywords alone carry no
    similarity; they are kept, since nothing says they are unrelated."""

    def similarity(p: Passage) -> float | None:
        return p.sentence_score if p.sentence_score is not None else p.dense_score

    return [p for p in answer.passages if (s := similarity(p)) is None or s >= floor][:RELATED_LIMIT]


def answer_html(answer: Answer, turn: int, related_floor: float = 0.0) -> str:
    """The chat message for ``answer``: escaped text whose ``[n]`` markers link to source cards.

    An abstention gets a plain statement and points at the related passages instead, if any passage
    is similar enough to the question (``related_floor``) to be worth showing.
    """
    text = esc(answer.text)
    if not answer.found:
        hint = (
            ' <span class="abstain-hint">The closest passages are listed under Sources as '
            "related, but not an answer.</span>"
            if related_passages(answer, related_floor)
            else ""
        )
        return f'<div class="answer abstained" data-turn="{turn}">{text}{hint}</div>'
    known = {c.marker for c in answer.citations}
    # Markers are matched on the escaped text; "[", digits and "]" never change under escaping.
    linked = _MARKER.sub(lambda m: _marker_link(m, turn, known), text)
    return f'<div class="answer" data-turn="{turn}">{linked}{_differing(answer, turn)}</div>'


def answer_plain(answer: Answer) -> str:
    """The answer as plain text with its sources listed, for "copy answer".

    The result reads like ``Sar Sokha maintained ... [1]`` then a blank line and
    ``[1] seed.txt, p. 1: "Meanwhile, ..."``; differing sources follow under their own heading.
    """
    lines = [answer.text]
    if answer.citations:
        lines += ["", *map(_plain_source, answer.citations)]
    if answer.conflicts:
        lines += ["", _differ_heading(answer.conflicts), *map(_plain_source, answer.conflicts)]
    return "\n".join(lines)


def _plain_source(c: Citation) -> str:
    page = f", p. {c.page}" if c.page is not None else ""
    section = f", {c.heading}" if c.heading and c.heading != (c.title or c.source) else ""
    return f'[{c.marker}] {c.title or c.source}{page}{section}: "{c.quote}"'


def _fmt(value: float | int | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def _why(passage: Passage | None, citation: Citation | None) -> str:
    rows: list[tuple[str, str]] = []
    if citation is not None:
        rows.append(("Answer match (quote score)", _fmt(citation.score)))
    if passage is not None:
        rows += [
            ("Fused score", _fmt(passage.fused_score, 4)),
            ("Dense rank", _fmt(passage.dense_rank)),
            ("Passage similarity", _fmt(passage.dense_score)),
            ("Best sentence similarity", _fmt(passage.sentence_score)),
            ("BM25 rank", _fmt(passage.bm25_rank)),
            ("BM25 score", _fmt(passage.bm25_score)),
        ]
    elif citation is not None:
        rows += [
            ("Fused score", _fmt(citation.fused_score, 4)),
            ("Dense rank", _fmt(citation.dense_rank)),
            ("BM25 rank", _fmt(citation.bm25_rank)),
        ]
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<details class="why"><summary>Why this source</summary><table class="scores">{cells}</table></details>'


def _context(doc_text: str | None, start: int, end: int, quote_spans: Sequence[tuple[int, int]]) -> str:
    """The passage inside its surrounding document text, the passage framed and quotes marked."""
    if doc_text is None:
        return ""
    lo = max(0, start - CONTEXT_CHARS)
    hi = min(len(doc_text), end + CONTEXT_CHARS)
    before = ("…" if lo > 0 else "") + doc_text[lo:start]
    after = doc_text[end:hi] + ("…" if hi < len(doc_text) else "")
    inner = highlight(doc_text[start:end], [(s - start, e - start) for s, e in quote_spans])
    return (
        '<details class="context"><summary>Show in context</summary><div class="context-text">'
        f'{esc(before)}<span class="passage-in-context">{inner}</span>{esc(after)}'
        "</div></details>"
    )


def _ocr_badge(citation: Citation) -> str:
    """Quotes read from a scan by OCR say so, with the page's OCR confidence."""
    if not citation.ocr:
        return ""
    confidence = f" {citation.ocr_confidence:.0f}%" if citation.ocr_confidence is not None else ""
    hint = "Read from a scanned page; check it against the page image"
    return f' <span class="ocr" title="{hint}">OCR{confidence}</span>'


def _title(source: str, title: str, page: int | None, heading: str = "") -> str:
    name = title or source.rsplit("/", 1)[-1]
    page_part = f' <span class="page">p. {page}</span>' if page is not None else ""
    # A document's first heading is often its title: said once.
    section = f' <span class="section">{esc(heading)}</span>' if heading and heading != name else ""
    return f'<span class="doc-name" title="{esc(source)}">{esc(name)}</span>{page_part}{section}'


def _page_button(citation: Citation, paged: Collection[str]) -> str:
    """ "Show page" for a citation whose document has page images (PDFs, scans, images); an image
    file's citations name no page."""
    if citation.doc_id not in paged:
        return ""
    page = "" if citation.page is None else str(citation.page)
    label = f"Show page {page}" if page else "Show the image"
    return (
        f'<button type="button" class="show-page" data-doc="{esc(citation.doc_id)}" data-page="{page}" '
        f'data-quote="{esc(citation.quote)}">{label}</button>'
    )


def citation_card(
    citation: Citation, passage: Passage | None, turn: int, doc_text: str | None, paged: Collection[str] = ()
) -> str:
    """One source card: document, page, passage with the cited sentence marked, scores, context;
    for a document in ``paged``, a button that shows the cited page itself."""
    if passage is not None:
        body_text = passage.text
        spans = [(citation.passage_start, citation.passage_end)]
        start, end = passage.start, passage.end
    else:
        body_text, spans = citation.quote, [(0, len(citation.quote))]
        start, end = citation.start, citation.end
    doc_spans = [(citation.start, citation.end)]
    return (
        f'<div class="source-card" id="{source_anchor(turn, citation.marker)}" '
        f'data-marker="{citation.marker}" data-doc="{esc(citation.doc_id)}">'
        f'<div class="source-head"><span class="marker">[{citation.marker}]</span> '
        f"{_title(citation.source, citation.title, citation.page, citation.heading)}{_ocr_badge(citation)}</div>"
        f'<blockquote class="passage">{highlight(body_text, spans)}</blockquote>'
        f"{_page_button(citation, paged)}{_why(passage, citation)}{_context(doc_text, start, end, doc_spans)}</div>"
    )


def related_card(passage: Passage, rank: int, doc_text: str | None) -> str:
    """A closest-passage card for an abstention: no highlight, since nothing answered."""
    return (
        f'<div class="source-card related" data-rank="{rank}" data-doc="{esc(passage.doc_id)}">'
        f'<div class="source-head"><span class="marker">{rank}.</span> '
        f"{_title(passage.source, passage.title, passage.page, passage.heading)}</div>"
        f'<blockquote class="passage">{esc(passage.text)}</blockquote>'
        f"{_why(passage, None)}{_context(doc_text, passage.start, passage.end, [])}</div>"
    )


def sources_html(
    answer: Answer | None,
    turn: int,
    context: Callable[[str], str | None] | None = None,
    related_floor: float = 0.0,
    paged: Collection[str] = (),
) -> str:
    """The sources panel for one answer.

    ``context(doc_id)`` returns the document's full text for the "in context" view; pass None to
    leave that view out. An abstention lists its :func:`related_passages` (``related_floor``),
    collapsed. Citations of documents in ``paged`` can show their page image.
    """
    if answer is None:
        return '<div class="sources empty">Sources for an answer appear here.</div>'
    texts: dict[str, str | None] = {}

    def doc_text(doc_id: str) -> str | None:
        if context is None:
            return None
        if doc_id not in texts:
            texts[doc_id] = context(doc_id)
        return texts[doc_id]

    if not answer.found:
        related = related_passages(answer, related_floor)
        if not related:
            return (
                f'<div class="sources abstained" data-turn="{turn}"><h3>Not in your documents</h3>'
                "<p>No passage comes close to this question.</p></div>"
            )
        cards = "".join(related_card(p, i, doc_text(p.doc_id)) for i, p in enumerate(related, 1))
        return (
            f'<div class="sources abstained" data-turn="{turn}">'
            "<h3>Related, but not an answer</h3>"
            f'<details class="related-list"><summary>The {len(related)} closest passage'
            f"{'s' if len(related) > 1 else ''}; none of them answers the question</summary>{cards}</details></div>"
        )
    by_chunk = {p.chunk_id: p for p in answer.passages}

    def cards_of(citations: list[Citation]) -> str:
        return "".join(citation_card(c, by_chunk.get(c.chunk_id), turn, doc_text(c.doc_id), paged) for c in citations)

    differing = (
        f'<div class="differing"><h3>{_differ_heading(answer.conflicts)}</h3>'
        "<p>Not quoted in the answer; compare them with the sources above.</p>"
        f"{cards_of(answer.conflicts)}</div>"
        if answer.conflicts
        else ""
    )
    return f'<div class="sources" data-turn="{turn}"><h3>Sources</h3>{cards_of(answer.citations)}{differing}</div>'
