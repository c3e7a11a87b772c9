"""Files uploaded through the UI or the API, checked and stored: limits, allowed types, contained names.

An uploaded file's name comes from the browser or the client and is untrusted: only its last path
component is kept, reduced to a conservative character set, and the destination is checked to lie
directly in the upload folder before anything is written. Each file is judged on its own, so one bad
file is reported while the rest still go in. ``Assistant.store_uploads`` is the way in:

    result = assistant.store_uploads(["/tmp/gradio/abc/report.pdf"])
    problems = [f"{r.name}: {r.reason}" for r in result.rejected]
"""

from __future__ import annotations

import filecmp
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from ..types import RejectedUpload, RenamedUpload, UploadLimits, UploadResult, size_text

MAX_NAME_CHARS = 120

_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_filename(name: str) -> str:
    """Reduce an untrusted file name to one safe to create inside the upload folder.

    Directory parts (``/`` or ``\\``), leading dots, control and shell-special characters are
    dropped, so the result never names a parent directory, a hidden file or another folder.

    >>> safe_filename("../../etc/passwd")
    'passwd'
    >>> safe_filename("..\\\\..\\\\evil<script>.md")
    'evil_script_.md'
    """
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    base = re.sub(r"_+", "_", base)
    if len(base) > MAX_NAME_CHARS:
        stem, dot, suffix = base.rpartition(".")
        base = stem[: MAX_NAME_CHARS - len(suffix) - 1] + dot + suffix if dot else base[:MAX_NAME_CHARS]
    return base or "upload"


def _destination(upload_dir: Path, name: str, taken: set[str], src: Path) -> Path:
    """A path for ``name`` directly inside ``upload_dir``, distinct from the names in ``taken`` and
    from files already there with other contents (the same bytes under the same name are the same
    upload, so that one is reused)."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 1
    while candidate.lower() in taken or _holds_other(upload_dir / candidate, src):
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    dest = (upload_dir / candidate).resolve()
    # Belt and braces: safe_filename already removed separators, but a symlinked upload folder or a
    # platform quirk must still not let a write land elsewhere.
    if dest.parent != upload_dir.resolve():
        raise ValueError(f"refusing to write outside the upload folder: {name!r}")
    taken.add(candidate.lower())
    return dest


def store_uploads(
    files: Sequence[str | Path],
    upload_dir: Path,
    limits: UploadLimits = UploadLimits(),
    names: Sequence[str] | None = None,
) -> UploadResult:
    """Copy accepted uploads into ``upload_dir`` and say why each other one was refused.

    ``names`` are the names the user gave the files (defaults to each path's own name). The upload
    folder is shared by everyone using the app, so a file never replaces a different one already
    there under its name: it is stored as ``name-2.ext`` and listed in ``renamed`` (to update a
    document, remove the old one first). Each copy is written to a temporary file and renamed, so a
    reader never sees half a file.
    """
    upload_dir.mkdir(parents=True, exist_ok=True)
    result = UploadResult()
    taken: set[str] = set()
    total = 0
    for i, path in enumerate(files):
        src = Path(path)
        shown = names[i] if names is not None else src.name
        name = safe_filename(shown)
        suffix = Path(name).suffix.lower()
        if i >= limits.max_files:
            result.rejected.append(RejectedUpload(shown, f"too many files: at most {limits.max_files} per upload"))
            continue
        if suffix not in limits.suffixes:
            allowed = ", ".join(sorted(limits.suffixes))
            result.rejected.append(
                RejectedUpload(shown, f"type {suffix or '(none)'} is not supported; allowed: {allowed}")
            )
            continue
        try:
            size = src.stat().st_size
        except OSError as exc:
            result.rejected.append(RejectedUpload(shown, f"could not be read: {exc.strerror}"))
            continue
        if size > limits.max_file_bytes:
            result.rejected.append(
                RejectedUpload(
                    shown, f"{size_text(size)} is over the {size_text(limits.max_file_bytes)} limit per file"
                )
            )
            continue
        if total + size > limits.max_total_bytes:
            result.rejected.append(
                RejectedUpload(shown, f"the upload is over the {size_text(limits.max_total_bytes)} limit in all")
            )
            continue
        try:
            dest = _destination(upload_dir, name, taken, src)
            if not dest.exists():
                _copy_atomic(src, dest)
                result.created.append(dest)
        except (OSError, ValueError) as exc:
            result.rejected.append(RejectedUpload(shown, f"could not be stored: {exc}"))
            continue
        total += size
        result.accepted.append(dest)
        if dest.name != name:
            result.renamed.append(RenamedUpload(shown, dest.name))
    return result


def _holds_other(path: Path, src: Path) -> bool:
    """True when ``path`` exists with contents other than ``src``'s."""
    try:
        return path.exists() and not filecmp.cmp(path, src, shallow=False)
    except OSError:
        return True


def _copy_atomic(src: Path, dest: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
            while block := inp.read(1 << 20):
                out.write(block)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
