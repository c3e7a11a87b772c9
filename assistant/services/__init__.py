"""The two services every adapter (CLI, UI, eval, benchmarks) uses, through ``Assistant``:
``Library`` owns the index (ingest, remove, re-index, documents) and ``QAService`` answers (query
building, retrieval, candidate sentences, answering), each step a stage of its own."""

from .library import Library
from .qa import QAService

__all__ = ["Library", "QAService"]
