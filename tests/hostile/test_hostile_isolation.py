"""Files are read in a child process with a time and memory budget: a file that takes too long, needs
too much memory or kills its reader is skipped with the reason, and the rest of the folder is indexed.
A background ingest (as the server runs uploads) gives the same report and the same errors."""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from pathlib import Path

import pytest
from support import SEEDS, read_manifest, wait_until, write_manifest

from assistant import Assistant
from assistant.errors import IndexMismatchError
from assistant.ingest.isolation import ReaderProcess
from assistant.ingest.readers import ReadLimits, UnreadableFile
from assistant.settings import Settings

GOOD = "The observatory dome weighs twelve tonnes and turns on forty steel wheels."


def _big_markdown(path: Path) -> Path:
    """A few MB of real-looking Markdown, which the Markdown parser needs seconds to read."""
    rng = random.Random(7)
    words = (SEEDS / next(p.name for p in SEEDS.glob("*.txt"))).read_text(encoding="utf-8").split()
    paragraphs = (" ".join(rng.choice(words) for _ in range(60)) for _ in range(10_000))
    path.write_text("\n\n".join(f"- *{p[:40]}* **{p[40:80]}** `x` [l](http://a) {p[80:]}" for p in paragraphs))
    return path


def _folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD)
    _big_markdown(docs / "big.md")
    return docs


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a running process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _reasons(report) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in report.skipped}


def test_a_file_over_the_time_budget_is_stopped_and_skipped(tmp_path):
    docs = _folder(tmp_path)
    started = time.monotonic()
    _ = ReaderProcess(ReadLimits(), 600, 4096).read(docs / "big.md", (docs / "big.md").read_bytes(), "x")
    # The budget below is a small fraction of what this file takes to read here.
    budget = (time.monotonic() - started) / 8
    assistant = Assistant.open(tmp_path / "index", create=True, read_timeout_s=budget)
    report = assistant.ingest([docs])
    assert f"longer than {budget:g} s (read_timeout_s)" in _reasons(report)["big.md"]
    assert report.files_read == 1
    assert "twelve tonnes" in assistant.ask("How heavy is the observatory dome?").text


def test_a_file_over_the_memory_budget_is_skipped(tmp_path):
    docs = _folder(tmp_path)
    assistant = Assistant.open(tmp_path / "index", create=True, max_read_memory_mb=40)
    report = assistant.ingest([docs])
    assert "more than 40 MB of memory (max_read_memory_mb)" in _reasons(report)["big.md"]
    assert "twelve tonnes" in assistant.ask("How heavy is the observatory dome?").text


def test_a_reader_that_dies_is_reported_and_replaced(tmp_path):
    big = _big_markdown(tmp_path / "big.md")
    good = tmp_path / "good.txt"
    good.write_text(GOOD)
    with ReaderProcess(ReadLimits(), 600, 4096) as reader:
        reader.read(good, good.read_bytes(), "warm")
        first = reader._child.proc
        idle = _cpu_seconds(first.pid)
        failures: list[BaseException] = []

        def kill_while_it_reads() -> None:
            # The idle reader uses no CPU; once its CPU time moves it has the big file (which takes it
            # seconds to parse), and it is killed in the middle of that read.
            try:
                wait_until(lambda: _cpu_seconds(first.pid) > idle + 0.05, timeout=60, what="the reader to start")
            except BaseException as exc:
                failures.append(exc)
            first.kill()

        killer = threading.Thread(target=kill_while_it_reads)
        killer.start()
        with pytest.raises(UnreadableFile, match="killed by signal 9"):
            reader.read(big, big.read_bytes(), "big")
        killer.join()
        assert not failures, failures
        data = good.read_bytes()
        document = reader.read(good, data, hashlib.sha256(data).hexdigest())
        assert document.text.strip() == GOOD and reader._child.proc is not first


def test_a_background_ingest_reports_like_an_inline_one(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD)
    (docs / "empty.md").write_text("")
    inline = Assistant.open(tmp_path / "inline", create=True).ingest([docs])
    seen: list[tuple[int, int, str]] = []
    assistant = Assistant.open(tmp_path / "background", create=True)
    background = assistant.ingest([docs], background=True, progress=lambda *args: seen.append(args))
    background.seconds = inline.seconds
    assert background == inline
    assert seen[0] == (0, 2, "empty.md") and seen[-1] == (2, 2, "writing index")
    # The process that asked sees the new generation at once.
    assert "twelve tonnes" in assistant.ask("How heavy is the observatory dome?").text


def test_a_background_ingest_raises_the_same_error(fresh_seed_index):
    # An index that says it was built with other weights of the model.
    values = read_manifest(fresh_seed_index)
    values["embedding"]["weights_sha256"] = "0" * 64
    write_manifest(fresh_seed_index, values)
    assistant = Assistant(Settings(index_dir=fresh_seed_index))
    with pytest.raises(IndexMismatchError, match="other weights"):
        assistant.ingest([SEEDS], background=True)
