"""The figure columns the reports share (token types, cost, waste) and their JSON fields, in one place: a
report lists them by name, so adding one to a report is one line.

Default tables show compact counts (12.3k, 4.5M) and dollars as the app shows them; `--wide` tables show
every count in full and dollars to the cent; JSON keeps everything exact. A cost some of whose calls have no
known price ends in "+" (a lower bound); a cost with no known price at all reads "no price".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from tokenpulse.cli.table import Column, count
from tokenpulse.cli.table import money as cents
from tokenpulse.insights.window_waste import Figures, Waste
from tokenpulse.presenters.numbers import compact
from tokenpulse.presenters.numbers import money as app_money
from tokenpulse.store.queries import Totals
from tokenpulse.work.figures import WorkSum

T = TypeVar("T")
Get = Callable[[T], Figures]
Field = Callable[[T], Mapping[str, object]]  # one or more JSON fields of an item
HIGH_WASTE_SHARE = 0.3  # shown in red from here, as the charts' Chats view marks it
NO_SHARE = "–"
LEGEND = "Waste: re-read context a fresh chat would not need. Share: waste / cost."


def field(key: str, get: Callable[[T], object]) -> Field[T]:
    """A JSON field: `key` with the item's value."""
    return lambda item: {key: get(item)}


def figures_fields(get: Get[T]) -> Field[T]:
    """The token counts, cost and the three waste fields (`Figures.as_dict`)."""
    return lambda item: get(item).as_dict()


def json_row(fields: list[Field[T]], item: T) -> dict[str, object]:
    row: dict[str, object] = {}
    for f in fields:
        row.update(f(item))
    return row


def tokens(n: int, exact: bool) -> str:
    return count(n) if exact else compact(n)


def dollars(value: float | None, exact: bool, lower_bound: bool = False) -> str:
    text = (cents if exact else app_money)(value)
    return text + "+" if lower_bound and value is not None else text


def cost_text(t: Totals, exact: bool) -> str:
    return dollars(t.cost_usd, exact, t.unpriced_calls > 0)


def waste_text(w: Waste, exact: bool) -> str:
    return dollars(w.cost_usd, exact, w.unpriced_calls > 0)


def share_text(f: Figures) -> str:
    s = f.waste_share
    return NO_SHARE if s is None else f"{100 * s:.0f}%"


def share_style(f: Figures) -> str | None:
    s = f.waste_share
    return "red" if s is not None and s >= HIGH_WASTE_SHARE else None


# --- columns over an item's figures (`get`); `exact`: the --wide form ----------------------------------------

def calls(get: Get[T], optional: bool = False) -> Column[T]:
    return Column("Calls", lambda i: count(get(i).totals.calls), numeric=True, optional=optional)


def output(get: Get[T], exact: bool = False) -> Column[T]:
    return Column("Output", lambda i: tokens(get(i).totals.output_tokens, exact), numeric=True, style="bold")


def input_(get: Get[T], exact: bool = False, optional: bool = False) -> Column[T]:
    return Column("Input", lambda i: tokens(get(i).totals.input_tokens, exact), numeric=True, optional=optional)


def cache_write(get: Get[T], exact: bool = False, optional: bool = False) -> Column[T]:
    return Column("Cache write", lambda i: tokens(get(i).totals.cache_write_tokens, exact), numeric=True,
                  optional=optional)


def cache_read(get: Get[T], exact: bool = False, optional: bool = False) -> Column[T]:
    return Column("Cache read", lambda i: tokens(get(i).totals.cache_read_tokens, exact), numeric=True,
                  optional=optional)


def reasoning(get: Get[T], exact: bool = True) -> Column[T]:
    return Column("Reasoning", lambda i: tokens(get(i).totals.reasoning_tokens, exact), numeric=True)


def cost(get: Get[T], exact: bool = False) -> Column[T]:
    return Column("Cost", lambda i: cost_text(get(i).totals, exact), numeric=True)


def waste_tokens(get: Get[T], exact: bool = True) -> Column[T]:
    return Column("Waste tokens", lambda i: tokens(get(i).waste.tokens, exact), numeric=True)


def waste_cost(get: Get[T], exact: bool = False) -> Column[T]:
    return Column("Waste", lambda i: waste_text(get(i).waste, exact), numeric=True)


def waste_share(get: Get[T]) -> Column[T]:
    return Column("Share", lambda i: share_text(get(i)), numeric=True, style=lambda i: share_style(get(i)))


def every_figure(get: Get[T]) -> list[Column[T]]:
    """The `--wide` tables' figure columns, in the order every report shows them: calls, each token type in
    full, reasoning, cost to the cent, and the three waste columns."""
    return [calls(get), input_(get, exact=True), cache_write(get, exact=True), cache_read(get, exact=True),
            output(get, exact=True), reasoning(get), cost(get, exact=True), waste_tokens(get),
            waste_cost(get, exact=True), waste_share(get)]


# --- the work read from git (sessions, projects) -----------------------------------------------------------

WORK_KEYS = ("commits", "lines_added", "lines_removed", "files_changed")
WORK_HEADER = "Commits (+/- lines)"
WORK_HEADER_SHORT = "Commits (+/-)"
NO_WORK = "–"  # not a repository (or not read): no figures, which is not zero


def work_fields(get: Callable[[T], WorkSum | None]) -> Field[T]:
    """The four work fields; null each when the row has no figures."""
    def fields(item: T) -> Mapping[str, object]:
        work = get(item)
        return dict.fromkeys(WORK_KEYS) if work is None else work.as_dict()
    return fields


def work_text(work: WorkSum | None) -> str:
    if work is None:
        return NO_WORK
    if not work.commits:
        return "0"
    return f"{work.commits:,} (+{work.lines_added:,}/-{work.lines_removed:,})"


def work(get: Callable[[T], WorkSum | None], wide: bool = False, optional: bool = False) -> Column[T]:
    """Commits and lines added/removed ("7 (+32/-0)"); "–" where there are no figures."""
    return Column(WORK_HEADER if wide else WORK_HEADER_SHORT, lambda i: work_text(get(i)), numeric=True,
                  optional=optional)


# --- the device a row belongs to, when a report reads several (--devices) ----------------------------------

def device_field(labelled: bool, get: Callable[[T], str]) -> list[Field[T]]:
    """`device` in JSON rows only when the report covers more than one device (a list: none or one field)."""
    return [field("device", get)] if labelled else []


def device_column(labelled: bool, get: Callable[[T], str]) -> list[Column[T]]:
    return [Column("Device", get)] if labelled else []
