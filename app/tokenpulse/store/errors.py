"""The store's one error type, and how long a busy store is waited for before that is an error."""

from __future__ import annotations

BUSY_TIMEOUT_MS = 30_000  # another writer holding the store longer than this is reported, not waited out


class StoreError(RuntimeError):
    """The store cannot be used; the message says why in plain words."""
