"""Fixtures for the UI tests: a temporary seed index, the app on a free loopback port, a browser.

The app runs in this process (Gradio serves from a thread), with the real embedding model and a
real index built from the seed article, so the tests exercise exactly what `assistant serve` runs.
Chromium is Debian's: scripts/install-browser.sh installs it on a clean machine.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_pages import Served, start_app

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def ui_assistant(seed_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """An assistant over a private copy of the seed index: the UI tests add and remove documents."""
    from assistant import Assistant

    index_dir = tmp_path_factory.mktemp("ui") / "index"
    shutil.copytree(seed_index, index_dir)
    return Assistant.open(index_dir=index_dir)


@pytest.fixture(scope="session")
def served(ui_assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    app, demo = start_app(ui_assistant, tmp_path_factory.mktemp("uploads"))
    try:
        yield app
    finally:
        demo.close()


@pytest.fixture
def own_index(seed_index: Path, tmp_path: Path) -> Path:
    """A private copy of the seed index, for a test that starts its own servers over it."""
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        subprocess.run(["bash", str(REPO / "scripts" / "install-browser.sh")], check=True)
    assert shutil.which(str(CHROMIUM)), "Chromium is not installed"
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, served: Served):
    """A fresh browser session (its own cookies and Gradio session) on the app's chat tab."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url.rstrip("/"))
    page = context.new_page()
    page.goto(served.url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
