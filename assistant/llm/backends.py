"""Chat models behind one small interface: a local GGUF through llama.cpp, or any OpenAI-compatible server.

Both stream text deltas and count tokens, which is all the generative answerer needs. Failures of
the model or server raise ``LLMError`` (``LLMUnavailableError`` when it cannot be reached in time),
so callers can fall back to the extractive answer instead of hanging the chat.

    >>> llm = LocalGGUF(resolve_model("smollm2-135m-instruct"))
    >>> "".join(llm.stream([Message("user", "Say hi")], max_tokens=8))
    'Hi! How can I help you today?'
    >>> remote = OpenAICompatible("http://127.0.0.1:8080/v1", model="qwen", timeout_s=10)
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import AssistantError


class LLMError(AssistantError):
    """The language model failed to produce an answer."""


class LLMUnavailableError(LLMError):
    """The model server could not be reached, or did not answer within the time allowed."""


@dataclass(frozen=True)
class Message:
    role: str
    content: str


class ChatModel(Protocol):
    name: str

    def count_tokens(self, text: str) -> int: ...

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]: ...


def complete(model: ChatModel, messages: Sequence[Message], max_tokens: int) -> str:
    """The whole reply at once (for short calls such as condensing a follow-up)."""
    return "".join(model.stream(messages, max_tokens))


class LocalGGUF:
    """A GGUF model run in-process by llama.cpp, greedy (temperature 0) so answers are reproducible.

    The model loads on first use. One llama.cpp context cannot serve two generations at once, so
    calls are serialised. Each call starts from an empty cache: reusing the previous prompt's prefix
    would save reading the system prompt again, but evaluates the rest in other batch sizes, whose
    float rounding flips near-tied greedy choices, and the same question would get different answers.
    """

    def __init__(self, model_path: Path, n_ctx: int = 2048, n_threads: int = 2, seed: int = 0) -> None:
        self.model_path = Path(model_path)
        self.name = self.model_path.stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.seed = seed
        self._llama = None
        self._lock = threading.Lock()

    def _model(self):
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LLMError(
                    "Local models need llama-cpp-python: pip install '.[local-llm]' "
                    '(it compiles llama.cpp; set CMAKE_ARGS="-DLLAVA_BUILD=OFF" to skip unused parts)'
                ) from exc
            try:
                self._llama = Llama(
                    model_path=str(self.model_path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    seed=self.seed,
                    verbose=False,
                )
            except ValueError as exc:
                raise LLMError(f"llama.cpp could not load {self.model_path}: {exc}") from exc
        return self._llama

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self._model().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        with self._lock:
            model = self._model()
            model.reset()
            chunks = model.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                stream=True,
                temperature=0.0,
                max_tokens=max_tokens,
                seed=self.seed,
            )
            for chunk in chunks:
                delta = chunk["choices"][0]["delta"].get("content")
                if delta:
                    yield delta


class OpenAICompatible:
    """Any server that speaks the OpenAI chat API (vLLM, Ollama, llama.cpp's server, hosted APIs),
    through llama-index's ``OpenAILike`` adapter.

    ``timeout_s`` bounds each connect and each wait between streamed chunks; the client retries
    connection failures, time-outs, 429 and 5xx ``max_retries`` times with exponential backoff; and
    ``deadline_s`` bounds a whole answer, so a server that trickles tokens cannot hold a chat forever.
    The API key is read from the environment variable named by ``api_key_env``, never from settings.
    """

    # Servers tokenise with their own model; about 3.5 characters per token over-counts slightly,
    # which keeps prompts inside the budget.
    CHARS_PER_TOKEN = 3.5

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str = "ASSISTANT_LLM_API_KEY",
        timeout_s: float = 30.0,
        max_retries: int = 2,
        deadline_s: float = 180.0,
        context_window: int = 4096,
    ) -> None:
        from llama_index.llms.openai_like import OpenAILike

        self.name = model
        self.base_url = base_url
        self.deadline_s = deadline_s
        self._llm = OpenAILike(
            model=model,
            api_base=base_url,
            # Local servers accept any key, but the OpenAI client refuses to start without one.
            api_key=os.environ.get(api_key_env) or "not-needed",
            is_chat_model=True,
            context_window=context_window,
            temperature=0.0,
            timeout=timeout_s,
            max_retries=max_retries,
        )

    def count_tokens(self, text: str) -> int:
        return math.ceil(len(text) / self.CHARS_PER_TOKEN)

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        import openai
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=m.role, content=m.content) for m in messages]
        deadline = time.monotonic() + self.deadline_s
        try:
            for response in self._llm.stream_chat(chat, max_tokens=max_tokens):
                if response.delta:
                    yield response.delta
                if time.monotonic() > deadline:
                    raise LLMUnavailableError(
                        f"The model server at {self.base_url} did not finish within {self.deadline_s:g} s"
                    )
        except openai.APITimeoutError as exc:
            raise LLMUnavailableError(
                f"The model server at {self.base_url} did not answer within {self._llm.timeout:g} s "
                f"(after {self._llm.max_retries} retries)"
            ) from exc
        except openai.APIConnectionError as exc:
            raise LLMUnavailableError(
                f"Cannot reach the model server at {self.base_url} (after {self._llm.max_retries} retries): "
                f"{exc.__cause__ or exc}. Is it running?"
            ) from exc
        except openai.APIStatusError as exc:
            raise LLMError(
                f"The model server at {self.base_url} refused the request for model {self.name!r}: "
                f"HTTP {exc.status_code} {exc.message}"
            ) from exc
