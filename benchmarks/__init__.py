"""Benchmarks on public data in ../shared/data; run them all with ``python -m benchmarks.run_all``."""
