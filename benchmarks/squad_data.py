"""Readers for the SQuAD dev sets in ../shared/data, shared by the benchmark scripts."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(os.environ.get("ASSISTANT_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


@dataclass
class SquadQuestion:
    qid: str
    question: str
    answers: list[str]
    article: int
    paragraph: int
    title: str = ""
    context: str = ""


@dataclass
class SquadSet:
    paragraphs: list[tuple[int, int, str]]
    """(article index, paragraph index, context)"""
    questions: list[SquadQuestion]


def load_squad(name: str) -> SquadSet:
    """``name`` is ``dev-v1.1`` or ``dev-v2.0``; unanswerable v2.0 questions have ``answers == []``."""
    raw = json.loads((DATA_DIR / "squad" / f"{name}.json").read_text())
    paragraphs, questions = [], []
    for a, article in enumerate(raw["data"]):
        for p, paragraph in enumerate(article["paragraphs"]):
            paragraphs.append((a, p, paragraph["context"]))
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else sorted({x["text"] for x in qa["answers"]})
                questions.append(
                    SquadQuestion(qa["id"], qa["question"], answers, a, p, article["title"], paragraph["context"])
                )
    return SquadSet(paragraphs, questions)


def write_paragraph_files(paragraphs: list[tuple[int, int, str]], folder: Path) -> dict[str, tuple[int, int]]:
    """One .txt file per paragraph (so each is a document); returns file path -> (article, paragraph)."""
    folder.mkdir(parents=True, exist_ok=True)
    mapping = {}
    for a, p, context in paragraphs:
        path = folder / f"a{a:03d}_p{p:03d}.txt"
        if not path.exists():
            path.write_text(context)
        mapping[str(path.resolve())] = (a, p)
    return mapping
