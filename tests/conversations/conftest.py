"""Real answers from the seed index, asked once for the conversation tests: two found answers, a
follow-up asked with its history, and an abstention."""

from __future__ import annotations

import pytest

CHAIR = "Who chairs the National Committee for Counter Trafficking?"
FOLLOW_UP = "What did he report about the number of incidents?"


@pytest.fixture(scope="session")
def answers(seed_assistant) -> dict:
    chair = seed_assistant.ask(CHAIR)
    history = [{"role": "user", "content": CHAIR}, {"role": "assistant", "content": chair.text}]
    found = {
        "observance": seed_assistant.ask("Which national observance took place in Cambodia on 12 December?"),
        "chair": chair,
        "follow_up": seed_assistant.ask(FOLLOW_UP, history=history),
        "monarch": seed_assistant.ask("Who is the reigning monarch of Cambodia?"),
    }
    # The tests below rely on what each answer is; say so here if the seed index stops giving it.
    assert [a.found for a in found.values()] == [True, True, True, False]
    assert found["follow_up"].retrieval_query != FOLLOW_UP
    return found
