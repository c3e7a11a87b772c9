"""Documents named by id, id prefix, title, file or folder path, resolved to their ids; on both stores
(``backends``), whose document listings the names are matched against. A name that matches nothing,
or a title that matches several documents, is refused with the names it could not resolve."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from backends import Backend
from support import SEED_FILE, SEED_TITLE

from assistant import Assistant, DocumentScopeError


@dataclass(frozen=True)
class Library:
    assistant: Assistant
    folder: Path  # holds notes/harbour.txt and notes/annex/harbour.txt
    seed: str
    harbour: str
    annex: str


@pytest.fixture(scope="module")
def library(module_seed_backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Library:
    folder = tmp_path_factory.mktemp("names") / "notes"
    (folder / "annex").mkdir(parents=True)
    (folder / "harbour.txt").write_text("The harbour master of Port Elling is Mira Tanaka.\n", encoding="utf-8")
    (folder / "annex" / "harbour.txt").write_text("The annex harbour has a crane and two slipways.\n", encoding="utf-8")
    assistant = module_seed_backend.open()
    assistant.ingest([folder])
    ids = {d.sources[0]: d.doc_id for d in assistant.documents()}
    return Library(
        assistant,
        folder,
        ids[str(SEED_FILE.resolve())],
        ids[str(folder / "harbour.txt")],
        ids[str(folder / "annex" / "harbour.txt")],
    )


def test_each_kind_of_name_resolves_to_its_documents(library: Library, monkeypatch):
    resolve = library.assistant.resolve_documents
    assert resolve([library.seed]) == [library.seed]
    assert resolve([library.harbour[:8]]) == [library.harbour]
    assert resolve([SEED_TITLE.upper()]) == [library.seed], "a title, in any case"
    assert resolve([SEED_FILE.name]) == resolve([SEED_FILE.stem]) == [library.seed], "its file's name"
    assert resolve([str(library.folder / "annex" / "harbour.txt")]) == [library.annex]
    assert sorted(resolve([str(library.folder)])) == sorted([library.harbour, library.annex])
    assert resolve([str(library.folder / "annex") + "/"]) == [library.annex], "a folder, with its subfolders"
    monkeypatch.chdir(library.folder)
    assert resolve(["harbour.txt", "annex"]) == [library.harbour, library.annex], "relative to the working folder"
    assert resolve([library.seed, SEED_TITLE, library.seed[:10]]) == [library.seed], "each once"


def test_unmatched_and_ambiguous_names_are_refused_naming_them(library: Library):
    resolve = library.assistant.resolve_documents
    with pytest.raises(DocumentScopeError) as refused:
        resolve([library.seed, "Annual report", "no/such/folder", library.seed[:7]])
    message = str(refused.value)
    assert "'Annual report'" in message and "'no/such/folder'" in message
    assert repr(library.seed[:7]) in message, "an id prefix needs 8 characters"
    with pytest.raises(DocumentScopeError) as ambiguous:
        resolve(["Harbour"])
    message = str(ambiguous.value)
    assert "'Harbour' names 2 documents by title" in message
    assert library.harbour[:12] in message and library.annex[:12] in message
    for nothing in ([], [""], ["   "]):
        with pytest.raises(DocumentScopeError):
            resolve(nothing)
    with pytest.raises(DocumentScopeError, match="not one str"):
        resolve("harbour")  # type: ignore[arg-type]


def test_a_resolved_name_scopes_a_question(library: Library):
    (annex,) = library.assistant.resolve_documents([str(library.folder / "annex")])
    answer = library.assistant.ask("What does the harbour have?", documents=[annex])
    assert answer.found and "crane" in answer.text
    assert {c.doc_id for c in answer.citations} == {library.annex}
