"""The report commands (daily, weekly, monthly, sessions, projects) as JSON or aligned tables.

Names from the logs are escaped for the terminal (control characters shown, `untrusted_text`) before they
are shortened to fit a column; JSON keeps them exact, escaped as JSON strings, with no NaN or Infinity.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tokenpulse.cli.table import count, money, render
from tokenpulse.store import queries
from tokenpulse.store.queries import Filter, Totals
from tokenpulse.untrusted_text import escape_controls, json_text
from tokenpulse.work.figures import WorkSum

if TYPE_CHECKING:
    from tokenpulse.work.reader import WorkScan

_TOKEN_HEADERS = ["Calls", "Input", "Cache write", "Cache read", "Output", "Cost"]
_PERIOD_KEY = {"day": "date", "week": "week", "month": "month"}


def _token_cells(t: Totals) -> list[str]:
    return [count(t.calls), count(t.input_tokens), count(t.cache_write_tokens), count(t.cache_read_tokens),
            count(t.output_tokens), money(t.cost_usd)]


def _sum(items: Sequence[Totals]) -> Totals:
    costs = [t.cost_usd for t in items if t.cost_usd is not None]
    return Totals(sum(t.calls for t in items), sum(t.input_tokens for t in items),
                  sum(t.cache_write_tokens for t in items), sum(t.cache_read_tokens for t in items),
                  sum(t.output_tokens for t in items), sum(t.reasoning_tokens for t in items),
                  sum(costs) if costs else None, sum(t.unpriced_calls for t in items))


def _unpriced_note(conn: sqlite3.Connection, flt: Filter) -> str:
    models = queries.unpriced_models(conn, flt)
    if not models:
        return ""
    names = ", ".join(escape_controls(m) for m in models)
    return (f"\nCost unknown for {names}: no price is known offline; totals leave them out"
            " (add a price override in settings.toml).")


def _device(flt: Filter, device: str) -> dict[str, str]:
    """The `device` field of a JSON row: only when the report covers more than one device."""
    return {"device": device} if flt.scope.labelled else {}


def _device_cells(flt: Filter, device: str) -> list[str]:
    return [device] if flt.scope.labelled else []


def period_report(conn: sqlite3.Connection, period: str, tz: ZoneInfo, flt: Filter, as_json: bool) -> str:
    rows = queries.by_period(conn, period, tz, flt)
    key = _PERIOD_KEY[period]
    if as_json:
        return json_text([{key: r.period, **_device(flt, r.device), "source": r.source, "model": r.model,
                           **r.totals.as_dict()} for r in rows])
    if not rows:
        return "No usage recorded in this range."
    extra = _device_cells(flt, "Device")
    table = [[r.period, *_device_cells(flt, r.device), r.source, r.model, *_token_cells(r.totals)] for r in rows]
    footer = ["Total", *["" for _ in extra], "", "", *_token_cells(_sum([r.totals for r in rows]))]
    head = [key.capitalize(), *extra, "Source", "Model", *_TOKEN_HEADERS]
    return render(head, table, [False] * (3 + len(extra)) + [True] * 6, footer) + _unpriced_note(conn, flt)


def _local(ts_ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def sessions_report(conn: sqlite3.Connection, tz: ZoneInfo, flt: Filter, as_json: bool,
                    work: WorkScan | None = None) -> str:
    """With `work`, each chat gains the commits made in its folder's repository from its first call in the range
    to 30 minutes after its last (null where the folder is not a readable repository)."""
    rows = queries.sessions(conn, flt)
    done = _chats_work(conn, rows, work)
    if as_json:
        return json_text([{
            **_device(flt, r.device), "source": r.source, "session": r.session_key, "parent_session": r.parent_key,
            "project": r.project,
            "first_call": _local(r.first_ms, tz), "last_call": _local(r.last_ms, tz),
            "models": r.models.split(",") if r.models else [], **r.totals.as_dict(), **_work_fields(done[r.id])}
            for r in rows])
    if not rows:
        return "No usage recorded in this range."
    extra = _device_cells(flt, "Device")
    table = [[_local(r.last_ms, tz), *_device_cells(flt, r.device), r.source, _short(r.session_key, 24),
              _short(r.project or "", 40), *_token_cells(r.totals), _work_cell(done[r.id])] for r in rows]
    footer = ["Total", *["" for _ in extra], "", "", "", *_token_cells(_sum([r.totals for r in rows])), ""]
    head = ["Last call", *extra, "Source", "Session", "Project", *_TOKEN_HEADERS, _WORK_HEADER]
    return render(head, table, [False] * (4 + len(extra)) + [True] * 7, footer) + _unpriced_note(conn, flt)


def projects_report(conn: sqlite3.Connection, flt: Filter, as_json: bool, work: WorkScan | None = None) -> str:
    """With `work`, each folder gains its repository's commits in the range (null where it is not one; a
    sub-folder or worktree shows its whole repository's, and the total counts each repository once)."""
    rows = queries.projects(conn, flt)
    by_repo = _repo_sums(conn, work, flt)
    done = {r.project: _folder_work(r.project, work, by_repo) for r in rows}
    if as_json:
        return json_text([{"project": r.project or None, **_device(flt, r.device), **r.totals.as_dict(),
                           **_work_fields(done[r.project])} for r in rows])
    if not rows:
        return "No usage recorded in this range."
    extra = _device_cells(flt, "Device")
    table = [[_short(r.project or "(unknown)", 60), *_device_cells(flt, r.device), *_token_cells(r.totals),
              _work_cell(done[r.project])] for r in rows]
    footer = ["Total", *["" for _ in extra], *_token_cells(_sum([r.totals for r in rows])),
              _work_cell(_repos_total([r.project for r in rows], work, by_repo))]
    return render(["Project", *extra, *_TOKEN_HEADERS, _WORK_HEADER], table,
                  [False] * (1 + len(extra)) + [True] * 7, footer) + _unpriced_note(conn, flt)


