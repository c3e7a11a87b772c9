"""Work done in a child process: reading one file under a time and memory budget, and a whole
ingest at low CPU priority.

A parser handed a crafted file can loop, recurse or allocate without end inside C code (lxml,
pypdf's stream decoders), where no Python-level timeout reaches; only a separate process can be
stopped and bounded. The child is ``python -m assistant.ingest.worker`` rather than a
``multiprocessing`` process, whose ``spawn`` start re-imports the parent's main module (the whole
web UI, in a server) and whose ``fork`` start copies a process full of threads.

    with ReaderProcess(ReadLimits(), timeout_s=120, memory_mb=2048, ocr=OcrOptions(dpi=200)) as reader:
        document = reader.read(path, data, doc_id)    # UnreadableFile on error, timeout or crash

    report = ingest_in_child(settings, [Path("uploads")], prune=False, progress=None)
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import IngestError
from ..settings import Settings
from ..types import Document, IngestReport
from .readers import OcrOptions, PageProgress, ReadLimits, UnreadableFile

_HEADER = struct.Struct("<Q")
WORKER_MODULE = "assistant.ingest.worker"


class ChildGone(Exception):
    """The child exited or stopped answering; the message says how, for a person."""


# Frames are pickles: both ends run this package's code, and what a file holds only ever travels
# inside them as bytes and strings, never as pickle code.
def write_frame(fd: int, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


def read_frame(fd: int, deadline: float | None = None) -> Any:
    """One message from ``fd``; ``TimeoutError`` past ``deadline`` (monotonic), ``EOFError`` at end."""
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exact(fd, size, deadline))


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    parts: list[bytes] = []
    while n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
        block = os.read(fd, min(n, 1 << 20))
        if not block:
            raise EOFError
        parts.append(block)
        n -= len(block)
    return b"".join(parts)


class ChildProcess:
    """One worker process, spoken to in pickled frames over its stdin and stdout."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are pipes, as asked
        self._stdin, self._stdout = self.proc.stdin, self.proc.stdout

    def request(self, message: Any) -> None:
        try:
            write_frame(self._stdin.fileno(), message)
        except (BrokenPipeError, OSError) as exc:
            raise ChildGone(self._how_it_ended()) from exc

    def reply(self, timeout: float | None = None) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            return read_frame(self._stdout.fileno(), deadline)
        except EOFError as exc:
            raise ChildGone(self._how_it_ended()) from exc

    def _how_it_ended(self) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "stopped answering"
        return f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._stdin.close()
        self._stdout.close()


# Generous: a cold start on a busy machine imports the parsers from disk.
_START_TIMEOUT_S = 120.0
# Time a page has for rendering and handing its image to Tesseract, beside Tesseract's own limit.
_PAGE_ALLOWANCE_S = 10.0


class ReaderProcess:
    """Reads files in a child process, one at a time, each within ``timeout_s`` seconds and
    ``memory_mb`` of memory beyond what the child starts with. The child starts on the first read
    and is replaced after any file that timed out, crashed it or ran it out of memory.

    A file read by OCR has more time: each page the child starts OCR on adds that page's limit
    (``ocr.page_timeout_s`` and rendering), for at most ``ocr.max_pages`` pages."""

    def __init__(self, limits: ReadLimits, timeout_s: float, memory_mb: float, ocr: OcrOptions = OcrOptions()) -> None:
        self.limits = limits
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.ocr = ocr
        self._child: ChildProcess | None = None

    def read(self, path: Path, data: bytes, doc_id: str, progress: PageProgress | None = None) -> Document:
        """The file's Document; ``progress(done, total)`` hears of each page OCR starts on."""
        child = self._child or self._start()
        budget = self.timeout_s
        deadline = time.monotonic() + budget
        pages = 0
        try:
            child.request((path, data, doc_id, self.limits, self.ocr))
            while True:
                status, value = child.reply(timeout=deadline - time.monotonic())
                if status != "page":
                    break
                if pages < self.ocr.max_pages:
                    pages += 1
                    budget += self.ocr.page_timeout_s + _PAGE_ALLOWANCE_S
                    deadline += self.ocr.page_timeout_s + _PAGE_ALLOWANCE_S
                if progress is not None:
                    progress(*value)
        except TimeoutError:
            self._restart()
            how = f"{budget:g} s (read_timeout_s" + (f", and ocr_page_timeout_s for {pages} pages)" if pages else ")")
            raise UnreadableFile(f"reading it took longer than {how}; it was stopped") from None
        except ChildGone as exc:
            self._restart()
            raise UnreadableFile(f"the reader {exc} while reading it (a crafted or broken file?)") from None
        if status == "memory":
            self._restart()
            raise UnreadableFile(f"reading it needed more than {self.memory_mb:g} MB of memory (max_read_memory_mb)")
        if status == "unreadable":
            raise UnreadableFile(value)
        return value

    def _start(self) -> ChildProcess:
        """A ready child; starting the interpreter is not part of any file's time budget."""
        child = ChildProcess("read", "--memory-mb", str(self.memory_mb))
        try:
            child.reply(timeout=_START_TIMEOUT_S)
        except (TimeoutError, ChildGone) as exc:
            child.close()
            how = "did not start in time" if isinstance(exc, TimeoutError) else str(exc)
            raise IngestError(
                f"The file reader process {how}; nothing was changed. Is the package installed?"
            ) from None
        self._child = child
        return child

    def _restart(self) -> None:
        if self._child is not None:
            self._child.close()
            self._child = None

    def close(self) -> None:
        self._restart()

    def __enter__(self) -> ReaderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Niceness of a background ingest: the scheduler then gives the serving process most of the CPU
# whenever both want it, so questions stay quick while an upload is embedded.
BACKGROUND_NICE = 10


def ingest_in_child(settings: Settings, paths: list[Path], prune: bool, progress: Any | None) -> IngestReport:
    """``Ingestor.run`` in a child process at low CPU priority, with the same report, errors and
    progress calls as in-process; the index's lock and atomic switch make it safe beside readers."""
    child = ChildProcess("ingest", "--nice", str(BACKGROUND_NICE))
    try:
        child.request((settings.model_dump(), paths, prune, progress is not None))
        while True:
            kind, value = child.reply()
            if kind == "progress" and progress is not None:
                progress(*value)
            elif kind == "report":
                return value
            elif kind == "error":
                raise value
    except ChildGone as exc:
        raise IngestError(f"The ingest process {exc}; the index is unchanged.") from None
    finally:
        child.close()
