"""Who may call the API, and how often: the ``Authorization: Bearer <key>`` check and the rate limit,
as one FastAPI dependency on every ``/v1`` route.

Without configured keys (allowed on loopback, as the UI is without ``--auth``) anyone who reaches the
server may call it, and the rate limit is per client address.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .keys import ApiKeys
from .limits import RateLimiter, retry_after
from .problems import ApiProblem

_bearer = HTTPBearer(auto_error=False, description="An API key: `assistant api-key new --file FILE` makes one.")


class Access:
    def __init__(self, keys: ApiKeys, limiter: RateLimiter) -> None:
        self.keys = keys
        self.limiter = limiter

    def client(self, request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
        """The caller's identity for the rate limit: its key's hash, or its address without keys."""
        if not self.keys.required:
            return "address:" + (request.client.host if request.client else "unknown")
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None:
            raise ApiProblem(
                401, "An API key is required: send `Authorization: Bearer <key>`.", "unauthorized", challenge
            )
        client = self.keys.check(credentials.credentials)
        if client is None:
            raise ApiProblem(401, "The API key is not valid.", "unauthorized", challenge)
        return client

    # Async, so that FastAPI runs it on the event loop rather than sending it to the thread pool.
    async def __call__(
        self, request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> str:
        client = self.client(request, credentials)
        wait = self.limiter.take(client)
        if wait is not None:
            raise ApiProblem(
                429,
                f"Too many requests for this key: {self.limiter.rate * 60:g} a minute, in bursts of up to "
                f"{self.limiter.burst}. Retry after {retry_after(wait)} s.",
                "rate-limited",
                {"Retry-After": retry_after(wait)},
            )
        return client
