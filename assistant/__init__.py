"""Grounded question answering over your own documents.

>>> from assistant import Assistant, ask
>>> ask("What did the interior minister claim?").text
"""

from .assistant import Assistant, ask
from .errors import (
    AssistantError,
    DocumentNotFoundError,
    DocumentScopeError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    IngestError,
    InvalidQuestionError,
)
from .eval import evaluate
from .settings import Settings
from .types import Answer, Chunk, Citation, Document, DocumentInfo, IngestReport, Passage

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "Chunk",
    "Citation",
    "Document",
    "DocumentInfo",
    "DocumentNotFoundError",
    "DocumentScopeError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IngestError",
    "IngestReport",
    "InvalidQuestionError",
    "Passage",
    "Settings",
    "ask",
    "evaluate",
]
