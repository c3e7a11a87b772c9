"""The child process of ``isolation.py``: ``python -m assistant.ingest.worker read|ingest``.

``read`` answers ``(path, data, doc_id, limits, ocr)`` requests with ``("ok", Document)``,
``("unreadable", reason)`` or ``("memory", None)``, under an address-space limit, after a
``("page", (done, total))`` frame before each page OCR reads. ``ingest`` runs one
``Ingestor.run`` at lower CPU priority and answers with ``("progress", (done, total, name))`` frames,
then ``("report", IngestReport)`` or ``("error", AssistantError)``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from pathlib import Path

from .isolation import read_frame, write_frame


def _virtual_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def serve_reads(inp: int, out: int, memory_mb: float) -> None:
    from .readers import UnreadableFile, read_document

    # Tesseract's OpenMP threads busy-wait for each other: on a busy two-core machine one thread read
    # pages several times faster than its default, and it leaves a core to the chat.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    # The budget is on top of what the interpreter and the parsers' libraries already map.
    start = _virtual_bytes()
    if start is not None:
        limit = start + int(memory_mb * (1 << 20))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    write_frame(out, ("ready", None))
    out_of_memory = False
    while not out_of_memory:
        try:
            try:
                path, data, doc_id, limits, ocr = read_frame(inp)
            except EOFError:
                return

            def page(done: int, total: int) -> None:
                write_frame(out, ("page", (done, total)))

            try:
                write_frame(out, ("ok", read_document(path, data, doc_id, limits, ocr, page)))
            except UnreadableFile as exc:
                write_frame(out, ("unreadable", str(exc)))
        except MemoryError:
            # Receiving, reading or sending may be where memory ran out. This process may be left in
            # any state, so it says so and ends; the parent starts a fresh one.
            out_of_memory = True
    write_frame(out, ("memory", None))


def run_ingest(inp: int, out: int, nice: int) -> None:
    from ..embedding import load_embedder
    from ..errors import AssistantError
    from ..settings import Settings
    from ..store.factory import open_store
    from .pipeline import Ingestor

    os.nice(nice)
    values, paths, prune, wants_progress = read_frame(inp)

    def progress(done: int, total: int, name: str) -> None:
        write_frame(out, ("progress", (done, total, name)))

    try:
        settings = Settings(**values)
        # Only the ingest itself: the parent reopens the index it serves, so opening it here is waste.
        embedder = load_embedder(settings)
        report = Ingestor.of(settings, embedder).run(
            [Path(p) for p in paths],
            open_store(settings.storage, embedder.identity),
            prune,
            progress if wants_progress else None,
        )
    except AssistantError as exc:
        write_frame(out, ("error", exc))
        return
    write_frame(out, ("report", report))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m assistant.ingest.worker")
    parser.add_argument("role", choices=["read", "ingest"])
    parser.add_argument("--memory-mb", type=float, default=2048)
    parser.add_argument("--nice", type=int, default=0)
    args = parser.parse_args()
    # Frames go to the real stdout; anything a library prints goes to stderr instead of into them.
    out = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    inp = sys.stdin.fileno()
    if args.role == "read":
        serve_reads(inp, out, args.memory_mb)
    else:
        run_ingest(inp, out, args.nice)


if __name__ == "__main__":
    main()
