"""Persistence: the on-disk index (SQLite text store, vector store, BM25) and its atomic generations."""
