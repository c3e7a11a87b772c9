"""Rendering of answers and sources: escaping, highlight placement, markers, abstentions."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

from assistant.types import Answer, Citation, Passage
from ui.render import RELATED_LIMIT, answer_html, answer_plain, esc, highlight, related_passages, sources_html

DOC = (
    "Intro line. <script>alert('doc')</script> The minister said no crime bosses operate here. "
    '<img src=x onerror="alert(1)"> Closing line.'
)
QUOTE = "The minister said no crime bosses operate here."


class Tags(HTMLParser):
    """Collects start tags and attributes, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(markup)
    return parser.tags


def make_answer(found: bool = True) -> Answer:
    start = DOC.index(QUOTE)
    passage = Passage(
        chunk_id=7,
        doc_id="d1",
        source="/docs/<b>evil</b>.txt",
        title='Evil "title" <i>',
        page=3,
        text=DOC,
        start=0,
        end=len(DOC),
        fused_score=0.0328,
        dense_rank=2,
        dense_score=0.71,
        sentence_score=0.83,
        bm25_rank=1,
        bm25_score=3.2,
    )
    citation = Citation(
        marker=1,
        source=passage.source,
        title=passage.title,
        page=3,
        chunk_id=7,
        doc_id="d1",
        quote=QUOTE,
        start=start,
        end=start + len(QUOTE),
        passage_start=start,
        passage_end=start + len(QUOTE),
        score=0.82,
        fused_score=0.0328,
        dense_rank=2,
        bm25_rank=1,
    )
    return Answer(
        question="What did the minister say?",
        text=f"{QUOTE} [1]" if found else "The documents don't contain an answer to that.",
        found=found,
        citations=[citation] if found else [],
        passages=[passage],
        confidence=0.82 if found else 0.1,
        answerer="extractive",
        retrieval_query="What did the minister say?",
    )


def test_highlight_escapes_every_piece_and_marks_the_span():
    text = "a <b>bold</b> & c"
    out = highlight(text, [(2, 13)])
    assert out == "a <mark>&lt;b&gt;bold&lt;/b&gt;</mark> &amp; c"


def test_highlight_clips_merges_and_ignores_bad_spans():
    assert highlight("abcdef", [(4, 99), (-5, 1), (0, 2), (3, 3)]) == "<mark>ab</mark>cd<mark>ef</mark>"
    assert highlight("abcdef", [(1, 4), (2, 5)]) == "a<mark>bcde</mark>f"


def test_sources_panel_marks_the_cited_sentence_and_escapes_the_document():
    answer = make_answer()
    html = sources_html(answer, turn=0, context=lambda doc_id: DOC)
    assert [t for t, _ in tags(html) if t in {"script", "img", "b", "i"}] == []
    marks = re.findall(r"<mark>(.*?)</mark>", html)
    assert marks == [QUOTE, QUOTE]  # in the passage and in its in-context view
    assert "&lt;script&gt;alert(&#x27;doc&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert 'title="/docs/&lt;b&gt;evil&lt;/b&gt;.txt"' in html
    assert "Evil &quot;title&quot; &lt;i&gt;" in html
    assert '<span class="page">p. 3</span>' in html
    assert 'id="src-0-1"' in html


def test_why_this_source_shows_ranks_and_scores():
    html = sources_html(make_answer(), turn=0)
    why = re.search(r'<details class="why">.*?</details>', html).group(0)
    cells = dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", why))
    assert cells["Dense rank"] == "2"
    assert cells["BM25 rank"] == "1"
    assert cells["Fused score"] == "0.0328"
    assert cells["Best sentence similarity"] == "0.830"
    assert cells["Answer match (quote score)"] == "0.820"
    assert "context" not in html  # no document text given, so no in-context view


def test_answer_markers_link_to_their_source_cards():
    html = answer_html(make_answer(), turn=4)
    links = [a for t, a in tags(html) if t == "a"]
    assert links == [{"class": "cite", "href": "#src-4-1", "title": "Show source 1"}]


