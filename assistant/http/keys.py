"""API keys: made here, kept only as hashes, checked in constant time per key.

A key is a long random token (``asst-`` and 43 URL-safe characters: 256 bits). Key files and memory
hold ``sha256:<hex>`` of each key, never the key. A fast hash is the standard choice for such keys:
slow hashes (bcrypt, argon2) exist to stretch guessable passwords, and nobody can guess 256 random
bits however fast they hash, while every request pays the hash.

    >>> key = new_key()
    >>> keys = ApiKeys.of([key])
    >>> keys.check(key) == hash_key(key), keys.check("wrong")
    (True, None)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PREFIX = "sha256:"
_HASH = re.compile(r"sha256:[0-9a-f]{64}")


def new_key() -> str:
    return "asst-" + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()


def read_key_file(path: Path) -> list[str]:
    """The hashes in a key file: one ``sha256:<hex>`` a line; blank lines and ``#`` comments are skipped.

    A line that is not a hash is an error (naming the line, never echoing it: it may be a key pasted by
    mistake), so a key file never holds keys in the clear.
    """
    hashes = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not _HASH.fullmatch(line):
            raise ValueError(
                f"{path}, line {number}: not a key hash (sha256:<64 hex digits>). Key files hold hashes, "
                "not keys; make a key with `assistant api-key new --file FILE`."
            )
        hashes.append(line)
    return hashes


def append_key(path: Path) -> str:
    """Make a key, append its hash to ``path`` (created readable by its owner only) and return the key."""
    key = new_key()
    path.touch(mode=0o600, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(hash_key(key) + "\n")
    return key


@dataclass(frozen=True)
class ApiKeys:
    """The accepted keys, as hashes. None configured means no key is asked for."""

    hashes: frozenset[str] = frozenset()

    @classmethod
    def of(cls, keys: Iterable[str] = (), files: Iterable[Path] = ()) -> ApiKeys:
        """Keys given in the clear (options, environment) and key files of hashes, together."""
        hashes = {hash_key(k) for k in keys if k}
        for path in files:
            hashes.update(read_key_file(path))
        return cls(frozenset(hashes))

    @property
    def required(self) -> bool:
        return bool(self.hashes)

    def check(self, presented: str) -> str | None:
        """The hash of ``presented`` when it is an accepted key (it names the client for rate limits),
        else None. Each comparison takes the same time whatever the hashes share."""
        digest = hash_key(presented)
        found = False
        for known in self.hashes:
            found |= hmac.compare_digest(digest, known)
        return digest if found else None
