"""Fixtures of the ingest tests (the worker's, from worker_helpers)."""

from worker_helpers import make_worker  # noqa: F401  (a fixture, found by pytest here)
