"""A model folder whose weights changed under the same name and dimension is refused by an index built
with the old weights, on asking and on ingesting: mixing the two models' vectors would give wrong
answers with no error."""

from __future__ import annotations

import shutil
import struct

import pytest
from support import SEEDS
from typer.testing import CliRunner

from assistant import Assistant
from assistant.cli import app
from assistant.errors import IndexMismatchError
from assistant.settings import Settings


@pytest.fixture(scope="module")
def altered_model(tmp_path_factory):
    """The packaged model with some of its weights changed; it still loads and embeds."""
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


def test_an_index_refuses_a_model_with_other_weights(fresh_seed_index, altered_model):
    with pytest.raises(IndexMismatchError, match="other weights"):
        Assistant.open(fresh_seed_index, embedding_model_path=str(altered_model))
    result = CliRunner().invoke(
        app,
        ["ingest", str(SEEDS), "--index", str(fresh_seed_index)],
        env={"ASSISTANT_EMBEDDING_MODEL_PATH": str(altered_model)},
    )
    assert result.exit_code == 1 and "other weights" in " ".join(result.stderr.split())
    # The index itself is untouched and still answers with its own model.
    assert Assistant.open(fresh_seed_index).ask("What did the interior minister claim?").found
