"""The CLI's error for bad arguments (printed as one line, exit code 2), shared by the command modules."""

from __future__ import annotations


class UsageError(Exception):
    """Bad arguments: printed as one line, exit code 2."""
