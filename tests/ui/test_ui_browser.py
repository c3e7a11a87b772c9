"""End-to-end tests of the chat and documents UI in headless Chromium (Debian's, via Playwright).

Each test opens its own browser session against one app served from a temporary seed index.
Screenshots of the chat and of the sources panel go to artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import SEED_TITLE
from ui_pages import SEED_QUESTION, TEST_MAX_FILE_BYTES, UNANSWERABLE, answers, ask, forget, open_tab, remove, upload

pytestmark = pytest.mark.browser

NEW_FACT = (
    "The Zorblax lantern festival is held every spring in the mountain town of Quillhaven.\n\n"
    "Mayor Ilsa Brandt opens the Zorblax festival each year by ringing a copper bell at dawn.\n\n"
    "Visitors float paper lanterns on the Quill river after sunset.\n"
)
NEW_QUESTION = "Who opens the Zorblax festival?"
# About the seed article's subject, but the article does not say.
RELATED_UNANSWERABLE = "How many traffickers were arrested last year?"


def test_seed_question_shows_cited_answer_with_highlighted_sentence(page, artifacts: Path):
    answer = ask(page, SEED_QUESTION)
    expect(answer).to_contain_text("Sar Sokha")
    expect(answer).to_contain_text("crime bosses")
    marker = answer.locator("a.cite").first
    expect(marker).to_have_text("[1]")

    card = page.locator("#sources .source-card").first
    expect(card.locator(".doc-name")).to_have_text(SEED_TITLE)
    highlighted = card.locator("blockquote.passage mark")
    expect(highlighted).to_have_count(1)
    expect(highlighted).to_contain_text("no trafficking crime bosses are operating in the country")

    # "Why this source" discloses the retrieval evidence.
    why = card.locator("details.why")
    expect(why.locator("table")).not_to_be_visible()
    why.locator("summary").click()
    for label in ("Dense rank", "BM25 rank", "Fused score"):
        expect(why.locator("table")).to_contain_text(label)
    expect(why.locator("tr", has_text="Fused score").locator("td")).to_have_text(re.compile(r"0\.\d{4}"))

    page.screenshot(path=str(artifacts / "ui-chat.png"), full_page=True)
    page.locator("#sources").screenshot(path=str(artifacts / "ui-sources-panel.png"))

    # Clicking the marker shows the passage in the surrounding document text.
    context = card.locator("details.context")
    expect(context.locator(".context-text")).not_to_be_visible()
    marker.click()
    expect(context.locator(".context-text")).to_be_visible()
    expect(context.locator(".passage-in-context mark")).to_contain_text("no trafficking crime bosses")
    page.locator("#sources").screenshot(path=str(artifacts / "ui-source-in-context.png"))


def test_follow_up_uses_the_chat_history(page):
    first = ask(page, "Who chairs the National Committee for Counter Trafficking?")
    expect(first).to_contain_text("Sokha")
    follow_up = ask(page, "What did he report about the number of incidents?")
    expect(follow_up).to_contain_text("decrease in incidents")
    expect(page.locator("#sources mark").first).to_contain_text("decrease in incidents")


def test_unanswerable_question_abstains_and_lists_only_close_passages_collapsed(page, artifacts: Path):
    answer = ask(page, UNANSWERABLE)
    expect(answer).to_have_class(re.compile(r"\babstained\b"))
    expect(answer.locator("a.cite")).to_have_count(0)
    panel = page.locator("#sources")
    # Nothing in the seed article is about football: no passage is offered as related.
    expect(panel.locator("h3")).to_have_text("Not in your documents")
    expect(panel.locator(".source-card")).to_have_count(0)
    expect(answer).not_to_contain_text("related, but not an answer")
    page.screenshot(path=str(artifacts / "ui-abstention.png"), full_page=True)

    near = ask(page, RELATED_UNANSWERABLE)
    expect(near).to_have_class(re.compile(r"\babstained\b"))
    expect(near).to_contain_text("related, but not an answer")
    expect(panel.locator("h3")).to_have_text("Related, but not an answer")
    cards = panel.locator(".source-card.related")
    assert 1 <= cards.count() <= 3
    expect(cards.first).not_to_be_visible()
    panel.locator("details.related-list > summary").click()
    expect(cards.first).to_be_visible()
    expect(panel.locator("mark")).to_have_count(0)
    page.screenshot(path=str(artifacts / "ui-abstention-related.png"), full_page=True)


def test_clicking_an_older_answer_shows_its_sources_and_clear_resets(page):
    ask(page, SEED_QUESTION)
    ask(page, UNANSWERABLE)
    expect(page.locator("#sources .sources.abstained")).to_have_count(1)
    answers(page).first.locator("a.cite").first.click()
    expect(page.locator("#sources h3")).to_have_text("Sources")
    expect(page.locator("#sources details.context .context-text").first).to_be_visible()

    page.click("#clear")
    expect(answers(page)).to_have_count(0)
    expect(page.locator("#sources")).to_contain_text("Sources for an answer appear here")
    # With the history cleared, a pronoun has nothing to refer to; the seed question still works.
    expect(ask(page, SEED_QUESTION)).to_contain_text("Sar Sokha")


def test_copy_answer_puts_plain_text_with_sources_on_the_clipboard(page):
    ask(page, SEED_QUESTION)
    page.click("#copy")
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Sar Sokha" in copied and "[1]" in copied
    assert "<" not in copied, "the copy is plain text, not the message's HTML"
    assert f'[1] {SEED_TITLE}: "' in copied


def test_settings_apply_to_their_own_session_only(browser, served, page):
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.goto(served.url)
    other.wait_for_selector("#question textarea")

    open_tab(page, "Settings")
    page.get_by_label("BM25 (keywords)").check()
    open_tab(page, "Chat")

    for session, dense_rank in ((page, re.compile(r"^—$")), (other, re.compile(r"^\d+$"))):
        ask(session, SEED_QUESTION)
        why = session.locator("#sources .source-card").first.locator("details.why")
        why.locator("summary").click()
        expect(why.locator("tr", has_text="Dense rank").locator("td")).to_have_text(dense_rank)
    other.context.close()


def test_document_text_is_shown_as_text_and_never_runs(page, tmp_path: Path, served, artifacts: Path):
    hostile = tmp_path / "hostile-notes.txt"
    hostile.write_text(
        "The Vortigan treaty was signed in Marlow harbour by envoy Petra Quist. "
        '<script>window.__pwned = "script";</script> '
        '<img src="x" onerror="window.__pwned = \'img\'"> '
        "The Vortigan treaty ended the salt tariff dispute.\n",
        encoding="utf-8",
    )
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    upload(page, [hostile])
    open_tab(page, "Chat")
    try:
        answer = ask(page, "Who signed the Vortigan treaty?")
        expect(answer).to_contain_text("Petra Quist")
        panel = page.locator("#sources")
        expect(panel).to_contain_text('<script>window.__pwned = "script";</script>')
        expect(panel).to_contain_text('<img src="x" onerror=')
        assert panel.locator("script, img").count() == 0
        assert page.locator("#chat img[src='x']").count() == 0
        # Open every disclosure so any injected markup would have had its chance to load.
        for details in panel.locator("details").all():
            details.evaluate("d => d.open = true")
            expect(details).to_have_js_property("open", True)
        # A broken image of our own, made now, has its error handled once the browser has tried the
        # URL: an image smuggled in with the text, made earlier, would have run its onerror by then.
        page.evaluate(
            """() => new Promise(done => {
                const canary = new Image();
                canary.onload = canary.onerror = () => done();
                canary.src = "x";
            })"""
        )
        assert page.evaluate("window.__pwned") is None
        assert dialogs == []
        panel.screenshot(path=str(artifacts / "ui-escaped-document.png"))
        assert "hostile-notes" in remove(page, "hostile-notes")
    finally:
        forget(served, "hostile-notes")


def test_upload_ask_then_remove_and_it_is_gone_from_answers(page, tmp_path: Path, served):
    doc = tmp_path / "zorblax-festival.md"
    doc.write_text("# Zorblax festival\n\n" + NEW_FACT, encoding="utf-8")
    status = upload(page, [doc])
    assert "Indexed 1 file" in status
    table = page.locator("#documents")
    expect(table).to_contain_text("zorblax-festival.md")
    assert (served.upload_dir / "zorblax-festival.md").is_file()

    open_tab(page, "Chat")
    answer = ask(page, NEW_QUESTION)
    expect(answer).to_contain_text("Ilsa Brandt")
    expect(page.locator("#sources .source-card .doc-name").first).to_have_text("Zorblax festival")

    remove(page, "zorblax-festival.md")
    expect(page.locator("#documents")).not_to_contain_text("zorblax-festival.md")
    assert not (served.upload_dir / "zorblax-festival.md").exists()
    open_tab(page, "Chat")
    after = ask(page, NEW_QUESTION)
    expect(after).not_to_contain_text("Ilsa Brandt")
    expect(page.locator("#sources")).not_to_contain_text("zorblax")


def test_failed_file_is_reported_and_the_others_still_go_in(page, tmp_path: Path, served):
    good = tmp_path / "orchard-notes.txt"
    good.write_text("The Pellworth orchard grows seventeen varieties of quince.\n", encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not really a pdf\n")
    too_big = tmp_path / "huge.txt"
    too_big.write_text("x" * (TEST_MAX_FILE_BYTES + 1), encoding="utf-8")
    open_tab(page, "Documents")
    page.set_input_files("#upload input[type=file]", [str(too_big)])
    # Gradio refuses the upload itself (launch's max_file_size) and says why in a toast.
    expect(page.locator("body")).to_contain_text("exceed the maximum allowed size", timeout=15_000)
    page.reload()
    page.wait_for_selector("#question textarea")
    try:
        status = upload(page, [good, broken])
        assert "Indexed 1 file" in status
        assert "broken.pdf" in status
        expect(page.locator("#documents")).to_contain_text("orchard-notes")
        expect(page.locator("#documents")).not_to_contain_text("huge")
        assert not (served.upload_dir / "broken.pdf").exists()
        assert not (served.upload_dir / "huge.txt").exists()
        # The remove list offers the new document too (its title is the file's stem).
        assert "orchard-notes" in remove(page, "orchard-notes")
    finally:
        forget(served, "orchard-notes")


def test_page_makes_no_requests_beyond_the_server(browser, served):
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(served.url) else None)
    page.goto(served.url)
    page.wait_for_selector("#question textarea")
    ask(page, SEED_QUESTION)
    context.close()
    assert [u for u in outside if not u.startswith(("data:", "blob:"))] == []
