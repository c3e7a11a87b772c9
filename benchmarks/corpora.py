"""Loaders for the public benchmark data: corpora as ``{entry id: text}`` plus their questions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .common import DATA
from .squad_data import load_squad


def squad_corpus(name: str) -> tuple[dict[str, str], list]:
    """SQuAD ``dev-v1.1``/``dev-v2.0`` paragraphs keyed ``a012_p003`` and its questions."""
    squad = load_squad(name)
    corpus = {f"a{a:03d}_p{p:03d}": context for a, p, context in squad.paragraphs}
    return corpus, squad.questions


def squad_key(article: int, paragraph: int) -> str:
    return f"a{article:03d}_p{paragraph:03d}"


@dataclass
class SciFact:
    corpus: dict[str, str]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_scifact() -> SciFact:
    """BEIR SciFact: each abstract is ``title`` + blank line + ``text``, as BEIR's BM25 indexes them."""
    root = DATA / "scifact"
    corpus = {}
    for line in (root / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        corpus[doc["_id"]] = f"{doc['title'].strip()}\n\n{doc['text'].strip()}"
    queries = {}
    for line in (root / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        queries[q["_id"]] = q["text"]
    qrels: dict[str, dict[str, int]] = {}
    for line in (root / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, did, score = line.split("\t")
        qrels.setdefault(qid, {})[did] = int(score)
    return SciFact(corpus, {q: queries[q] for q in qrels}, qrels)


@dataclass
class DialTurn:
    id: str
    doc: str
    question: str
    history: list[dict[str, str]] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)


_TURN = re.compile(r"\s*\t(?=(?:user|agent):)")


def _safe(doc_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", doc_id)[:150]


def load_doc2dial() -> tuple[dict[str, str], list[DialTurn]]:
    """doc2dial validation: documents keyed by a file-safe id, and turns with their history.

    The ``question`` field holds the dialogue so far, newest turn first (``user:... \\tagent:...``);
    it is split into the last user turn and the earlier turns in chronological order.
    """
    raw = json.loads((DATA / "doc2dial" / "doc2dial-rc-val.json").read_text(encoding="utf-8"))
    corpus = {_safe(k): v for k, v in raw["docs"].items()}
    turns = []
    for ex in raw["examples"]:
        parts = [p.strip() for p in _TURN.split(ex["question"]) if p.strip()]
        role_text = [(p.split(":", 1)[0], p.split(":", 1)[1].strip()) for p in parts]
        question = role_text[0][1]
        history = [
            {"role": "user" if role == "user" else "assistant", "content": text}
            for role, text in reversed(role_text[1:])
        ]
        spans = [(s, s + len(t)) for s, t in zip(ex["answers"]["answer_start"], ex["answers"]["text"])]
        turns.append(DialTurn(ex["id"], _safe(ex["doc"]), question, history, spans))
    return corpus, turns
