"""``evaluate`` from Python on an open assistant: the seed question set run against a real index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import SEED_FILE, SEED_QUESTIONS

from assistant.eval import evaluate


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    shutil.copy(SEED_FILE, folder / SEED_FILE.name)
    return folder


def test_python_api_on_an_open_assistant(docs, tmp_path):
    from assistant import Assistant

    assistant = Assistant.open(index_dir=tmp_path / "index", create=True)
    assistant.ingest([docs])
    seen = []
    report = evaluate(SEED_QUESTIONS, assistant=assistant, top_k=3, progress=lambda d, n, r: seen.append((d, n)))
    assert seen[-1] == (21, 21)
    assert report.k == 3 and report.settings["top_k"] == 3
    assert report.index_dir == str(tmp_path / "index")
    assert report.files == {}
    assert all(len(r.retrieved_sources) == 1 for r in report.results)
    assert report.missed({"answer_match": 1.01}) == [
        f"answer_match = {report.metrics['answer_match']:.3f} is below the minimum 1.010"
    ]
