"""Decoding one JSON record or document with msgspec, every failure counted under the reason the scan reports."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal, TypeVar

import msgspec

from tokenpulse.usage import valid_count

T = TypeVar("T")

Unit = Literal["line", "document"]


def decode_counted(decoder: msgspec.json.Decoder[T], data: bytes | str, skipped: Counter[str],
                   unit: Unit = "line") -> T | None:
    """The decoded record, or None with the reason counted in `skipped`; never raises on bad content.

    A document caught mid-rewrite parses as malformed and is read again at its next change.
    """
    try:
        return decoder.decode(data)
    except msgspec.ValidationError:
        skipped["record of an unexpected shape"] += 1
    except (msgspec.DecodeError, UnicodeDecodeError):
        skipped[f"torn or malformed JSON {unit}"] += 1
    except RecursionError:  # nesting deeper than the stack: msgspec raises this, not a DecodeError
        skipped["JSON nested too deep"] += 1
    return None


def read_counts(raw: object, names: tuple[str, ...]) -> list[int] | Literal[False] | None:
    """The named token counts of a usage object, in order: null or missing counts are 0.

    None when there is no usage object at all; False when it is not an object or a count is not a count
    (a non-negative integer of sane size: see `valid_count`).
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        return False
    values: list[int] = []
    for name in names:
        value: Any = raw.get(name)
        if value is None:
            values.append(0)
        elif valid_count(value):
            values.append(value)
        else:
            return False
    return values


def only_a_total(raw: object, total_names: tuple[str, ...]) -> bool:
    """Whether a usage object whose split counts are all zero still carries a positive total.

    Such a record says how many tokens a call used but not of which type; it is counted as skipped rather
    than guessed (ccusage books the whole total as output).
    """
    if not isinstance(raw, dict):
        return False
    return any(valid_count(raw.get(name)) and raw.get(name) for name in total_names)


def text_or_none(value: object) -> str | None:
    """A non-empty string field, else None (ids, models and paths arrive as anything in hostile input)."""
    return value if isinstance(value, str) and value else None
