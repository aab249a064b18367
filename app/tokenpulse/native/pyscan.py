"""The per-byte work of a block of log lines in plain Python: the twin of the compiled `_scan` module.

Given a block of complete lines, it returns the lines that carry one of a format's needles (to be decoded)
and counts the others that are not JSON objects (torn or malformed). The buffer is searched for the needles
instead of being split into lines: the lines without them, most of the bytes, are never copied.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

_LBRACE, _RBRACE = ord("{"), ord("}")
TORN = "torn or malformed JSON line"

# the second: a plan-limit notice (sources/claude_code/limits.py), decoded in Python
CLAUDE_NEEDLES = (b'"usage"', b'"rate_limit"')
# the last one: a turn stopped by the plan's limit (sources/codex/limits.py), decoded in Python
CODEX_NEEDLES = (b'"token_count"', b'"turn_context"', b'"session_meta"', b"usage_limit_exceeded")


def scan_block(buf: bytes, start: int, end: int, needles: Sequence[bytes]) -> tuple[list[memoryview], int]:
    """(the lines of `buf[start:end]` holding a needle, in order; how many others are torn or malformed).

    Lines end at each newline (a last line may lack it). A line without a needle is torn when, stripped of
    ASCII whitespace, it is not empty and not `{...}`: the same test a parser applies to one line.
    """
    view = memoryview(buf)
    find = buf.find
    hits = [_next(find, n, start, end) for n in needles]
    hit = min(hits)
    found: list[memoryview] = []
    torn = 0
    pos = start
    while pos < end:
        nl = find(b"\n", pos, end)
        if nl < 0:
            nl = end
        if hit < nl:
            found.append(view[pos:nl])
            after = nl + 1
            for i, at in enumerate(hits):
                if at < after:
                    hits[i] = _next(find, needles[i], after, end)
            hit = min(hits)
        elif nl > pos and not (buf[pos] == _LBRACE and buf[nl - 1] == _RBRACE):
            stripped = buf[pos:nl].strip()
            if stripped and not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
                torn += 1
        pos = nl + 1
    return found, torn


def decode_block(buf: bytes, start: int, end: int, needles: Sequence[bytes], decode: Callable[[memoryview], T | None],
                 skipped: Counter[str]) -> list[T]:
    """The Python twin of the accelerator's block readers: each line of `buf[start:end]` holding a needle decoded
    by `decode`, in order, what it gives kept; the torn lines counted in `skipped` first, as the readers do."""
    records, torn = scan_block(buf, start, end, needles)
    if torn:
        skipped[TORN] += torn
    return [found for line in records if (found := decode(line)) is not None]


def _next(find: Callable[[bytes, int, int], int], needle: bytes, start: int, end: int) -> int:
    at = find(needle, start, end)
    return end if at < 0 else at


def count_torn(skipped: Counter[str], torn: int, keys_before: int, torn_known: bool) -> None:
    """Count a block's torn lines after the accelerator read it, where the Python path counts them: before the
    block's records. The reasons first met in the block then come after them in `skipped` (the order reports list
    ties in, and the source health keeps). `keys_before`, `torn_known`: `skipped` before the block."""
    if torn_known or len(skipped) == keys_before:
        skipped[TORN] += torn
        return
    added = list(skipped.items())[keys_before:]  # met in this block (a line decoded in Python may have been torn)
    for reason, _ in added:
        del skipped[reason]
    skipped[TORN] += torn
    skipped.update(dict(added))
