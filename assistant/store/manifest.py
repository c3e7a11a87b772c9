"""What an index records about itself, whatever stores it: the model and reader that built it, counts,
segments; and the checks made against it (``check_compatible``, ``stale_reason``).

    >>> manifest = Manifest.from_json(raw, where="index")
    >>> check_compatible(manifest, embedder.identity, "index")
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..embedding import EmbeddingIdentity
from ..errors import IndexCorruptError, IndexMismatchError

FORMAT_VERSION = 3


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Manifest:
    format_version: int
    embedding: dict
    chunker: dict
    generation: int
    created_at: str
    updated_at: str
    counts: dict = field(default_factory=dict)
    sparse: dict = field(default_factory=dict)
    # The live segments: name, chunks, index kind and its parameters.
    segments: list = field(default_factory=list)

    @classmethod
    def from_json(cls, raw: str | None, where: str | Path) -> Manifest | None:
        """The manifest stored as ``raw`` (None when there is none yet)."""
        if raw is None:
            return None
        try:
            return cls(**json.loads(raw))
        except (ValueError, TypeError) as exc:
            raise damaged(where, ValueError(f"its manifest cannot be read: {exc}")) from exc

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @property
    def name(self) -> str:
        return f"gen-{self.generation:06d}"


def check_compatible(
    manifest: Manifest, identity: EmbeddingIdentity, where: str | Path, rebuilding: bool = False
) -> None:
    """Refuse an index built by another embedding model: its vectors would be meaningless. A writer that
    will rebuild the index (``rebuilding``) accepts one built by the other backend of the same model:
    the rebuild re-embeds everything (see ``stale_reason``)."""
    built = EmbeddingIdentity(**manifest.embedding)
    if (built.name, built.dimension, built.normalized) != (identity.name, identity.dimension, identity.normalized):
        raise IndexMismatchError(
            f"The index at {where} was built with the embedding model {built.name!r} "
            f"({built.dimension} dimensions), but the assistant is configured with {identity.name!r} "
            f"({identity.dimension} dimensions). Re-index with the configured model "
            "(assistant ingest PATH --index NEW_DIR), or set ASSISTANT_EMBEDDING_MODEL_NAME/_PATH "
            "back to the model the index was built with."
        )
    if built.backend != identity.backend:
        if rebuilding:
            return
        raise IndexMismatchError(
            f"The index at {where} was built with the {built.backend} embedding backend, and the assistant "
            f"is configured with {identity.backend}: their vectors differ slightly and must not be mixed. "
            f"Rebuild it with `assistant ingest PATH --index {where}` (it re-reads its own files), or set "
            f"ASSISTANT_EMBEDDING_BACKEND={built.backend}."
        )
    if built.weights_sha256 and built.weights_sha256 != identity.weights_sha256:
        raise IndexMismatchError(
            f"The index at {where} was built with other weights of {built.name!r} than the model "
            f"configured now (weights sha256 {built.weights_sha256[:12]} vs {identity.weights_sha256[:12]}); "
            "its vectors cannot be compared with this model's. Re-index into a new directory "
            "(assistant ingest PATH --index NEW_DIR), or point ASSISTANT_EMBEDDING_MODEL_PATH back to "
            "the model the index was built with."
        )


def stale_reason(manifest: Manifest, chunker: dict, identity: EmbeddingIdentity) -> str | None:
    """Why an index must be rebuilt before it can take new documents, or None if it need not be.

    Mixing chunks cut by two different readers, or vectors of two backends, would make answers depend
    on when a file was added.
    """
    built = EmbeddingIdentity(**manifest.embedding)
    if built.backend != identity.backend:
        return f"the embedding backend changed ({built.backend} to {identity.backend})"
    if manifest.chunker != chunker:
        changed = sorted(k for k in {*manifest.chunker, *chunker} if manifest.chunker.get(k) != chunker.get(k))
        return f"the reading and chunking settings changed ({', '.join(changed)})"
    return None


def damaged(root: str | Path, exc: Exception) -> IndexCorruptError:
    """The error for an index whose database cannot be read, with the way out."""
    return IndexCorruptError(
        f"The index at {root} is damaged ({exc}). Nothing in your documents is lost: move that folder "
        f"away and rebuild it with `assistant ingest PATH --index {root}` from your folders.",
        reason=str(exc),
    )
