"""Aligned text tables for the terminal, declared as a list of columns (numbers right-aligned, a rule under the
header and above the totals), fitted to a width, optionally coloured.

Every cell is passed through `escape_controls` before it is measured or cut: cells hold names from the logs
(projects, models, sessions), and a control character in one must neither reach the terminal nor break the
alignment. Colour codes are added after the padding, so they never count in a width.

Fitting: a table wider than its width first drops its optional columns (rightmost first) while it cannot fit
even with its flexible columns at their narrowest, then gives the flexible columns the room that is left,
cutting their text with "…" (in the middle, so that a name's start and end both stay readable; at the start for
paths, so that the end does), or, for a column that should not lose any of it (a project folder), putting a text
too long for it on a line of its own above its row, as `df` does (cut only when longer than the whole width).
A table still too wide then narrows its text columns (names from the logs: devices, agents, folders, models),
the widest first, down to their headers' width: a default table fits its width whatever the names' lengths.
Numbers and columns marked `whole` (times) are never cut; `--wide` and JSON show every name in full. Free text
lines (`Text`: a session id to paste) stay whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from tokenpulse.cli.style import Look
from tokenpulse.untrusted_text import escape_controls

T = TypeVar("T")
GAP = "  "
MIN_TEXT = 5  # a text column narrowed to fit keeps at least this much ("ab…yz")


@dataclass(frozen=True, slots=True)
class Column(Generic[T]):
    """One column: its header and how to show an item in it."""

    header: str
    cell: Callable[[T], str]
    numeric: bool = False
    style: str | Callable[[T], str | None] | None = None  # a Look style, or one per item
    flex: bool = False  # may be narrowed (its text cut) to fit the width
    min_width: int = 10  # a flexible column's narrowest
    keep_end: bool = False  # when cut, keep the end of the text (paths), not the start
    optional: bool = False  # left out when the table cannot fit the width otherwise
    own_line: bool = False  # text too long for the column: whole on a line of its own above the row, never cut
    whole: bool = False  # never narrowed below its natural width (times); numeric columns never are

    def style_of(self, item: T) -> str | None:
        return self.style(item) if callable(self.style) else self.style


@dataclass(frozen=True, slots=True)
class Row(Generic[T]):
    """A table row; `style` applies to the cells whose column has no style of its own."""

    item: T
    style: str | None = None
    total: bool = False  # a totals row: a rule above it


@dataclass(frozen=True, slots=True)
class Text:
    """A line under the previous row that does not follow the columns (a session id in full)."""

    text: str
    indent: int = 2
    style: str | None = None


def cut(text: str, width: int, keep_end: bool = False) -> str:
    """`text` in `width` characters: "…" in the middle (the start and the end of a name both tell it apart), or
    at the start with `keep_end` (a path's last folders)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    if keep_end:
        return "…" + text[-(width - 1):]
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


PLAIN = Look()


def render(columns: Sequence[Column[T]], lines: Sequence[Row[T] | Text], look: Look = PLAIN,
           fit: bool = True) -> str:
    """The table as text; `fit`: within `look.width` (else every column at its natural width)."""
    cells = {id(line): [escape_controls(c.cell(line.item)) for c in columns]
             for line in lines if isinstance(line, Row)}
    heads = [escape_controls(c.header) for c in columns]
    natural = [max([len(heads[i]), *(len(v[i]) for v in cells.values())]) for i in range(len(columns))]
    shown = list(range(len(columns)))
    widths = dict(enumerate(natural))
    if fit:
        shown, widths = _fit(columns, natural, look.width)

    def join(parts: list[str]) -> str:
        return GAP.join(parts).rstrip()

    def row_text(values: list[str], styles: list[str | None]) -> str:
        parts = []
        above = []
        for i in shown:
            text = values[i]
            if columns[i].own_line and len(text) > widths[i]:
                whole = cut(text, look.width, keep_end=True) if fit else text  # cut only past the whole width
                above.append(look.paint(whole, styles[i]))
                text = ""
            text = cut(text, widths[i], columns[i].keep_end)
            text = text.rjust(widths[i]) if columns[i].numeric else text.ljust(widths[i])
            parts.append(look.paint(text, styles[i]) if text.strip() else text)
        return "\n".join([*above, join(parts)])

    rule = look.paint(GAP.join("─" * widths[i] for i in shown), "dim")
    out = [row_text(heads, ["bold"] * len(columns)), rule]
    for line in lines:
        if isinstance(line, Text):
            out.append(" " * line.indent + look.paint(escape_controls(line.text), line.style))
            continue
        if line.total:
            out.append(rule)
        out.append(row_text(cells[id(line)], [c.style_of(line.item) or line.style for c in columns]))
    return "\n".join(out)


def _fit(columns: Sequence[Column[T]], natural: list[int], width: int) -> tuple[list[int], dict[int, int]]:
    shown = list(range(len(columns)))

    def narrowest(ids: list[int]) -> int:
        return sum(min(natural[i], columns[i].min_width) if columns[i].flex else natural[i] for i in ids) \
            + len(GAP) * (len(ids) - 1)

    for i in reversed(range(len(columns))):
        if narrowest(shown) <= width:
            break
        if columns[i].optional:
            shown.remove(i)
    widths = {i: (min(natural[i], columns[i].min_width) if columns[i].flex else natural[i]) for i in shown}
    room = width - sum(widths.values()) - len(GAP) * (len(shown) - 1)
    if room < 0:
        _narrow_text(columns, widths, -room)
        return shown, widths
    for i in shown:  # left to right: the first flexible column (the name) gets the room first
        if columns[i].flex and room > 0:
            grow = min(room, natural[i] - widths[i])
            widths[i] += grow
            room -= grow
    return shown, widths


def _narrow_text(columns: Sequence[Column[T]], widths: dict[int, int], over: int) -> None:
    """Take `over` characters from the text columns, one at a time from the widest (so that no name is cut to
    nothing while another stays long), none below its header's width; numbers and `whole` columns keep theirs."""
    floor = {i: min(widths[i], max(len(columns[i].header), MIN_TEXT)) for i in widths
             if not columns[i].numeric and not columns[i].whole}
    while over > 0:
        wider = [i for i in floor if widths[i] > floor[i]]
        if not wider:
            return  # only numbers left: as narrow as it can be without losing a digit
        i = max(wider, key=lambda k: (widths[k], -k))
        widths[i] -= 1
        over -= 1


# --- the plain tables of `whatif` ------------------------------------------------------------------------

def plain(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
          footer: Sequence[str] | None = None) -> str:
    """A table of ready cells, every column at its natural width, no colour."""
    columns: list[Column[Sequence[str]]] = [Column(h, _index(i), numeric=n)
                                            for i, (h, n) in enumerate(zip(headers, numeric))]
    lines: list[Row[Sequence[str]] | Text] = [Row(r) for r in rows]
    if footer:
        lines.append(Row(footer, total=True))
    return render(columns, lines, fit=False)


def _index(i: int) -> Callable[[Sequence[str]], str]:
    return lambda row: row[i]


def count(n: int) -> str:
    return f"{n:,}"


def money(value: float | None) -> str:
    """Dollars to the cent for tables ("<$0.01" below a cent); "no price" when unknown, as everywhere."""
    if value is None:
        return "no price"
    if 0 < value < 0.005:
        return "<$0.01"
    return f"${value:,.2f}"