def _short(text: str, width: int) -> str:
    """The end of `text`, escaped first so that the width counts what the terminal shows."""
    text = escape_controls(text)
    return text if len(text) <= width else "…" + text[-(width - 1):]


# --- the work read from git, beside the tokens (summed in SQL from the store) -------------------------------

_WORK_HEADER = "Commits (+/- lines)"
_WORK_KEYS = ("commits", "lines_added", "lines_removed", "files_changed")


def _work_fields(work: WorkSum | None) -> dict[str, int | None]:
    return dict.fromkeys(_WORK_KEYS) if work is None else dict(work.as_dict())


def _work_cell(work: WorkSum | None) -> str:
    if work is None:
        return "–"
    if not work.commits:
        return "0"
    return f"{work.commits:,} (+{work.lines_added:,}/-{work.lines_removed:,})"


def _repo_sums(conn: sqlite3.Connection, work: WorkScan | None, flt: Filter) -> dict[str, WorkSum]:
    if work is None:
        return {}
    from tokenpulse.store.git_work import window_sums

    return window_sums(conn, flt.since_ms, flt.until_ms)


def _folder_work(folder: str, work: WorkScan | None, by_repo: dict[str, WorkSum]) -> WorkSum | None:
    key = work.repo_of.get(folder) if work is not None and folder else None
    return None if key is None else by_repo.get(key)


def _repos_total(folders: Sequence[str], work: WorkScan | None, by_repo: dict[str, WorkSum]) -> WorkSum | None:
    """Each repository once, however many of its folders are listed."""
    keys = {k for folder in folders if work is not None and (k := work.repo_of.get(folder)) in by_repo}
    if not keys:
        return None
    return WorkSum(*(sum(getattr(by_repo[k], name) for k in keys) for name in _WORK_KEYS))


def _chats_work(conn: sqlite3.Connection, rows: Sequence[queries.SessionRow],
                work: WorkScan | None) -> dict[int, WorkSum | None]:
    out: dict[int, WorkSum | None] = dict.fromkeys((r.id for r in rows), None)
    if work is None:
        return out
    from tokenpulse.insights.chat_work import CHAT_TAIL_MS
    from tokenpulse.store.git_work import span_sums

    asked = [(r.id, key, r.first_ms, r.last_ms + CHAT_TAIL_MS) for r in rows
             if r.project and (key := work.repo_of.get(r.project)) is not None]
    for (sid, *_), found in zip(asked, span_sums(conn, [(k, a, b) for _, k, a, b in asked])):
        out[sid] = found
    return out
