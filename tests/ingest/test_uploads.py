"""Upload handling (the UI's and the API's): names never escape the folder, limits are enforced per file
with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest.uploads import safe_filename, store_uploads
from assistant.types import UploadLimits


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("..", "upload"),
        (".hidden.md", "hidden.md"),
        ("a/b/../..", "upload"),
        ("na<me>|:*?.txt", "na_me_.txt"),
        ("résumé 2024.docx", "résumé 2024.docx"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_safe_filename(given: str, expected: str):
    assert safe_filename(given) == expected


def write(path: Path, size: int = 10) -> Path:
    path.write_bytes(b"a" * size)
    return path


def test_traversal_names_land_inside_the_upload_folder(tmp_path: Path):
    upload_dir = tmp_path / "uploads"
    src = write(tmp_path / "source.txt")
    result = store_uploads([src, src], upload_dir, names=["../../outside.txt", "/etc/cron.d/x.txt"])
    assert [p.name for p in result.accepted] == ["outside.txt", "x.txt"]
    assert all(p.parent == upload_dir.resolve() for p in result.accepted)
    assert not (tmp_path / "outside.txt").exists()
    assert sorted(p.name for p in upload_dir.iterdir()) == ["outside.txt", "x.txt"]


def test_names_cannot_reach_a_sibling_of_a_symlinked_folder(tmp_path: Path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    src = write(tmp_path / "a.txt")
    # The link's target is the upload folder itself, so writing there is fine; a sibling is not.
    result = store_uploads([src], link, names=["../real2/a.txt"])
    assert [p.parent for p in result.accepted] == [real.resolve()]


def test_each_limit_rejects_only_the_offending_file(tmp_path: Path):
    limits = UploadLimits(max_files=4, max_file_bytes=100, max_total_bytes=150)
    files = [
        write(tmp_path / "ok.txt", 80),
        write(tmp_path / "big.md", 101),
        write(tmp_path / "tool.exe", 5),
        write(tmp_path / "over-total.txt", 80),
        write(tmp_path / "fifth.txt", 5),
    ]
    result = store_uploads(files, tmp_path / "uploads", limits)
    assert [p.name for p in result.accepted] == ["ok.txt"]
    reasons = {r.name: r.reason for r in result.rejected}
    assert reasons["big.md"].endswith("limit per file")
    assert reasons["tool.exe"].startswith("type .exe is not supported")
    assert "limit in all" in reasons["over-total.txt"]
    assert reasons["fifth.txt"] == "too many files: at most 4 per upload"


def test_same_name_twice_in_one_upload_keeps_both(tmp_path: Path):
    a, b = write(tmp_path / "a", 3), write(tmp_path / "b", 4)
    result = store_uploads([a, b], tmp_path / "up", names=["notes.txt", "NOTES.txt"])
    assert [p.name for p in result.accepted] == ["notes.txt", "NOTES-2.txt"]
    assert [p.stat().st_size for p in result.accepted] == [3, 4]


def test_a_different_file_under_a_taken_name_is_kept_apart_and_leaves_no_partial_files(tmp_path: Path):
    up = tmp_path / "up"
    store_uploads([write(tmp_path / "v1.txt", 5)], up, names=["doc.txt"])
    result = store_uploads([write(tmp_path / "v2.txt", 9)], up, names=["doc.txt"])
    assert sorted((p.name, p.stat().st_size) for p in up.iterdir()) == [("doc-2.txt", 9), ("doc.txt", 5)]
    assert [(r.name, r.stored_as) for r in result.renamed] == [("doc.txt", "doc-2.txt")]


def test_the_same_file_uploaded_again_reuses_its_name(tmp_path: Path):
    up = tmp_path / "up"
    store_uploads([write(tmp_path / "v1.txt", 5)], up, names=["doc.txt"])
    result = store_uploads([write(tmp_path / "again.txt", 5)], up, names=["doc.txt"])
    assert [p.name for p in result.accepted] == ["doc.txt"] and result.renamed == []
    assert [p.name for p in up.iterdir()] == ["doc.txt"]


def test_missing_file_is_reported(tmp_path: Path):
    result = store_uploads([tmp_path / "gone.txt"], tmp_path / "up")
    assert result.accepted == []
    assert result.rejected[0].reason.startswith("could not be read")


def test_limits_describe_themselves():
    text = UploadLimits(max_files=4, max_file_bytes=256 * 1024).describe()
    assert text.startswith("Up to 4 files, 256 KB each, 100 MB in all: .docx, .htm")


def test_uploads_accept_what_ingest_reads():
    from assistant.ingest.readers import SUPPORTED_SUFFIXES

    assert UploadLimits().suffixes == frozenset(SUPPORTED_SUFFIXES)
