"""The wheel is the product: installed from it, away from the checkout, the assistant finds its prompts
and UI assets, keeps its index in ``./index`` of the working directory and answers; ``assistant eval``
without its extra says what to install."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app

ROOT = Path(__file__).resolve().parents[1]

NOTES = (
    "The Vortigan lighthouse was built in 1887 by the engineer Maren Holt.\n\n"
    "The harbour of Essel Island freezes over most winters. Ferries call twice a week in summer.\n"
)

# Runs in a fresh interpreter whose imports come from the installed wheel; prints what it found.
PROBE = textwrap.dedent(
    """
    import json
    from pathlib import Path

    import assistant
    import ui
    from assistant import ask
    from assistant.llm.prompts import PROMPT_NAMES, PromptLibrary
    from ui.app import ASSETS

    prompts = PromptLibrary()
    answer = ask("Who built the Vortigan lighthouse?")
    print(json.dumps({
        "modules": [assistant.__file__, ui.__file__],
        "prompts": {name: [str(prompts.path(name)), prompts.template(name).template] for name in PROMPT_NAMES},
        "assets": sorted(str(p) for p in ASSETS.iterdir()),
        "found": answer.found,
        "answer": answer.text,
        "sources": [c.source for c in answer.citations],
    }))
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the checkout, so the build leaves nothing in the working tree."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("assistant", "ui", "prompts"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(work / "dist"),
            str(source),
        ],
        check=True,
    )
    (built,) = (work / "dist").glob("assistant-*.whl")
    return built


def test_the_wheel_holds_every_package_prompt_and_asset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(
        p.parent.relative_to(ROOT).as_posix() for top in ("assistant", "ui") for p in (ROOT / top).rglob("__init__.py")
    )
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"
    assert {f"assistant/prompts/{p.name}" for p in (ROOT / "prompts").glob("*.txt")} <= names
    assets = {f"ui/assets/{p.name}" for p in (ROOT / "ui" / "assets").iterdir() if p.is_file()}
    assert {"ui/assets/app.css", "ui/assets/app.js"} <= assets <= names
    metadata = zipfile.ZipFile(wheel).read("assistant-0.1.0.dist-info/METADATA").decode()
    assert 'Requires-Dist: matplotlib>=3.8; extra == "ui"' in metadata  # the Evaluate tab's charts


def test_installed_wheel_answers_from_the_working_directory(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True
    )
    cwd = tmp_path / "somewhere"
    (cwd / "seeds").mkdir(parents=True)
    (cwd / "seeds" / "lighthouse.txt").write_text(NOTES, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    # PYTHONPATH puts the wheel's copy ahead of the editable install of this checkout.
    env.update(PYTHONPATH=str(target), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])

    assert all(Path(m).is_relative_to(target) for m in found["modules"]), found["modules"]
    for name, (path, text) in found["prompts"].items():
        assert Path(path).is_relative_to(target / "assistant" / "prompts") and text, name
    assert {Path(p).name for p in found["assets"]} >= {"app.css", "app.js"}
    assert all(Path(p).is_relative_to(target / "ui" / "assets") for p in found["assets"])
    assert (cwd / "index" / "store.sqlite").is_file(), "the default index is ./index of the working directory"
    assert found["found"] and "Maren Holt" in found["answer"], found["answer"]
    assert found["sources"] and all(s == str((cwd / "seeds" / "lighthouse.txt").resolve()) for s in found["sources"])


def test_eval_without_the_eval_extra_names_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if matplotlib were not installed
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "questions.jsonl")])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "Error: assistant eval needs the eval extra (matplotlib): pip install 'assistant[eval]'"
    )
