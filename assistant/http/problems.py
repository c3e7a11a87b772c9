"""Errors as RFC 9457 problem details (``application/problem+json``): ``type``, ``title``, ``status``,
``detail`` and, for invalid requests, ``errors`` naming each field. Never a traceback: an unexpected
error is logged here, on the server, and answered with a plain 500.

    raise ApiProblem(404, "No indexed document has the id 'abc'", "document-not-found")
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from ..errors import (
    AssistantError,
    DocumentNotFoundError,
    DocumentScopeError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    IngestError,
    InvalidQuestionError,
    PageImageError,
)

log = logging.getLogger("assistant.http")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:assistant:problem:"

# An AssistantError's class decides the status; the first match wins (the base class last).
_STATUS: list[tuple[type[AssistantError], int, str]] = [
    (InvalidQuestionError, 400, "invalid-question"),
    (DocumentScopeError, 400, "invalid-documents"),
    (PageImageError, 400, "no-page-image"),
    (DocumentNotFoundError, 404, "document-not-found"),
    (IndexLockedError, 409, "index-busy"),
    (IndexNotFoundError, 503, "index-unavailable"),
    (IndexMismatchError, 503, "index-unavailable"),
    (IndexCorruptError, 503, "index-unavailable"),
    (IngestError, 400, "ingest-failed"),
    (AssistantError, 400, "bad-request"),
]


class FieldError(BaseModel):
    """One invalid part of a request: where (``body.question``, ``query.top_k``) and what is wrong."""

    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class ApiProblem(Exception):
    """Raised by a route to answer with a problem; ``kind`` becomes the ``type`` URN."""

    def __init__(
        self,
        status: int,
        detail: str,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.headers = headers
        self.errors = errors

    def problem(self) -> Problem:
        return Problem(
            type=TYPE_BASE + self.kind if self.kind else "about:blank",
            title=HTTPStatus(self.status).phrase,
            status=self.status,
            detail=self.detail,
            errors=self.errors,
        )


def from_assistant_error(exc: AssistantError) -> ApiProblem:
    status, kind = next((s, k) for cls, s, k in _STATUS if isinstance(exc, cls))
    # Busy and unavailable are worth a retry; the others are the request's own fault.
    headers = {"Retry-After": "5"} if status in (409, 503) else None
    return ApiProblem(status, str(exc), kind, headers)


def from_validation_error(exc: RequestValidationError) -> ApiProblem:
    errors = [
        FieldError(field=".".join(str(part) for part in e.get("loc", ())), message=e.get("msg", "invalid"))
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or "The request is not valid."
    return ApiProblem(422, detail, "invalid-request", errors=errors)


def from_http_exception(exc: HTTPException) -> ApiProblem:
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    return ApiProblem(exc.status_code, detail, headers=dict(exc.headers) if exc.headers else None)


def as_problem(exc: Exception) -> ApiProblem:
    """Any exception as the problem it answers with; an unexpected one is logged with its traceback."""
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, AssistantError):
        return from_assistant_error(exc)
    if isinstance(exc, RequestValidationError):
        return from_validation_error(exc)
    if isinstance(exc, HTTPException):
        return from_http_exception(exc)
    log.error("unexpected error answering a request", exc_info=exc)
    return ApiProblem(500, "The server failed to answer; the error is in its log.", "internal")


def problem_response(problem: ApiProblem) -> JSONResponse:
    return JSONResponse(
        problem.problem().model_dump(exclude_none=True),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_JSON,
    )


class ProblemRoute(APIRoute):
    """A route that answers every failure, from the key check to validation, as a problem (``render``).

    Within the route, so that an unexpected error is answered like any other: Starlette's handler of
    last resort would answer it too, but then re-raise it and drop the client's connection.
    """

    @staticmethod
    def render(problem: ApiProblem) -> Response:
        return problem_response(problem)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return self.render(as_problem(exc))

        return handle


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(as_problem(exc))


def install_handlers(app: FastAPI) -> None:
    """Problems for what fails outside the routes (the middleware's own errors, say)."""
    for exc_class in (ApiProblem, AssistantError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(exc_class, _handle)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route for the OpenAPI schema: each status as a problem."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
