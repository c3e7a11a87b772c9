"""Documents named the ways people name them, resolved to their ids (to scope a question).

    >>> resolve_documents(library.documents(), ["Annual report", "docs/contracts/", "3f2a9c1e"])
    ['3f2a9c1e...', '9c1e...', ...]

Each name is tried as, in order: a document id; a file path (as given, or resolved as ingest records
it); a folder path (every document with a file under it); a title (case-insensitive, exact); a file
name, with or without its extension (people name a file as they see it in their folder, which is not
always its title); an id prefix of ``MIN_ID_PREFIX`` characters or more, as ``assistant remove``
takes. The first way that matches decides; a title, file name or prefix that fits several documents
is ambiguous and refused, as is a name that fits none, so that a question is never silently asked of
other documents than meant.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import DocumentScopeError
from ..types import DocumentInfo

MIN_ID_PREFIX = 8


def _by_path(name: str, documents: list[DocumentInfo]) -> list[str]:
    try:
        given = Path(name).expanduser()
        # Ingest records a file under its folder resolved and its own name kept (a link keeps its name).
        forms = {name, str(given), str(given.parent.resolve() / given.name), str(given.resolve())}
        folder = given.resolve()
    except (RuntimeError, ValueError, OSError):
        # Not a path this system can have ("~nobody/x", a NUL byte): some other kind of name.
        return []
    files = [d.doc_id for d in documents if forms.intersection(d.sources)]
    if files:
        return files
    return [d.doc_id for d in documents if any(Path(s).is_relative_to(folder) for s in d.sources)]


def _matches(name: str, documents: list[DocumentInfo]) -> tuple[list[str], str]:
    """The ids ``name`` matches, and how (empty when it matches none)."""
    if any(d.doc_id == name for d in documents):
        return [name], "id"
    found = _by_path(name, documents)
    if found:
        return found, "path"
    title = name.casefold()
    found = [d.doc_id for d in documents if d.title.casefold() == title]
    if found:
        return found, "title"
    found = [
        d.doc_id
        for d in documents
        if any(title in (p.name.casefold(), p.stem.casefold()) for p in map(Path, d.sources))
    ]
    if found:
        return found, "file name"
    if len(name) >= MIN_ID_PREFIX:
        return [d.doc_id for d in documents if d.doc_id.startswith(name)], "id prefix"
    return [], ""


def resolve_documents(documents: list[DocumentInfo], names: Sequence[str]) -> list[str]:
    """The ids of the documents ``names`` name (see the module docstring), each once, in order."""
    if isinstance(names, (str, bytes)):
        raise DocumentScopeError(f"Documents are named by a list of names, not one {type(names).__name__}.")
    if not names:
        raise DocumentScopeError("No document is named: name at least one, or none at all to search them all.")
    titles = {d.doc_id: d.title for d in documents}
    ids: list[str] = []
    unmatched: list[str] = []
    ambiguous: list[str] = []
    for name in names:
        found, how = _matches(name, documents) if isinstance(name, str) and name.strip() else ([], "")
        if not found:
            unmatched.append(repr(name))
        elif len(found) > 1 and how in ("title", "file name", "id prefix"):
            listed = ", ".join(f"{titles[d]!r} ({d[:12]})" for d in found)
            ambiguous.append(f"{name!r} names {len(found)} documents by {how}: {listed}")
        else:
            ids.extend(found)
    problems = []
    if unmatched:
        problems.append(
            f"No indexed document matches {', '.join(unmatched)} "
            f"(by id, file or folder path, title, file name, or id prefix of {MIN_ID_PREFIX}+ characters)"
        )
    if ambiguous:
        problems.append("; ".join(ambiguous) + "; use the id instead")
    if problems:
        raise DocumentScopeError(". ".join(problems) + ".")
    return list(dict.fromkeys(ids))
