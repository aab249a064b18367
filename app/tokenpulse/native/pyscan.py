"""The per-byte work of a block of log lines in plain Python: the twin of the compiled `_scan` module.

Given a block of complete lines, it returns the lines that carry one of a format's needles (to be decoded)
and counts the others that are not JSON objects (torn or malformed). The buffer is searched for the needles
instead of being split into lines: the lines without them, most of the bytes, are never copied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

_LBRACE, _RBRACE = ord("{"), ord("}")

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


def _next(find: Callable[[bytes, int, int], int], needle: bytes, start: int, end: int) -> int:
    at = find(needle, start, end)
    return end if at < 0 else at
