"""The OpenAI-compatible backend against a real server on 127.0.0.1: llama-cpp-python's own
OpenAI-compatible server running SmolLM2-135M, started by the test. Also an unreachable server
and one that accepts connections but never answers: both must fail fast with a clear error."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from llm_helpers import SEED_QUESTION, SMALL_MODEL, request_for, seed_assistant
from support import wait_until

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.generative import GenerationConfig, GenerativeAnswerer
from assistant.llm.backends import LLMUnavailableError, Message, OpenAICompatible, complete
from assistant.llm.model_files import resolve_model

pytestmark = pytest.mark.llm


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    port = _free_port()
    # The server logs every tensor it loads; a pipe nobody reads would fill and stall it.
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(resolve_model(SMALL_MODEL)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "2",
            "--model_alias",
            "smollm2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"

    def answers() -> bool:
        try:
            urllib.request.urlopen(f"{base}/models", timeout=2).read()
            return True
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log_path.read_text(errors='replace')[-2000:]}")
            return False

    try:
        wait_until(answers, timeout=120, what="llama_cpp.server to answer on /v1/models")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts TCP connections and never replies, like a server stuck on a long generation."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_real_server_streams_a_chat_reply(server):
    llm = OpenAICompatible(server, model="smollm2", timeout_s=60, max_retries=1)
    messages = [Message("user", "Write one sentence about the sea.")]
    deltas = list(llm.stream(messages, max_tokens=16))
    assert len(deltas) > 1 and "".join(deltas).strip()


def test_generative_answer_through_the_server_is_verified_or_replaced(server, tmp_path):
    assistant = seed_assistant(tmp_path)
    llm = OpenAICompatible(server, model="smollm2", timeout_s=60, max_retries=1)
    answerer = GenerativeAnswerer(
        llm,
        assistant.embedder,
        ExtractiveAnswerer(assistant.settings.answering),
        name="openai",
        config=GenerationConfig(max_answer_tokens=80),
    )
    items = list(answerer.stream(request_for(assistant, SEED_QUESTION)))
    answer = items[-1]
    assert "".join(items[:-1]) == answer.generated and answer.found
    assert answer.answerer in ("openai", "openai->extractive")
    assert all(c.quote in assistant.document_text(c.doc_id) for c in answer.citations)


def test_an_unreachable_server_fails_fast_with_a_clear_error():
    llm = OpenAICompatible(f"http://127.0.0.1:{_free_port()}/v1", model="any", timeout_s=2, max_retries=1)
    started = time.monotonic()
    with pytest.raises(LLMUnavailableError, match="Cannot reach the model server at http://127.0.0.1"):
        complete(llm, [Message("user", "hello")], max_tokens=4)
    assert time.monotonic() - started < 10


def test_a_server_that_never_answers_times_out(silent_server):
    llm = OpenAICompatible(silent_server, model="any", timeout_s=1, max_retries=1)
    started = time.monotonic()
    with pytest.raises(LLMUnavailableError, match="did not answer within 1 s"):
        complete(llm, [Message("user", "hello")], max_tokens=4)
    assert time.monotonic() - started < 10


def test_an_unreachable_server_falls_back_to_the_extractive_answer(tmp_path):
    assistant = seed_assistant(tmp_path)
    llm = OpenAICompatible(f"http://127.0.0.1:{_free_port()}/v1", model="any", timeout_s=2, max_retries=0)
    answerer = GenerativeAnswerer(
        llm, assistant.embedder, ExtractiveAnswerer(assistant.settings.answering), name="openai"
    )
    answer = answerer.answer(request_for(assistant, SEED_QUESTION))
    assert answer.found and answer.answerer == "openai->extractive"
    assert answer.fallback.startswith("The language model failed (Cannot reach the model server")
    assert "Sar Sokha" in answer.text and answer.citations
