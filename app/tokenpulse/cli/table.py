"""Aligned plain-text tables for the terminal (numbers right-aligned, a rule under the header).

Every cell is passed through `escape_controls`: cells hold names from the logs (projects, models, sessions),
and a control character in one must neither reach the terminal nor break the alignment.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokenpulse.untrusted_text import escape_controls


def render(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
           footer: Sequence[str] | None = None) -> str:
    headers = [escape_controls(h) for h in headers]
    rows = [[escape_controls(c) for c in row] for row in rows]
    footer = [escape_controls(c) for c in footer] if footer else None
    widths = [len(h) for h in headers]
    body = list(rows) + ([footer] if footer else [])
    for row in body:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    out = [line(headers), "  ".join("─" * w for w in widths)]
    out.extend(line(r) for r in rows)
    if footer:
        out.append("  ".join("─" * w for w in widths))
        out.append(line(footer))
    return "\n".join(out)


def count(n: int) -> str:
    return f"{n:,}"


def money(value: float | None) -> str:
    if value is None:
        return "unknown"
    if 0 < value < 0.005:
        return "<$0.01"
    return f"${value:,.2f}"
