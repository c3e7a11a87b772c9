"""Indexing stored uploads the same way whichever adapter took them (the UI's Documents tab, the API):
an upload whose ingest fails leaves no file behind, and a file that could not be read is deleted, so
that it does not come back on every re-index.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import AssistantError
from ..ingest.pipeline import ProgressCallback
from ..types import IngestReport, UploadResult
from .library import Library


def ingest_uploads(
    library: Library, stored: UploadResult, progress: ProgressCallback | None = None, background: bool = False
) -> IngestReport:
    try:
        report = library.ingest(stored.accepted, progress=progress, background=background)
    except AssistantError:
        for path in stored.created:
            path.unlink(missing_ok=True)
        raise
    for skipped in report.skipped:
        Path(skipped.path).unlink(missing_ok=True)
    return report
