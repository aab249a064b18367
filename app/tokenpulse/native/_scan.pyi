"""Types of the compiled accelerator (_scan.c); see tokenpulse/native/__init__.py."""

from typing import Any

SOURCE_HASH: str
MAX_TOKENS: int
EPOCH_MS_MIN: int
EPOCH_MS_MAX: int

# Each item is a record tuple (the parser's `_record` / `_on_token_count` arguments) or a line to decode.
def claude_block(data: bytes, start: int, end: int, /) -> tuple[list[tuple[Any, ...] | bytes], int]: ...
def codex_block(data: bytes, start: int, end: int, /) -> tuple[list[tuple[Any, ...] | bytes], int]: ...
def iso_ms(text: str, /) -> int | None: ...
