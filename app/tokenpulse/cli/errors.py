"""The command line's exit codes and its usage error (bad arguments: one line on stderr, exit code 2), shared by the
command modules."""

from __future__ import annotations

EXIT_OK, EXIT_USAGE, EXIT_STORE, EXIT_DISPLAY = 0, 2, 3, 4


class UsageError(Exception):
    """Bad arguments: printed as one line, exit code 2."""
