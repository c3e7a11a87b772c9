"""Shared fixtures: the real embedding model (loaded once) and a seed-article index built once; the
PostgreSQL test server (``pg_server``) and both stores as parametrised fixtures (``backends``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support import SEEDS

pytest_plugins = ["pg_server", "backends"]

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """A read-only index of the seed article; copy it (``fresh_seed_index``) before changing it."""
    from assistant import Assistant

    directory = tmp_path_factory.mktemp("seed") / "index"
    Assistant.open(directory, create=True).ingest([SEEDS])
    return directory


@pytest.fixture(scope="session")
def seed_assistant(seed_index):
    from assistant import Assistant

    return Assistant.open(seed_index)


@pytest.fixture
def fresh_seed_index(seed_index, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(seed_index, target)
    return target
