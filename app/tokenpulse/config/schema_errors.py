"""Plain words for a settings file the schema refused: which setting, what was expected, what was found.

msgspec says what failed and where in its own terms (`Expected `array`, got `str` - at `$.forgotten_projects``,
with `[...]` for a table's key). This module walks the same path through the schema and the data the file
held, and words it for a person: `forgotten_projects: expected a list of folders, got a string`. What is
expected comes from the schema itself (a field's `Meta(description=...)` and its bounds), so a new section
gets good messages without code here. Values from the file are shown with `repr`, which escapes control
characters, so the message is safe to print on a terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import types
import typing
from typing import Any, Union

import msgspec

_MISSING = object()
_TOKEN = re.compile(r"\.(\w+)|\[(\d+)\]|(\[\.\.\.\])")
_BARE_KEY = re.compile(r"\A[A-Za-z0-9_-]+\Z")


def explain(message: str, data: Any, schema: type) -> str:
    """One line for msgspec's ValidationError `message` about `data` converted to `schema`."""
    what, path, about_key = _split(message)
    spot = _walk(schema, data, path)
    where = spot.label
    if about_key:  # a table's key is wrong (an empty model name, an agent name with capitals)
        key_type = typing.get_args(_strip(spot.kind))[0]
        bad = next((k for k in spot.value if not _fits(k, key_type)), "?") if isinstance(spot.value, dict) else "?"
        return f"{where or 'a key'}: expected {_expected(key_type)} as a key, got {_shown(bad)}"
    unknown = re.match(r"Object contains unknown field `(.*)`\Z", what, re.S)
    if unknown:
        known = ", ".join(_fields(_strip(spot.kind)))
        return f"{_join(where, unknown.group(1))}: unknown setting (known here: {known})"
    missing = re.match(r"Object missing required field `(.*)`\Z", what, re.S)
    if missing:
        return f"{_join(where, missing.group(1))}: missing (it is required)"
    if what.startswith("Expected") or what == "Number out of range":
        mismatch = re.match(r"Expected `[^`]*`, got `[^`]*`\Z", what) is not None
        got = _kind(spot.value) if mismatch else _shown(spot.value)
        return f"{where or 'the file'}: expected {_expected(spot.kind)}, got {got}"
    return f"{where}: {what}" if where else what  # a sentence from a section's own check (__post_init__)


# --- where ---------------------------------------------------------------------------------------------

class _Spot(typing.NamedTuple):
    kind: Any  # the schema's type at that place (Annotated, optional and all)
    value: Any  # what the file held there
    label: str  # the place in the file's words: reminders.min_calls, source_roots.claude-code, ...


def _split(message: str) -> tuple[str, str, bool]:
    """(what failed, the path after `$`, whether it is about a table's key)."""
    what, sep, rest = message.rpartition(" - at `")
    if not sep or not rest.endswith("`"):
        return message, "", False
    rest = rest[:-1]
    about_key = rest.startswith("key` in `")
    if about_key:
        rest = rest[len("key` in `"):]
    return what, rest.removeprefix("$"), about_key


def _walk(schema: type, data: Any, path: str) -> _Spot:
    kind, value, label = schema, data, ""
    for field, index, any_key in _TOKEN.findall(path):
        base = _strip(kind)
        if field:
            kind = typing.get_type_hints(base, include_extras=True)[field] if _is_struct(base) else Any
            value = value.get(field, _MISSING) if isinstance(value, dict) else _MISSING
            label = _join(label, field)
        elif index:
            kind = (typing.get_args(base) or (Any,))[0]
            value = value[int(index)] if isinstance(value, list | tuple) and int(index) < len(value) else _MISSING
            label = f"{label} (item {int(index) + 1})"
        elif any_key:  # msgspec does not say which key: the first whose value does not fit is the one
            value_type = (typing.get_args(base) or (Any, Any))[1]
            bad = next((k for k, v in value.items() if not _fits(v, value_type)), None) \
                if isinstance(value, dict) else None
            kind = value_type
            value = value[bad] if bad is not None else _MISSING
            label = _join(label, "?" if bad is None else str(bad))
    return _Spot(kind, value, label)


def _join(label: str, key: str) -> str:
    shown = key if _BARE_KEY.match(key) else json.dumps(key)  # TOML's quoted key; control characters escaped
    return f"{label}.{shown}" if label else shown


def _fits(value: Any, kind: Any) -> bool:
    try:
        msgspec.convert(value, kind)
    except msgspec.ValidationError:
        return False
    return True


# --- what was expected -----------------------------------------------------------------------------------

def _strip(kind: Any) -> Any:
    """The type without its Annotated metadata and without `| None`."""
    metas: list[msgspec.Meta] = []
    return _unwrap(kind, metas)


def _unwrap(kind: Any, metas: list[msgspec.Meta]) -> Any:
    while True:
        if typing.get_origin(kind) is typing.Annotated:
            metas.extend(m for m in kind.__metadata__ if isinstance(m, msgspec.Meta))
            kind = kind.__origin__
        elif typing.get_origin(kind) in (Union, types.UnionType):
            others = [a for a in typing.get_args(kind) if a is not type(None)]
            if len(others) != 1:
                return kind
            kind = others[0]
        else:
            return kind


def _expected(kind: Any) -> str:
    metas: list[msgspec.Meta] = []
    base = _unwrap(kind, metas)
    described = next((m.description for m in metas if m.description), None)
    return (described or _generic(base)) + _range(metas)


def _generic(base: Any) -> str:
    origin = typing.get_origin(base) or base
    if base is bool:
        return "true or false"
    if base is int:
        return "a whole number"
    if base is float:
        return "a number"
    if base is str:
        return "text in quotes"
    if origin in (tuple, list):
        return "a list"
    if origin is dict or _is_struct(base):
        return "a table"
    return getattr(base, "__name__", str(base))


def _range(metas: list[msgspec.Meta]) -> str:
    low = next((m.ge for m in metas if m.ge is not None), None)
    above = next((m.gt for m in metas if m.gt is not None), None)
    high = next((m.le for m in metas if m.le is not None), None)
    if low is not None and high is not None:
        return f" from {_number(low)} to {_number(high)}"
    if above is not None and high is not None:
        return f" more than {_number(above)} and at most {_number(high)}"
    if low is not None:
        return f" of at least {_number(low)}"
    if high is not None:
        return f" of at most {_number(high)}"
    return ""


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else repr(x)


def _fields(struct: Any) -> list[str]:
    return list(getattr(struct, "__struct_fields__", ()))


def _is_struct(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, msgspec.Struct)


# --- what was found --------------------------------------------------------------------------------------

def _kind(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {_shown(value)}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.time):
        return "a date or time"
    return type(value).__name__


def _shown(value: Any) -> str:
    if isinstance(value, bool) or value is _MISSING:
        return _kind(value)
    if isinstance(value, int):
        if value.bit_length() > 80:  # str() of a huge int is slow, and refused past 4,300 digits
            return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 80 else value[:77] + "...")
    return _kind(value)
