"""Drives the app in the browser the way a person does: type, click, wait for what appears."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

SEED_QUESTION = "What did the interior minister claim?"
UNANSWERABLE = "Who won the football World Cup?"
ANSWER_TIMEOUT_MS = 60_000
# The served test app's per-file upload limit: small, so tests can exceed it cheaply.
TEST_MAX_FILE_BYTES = 256 * 1024


@dataclass
class Served:
    url: str
    assistant: object
    upload_dir: Path


def start_app(assistant, upload_dir: Path, auth: list[tuple[str, str]] | None = None):
    """The app over ``assistant`` on a free loopback port; returns (Served, the Blocks to close)."""
    from assistant.types import UploadLimits
    from ui.app import UiConfig, build_app, launch

    limits = UploadLimits(max_files=4, max_file_bytes=TEST_MAX_FILE_BYTES)
    demo = build_app(assistant, UiConfig(upload_dir=upload_dir, limits=limits))
    port = free_port()
    launch(demo, host="127.0.0.1", port=port, auth=auth, block=False, limits=limits)
    return Served(f"http://127.0.0.1:{port}/", assistant, upload_dir), demo


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(page: Page):
    """Final (not pending, not streaming) answers in the chat, oldest first."""
    return page.locator("#chat .answer:not(.pending):not(.streaming)")


def ask(page: Page, question: str):
    """Ask ``question`` and return the locator of its final answer."""
    before = answers(page).count()
    page.fill("#question textarea", question)
    page.click("#ask")
    expect(answers(page)).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
    return answers(page).nth(before)


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def upload(page: Page, files: list[Path]) -> str:
    """Upload ``files`` on the documents tab, add them to the index, return the status text."""
    open_tab(page, "Documents")
    page.set_input_files("#upload input[type=file]", [str(f) for f in files])
    # Add only once every file is on the server. While a file uploads, Gradio shows its name in a
    # progress view and "Uploading..." in place of its download link; the finished preview has one
    # row per file, labelled with the file's name, whose link points at the server's copy.
    rows = page.locator("#upload .file-preview tr")
    expect(rows).to_have_count(len(files), timeout=30_000)
    for f in files:
        row = rows.filter(has=page.locator(f'td.filename[aria-label="{f.name}"]'))
        expect(row.locator("td.download a[href]")).to_have_count(1, timeout=30_000)
    page.click("#add")
    status = page.locator("#docs-status")
    expect(status).to_contain_text("Indexed", timeout=ANSWER_TIMEOUT_MS)
    return status.inner_text()


def remove(page: Page, label_part: str) -> str:
    """Pick the document whose label contains ``label_part`` and remove it; return the status."""
    open_tab(page, "Documents")
    page.click("#remove-choice input")
    page.get_by_role("option", name=label_part).first.click()
    page.click("#remove")
    status = page.locator("#docs-status")
    expect(status).to_contain_text("Removed", timeout=ANSWER_TIMEOUT_MS)
    return status.inner_text()


def choose_scope(page: Page, titles: list[str]) -> None:
    """Ask within the documents titled ``titles`` only (none: all documents)."""
    scope = page.locator("#scope")
    while scope.locator(".token-remove").count():
        scope.locator(".token-remove").first.click()
    expect(scope.locator(".token")).to_have_count(0)
    for title in titles:
        scope.locator("input").click()
        page.get_by_role("option", name=title, exact=True).click()
    expect(scope.locator(".token")).to_have_count(len(titles))
    # Close the list so it does not cover the chat.
    page.keyboard.press("Escape")


def conversation_labels(page: Page):
    """The sidebar's conversations, newest first."""
    return page.locator("#conversations label")


def sign_in(context, url: str, user: str, password: str) -> None:
    """Sign in to an app served with ``--auth`` (Gradio's login route sets the session cookie)."""
    response = context.request.post(f"{url}login", form={"username": user, "password": password})
    assert response.ok, f"login as {user} failed: {response.status}"


def forget(served, title: str) -> None:
    """Clean up after a test through the API, so a failed cleanup cannot hide the test's failure."""
    upload_root = served.upload_dir.resolve()
    for doc in served.assistant.documents():
        if doc.title == title:
            served.assistant.remove(doc.doc_id)
            for source in doc.sources:
                if Path(source).resolve().parent == upload_root:
                    Path(source).unlink(missing_ok=True)
