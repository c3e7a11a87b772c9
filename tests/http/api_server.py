"""Runs an API app on a free loopback port in a thread of the test process (uvicorn, as in
`assistant serve`), and reads Server-Sent Events from a response; the test server's limits."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from support import wait_until

# The test server's limits: small, so a test can pass them cheaply; far above what valid requests use.
UPLOAD_MB = 0.25
MAX_UPLOAD_FILES = 3
MAX_BODY_BYTES = 256 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served on 127.0.0.1 for the length of the block; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"api-{port}", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), timeout=30, what="the API server to start")
        assert server.started, "the API server stopped while starting"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def events(response: httpx.Response) -> list[tuple[str, Any]]:
    """The ``(event, data)`` pairs of an SSE response (data parsed as JSON where it is JSON)."""
    found = []
    name, data = "message", []
    for line in response.iter_lines():
        if not line:
            if data:
                text = "\n".join(data)
                try:
                    found.append((name, json.loads(text)))
                except json.JSONDecodeError:
                    found.append((name, text))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
    return found
