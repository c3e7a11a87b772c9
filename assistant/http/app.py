"""The FastAPI app: routes, keys, rate and size limits, CORS and problem responses, over one
``Assistant``. ``assistant serve`` mounts the Gradio UI on it, so both share one port.

    api = build_api(assistant, ApiConfig.of(assistant.settings, keys=ApiKeys.of(["a-key"])))
    uvicorn.run(api, host="127.0.0.1", port=7860)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.routing import Match, Mount
from starlette.types import Scope

from ..assistant import Assistant
from ..settings import Settings
from .access import Access
from .keys import ApiKeys
from .limits import MB, BodyLimit, RateLimiter
from .openai_schemas import ChatCompletionChunk
from .problems import ApiProblem, Problem, ProblemRoute, install_handlers
from .routes import ask, documents, health, openai
from .schemas import DeltaEvent

# Room for the multipart framing around an upload's files, whose sizes the upload limits count.
MULTIPART_SLACK = 1 * MB
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass(frozen=True)
class ApiConfig:
    """What one API instance allows; ``of`` fills the limits from the settings' ``api`` and ``ui`` sections."""

    keys: ApiKeys = field(default_factory=ApiKeys)
    allow_ingest: Sequence[Path] = ()
    cors_origins: Sequence[str] = ()
    rate_per_minute: float = 120.0
    burst: int = 30
    max_body_bytes: int = 4 * MB
    upload_body_bytes: int = 100 * MB + MULTIPART_SLACK
    ingest_in_background: bool = True

    @classmethod
    def of(cls, settings: Settings, **options: Any) -> ApiConfig:
        api, ui = settings.api, settings.ui
        limits = dict(
            rate_per_minute=api.rate_per_minute,
            burst=api.burst,
            max_body_bytes=int(api.max_body_mb * MB),
            upload_body_bytes=int(ui.max_upload_total_mb * MB) + MULTIPART_SLACK,
            ingest_in_background=ui.ingest_in_background,
        )
        return cls(**{**limits, **options})


def _unknown_route(app: FastAPI) -> None:
    """Answer what no route matched under ``/v1``: 405 when the path exists with other methods, else
    404, as problems. Without it the UI mounted at ``/`` would answer those paths with its own page."""

    async def unknown(request: Request) -> None:
        routes = [r for r in app.router.routes if r is not catch_all and not isinstance(r, Mount)]
        allowed = {
            m for m in METHODS if any(r.matches({**request.scope, "method": m})[0] is Match.FULL for r in routes)
        }
        if allowed:
            raise ApiProblem(
                405, f"{request.method} is not allowed here.", headers={"Allow": ", ".join(sorted(allowed))}
            )
        raise ApiProblem(404, f"No API route is at {request.url.path}.", "no-route")

    app.router.add_api_route(
        "/v1/{rest:path}",
        unknown,
        methods=METHODS,
        include_in_schema=False,
        response_model=None,
        route_class_override=ProblemRoute,
    )
    catch_all = app.router.routes[-1]


def _body_limits(config: ApiConfig) -> Callable[[Scope], int | None]:
    """The body limit of a request: an upload's is the upload limits' total, any other API request's
    the JSON limit; the UI mounted beside the API keeps its own (None here)."""

    def limit_for(scope: Scope) -> int | None:
        path = scope["path"]
        if path == "/v1/documents" and scope["method"] == "POST":
            return config.upload_body_bytes
        return config.max_body_bytes if path.startswith("/v1/") else None

    return limit_for


# Models that only error responses and stream events refer to (by name), which FastAPI does not add.
REFERRED_MODELS: tuple[type[BaseModel], ...] = (Problem, DeltaEvent, ChatCompletionChunk)


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The generated schema, with ``REFERRED_MODELS``."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            generated = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            components = generated.setdefault("components", {}).setdefault("schemas", {})
            for model in REFERRED_MODELS:
                definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(definition.pop("$defs", {}))
                components[model.__name__] = definition
            app.openapi_schema = generated
        return app.openapi_schema

    return schema


def build_api(assistant: Assistant, config: ApiConfig = ApiConfig()) -> FastAPI:
    app = FastAPI(
        title="Document assistant API",
        version=version("assistant"),
        description="Grounded answers from your documents: every claim a quoted, cited span.",
    )
    access = Access(config.keys, RateLimiter(config.rate_per_minute, config.burst))
    install_handlers(app)
    app.include_router(health.router(assistant, access))
    app.include_router(ask.router(assistant, access))
    app.include_router(documents.router(assistant, access, config.allow_ingest, config.ingest_in_background))
    app.include_router(openai.router(assistant, access))
    _unknown_route(app)
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit, limit_for=_body_limits(config))
    if config.cors_origins:
        # Bearer keys, not cookies: no credentials, so a page on an allowed origin gets only what its
        # own key would.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            # A page image's quote boxes travel in headers, which a browser hides unless exposed.
            expose_headers=["X-Page", "X-Quote-Found", "X-Quote-Boxes", "X-Page-OCR", "X-Page-Stale", "Retry-After"],
        )
    return app
