"""Seed questions the tests ask through the API, read from the seed question set."""

from __future__ import annotations

import json

from support import SEED_FILE, SEED_QUESTIONS


def seed_question(question_id: str) -> dict:
    for line in SEED_QUESTIONS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] == question_id:
            return row
    raise KeyError(question_id)


ANSWERED = seed_question("crime-bosses")  # the seed article answers it
UNANSWERED = seed_question("no-king")  # the seed article does not
SEED_NAME = SEED_FILE.name
# A question and a follow-up that needs it ("he").
FIRST = "Who is the Minister of Interior?"
FOLLOW_UP = "What did he maintain about crime bosses?"