def test_answer_text_is_escaped_and_unknown_markers_stay_text():
    answer = make_answer()
    answer.text = "<img src=x onerror=alert(1)> says [1] and [9]"
    html = answer_html(answer, turn=0)
    assert [t for t, _ in tags(html)] == ["div", "a"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count('class="cite"') == 1 and "[9]" in html


def test_abstention_says_so_and_lists_related_passages_without_highlights():
    answer = make_answer(found=False)
    message = answer_html(answer, turn=1)
    assert "abstained" in message and "related, but not an answer" in message
    assert "<a " not in message
    panel = sources_html(answer, turn=1, context=lambda doc_id: DOC)
    assert "<h3>Related, but not an answer</h3>" in panel
    assert "source-card related" in panel and "<mark>" not in panel


def test_plain_copy_lists_sources_without_markup():
    text = answer_plain(make_answer())
    assert text.startswith(QUOTE + " [1]\n\n")
    assert f'[1] Evil "title" <i>, p. 3: "{QUOTE}"' in text


def test_section_heading_shows_in_the_card_and_the_copy():
    answer = make_answer()
    answer.citations[0].heading = "Safety > <Crime> bosses"
    card = sources_html(answer, turn=0)
    assert '<span class="section">Safety &gt; &lt;Crime&gt; bosses</span>' in card
    assert "p. 3, Safety > <Crime> bosses:" in answer_plain(answer)


def test_abstention_lists_at_most_three_related_passages_above_the_floor_collapsed():
    answer = make_answer(found=False)
    near = answer.passages[0]
    answer.passages = [replace(near, chunk_id=i, sentence_score=score) for i, score in enumerate([0.6, 0.5, 0.4, 0.35])]
    panel = sources_html(answer, turn=0, related_floor=0.3)
    assert panel.count("source-card related") == RELATED_LIMIT == 3
    assert re.search(r'<details class="related-list"><summary>The 3 closest passages', panel)
    assert '<details class="related-list" open' not in panel
    answer.passages = [replace(near, chunk_id=i, sentence_score=score) for i, score in enumerate([0.5, 0.1, 0.05])]
    assert sources_html(answer, turn=0, related_floor=0.3).count("source-card related") == 1
    assert [p.sentence_score for p in related_passages(answer, 0.3)] == [0.5]


def test_abstention_with_nothing_close_lists_no_passage():
    answer = make_answer(found=False)
    answer.passages = [replace(answer.passages[0], sentence_score=0.05, dense_score=0.02)]
    panel = sources_html(answer, turn=0, related_floor=0.3)
    assert "source-card" not in panel and "No passage comes close" in panel
    assert "related, but not an answer" not in answer_html(answer, 0, related_floor=0.3)


def test_real_off_topic_question_shows_only_what_clears_the_floor(seed_assistant):
    answer = seed_assistant.ask("Who won the football World Cup?")
    assert not answer.found and answer.passages
    floor = seed_assistant.settings.ui.related_floor
    panel = sources_html(answer, turn=0, context=seed_assistant.document_text, related_floor=floor)
    shown = related_passages(answer, floor)
    assert panel.count("source-card related") == len(shown) <= RELATED_LIMIT
    assert all(p.sentence_score is None or p.sentence_score >= floor for p in shown)
    # The seed article says nothing about football: no passage of it is close enough to list.
    assert shown == []


def test_pdf_citations_offer_their_page_and_others_do_not():
    answer = make_answer()
    card = sources_html(answer, turn=0, paged={"d1"})
    button = [a for t, a in tags(card) if t == "button"]
    assert button == [{"type": "button", "class": "show-page", "data-doc": "d1", "data-page": "3", "data-quote": QUOTE}]
    assert "show-page" not in sources_html(answer, turn=0, paged=set())
    # An image file's citations name no page: its button shows the image.
    answer.citations[0].page = None
    image_card = sources_html(answer, turn=0, paged={"d1"})
    assert 'data-page=""' in image_card and ">Show the image</button>" in image_card


def test_status_lines_show_markdown_in_names_as_text():
    from markdown_it import MarkdownIt

    from ui.render import md_esc

    title = "[Click to verify](https://evil.example/login) **urgent** <img src=x onerror=alert(1)>"
    html = MarkdownIt().render(f"Removed **{md_esc(title)}**.")
    assert "<a " not in html and "<img" not in html and "<strong>urgent" not in html
    assert "[Click to verify](https://evil.example/login)" in html


def with_conflict(answer: Answer) -> Answer:
    other = '<script>alert("x")</script> The minister said [1] crime bosses run the casinos.'
    answer.conflicts = [
        Citation(
            marker=2,
            source="/docs/<svg onload=alert(2)>.txt",
            title="Memo <b>2024</b>",
            page=None,
            chunk_id=9,
            doc_id="d2",
            quote=other,
            start=0,
            end=len(other),
            passage_start=0,
            passage_end=len(other),
            score=0.7,
            fused_score=0.02,
        )
    ]
    return answer


def test_differing_sources_sit_beside_the_quoted_one_escaped():
    answer = with_conflict(make_answer())
    html = answer_html(answer, turn=3)
    assert "Sources differ: another document answers this differently." in html
    assert {t for t, _ in tags(html)} == {"div", "a", "span", "blockquote"}
    quoted, differing = re.findall(r'<div class="differ-column (\w+)">', html)
    assert (quoted, differing) == ("quoted", "differing")
    assert html.index(esc(QUOTE)) < html.index('class="differ-column differing"')
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Memo &lt;b&gt;2024&lt;/b&gt;" in html and 'title="/docs/&lt;svg onload=alert(2)&gt;.txt"' in html
    # A marker inside document text is text; only the block's own markers link to source cards.
    links = [a["href"] for t, a in tags(html) if t == "a"]
    assert links == ["#src-3-1", "#src-3-1", "#src-3-2"]


def test_differing_sources_get_cards_and_a_place_in_the_copy():
    answer = with_conflict(make_answer())
    panel = sources_html(answer, turn=3)
    assert 'id="src-3-2"' in panel and '<div class="differing">' in panel
    assert panel.index('id="src-3-1"') < panel.index("Sources differ") < panel.index('id="src-3-2"')
    assert [t for t, _ in tags(panel) if t in {"script", "svg", "b"}] == []
    text = answer_plain(answer)
    assert text.endswith(
        "\n\nSources differ: another document answers this differently.\n"
        f'[2] Memo <b>2024</b>: "{answer.conflicts[0].quote}"'
    )


def test_an_answer_without_differing_sources_shows_no_such_block():
    answer = make_answer()
    assert "Sources differ" not in answer_html(answer, turn=0) + sources_html(answer, turn=0) + answer_plain(answer)
