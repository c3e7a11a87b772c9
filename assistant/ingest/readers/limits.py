"""Limits checked before and after a reader runs, so that one hostile file cannot exhaust memory.

A zip-based format (.docx) is checked from the archive's own directory before anything is inflated:
its total uncompressed size, and each member's compression ratio (a "zip bomb" inflates a few
megabytes into gigabytes). The text a reader yields is capped too: segmentation and embedding cost
grows with it, and a single giant document would stall an ingest for everyone.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from .base import UnreadableFile

MB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    max_document_chars: int = 5_000_000
    max_unzipped_bytes: int = 200 * MB
    max_zip_ratio: float = 100.0


def check_archive(data: bytes, limits: ReadLimits, kind: str) -> None:
    """Refuse an archive (a ``kind``, as the user knows it) whose members would inflate past the limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableFile(f"could not open {kind}: not a valid zip archive ({exc})") from exc
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise UnreadableFile(
            f"it would inflate to {total / MB:,.0f} MB, over the {limits.max_unzipped_bytes / MB:,.0f} MB "
            "limit (max_unzipped_mb)"
        )
    for member in members:
        # Tiny members compress oddly well; only members of some size can be bombs.
        if member.file_size > MB and member.file_size > limits.max_zip_ratio * max(member.compress_size, 1):
            raise UnreadableFile(
                f"{member.filename} is compressed {member.file_size / max(member.compress_size, 1):,.0f} to 1, "
                f"over the limit of {limits.max_zip_ratio:,.0f} (max_zip_ratio): a zip bomb?"
            )


def check_text(text: str, limits: ReadLimits) -> None:
    if len(text) > limits.max_document_chars:
        raise UnreadableFile(
            f"it holds {len(text):,} characters of text, over the {limits.max_document_chars:,} limit "
            "(max_document_chars); split it into smaller files"
        )
