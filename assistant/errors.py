"""Exceptions with messages a person can act on. All derive from ``AssistantError``."""


class AssistantError(Exception):
    """Base class: catch this to handle any error the assistant raises on purpose."""


class InvalidQuestionError(AssistantError, ValueError):
    """The question is empty, whitespace only, or too long."""


class IndexNotFoundError(AssistantError, FileNotFoundError):
    """No index exists at the given directory."""


class IndexMismatchError(AssistantError):
    """The index was built with another embedding model or format; it must be rebuilt."""


class IndexCorruptError(AssistantError):
    """The index files exist but cannot be read; ``reason`` is what failed, without the advice."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class IndexLockedError(AssistantError):
    """Another process is writing to the index."""


class IngestError(AssistantError):
    """Nothing could be indexed from the given paths."""


class PageImageError(AssistantError, ValueError):
    """A page cannot be drawn: the document is not a PDF or an image, it has no such page, or its file
    is gone."""


class DocumentNotFoundError(AssistantError, KeyError):
    """No indexed document matches the given id or path."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DocumentScopeError(AssistantError, ValueError):
    """The documents a question is restricted to are none, unknown or ambiguous."""
