"""Types of the compiled accelerator (_scan.c); see tokenpulse/native/__init__.py."""

from collections.abc import Callable
from typing import Any

SOURCE_HASH: str
MAX_TOKENS: int
EPOCH_MS_MIN: int
EPOCH_MS_MAX: int

class ClaudeReader:
    """A Claude Code file's usage records to calls (ClaudeLineParser._record and _merge, compiled)."""

    usage_records: int
    duplicates: int
    def __init__(self, fallback_session: str, file_agent: str | None, skipped: Any, api_call: type,
                 parse_iso_ms: Callable[[object], int | None], /) -> None: ...
    def record(self, counts: tuple[int, int, int, int, int] | None, model: str | None, message_id: str | None,
               request_id: str | None, session: str | None, ts: str | int | None, sidechain: bool,
               agent: str | None, cwd: str | None, /) -> Any: ...

# The calls of a block (lines the lexer gives up on go to `decode`, in their place).
def claude_block(data: bytes, start: int, end: int, reader: ClaudeReader, decode: Callable[[bytes], Any],
                 /) -> tuple[list[Any], int]: ...
class CodexReader:
    """A Codex rollout's state and token counting (CodexLineParser._on_usage and _increment, compiled)."""

    prev: tuple[int, int, int, int, int] | None
    model: str | None
    session: str
    parent: str | None
    cwd: str | None
    meta_seen: bool
    fork_start_ms: int | None
    usage_records: int
    duplicates: int
    def __init__(self, session: str, skipped: Any, api_call: type, parse_iso_ms: Callable[[object], int | None],
                 /) -> None: ...
    def on_usage(self, total: Any, last: Any, info_model: object, payload_model: str | None, ts: str | int | None,
                 /) -> Any: ...

# The calls of a block: a token_count's limit reading goes to `limits` first, other needle lines to `decode`.
def codex_block(data: bytes, start: int, end: int, reader: CodexReader, decode: Callable[[bytes], Any],
                limits: Callable[..., None], /) -> tuple[list[Any], int]: ...
def iso_ms(text: str, /) -> int | None: ...
def blake2b(data: bytes, digest_size: int, /) -> bytes: ...
