"""The index the settings name: the embedded store in ``index_dir`` unless ``store`` names a server.

>>> store = open_store(settings.storage, embedder.identity)

``store`` set to ``postgresql://user@host:port/database`` (or ``postgres://``) puts the index on that
PostgreSQL server with pgvector (``store.postgres``; psycopg is imported only then, so the embedded
default needs none of it).
"""

from __future__ import annotations

from ..embedding import EmbeddingIdentity
from ..errors import IndexNotFoundError
from ..settings import StorageSection
from .dense import AnnPolicy
from .index import EmbeddedStore
from .protocols import Store

SERVER_SCHEMES = ("postgresql://", "postgres://")


def open_store(storage: StorageSection, identity: EmbeddingIdentity) -> Store:
    address = storage.store.strip()
    if address.startswith(SERVER_SCHEMES):
        try:
            from .postgres import PostgresStore
        except ImportError as exc:
            raise IndexNotFoundError(
                f"The index is on a PostgreSQL server, but its client is not installed ({exc}); "
                "install it with: pip install 'assistant[postgres]'"
            ) from exc
        return PostgresStore(
            address,
            identity,
            hnsw_m=storage.hnsw_m,
            hnsw_ef_construction=storage.hnsw_ef_construction,
            hnsw_ef_search=storage.hnsw_ef_search,
            exact_below=storage.ann_min_chunks,
        )
    if address:
        raise IndexNotFoundError(
            f"ASSISTANT_STORE={address.split('@')[-1]!r} names no index this version can open: leave it empty "
            "for the embedded index in index_dir, or give a postgresql://user@host:port/database address."
        )
    policy = AnnPolicy(
        min_rows=storage.ann_min_chunks,
        kind="ivf" if storage.ann_kind == "ivf" else "hnsw",
        hnsw_m=storage.hnsw_m,
        hnsw_ef_construction=storage.hnsw_ef_construction,
        hnsw_ef_search=storage.hnsw_ef_search,
        ivf_nprobe=storage.ivf_nprobe,
    )
    return EmbeddedStore(storage.index_dir, identity, policy, storage.merge_factor)
