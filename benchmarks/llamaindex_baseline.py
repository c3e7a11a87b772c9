"""Baseline: llama-index's default ``VectorStoreIndex`` retriever over the same embedding model.

The model is the assistant's own local all-MiniLM-L6-v2 (``assistant.embedding``), wrapped as a
llama-index ``BaseEmbedding``, so the comparison isolates chunking, fusion and answering.

    >>> retriever = LlamaIndexBaseline.build("squad-v1.1", {"a000_p000": "Super Bowl 50 was ..."})
    >>> retriever.search("Who won Super Bowl 50?", k=5)
    ['a000_p000', ...]
"""

from __future__ import annotations

import time
from typing import Any

from llama_index.core import Document, StorageContext, VectorStoreIndex, load_index_from_storage
from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr

from assistant import Settings
from assistant.embedding import load_embedder

from .common import CACHE


class LocalMiniLM(BaseEmbedding):
    """llama-index embedding backed by the assistant's local sentence-transformers model."""

    _embedder: Any = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(model_name="all-MiniLM-L6-v2", embed_batch_size=64, **kwargs)
        self._embedder = load_embedder(Settings())

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.encode([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.encode([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.encode(texts, batch_size=64).tolist()


class LlamaIndexBaseline:
    def __init__(self, index: VectorStoreIndex, build_seconds: float | None) -> None:
        self.index = index
        self.build_seconds = build_seconds

    @classmethod
    def build(cls, name: str, corpus: dict[str, str]) -> LlamaIndexBaseline:
        """Index ``corpus`` with llama-index defaults (SentenceSplitter 1024 tokens), cached on disk."""
        embed = LocalMiniLM()
        folder = CACHE / f"{name}-llamaindex"
        if (folder / "docstore.json").exists():
            storage = StorageContext.from_defaults(persist_dir=str(folder))
            return cls(load_index_from_storage(storage, embed_model=embed), None)
        started = time.perf_counter()
        documents = [Document(text=text, doc_id=key) for key, text in corpus.items()]
        index = VectorStoreIndex.from_documents(documents, embed_model=embed)
        seconds = time.perf_counter() - started
        index.storage_context.persist(persist_dir=str(folder))
        return cls(index, seconds)

    def search(self, question: str, k: int) -> list[str]:
        """Corpus keys of the top-``k`` nodes, best first, each key once."""
        nodes = self.index.as_retriever(similarity_top_k=k).retrieve(question)
        return list(dict.fromkeys(n.node.ref_doc_id for n in nodes))
