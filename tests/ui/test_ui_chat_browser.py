"""End-to-end tests of what keeps the chat open all day, in headless Chromium: questions scoped to
some documents, conversations that survive a reload and a restart, the cited PDF page with its quote
highlighted, feedback that becomes a question set, and users who do not see each other's chats.

Screenshots of each view go to artifacts/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import make_pdf
from typer.testing import CliRunner
from ui_pages import (
    SEED_QUESTION,
    UNANSWERABLE,
    answers,
    ask,
    choose_scope,
    conversation_labels,
    forget,
    open_tab,
    sign_in,
    start_app,
    upload,
)

pytestmark = pytest.mark.browser

FERRY = "When does the Quillon ferry to Marlow depart?"
NORTH = "# North harbour log\n\nThe Quillon ferry to Marlow departs at seven in the morning from the north pier.\n"
SOUTH = "# South harbour log\n\nThe Quillon ferry to Marlow departs at nine in the evening from the south quay.\n"


def test_scoping_to_one_of_two_documents_changes_the_cited_source(page, tmp_path: Path, served, artifacts: Path):
    north, south = tmp_path / "harbour-north.md", tmp_path / "harbour-south.md"
    north.write_text(NORTH, encoding="utf-8")
    south.write_text(SOUTH, encoding="utf-8")
    upload(page, [north, south])
    open_tab(page, "Chat")
    try:
        names = page.locator("#sources .source-card .doc-name")
        choose_scope(page, ["South harbour log"])
        expect(ask(page, FERRY)).to_contain_text("nine in the evening")
        expect(names).to_have_text(["South harbour log"])
        page.screenshot(path=str(artifacts / "ui-scoped-question.png"), full_page=True)

        choose_scope(page, ["North harbour log"])
        expect(ask(page, FERRY)).to_contain_text("seven in the morning")
        expect(names).to_have_text(["North harbour log"])

        # Scoped to a document that does not answer, the assistant abstains rather than look elsewhere
        # (in a new chat: a short question would otherwise borrow the ferry from the history).
        page.click("#clear")
        expect(answers(page)).to_have_count(0)
        choose_scope(page, ["North harbour log"])
        outside = ask(page, SEED_QUESTION)
        expect(outside).to_have_class(re.compile(r"\babstained\b"))
        expect(page.locator("#sources")).not_to_contain_text("Sar Sokha")
    finally:
        forget(served, "North harbour log")
        forget(served, "South harbour log")


def test_a_conversation_survives_a_reload_and_a_server_restart(browser, own_index: Path, tmp_path, artifacts):
    from assistant import Assistant

    first, demo = start_app(Assistant.open(own_index), tmp_path / "uploads")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(first.url)
        page.wait_for_selector("#question textarea")
        ask(page, SEED_QUESTION)
        ask(page, "Who chairs the National Committee for Counter Trafficking?")
        expect(conversation_labels(page)).to_have_count(1)
        expect(conversation_labels(page).first).to_contain_text(SEED_QUESTION)

        page.reload()
        page.wait_for_selector("#question textarea")
        expect(answers(page)).to_have_count(2, timeout=30_000)
        expect(answers(page).first).to_contain_text("Sar Sokha")
    finally:
        demo.close()

    # A new server process state: a new Assistant over the same index folder, on another port.
    second, demo = start_app(Assistant.open(own_index), tmp_path / "uploads")
    try:
        page.goto(second.url)
        page.wait_for_selector("#question textarea")
        expect(answers(page)).to_have_count(0)
        expect(conversation_labels(page)).to_have_count(1)
        conversation_labels(page).first.click()
        expect(answers(page)).to_have_count(2, timeout=30_000)
        expect(answers(page).nth(1)).to_contain_text("Sokha")
        expect(page.locator("#sources mark").first).to_be_visible()
        # The restored conversation goes on: a follow-up uses its history.
        follow_up = ask(page, "What did he report about the number of incidents?")
        expect(follow_up).to_contain_text("decrease in incidents")
        page.screenshot(path=str(artifacts / "ui-restored-conversation.png"), full_page=True)

        page.fill("#conversation-title textarea, #conversation-title input", "Trafficking day")
        page.click("#rename")
        expect(conversation_labels(page).first).to_contain_text("Trafficking day")
        page.click("#export")
        link = page.locator("#export-file a[href]").first
        expect(link).to_be_visible(timeout=15_000)
        markdown = page.request.get(link.get_attribute("href")).text()
        assert markdown.startswith("# Trafficking day")
        assert SEED_QUESTION in markdown and "Sar Sokha" in markdown and "[1]" in markdown

        page.click("#delete")
        expect(conversation_labels(page)).to_have_count(0)
        expect(answers(page)).to_have_count(0)
    finally:
        context.close()
        demo.close()


def test_clicking_a_pdf_citation_shows_the_page_with_the_quote_highlighted(page, tmp_path, served, artifacts):
    pdf = make_pdf(
        tmp_path / "lighthouse-report.pdf",
        [
            "Annual lighthouse report\nThe keepers repainted the gallery railings in April.",
            "Lamp maintenance\nThe Brannoch lighthouse lamp was replaced in October with a\n"
            "sodium lamp made by the Vell foundry in Dunmore.",
        ],
        title="Lighthouse report",
    )
    upload(page, [pdf])
    open_tab(page, "Chat")
    try:
        answer = ask(page, "Who made the new Brannoch lighthouse lamp?")
        expect(answer).to_contain_text("Vell foundry")
        card = page.locator("#sources .source-card").first
        expect(card.locator(".doc-name")).to_have_text("Lighthouse report")
        expect(card.locator(".page")).to_have_text("p. 2")

        answer.locator("a.cite").first.click()
        view = page.locator("#page-view .page-view")
        expect(view).to_have_attribute("data-page", "2", timeout=30_000)
        image = view.locator("img")
        expect(image).to_be_visible()
        boxes = view.locator(".quote-box")
        # The quote runs over two lines of the page: one box each.
        expect(boxes).to_have_count(2)
        frame = image.bounding_box()
        for box in boxes.all():
            b = box.bounding_box()
            assert frame["x"] <= b["x"] and b["x"] + b["width"] <= frame["x"] + frame["width"] + 1
            assert frame["y"] <= b["y"] and b["height"] > 0
        page.locator("#sources-column").screenshot(path=str(artifacts / "ui-cited-pdf-page.png"))

        view.locator(".page-close").click()
        expect(page.locator("#page-view .page-view")).to_have_count(0)
    finally:
        forget(served, "Lighthouse report")


def test_a_scanned_image_citation_says_ocr_and_marks_the_words_on_the_image(page, tmp_path, served, artifacts):
    import pypdfium2

    pdf = make_pdf(
        tmp_path / "typeset.pdf",
        ["Harbour notice\n\nThe Tessaly footbridge reopens on the ninth of May after repairs to its deck."],
    )
    scan = tmp_path / "harbour-notice-scan.png"
    document = pypdfium2.PdfDocument(str(pdf))
    document[0].render(scale=200 / 72).to_pil().convert("L").save(scan, dpi=(200, 200))
    document.close()
    upload(page, [scan])
    open_tab(page, "Chat")
    try:
        answer = ask(page, "When does the Tessaly footbridge reopen?")
        expect(answer).to_contain_text("ninth of May")
        card = page.locator("#sources .source-card").first
        expect(card.locator(".ocr")).to_contain_text("OCR")
        card.locator("button.show-page").click()
        view = page.locator("#page-view .page-view")
        expect(view.locator(".page-note")).to_contain_text("read by OCR", timeout=30_000)
        expect(view.locator(".quote-box").first).to_be_visible()
        page.locator("#sources-column").screenshot(path=str(artifacts / "ui-cited-scan.png"))
    finally:
        forget(served, "harbour-notice-scan")


def _like_latest(page) -> None:
    """Thumbs up on the newest answer; Gradio relabels a pressed thumb "Liked"."""
    liked = page.locator("#chat").get_by_role("button", name="Liked", exact=True)
    before = liked.count()
    page.locator("#chat").get_by_role("button", name="Like", exact=True).last.click()
    expect(liked).to_have_count(before + 1)


def test_feedback_round_trips_into_a_question_set_that_eval_accepts(page, served, tmp_path, artifacts):
    from assistant.cli import app as cli

    ask(page, SEED_QUESTION)
    _like_latest(page)
    ask(page, UNANSWERABLE)
    _like_latest(page)
    ask(page, "Who chairs the National Committee for Counter Trafficking?")
    # "This is the right answer": select the words in the source, then press the button.
    page.locator("#sources .source-card mark").first.evaluate(
        """mark => {
            const range = document.createRange();
            range.selectNodeContents(mark);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }"""
    )
    selected = page.evaluate("window.getSelection().toString()")
    page.click("#mark-answer")
    expect(page.locator("body")).to_contain_text("as the right answer", timeout=15_000)
    page.screenshot(path=str(artifacts / "ui-feedback.png"), full_page=True)

    exported = tmp_path / "from-feedback.jsonl"
    index = str(served.assistant.settings.index_dir)
    runner = CliRunner()
    result = runner.invoke(cli, ["eval", "--from-feedback", "--index", index, "--export", str(exported)])
    assert result.exit_code == 0, result.output
    questions = {q["question"]: q for q in map(json.loads, exported.read_text(encoding="utf-8").splitlines())}
    assert questions[UNANSWERABLE]["answers"] == []
    assert any("no trafficking crime bosses" in a for a in questions[SEED_QUESTION]["answers"])
    chair = questions["Who chairs the National Committee for Counter Trafficking?"]
    assert chair["answers"] == [" ".join(selected.split())]

    result = runner.invoke(cli, ["eval", str(exported), "--index", index, "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["questions"] >= 3


def test_users_do_not_see_each_others_conversations(browser, own_index: Path, tmp_path, artifacts):
    from assistant import Assistant

    served, demo = start_app(
        Assistant.open(own_index), tmp_path / "uploads", auth=[("ana", "ana-secret"), ("ben", "ben-secret")]
    )
    sessions = {}
    try:
        for user in ("ana", "ben"):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            sign_in(context, served.url, user, f"{user}-secret")
            page = context.new_page()
            page.goto(served.url)
            page.wait_for_selector("#question textarea")
            sessions[user] = page
        ana, ben = sessions["ana"], sessions["ben"]
        ask(ana, SEED_QUESTION)
        expect(conversation_labels(ana)).to_have_count(1)
        expect(ana.locator("#conversation-title textarea, #conversation-title input")).to_have_value(SEED_QUESTION)
        ben.reload()
        ben.wait_for_selector("#question textarea")
        expect(conversation_labels(ben)).to_have_count(0)
        ask(ben, "Who chairs the National Committee for Counter Trafficking?")
        expect(conversation_labels(ben)).to_have_count(1)
        expect(conversation_labels(ben).first).to_contain_text("Who chairs")
        ben.screenshot(path=str(artifacts / "ui-second-user.png"), full_page=True)

        ana.reload()
        ana.wait_for_selector("#question textarea")
        expect(conversation_labels(ana)).to_have_count(1)
        expect(conversation_labels(ana).first).to_contain_text(SEED_QUESTION)
        # The store refuses one user's conversation to another as if it did not exist.
        (mine,) = served.assistant.conversations.list("ana")
        assert [c.id for c in served.assistant.conversations.list("ben")] != [mine.id]
        with pytest.raises(Exception, match="conversation"):
            served.assistant.conversations.get("ben", mine.id)
    finally:
        for page in sessions.values():
            page.context.close()
        demo.close()
