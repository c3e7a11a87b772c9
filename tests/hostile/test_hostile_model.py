"""A model whose weights changed under the same name and dimension is refused by an index built with
the old weights, on asking and on ingesting, for either embedding backend: mixing the two models'
vectors would give wrong answers with no error."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from support import SEEDS
from typer.testing import CliRunner

from assistant import Assistant
from assistant.cli import app
from assistant.errors import IndexMismatchError
from assistant.settings import Settings


@pytest.fixture(scope="module")
def altered_folder(tmp_path_factory):
    """The packaged sentence-transformers model with some of its weights changed; it still loads."""
    folder = tmp_path_factory.mktemp("model") / "all-MiniLM-L6-v2"
    shutil.copytree(Settings().embedding_model_path, folder)
    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    header = struct.unpack("<Q", data[:8])[0]
    start = 8 + header
    # Nudge a run of float32 weights in the middle of the tensor data.
    middle = start + (len(data) - start) // 2
    for offset in range(middle, middle + 4096, 4):
        (value,) = struct.unpack("<f", data[offset : offset + 4])
        data[offset : offset + 4] = struct.pack("<f", value * 1.5 + 0.01)
    weights.write_bytes(bytes(data))
    return folder


@pytest.fixture(scope="module")
def altered_onnx(tmp_path_factory):
    """The packaged int8 ONNX model with a run of bytes in the middle of its weights changed."""
    path = tmp_path_factory.mktemp("onnx") / "model.onnx"
    data = bytearray(Path(Settings().embedding_onnx_file).read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = bytes((b + 7) % 256 for b in data[middle : middle + 4096])
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("backend", "setting", "altered"),
    [
        ("sentence-transformers", "embedding_model_path", "altered_folder"),
        ("onnx-int8", "embedding_onnx_file", "altered_onnx"),
    ],
)
def test_an_index_refuses_a_model_with_other_weights(tmp_path, backend, setting, altered, request):
    altered_path = str(request.getfixturevalue(altered))
    index = tmp_path / "index"
    Assistant.open(index, create=True, embedding_backend=backend).ingest([SEEDS])
    with pytest.raises(IndexMismatchError, match="other weights"):
        Assistant.open(index, embedding_backend=backend, **{setting: altered_path})
    result = CliRunner().invoke(
        app,
        ["ingest", str(SEEDS), "--index", str(index)],
        env={"ASSISTANT_EMBEDDING_BACKEND": backend, f"ASSISTANT_{setting.upper()}": altered_path},
    )
    assert result.exit_code == 1 and "other weights" in " ".join(result.stderr.split())
    # The index itself is untouched and still answers with its own model.
    assert Assistant.open(index, embedding_backend=backend).ask("What did the interior minister claim?").found
