"""Prompt templates, loaded by name from text files so they can be read and changed without code.

Templates use ``string.Template`` placeholders (``$question``, ``$sources``): document text is
substituted as a value and never parsed again, so braces or dollar signs inside documents are safe.
A user's folder (``Settings.prompts_dir``) overrides the built-in ones file by file. The built-in
templates are the checkout's top-level ``prompts/`` folder, installed as the package
``assistant.prompts`` (see pyproject.toml), so they are found in a wheel as in an editable install.

    >>> prompts = PromptLibrary(user_dir=Path("my_prompts"))
    >>> prompts.render("answer", sources="[1] ...", question="Who?")
    'Sources:\\n[1] ...\\n\\nQuestion: Who?...'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from ..errors import AssistantError

BUILTIN_DIR: Traversable = files("assistant.prompts")
PROMPT_NAMES = ("system", "answer", "condense", "source")


class PromptError(AssistantError):
    """A prompt file is missing or uses a placeholder that is not provided."""


@dataclass
class PromptLibrary:
    """Finds ``<name>.txt`` in ``user_dir`` first, then in the built-in folder; files are read once."""

    user_dir: Path | None = None
    builtin_dir: Traversable = BUILTIN_DIR
    _cache: dict[str, Template] = field(default_factory=dict, repr=False)

    def path(self, name: str) -> Traversable:
        folders = (Path(self.user_dir), self.builtin_dir) if self.user_dir is not None else (self.builtin_dir,)
        for folder in folders:
            if (folder / f"{name}.txt").is_file():
                return folder / f"{name}.txt"
        raise PromptError(f"No prompt named {name!r} in {self.user_dir or '(no user folder)'} or {self.builtin_dir}")

    def template(self, name: str) -> Template:
        if name not in self._cache:
            self._cache[name] = Template(self.path(name).read_text(encoding="utf-8").strip())
        return self._cache[name]

    def render(self, name: str, **values: object) -> str:
        try:
            return self.template(name).substitute({k: str(v) for k, v in values.items()})
        except (KeyError, ValueError) as exc:
            raise PromptError(f"Prompt {self.path(name)} needs a value it was not given: {exc}") from exc
