"""``POST /v1/ask``: the answer as JSON, or with ``stream: true`` as Server-Sent Events.

A stream is ``delta`` events (``{"text"}``, as the answerer writes, without citation markers), then
one ``answer`` event with the final answer (its text replaces the draft: generative answers are
verified and their markers settled once written), then ``done``. A failure before the first event is
an ordinary problem response; one after it is an ``error`` event carrying the problem.

``documents`` restricts the question to some documents, named as ``Assistant.resolve_documents`` takes
them; a name that matches none, or several, is a 400 problem (``invalid-documents``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from sse_starlette import EventSourceResponse

from ...assistant import Assistant
from ...types import Answer
from ..access import Access
from ..problems import ProblemRoute, as_problem, documented
from ..schemas import AnswerOut, AskRequest, DeltaEvent, event_stream, fixed_event, json_event

STREAM_DOC = event_stream(
    json_event("DeltaEvent", "delta"),
    json_event("AnswerOut", "answer"),
    json_event("Problem", "error"),
    fixed_event("{}", "done"),
)


def answer_json(answer: Answer) -> str:
    return AnswerOut.model_validate(answer.to_dict()).model_dump_json()


def _event(item: str | Answer) -> dict[str, str]:
    if isinstance(item, Answer):
        return {"event": "answer", "data": answer_json(item)}
    return {"event": "delta", "data": DeltaEvent(text=item).model_dump_json()}


async def _events(first: str | Answer, rest: Iterator[str | Answer]) -> AsyncIterator[dict[str, str]]:
    yield _event(first)
    try:
        # Each step of the answerer runs in the thread pool: the event loop keeps serving others.
        async for item in iterate_in_threadpool(rest):
            yield _event(item)
    except Exception as exc:  # the response has started: the failure can only be told as an event
        yield {"event": "error", "data": as_problem(exc).problem().model_dump_json(exclude_none=True)}
        return
    yield {"event": "done", "data": "{}"}


async def named_documents(assistant: Assistant, names: list[str] | None) -> list[str] | None:
    """The ids of the documents a request names (``documents``), or None when it names none."""
    return None if names is None else await run_in_threadpool(assistant.resolve_documents, names)


def router(assistant: Assistant, access: Access) -> APIRouter:
    api = APIRouter(tags=["answers"], dependencies=[Depends(access)], route_class=ProblemRoute)

    @api.post(
        "/v1/ask",
        response_model=AnswerOut,
        responses={200: {"content": STREAM_DOC}, **documented(400, 401, 409, 413, 422, 429, 503)},
    )
    async def ask(body: AskRequest) -> Any:
        """Answer a question from the documents, with citations, or abstain (``found: false``)."""
        options: dict[str, Any] = {
            "history": [m.model_dump() for m in body.history],
            "top_k": body.top_k,
            "mode": body.mode,
            "answerer": body.answerer,
            "documents": await named_documents(assistant, body.documents),
        }
        if not body.stream:
            answer = await run_in_threadpool(assistant.ask, body.question, **options)
            return answer.to_dict()
        items = assistant.ask_stream(body.question, **options)
        # The question is checked and the passages found before the first item: a bad question
        # is still a plain 400, not an event in a stream that has already said 200.
        first = await run_in_threadpool(next, items)
        return EventSourceResponse(_events(first, items))

    return api
