"""Questions restricted to some documents (``documents=``), on both stores (``backends``): answered and
cited from those documents alone, abstaining when only others hold the answer, the top k filled from
inside the scope, follow-ups condensed as ever; an empty or unknown scope is refused, never widened."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from backends import Backend
from support import SEED_FILE

from assistant import Assistant, DocumentScopeError

# A second document: it answers "who chairs the committee?" as the seed article does (another
# committee), and is long enough (a dozen chunks) to fill a top k on its own.
_SIDES = ("east", "west", "north", "south", "inner", "outer")
_CREWS = ("night", "morning", "relief", "weekend", "training", "salvage")
_CLEARED = ("kelp", "gravel", "nets", "ice", "silt", "driftwood")
HARBOUR = [
    "The Harbour Safety Committee is chaired by Mira Tanaka, the harbour master of Port Elling.",
    "In 2024 the committee reported fewer ferry incidents, and the coast guard answered every call promptly.",
    "Smugglers used the night ferries to move contraband across the bay, the committee warned, and it asked "
    "the neighbouring ports for closer cooperation against them.",
] + [
    f"Pier {n} was inspected in {1990 + n}: the divers found {n + 2} cracked piles under the {_SIDES[n % 6]} "
    f"quay, and the {_CREWS[n // 6]} crew replaced the fenders, repainted the bollards and cleared the "
    f"{_CLEARED[n * 5 % 6]} from the slipway."
    for n in range(36)
]


@dataclass(frozen=True)
class TwoDocuments:
    """The seed article and the harbour report in one index, on one store."""

    backend: Backend
    assistant: Assistant
    seed: str
    harbour: str


def _add_harbour(backend: Backend, folder: Path) -> TwoDocuments:
    folder.mkdir()
    (folder / "harbour.txt").write_text("\n\n".join(HARBOUR) + "\n", encoding="utf-8")
    assistant = backend.open()
    assistant.ingest([folder])
    ids = {Path(d.sources[0]).name: d.doc_id for d in assistant.documents()}
    return TwoDocuments(backend, assistant, ids[SEED_FILE.name], ids["harbour.txt"])


@pytest.fixture(scope="module")
def two_documents(module_seed_backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> TwoDocuments:
    """Read-only: the tests that change the index build their own (``_add_harbour``)."""
    return _add_harbour(module_seed_backend, tmp_path_factory.mktemp("scoped") / "reports")


def test_a_question_both_documents_answer_is_cited_to_the_scope_alone(two_documents):
    assistant, seed, harbour = two_documents.assistant, two_documents.seed, two_documents.harbour
    question = "Who chairs the committee?"
    unscoped = assistant.ask(question)
    assert {p.doc_id for p in unscoped.passages} == {seed, harbour}, "both documents are candidates"
    for scope, name in ((harbour, "Mira Tanaka"), (seed, "Sokha")):
        answer = assistant.ask(question, documents=[scope])
        assert answer.found and name in answer.text
        assert answer.citations and {c.doc_id for c in answer.citations} == {scope}
        assert {p.doc_id for p in answer.passages} == {scope}


def test_a_question_only_another_document_answers_abstains(two_documents):
    assistant, seed, harbour = two_documents.assistant, two_documents.seed, two_documents.harbour
    question = "Who chairs the National Committee for Counter Trafficking?"
    assert assistant.ask(question).found, "the seed article answers it"
    answer = assistant.ask(question, documents=[harbour])
    assert not answer.found and answer.citations == []
    assert answer.passages and {p.doc_id for p in answer.passages} == {harbour}, "the closest in scope"
    both = assistant.ask(question, documents=[harbour, seed])
    assert both.found and {c.doc_id for c in both.citations} == {seed}


MIXED = "What did the interior minister claim about crime bosses and the harbour ferry crews?"


@pytest.mark.parametrize(
    ("mode", "question"),
    [("hybrid", MIXED), ("dense", "What did the interior minister claim about crime bosses?"), ("bm25", MIXED)],
)
def test_the_top_k_is_filled_from_inside_the_scope(two_documents, mode, question):
    """Few candidates (candidate_k = top_k) and a question whose best chunks are the seed article's: a
    scope applied after ranking would leave the top k short."""
    seed, harbour = two_documents.seed, two_documents.harbour
    narrow = two_documents.backend.open(candidate_k=5)
    unscoped = narrow.retrieve(question, top_k=5, mode=mode)
    assert seed in {p.doc_id for p in unscoped}
    passages = narrow.retrieve(question, top_k=5, mode=mode, documents=[harbour])
    assert len(passages) == 5 and {p.doc_id for p in passages} == {harbour}
    scores = [p.fused_score for p in passages]
    assert scores == sorted(scores, reverse=True)


def test_a_follow_up_is_condensed_and_stays_in_its_scope(two_documents):
    assistant, seed, harbour = two_documents.assistant, two_documents.seed, two_documents.harbour
    first = assistant.ask("What did the interior minister claim?", documents=[seed])
    history = [
        {"role": "user", "content": "What did the interior minister claim?"},
        {"role": "assistant", "content": first.text},
    ]
    answer = assistant.ask("What did he say about foreign criminals?", history=history, documents=[seed])
    assert answer.found and "interior minister" in answer.retrieval_query
    assert "foreign criminals" in answer.text and {c.doc_id for c in answer.citations} == {seed}
    elsewhere = assistant.ask("What did he say about foreign criminals?", history=history, documents=[harbour])
    assert {p.doc_id for p in elsewhere.passages} == {harbour} and {c.doc_id for c in elsewhere.citations} <= {harbour}


def test_a_streamed_scoped_answer_ends_with_the_same_answer(two_documents):
    assistant, harbour = two_documents.assistant, two_documents.harbour
    *_, final = assistant.ask_stream("Who chairs the committee?", documents=[harbour])
    assert final.found and {c.doc_id for c in final.citations} == {harbour}


def test_an_empty_or_unknown_scope_is_refused_not_widened(two_documents):
    assistant, seed, harbour = two_documents.assistant, two_documents.seed, two_documents.harbour
    with pytest.raises(DocumentScopeError, match="empty"):
        assistant.ask("Who chairs the committee?", documents=[])
    unknown = "0" * 64
    with pytest.raises(DocumentScopeError, match=f"Unknown document id '{unknown}'"):
        assistant.ask("Who chairs the committee?", documents=[harbour, unknown])
    with pytest.raises(DocumentScopeError, match="not one str"):
        assistant.retrieve("Who chairs the committee?", documents=harbour)  # type: ignore[arg-type]
    with pytest.raises(DocumentScopeError, match=seed[:12]):
        assistant.prepare("Who chairs the committee?", documents=[seed[:12]])


def test_a_removed_document_is_an_unknown_scope(fresh_seed_backend):
    assistant = fresh_seed_backend.open()
    (seed,) = [d.doc_id for d in assistant.documents()]
    assert assistant.ask("Who chairs the NCCT?", documents=[seed]).found
    assistant.remove(seed)
    with pytest.raises(DocumentScopeError, match="Unknown document id"):
        assistant.ask("Who chairs the NCCT?", documents=[seed])
