"""The two embedding backends: the same model, nearly the same vectors, the same tokens; an index keeps
to the backend that built it; and asking on the default backend never imports PyTorch."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from support import SEEDS

from assistant import Assistant
from assistant.embedding import load_embedder
from assistant.errors import IndexMismatchError
from assistant.settings import Settings

TEXTS = [
    "What did the interior minister claim?",
    "Cambodia marks the National Day Against Human Trafficking on 12 December each year.",
    "naïve café — 42 %",
    "word " * 400,  # longer than the model reads: both truncate it the same way
]


@pytest.fixture(scope="module")
def both():
    return load_embedder(Settings(embedding_backend="onnx-int8")), load_embedder(
        Settings(embedding_backend="sentence-transformers")
    )


def test_the_backends_agree_on_vectors_and_tokens(both):
    onnx, torch = both
    a, b = onnx.encode(TEXTS), torch.encode(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    assert (a * b).sum(axis=1).min() > 0.995
    assert onnx.count_tokens(TEXTS) == torch.count_tokens(TEXTS)
    assert onnx.token_offsets(TEXTS[2]) == torch.token_offsets(TEXTS[2])
    assert onnx.max_tokens == torch.max_tokens
    assert (onnx.identity.backend, torch.identity.backend) == ("onnx-int8", "sentence-transformers")
    assert onnx.identity.weights_sha256 != torch.identity.weights_sha256


def test_an_index_keeps_to_the_backend_that_built_it(tmp_path):
    index = tmp_path / "index"
    Assistant.open(index, create=True, embedding_backend="sentence-transformers").ingest([SEEDS])
    with pytest.raises(IndexMismatchError, match="sentence-transformers embedding backend"):
        Assistant.open(index, embedding_backend="onnx-int8")
    # Ingesting with the other backend rebuilds the whole index from its own files, and says so.
    switched = Assistant(Settings(index_dir=index, embedding_backend="onnx-int8"))
    report = switched.ingest([SEEDS])
    assert any("embedding backend changed (sentence-transformers to onnx-int8)" in n for n in report.notices)
    assert report.documents_added == 1
    assert switched.info()["embedding_model"]["backend"] == "onnx-int8"
    assert "crime bosses" in switched.ask("What did the interior minister claim?").text


def test_asking_on_the_default_backend_imports_no_pytorch(seed_index):
    code = (
        "import sys; from assistant import Assistant; "
        f"a = Assistant.open({str(seed_index)!r}); "
        "assert a.ask('What did the interior minister claim?').found; "
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('sentence_transformers')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert out.stdout.strip() == "[]", out.stdout
