"""Drives the app in the browser the way a person does: type, click, wait for what appears."""

from __future__ import annotations

import socket
from pathlib import Path

from playwright.sync_api import Page, expect

ANSWER_TIMEOUT_MS = 60_000
# The served test app's per-file upload limit: small, so tests can exceed it cheaply.
TEST_MAX_FILE_BYTES = 256 * 1024


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
