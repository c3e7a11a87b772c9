"""Request limits: how often a client may call (``RateLimiter``) and how large a body may be (``BodyLimit``).

The rate is a token bucket for each API key (or client address when no keys are set): it holds up to
``burst`` requests and refills at ``per_minute``; a request that finds it empty is refused with the
seconds until the next token (``Retry-After``). A body over its limit is refused with 413.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import as_problem, problem_response

# Buckets of clients that have gone quiet are dropped past this many, so a stream of new addresses
# (an open server on a network) cannot grow the table without end.
MAX_CLIENTS = 10_000
MB = 1 << 20


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float | None:
        """Spend one token of ``client``'s bucket: None when allowed, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= MAX_CLIENTS:
                    self._forget_full(now)
                bucket = self._buckets[client] = _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return (1 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled: forgetting them changes nothing for their clients."""
        full = [c for c, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for client in full:
            del self._buckets[client]


def retry_after(seconds: float) -> str:
    """``Retry-After`` is whole seconds; rounding up means a client that waits that long gets through."""
    return str(max(1, math.ceil(seconds)))


class BodyTooLarge(HTTPException):
    """Raised while a body is read: an ``HTTPException``, so that FastAPI's body parsing passes it on
    to the problem handlers instead of calling it a malformed body."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over the {limit / MB:g} MB limit for this route.")


class BodyLimit:
    """ASGI middleware that refuses request bodies over ``limit_for(scope)`` bytes (None: no limit) with
    413: at once when ``Content-Length`` says so, else as soon as the bytes read pass it.

    Starlette's own limit answers a too-long ``Content-Length`` with plain text whatever the app
    replies; this one answers with a problem like every other error.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int | None]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await problem_response(as_problem(BodyTooLarge(limit)))(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)
