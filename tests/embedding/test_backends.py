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


ORDER_SENTENCES = [
    "The court ruled that the contract was void because one party had been deceived.",
    "Mitochondria produce most of the chemical energy a cell needs to power its reactions.",
    "The striker scored twice in the second half and the home side won the cup.",
    "Glaciers in the Alps have lost about half of their volume since 1900.",
    "The central bank raised interest rates to slow inflation.",
    "Bach wrote the Brandenburg Concertos for the Margrave of Brandenburg in 1721.",
    "A compiler translates source code into machine instructions before the program runs.",
    "Honey bees communicate the direction of flowers with a waggle dance.",
    "The treaty ended the war and redrew the borders of three countries.",
    "Volcanic ash can ground aircraft across a whole continent for days.",
]


@pytest.mark.parametrize("backend", [0, 1], ids=["onnx-int8", "sentence-transformers"])
def test_batching_by_length_returns_vectors_in_the_callers_order(both, backend):
    # Short and long texts interleaved, as an ingest's chunks and sentences are, over several batches:
    # the backends batch them by length, and each vector must still come back at its text's position.
    texts = [
        "Who chairs the National Committee for Counter Trafficking?",
        " ".join(ORDER_SENTENCES[:6]),
        "Protein folding takes microseconds.",
        "word " * 400,
        ORDER_SENTENCES[6],
        " ".join(ORDER_SENTENCES[7:]),
        "",
        "The river floods every spring, and the market moves uphill.",
        "Rates rose.",
        " ".join(ORDER_SENTENCES[2:9]),
    ]
    embedder = both[backend]
    together = embedder.encode(texts, batch_size=4)
    alone = np.vstack([embedder.encode([text]) for text in texts])
    assert together.shape == alone.shape == (len(texts), 384)
    cosines = (together * alone).sum(axis=1)
    assert cosines.min() > 0.999, cosines
    # The texts differ enough that a vector at another text's position would fail the check above.
    off_diagonal = together @ together.T - 2 * np.eye(len(texts))
    assert off_diagonal.max() < 0.999


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
