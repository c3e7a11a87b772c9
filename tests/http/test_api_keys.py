"""API keys: random, kept as hashes, files of hashes only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assistant.http.keys import ApiKeys, append_key, hash_key, new_key, read_key_file


def test_keys_are_long_random_and_distinct():
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100 and all(k.startswith("asst-") and len(k) >= 45 for k in keys)


def test_check_accepts_only_known_keys_and_names_them_by_hash():
    keys = ApiKeys.of(["alpha-key", "beta-key"])
    assert keys.required and keys.check("alpha-key") == hash_key("alpha-key")
    assert keys.check("gamma-key") is None and keys.check("") is None
    assert not ApiKeys().required


def test_key_file_holds_hashes_and_is_private(tmp_path: Path):
    path = tmp_path / "keys.txt"
    first, second = append_key(path), append_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert first not in text and second not in text
    keys = ApiKeys.of(files=[path])
    assert keys.check(first) and keys.check(second)


def test_a_key_in_the_clear_in_a_key_file_is_refused_without_echoing_it(tmp_path: Path):
    path = tmp_path / "keys.txt"
    path.write_text("# ops team\n\nasst-pasted-by-mistake\n")
    with pytest.raises(ValueError, match="line 3: not a key hash") as raised:
        read_key_file(path)
    assert "pasted" not in str(raised.value)
