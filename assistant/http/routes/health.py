"""``GET /healthz`` (for load balancers and probes: no key needed) and ``GET /v1/info``."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from ...assistant import Assistant
from ..access import Access
from ..problems import ProblemRoute, documented
from ..schemas import Health, InfoOut


def router(assistant: Assistant, access: Access) -> APIRouter:
    api = APIRouter(route_class=ProblemRoute)

    @api.get("/healthz", response_model=Health, responses=documented(503), tags=["health"])
    async def healthz() -> Health:
        """200 when the index opens and reads, 503 (a problem) when it does not."""
        await run_in_threadpool(assistant.info)
        return Health(status="ok")

    @api.get(
        "/v1/info",
        response_model=InfoOut,
        responses=documented(401, 429, 503),
        dependencies=[Depends(access)],
        tags=["health"],
    )
    async def info() -> InfoOut:
        """Index counts, models and versions."""
        details = await run_in_threadpool(assistant.info)
        return InfoOut(
            **{k: v for k, v in details.items() if k in InfoOut.model_fields},
            version=version("assistant"),
            answerers=assistant.answerers(),
        )

    return api
