"""The import structure: which package may import which, read from the source with ``ast``.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a deferred
import is still a dependency, only a later one.

The contract:

* The core (``assistant``) never imports ``ui``, ``benchmarks`` or ``tests``. Adapters outside it plug
  in: ``assistant serve`` comes from the UI's ``assistant.commands`` entry point.
* ``ui`` uses only the core's public API: the package ``assistant`` itself and ``assistant.types``,
  ``assistant.errors``, ``assistant.settings``, ``assistant.eval`` and ``assistant.conversations``,
  and the HTTP API adapter (``assistant.http.app``, ``assistant.http.keys``) that ``assistant serve``
  mounts beside it. Never ``assistant.answer``, ``.store``, ``.ingest``, ``.retrieve`` or any other
  inner module; it asks ``Assistant`` instead.
* Inside the core, data flows files -> documents -> chunks -> index -> passages -> answer, and each
  layer imports only layers below it (lowest first)::

      foundation   types, errors, settings, text   shared data, errors, configuration, text tools
      models       embedding, llm                  adapters to the embedding model and LLMs
      store        store, conversations            the index on disk; saved chats and feedback
      pipelines    ingest, retrieve                files -> index; question -> passages
      answer       answer                          passages -> a cited answer
      services     services                        the stages put together
      facade       assistant.assistant             ``Assistant``, what every adapter uses
      evaluation   eval                            scores the facade's answers
      entry points the package's __init__, cli and eval_cli (commands), http (the HTTP API)

  The parts of one layer are independent: none imports another (ingest and retrieve both sit on the
  store, and neither needs the other).
* No two modules import each other, directly or round a longer loop.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ui")

LAYERS: tuple[tuple[str, ...], ...] = (
    ("types", "errors", "settings", "text"),
    ("embedding", "llm"),
    ("store", "conversations"),
    ("ingest", "retrieve"),
    ("answer",),
    ("services",),
    ("assistant",),
    ("eval",),
    ("api", "cli", "http"),
)
# Parts that are not named by the module's first component below ``assistant.``.
PART_OF = {"assistant": "api", "assistant.eval_cli": "cli", "assistant.console": "cli"}
UI_MAY_IMPORT = {
    "assistant",
    "assistant.types",
    "assistant.errors",
    "assistant.settings",
    "assistant.eval",
    "assistant.conversations",
    # The API adapter, which `assistant serve` composes with the UI; `api-key` makes its keys.
    "assistant.http.app",
    "assistant.http.keys",
}
CORE_MAY_NOT_IMPORT = ("ui", "benchmarks", "tests")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    assert found, "no sources found"
    return found


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module a (possibly relative) ``from ... import`` names."""
    if node.level == 0:
        return node.module or ""
    package = module if modules()[module].name == "__init__.py" else module.rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


@cache
def imports(module: str) -> frozenset[str]:
    """The modules ``module`` imports; ``from package import submodule`` counts as the submodule."""
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules() else target)
    found.discard(module)
    return frozenset(found)


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def part(module: str) -> str:
    if module in PART_OF:
        return PART_OF[module]
    return module.split(".")[1]


def layer(module: str) -> int:
    name = part(module)
    for rank, parts in enumerate(LAYERS):
        if name in parts:
            return rank
    raise AssertionError(f"{module} belongs to no layer; add {name!r} to LAYERS in {__file__}")


def core_modules() -> list[str]:
    return [m for m in modules() if _within(m, "assistant")]


def test_core_never_imports_adapters_or_tests():
    wrong = [
        f"{m} imports {target}"
        for m in core_modules()
        for target in imports(m)
        if any(_within(target, outside) for outside in CORE_MAY_NOT_IMPORT)
    ]
    assert not wrong, "\n".join(wrong)


def test_ui_uses_only_the_public_api():
    wrong = [
        f"{m} imports {target}"
        for m in modules()
        if _within(m, "ui")
        for target in imports(m)
        if (_within(target, "assistant") and target not in UI_MAY_IMPORT)
        or any(_within(target, outside) for outside in ("benchmarks", "tests"))
    ]
    assert not wrong, "\n".join(wrong)


def test_core_layers_import_only_downwards():
    core = set(core_modules())
    wrong = []
    for m in core:
        for target in imports(m):
            if target not in core or part(target) == part(m):
                continue
            if layer(target) > layer(m):
                wrong.append(f"{m} ({part(m)}) imports {target} ({part(target)}), a higher layer")
            elif layer(target) == layer(m):
                wrong.append(f"{m} ({part(m)}) imports {target} ({part(target)}), a part of its own layer")
    assert not wrong, "\n".join(wrong)


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A shortest import loop through ``start``, as a path that ends where it began."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    return None


def test_no_import_cycles():
    graph = {m: {t for t in imports(m) if t in modules()} for m in modules()}
    cycles = {" -> ".join(c) for m in sorted(graph) if (c := _cycle_from(m, graph)) and min(c) == m}
    assert not cycles, "\n".join(sorted(cycles))


def test_every_core_module_has_a_layer():
    for m in core_modules():
        layer(m)


def test_relative_imports_resolve_to_real_modules():
    """Guards the resolver the other tests rely on: a typo there would make them pass vacuously."""
    assert imports("assistant.store.index") >= {"assistant.embedding", "assistant.store.bm25"}
    assert "assistant.eval.metrics" in imports("assistant.eval.runner")  # from . import metrics
    assert "assistant.types" in imports("assistant.ingest.readers.base")  # from ...types import
    assert "assistant" in imports("ui.app")
