"""The tests mirror the source tree: ``tests/store/test_index.py`` tests ``assistant/store/index.py``,
``tests/ui/`` tests ``ui/``. There are no ``__init__.py`` files (pytest's default import mode puts each
test file's folder and ``tests/`` on ``sys.path``, which is how ``from support import ...`` works), so
two test files with one name in two folders would be two modules of one name: pytest refuses that."""

from __future__ import annotations

from collections import Counter

from support import ROOT, TESTS

# Folders of tests that cut across the packages rather than mirror one.
CROSS_CUTTING = {"hostile"}


def _test_files() -> list:
    return sorted(TESTS.rglob("test_*.py"))


def test_test_file_names_are_unique_across_folders():
    names = Counter(p.name for p in _test_files())
    assert not [name for name, n in names.items() if n > 1], [
        str(p.relative_to(TESTS)) for p in _test_files() if names[p.name] > 1
    ]


def test_there_are_no_init_files():
    assert list(TESTS.rglob("__init__.py")) == []


def test_every_test_folder_mirrors_a_package_or_module():
    folders = {p.parent.relative_to(TESTS) for p in _test_files()} - {TESTS.relative_to(TESTS)}
    strays = []
    for folder in sorted(folders):
        if folder.parts[0] in CROSS_CUTTING:
            continue
        mirrored = [base / folder for base in (ROOT / "assistant", ROOT)]
        if not any(m.is_dir() and (m / "__init__.py").is_file() or m.with_suffix(".py").is_file() for m in mirrored):
            strays.append(str(folder))
    assert not strays, f"test folders that mirror no package or module under assistant/ or ui/: {strays}"
