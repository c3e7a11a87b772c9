"""``POST /v1/chat/completions`` and ``GET /v1/models``, as OpenAI's API has them, so that any OpenAI
client (Open WebUI, LibreChat, editor plugins, the ``openai`` package) gets grounded answers.

The last user message is the question and the user and assistant turns before it are the history.
The reply's content is the answer with its ``[n]`` markers and a short "Sources:" list; the extra
``sources`` field holds the citations. An abstention is an ordinary reply that says so. Errors here
take OpenAI's shape (``{"error": {"message", "type", "code"}}``), which OpenAI clients read.

A request may add ``documents`` (as ``/v1/ask`` takes it; the ``openai`` package sends it with
``extra_body={"documents": [...]}``) to answer from those documents only.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse

from ...assistant import Assistant
from ...types import Answer
from ..access import Access
from ..openai_schemas import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatMessage,
    ChatRequest,
    Choice,
    ChunkChoice,
    Delta,
    ErrorBody,
    ErrorDetail,
    ModelCard,
    ModelList,
    ReplyMessage,
    Usage,
)
from ..problems import ApiProblem, ProblemRoute
from ..schemas import CitationOut, event_stream, fixed_event, json_event
from .ask import named_documents

DEFAULT_MODEL = "assistant"
STREAM_DOC = event_stream(json_event("ChatCompletionChunk"), fixed_event("[DONE]"))
SOURCES_HEADING = "\n\nSources:\n"
# OpenAI's error types by status; what is not here is the caller's request.
_ERROR_TYPES = {401: "authentication_error", 403: "permission_error", 404: "not_found_error", 429: "rate_limit_error"}


def openai_error(problem: ApiProblem) -> JSONResponse:
    kind = _ERROR_TYPES.get(problem.status, "server_error" if problem.status >= 500 else "invalid_request_error")
    body = ErrorBody(error=ErrorDetail(message=problem.detail, type=kind, code=problem.kind))
    return JSONResponse(body.model_dump(), status_code=problem.status, headers=problem.headers)


class OpenAIRoute(ProblemRoute):
    """A route whose every failure is answered in OpenAI's shape."""

    render = staticmethod(openai_error)


def _documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": "An error, in OpenAI's shape"} for status in statuses}


def content(answer: Answer) -> str:
    """The answer as one message: its text with ``[n]`` markers, then the numbered quotes."""
    if not answer.citations:
        return answer.text
    lines = []
    for c in answer.citations:
        page = f", page {c.page}" if c.page else ""
        lines.append(f'[{c.marker}] {c.title}{page}: "{c.quote}"')
    return answer.text + SOURCES_HEADING + "\n".join(lines)


def conversation(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """The question (the last message, which must be the user's) and the turns before it. System
    messages are dropped (answers come from the documents, whatever a prompt asks); an earlier reply
    loses its sources list, which a follow-up does not need."""
    turns = [(m.role, m.text) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise ApiProblem(400, "The last message must be the user's question.", "invalid-messages")
    history = [{"role": role, "content": text.split(SOURCES_HEADING)[0]} for role, text in turns[:-1]]
    return turns[-1][1], history


def _tokens(text: str) -> int:
    # A rough count (about four characters a token in English text): enough for clients that show usage.
    return len(text) // 4


def router(assistant: Assistant, access: Access) -> APIRouter:
    api = APIRouter(tags=["openai"], dependencies=[Depends(access)], route_class=OpenAIRoute)
    created = int(time.time())

    def answerer(model: str) -> str | None:
        if model == DEFAULT_MODEL:
            return None
        if model in assistant.answerers():
            return model
        known = ", ".join([DEFAULT_MODEL, *assistant.answerers()])
        raise ApiProblem(404, f"The model {model!r} does not exist; the models are {known}.", "model_not_found")

    @api.get("/v1/models", response_model=ModelList, responses=_documented(401, 429))
    async def models() -> ModelList:
        """``assistant`` (the default answerer) and each registered answerer by name."""
        names = [DEFAULT_MODEL, *assistant.answerers()]
        return ModelList(data=[ModelCard(id=name, created=created) for name in names])

    @api.post(
        "/v1/chat/completions",
        response_model=ChatCompletion,
        responses={200: {"content": STREAM_DOC}, **_documented(400, 401, 404, 409, 413, 422, 429, 503)},
    )
    async def chat_completions(body: ChatRequest) -> Any:
        """A grounded answer to the last user message, as a chat completion (or its chunks)."""
        question, history = conversation(body.messages)
        chosen = answerer(body.model)
        documents = await named_documents(assistant, body.documents)
        answer = await run_in_threadpool(assistant.ask, question, history, answerer=chosen, documents=documents)
        reply = content(answer)
        sources = [CitationOut.model_validate(c.to_dict()) for c in answer.citations]
        reply_id = f"chatcmpl-{uuid.uuid4().hex}"
        now = int(time.time())
        if body.stream:
            # The whole verified answer is sent: a generative draft can differ from the final text, and
            # a stream cannot take back what it sent (OpenAI clients show chunks as they come).
            return EventSourceResponse(_chunks(reply_id, now, body.model, reply, sources))
        prompt = sum(_tokens(m.text) for m in body.messages)
        usage = Usage(prompt_tokens=prompt, completion_tokens=_tokens(reply), total_tokens=prompt + _tokens(reply))
        return ChatCompletion(
            id=reply_id,
            created=now,
            model=body.model,
            choices=[Choice(message=ReplyMessage(content=reply))],
            usage=usage,
            sources=sources,
        )

    return api


async def _chunks(
    reply_id: str, created: int, model: str, reply: str, sources: list[CitationOut]
) -> AsyncIterator[dict[str, str]]:
    def chunk(delta: Delta, finish: bool = False, with_sources: bool = False) -> dict[str, str]:
        body = ChatCompletionChunk(
            id=reply_id,
            created=created,
            model=model,
            choices=[ChunkChoice(delta=delta, finish_reason="stop" if finish else None)],
            sources=sources if with_sources else None,
        )
        return {"data": body.model_dump_json(exclude_none=True)}

    yield chunk(Delta(role="assistant", content=""))
    yield chunk(Delta(content=reply))
    yield chunk(Delta(), finish=True, with_sources=True)
    yield {"data": "[DONE]"}
