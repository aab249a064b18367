"""Hypothesis strategies for hostile input: wrong types, huge and negative numbers, deep nesting, damaged bytes."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

# json.dumps cannot write 5000 levels of nesting (its own recursion limit), so a placeholder string stands in
# for a nested value and `to_line` splices the brackets in afterwards.
_DEEP = re.compile(r'"\\u0000deep:([\[{])(\d+)\\u0000"')
# Depths below the point where a decoder runs out of stack (must parse), around it (parse or refuse: the
# point moves with the stack in use, and hypothesis lends a test some 2000 more frames) and far past it.
MILD_DEPTHS = (2, 8, 40, 120)
EXTREME_DEPTHS = (1_500, 5_000, 60_000)

Path = tuple[Any, ...]


def deep(depth: int, kind: str = "[") -> str:
    """A value that `to_line` writes as `depth` nested arrays (`[`) or objects (`{`)."""
    return f"\x00deep:{kind}{depth}\x00"


def _nested(match: re.Match[str]) -> str:
    kind, depth = match.group(1), int(match.group(2))
    if kind == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def to_line(value: Any, *, ascii_only: bool = True) -> bytes:
    """One JSONL line (no newline). Lone surrogates become `\\ud800` escapes, or invalid UTF-8 bytes when
    `ascii_only` is off, both of which a real agent could never have written."""
    text = _DEEP.sub(_nested, json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":")))
    return text.encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

# Text an agent could write: any code point but lone surrogates (those come as decoder_killers below).
plain_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)

# Counts a parser must refuse: sign, size, type. None is absent (zero), so it is not among them.
bad_counts = st.one_of(
    st.integers(max_value=-1, min_value=-(10**30)),
    st.integers(min_value=10**12 + 1, max_value=2**63 - 1),
    st.integers(min_value=2**63, max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != 0),
    st.sampled_from([0.0, 1.5, -0.0, 1e300]),
    st.booleans(),
    st.sampled_from(["12", "0", "-1", "1e3", "²", "١٢", "9" * 30]),
    st.lists(st.integers(0, 10), min_size=1, max_size=2),
    st.builds(lambda: {"value": 5}),
)

tricky_strings = st.sampled_from([
    "", " ", "\x00", "null", "0", "-1", "²", "9" * 5000, "<synthetic>", "assistant", "gemini", "chat",
    "token_count", "usage", '"usage"', "gen_ai.usage.input_tokens", "2026-03-01T10:00:00Z",
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2026-13-45T99:99:99Z", "1e400",
    "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "1999-12-31T23:59:59.999Z", "2026-03-01", "2026-03-01T10:00",
    "\u202eevil", "プロジェクト/😀", "/home/ü/ディレクトリ", "\ufeff", "a\nb", "\\", "../../etc/passwd",
])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.integers(-(10**40), 10**40),
    st.floats(allow_nan=False, allow_infinity=False), plain_text, tricky_strings,
)

# Valid JSON that still breaks assumptions: any type, any size a decoder accepts, moderate nesting.
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(plain_text, inner, max_size=3),
    max_leaves=6,
) | st.builds(deep, st.sampled_from(MILD_DEPTHS), st.sampled_from("[{"))

# What no decoder can take whole: nesting past any stack, numbers past any width, lone surrogates.
decoder_killers = st.one_of(
    st.builds(deep, st.sampled_from(EXTREME_DEPTHS), st.sampled_from("[{")),
    st.sampled_from([float("inf"), float("nan")]),  # json.dumps writes Infinity / NaN: not JSON
    st.builds(lambda a, s, b: a + s + b, plain_text, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
              plain_text),
)

hostile_values = st.one_of(json_values, bad_counts, decoder_killers)

# Helpers below take hypothesis's `draw` (from st.data() or a composite) instead of returning strategies, and
# positions are drawn as a number folded onto what is there: strategies built per example (a sampled_from over
# this record's paths) are validated anew each time, which made the suite several times slower.
_index = st.integers(0, 2**16)
_ops = st.sampled_from(["delete", "null", "replace", "add"])
_counts_of_mutations = [st.integers(0, n) for n in range(9)]


# ---------------------------------------------------------------------------------------------
# Mutating a realistic record
# ---------------------------------------------------------------------------------------------

def paths_of(value: Any, prefix: Path = ()) -> list[Path]:
    """Every node's path: () is the record itself, then keys and list indexes."""
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(paths_of(item, prefix + (key,)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(paths_of(item, prefix + (index,)))
    return out


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _get(root: Any, path: Path) -> Any:
    for part in path:
        root = root[part]
    return root


def _set(root: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    _get(root, path[:-1])[path[-1]] = value
    return root


def _delete(root: Any, path: Path) -> Any:
    if not path:
        return None
    parent = _get(root, path[:-1])
    if isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = None  # keep list indexes of the other paths stable
    return root


def mutate(draw: st.DrawFn, record: Any, *, allowed: Callable[[Path], bool] | None = None,
           max_mutations: int = 4) -> Any:
    """Up to `max_mutations` of: delete a field, null it, give it a hostile value, or add a hostile field.

    With `allowed`, only paths it accepts are touched and values stay decodable (no nesting past the stack,
    no NaN, no surrogates): the record must then count exactly as it did before.
    """
    out = _copy(record)
    values = json_values if allowed is not None else hostile_values
    for _ in range(draw(_counts_of_mutations[max_mutations])):
        candidates = [p for p in paths_of(out) if allowed is None or allowed(p)]
        if not candidates:
            break
        path = candidates[draw(_index) % len(candidates)]
        op = draw(_ops)
        target = _get(out, path)
        if op == "add" and isinstance(target, dict):
            # a "zz" prefix keeps an added field from landing on a real one the oracle relies on
            target["zz" + draw(plain_text)] = copy.deepcopy(draw(values))  # strategies may share one object
        elif op == "delete":
            out = _delete(out, path)
        elif op == "null":
            out = _set(out, path, None)
        else:
            out = _set(out, path, copy.deepcopy(draw(values)))
    return out


# ---------------------------------------------------------------------------------------------
# Damaging bytes
# ---------------------------------------------------------------------------------------------

_damage_ops = st.sampled_from(["truncate", "insert", "overwrite", "prefix", "suffix"])
_junk = st.binary(min_size=1, max_size=8) | st.sampled_from(
    [b"\xff", b"\x00", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\r", b"}", b"{", b'"', b"\\"])


def damage(draw: st.DrawFn, line: bytes) -> bytes:
    """The line with bytes cut, inserted or overwritten (a torn write, a bad disk, another writer's bytes)."""
    op = draw(_damage_ops)
    at = draw(_index) % max(1, len(line))
    junk = draw(_junk)
    if op == "truncate":
        return line[:at]
    if op == "insert":
        return line[:at] + junk + line[at:]
    if op == "overwrite":
        return line[:at] + junk + line[at + len(junk):]
    if op == "prefix":
        return junk + line
    return line + junk


def tear(draw: st.DrawFn, line: bytes, marker: bytes) -> bytes:
    """The line cut somewhere after its usage marker: unmistakably a usage record, unmistakably incomplete."""
    start = line.find(marker) + len(marker)
    assert start >= len(marker), f"{marker!r} not in {line[:80]!r}"
    return line[:start + draw(_index) % (len(line) - start)]
