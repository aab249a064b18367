"""Source health in words and as JSON: per agent, the folders looked in (whether they exist, and what chose
them), the files read, the last call counted and when, the lines skipped by reason in the last scans, and
whether it went quiet. Said by `tokenpulse sources` and by Settings › Sources, in the same words.

Pure: the caller passes the folders looked in (presenters/first_run.py's `looked_in`), the store's facts
(insights/source_health.py) and how to tell a folder's state. Every text that came from outside (folder
names, skip reasons) is shown with its control characters escaped; the GUI shows it as plain text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tokenpulse.insights.source_health import QUIET_AFTER_MS, FolderState, SourceFacts
from tokenpulse.presenters.first_run import SETTINGS_PLACE, Looked, chosen_by, tilde
from tokenpulse.untrusted_text import escape_controls

# state key -> words; in the order a source moves through them
STATES = {"missing": "folder missing", "empty": "folder empty", "no_calls": "files but no calls",
          "counting": "counting calls", "quiet": "went quiet"}
MAX_FOLDERS_ON_A_LINE = 2


@dataclass(frozen=True, slots=True)
class Folder:
    path: Path
    state: FolderState


@dataclass(frozen=True, slots=True)
class SourceReport:
    """One agent's health, ready to be said."""

    name: str
    label: str
    state: str  # a key of STATES
    env_var: str
    moved_by: str | None  # the variable's name, SETTINGS_PLACE, or None for the default
    chosen_by: str  # what put the folders there, in words
    folders: tuple[Folder, ...]
    files_known: int = 0
    files_gone: int = 0
    last_change_ms: int | None = None
    last_call_ms: int | None = None
    last_counted_ms: int | None = None
    quiet_since_ms: int | None = None
    skips: tuple[tuple[int, tuple[tuple[str, int], ...]], ...] = ()  # (scan_ms, ((reason, lines), ...)), newest first

    @property
    def went_quiet(self) -> bool:
        return self.state == "quiet"

    def skipped_by_reason(self) -> list[tuple[str, int]]:
        """Lines skipped over the kept scans, most first."""
        total: Counter[str] = Counter()
        for _at, reasons in self.skips:
            total.update(dict(reasons))
        return sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))


def build_reports(looked: Iterable[Looked], facts: Mapping[str, SourceFacts],
                  folder_state: Callable[[Path], FolderState]) -> list[SourceReport]:
    """One report per source in `looked` (in its order), from its folders and what the store knows."""
    by_source: dict[str, list[Looked]] = {}
    for item in looked:
        by_source.setdefault(item.source, []).append(item)
    reports = []
    for name, items in by_source.items():
        first = items[0]
        folders = tuple(Folder(i.folder, folder_state(i.folder)) for i in items)
        fact = facts.get(name, SourceFacts())
        row = fact.health
        reports.append(SourceReport(
            name=name, label=first.agent, state=_state(fact, folders), env_var=first.env_var,
            moved_by=first.moved_by, chosen_by=chosen_by(first), folders=folders,
            files_known=fact.files_known, files_gone=fact.files_gone,
            last_change_ms=row.last_change_ms if row else None, last_call_ms=row.last_call_ms if row else None,
            last_counted_ms=row.last_counted_ms if row else None,
            quiet_since_ms=row.quiet_since_ms if row else None,
            skips=tuple((at, tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))))
                        for at, reasons in reversed(row.recent_skips)) if row else ()))
    return reports


def _state(fact: SourceFacts, folders: tuple[Folder, ...]) -> str:
    if fact.went_quiet:
        return "quiet"
    if fact.health is not None and fact.health.last_call_ms is not None:
        return "counting"
    if fact.files_known or (fact.health is not None and fact.health.recent_skips):  # seen, if not read
        return "no_calls"
    if any(f.state == "exists" for f in folders):
        return "empty"
    return "missing"


# --- words ------------------------------------------------------------------------------------------------

def local_time(ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def ago(ms: int, now_ms: int) -> str:
    """"just now", "5 min ago", "3 h ago", "4 days ago" ("in the future" for a clock ahead of ours)."""
    seconds = (now_ms - ms) // 1000
    if seconds < -120:
        return "in the future"
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def state_text(r: SourceReport) -> str:
    return STATES[r.state]


def files_text(r: SourceReport) -> str:
    gone = f" ({r.files_gone:,} gone)" if r.files_gone else ""
    return f"{r.files_known:,}{gone}"


def last_call_text(r: SourceReport, tz: ZoneInfo, now_ms: int) -> str:
    if r.last_call_ms is None:
        return "none yet"
    return f"{local_time(r.last_call_ms, tz)} ({ago(r.last_call_ms, now_ms)})"


def skipped_text(r: SourceReport) -> str:
    total = sum(n for _reason, n in r.skipped_by_reason())
    if not total:
        return "none"
    return f"{total:,} in {len(r.skips)} scan{'s' if len(r.skips) != 1 else ''}"


def explanation(r: SourceReport, tz: ZoneInfo) -> str:
    """What the state means and what to do, in a sentence or two."""
    if r.state == "quiet":
        since = local_time(r.quiet_since_ms, tz) if r.quiet_since_ms is not None else "a day ago"
        last = local_time(r.last_change_ms, tz) if r.last_change_ms is not None else "now"
        return (f"Its logs kept changing from {since} to {last}, but no change brought a call: the agent probably"
                f" writes a format this version of tokenpulse does not read (the skipped lines below may say"
                f" why). The flag clears at the next call tokenpulse can read.")
    if r.state == "counting":
        return "Calls are counted."
    if r.state == "no_calls":
        return ("Log files were found, but none held a call this version reads: the skipped lines below may say"
                " why, or the agent has not been used for a request yet.")
    if r.state == "empty":
        return "A folder is there, but it holds no log file of this agent yet."
    where = (f"change them in {SETTINGS_PLACE}" if r.moved_by == SETTINGS_PLACE
             else f"set {r.env_var} or choose folders in {SETTINGS_PLACE}")
    return f"None of its folders exist: the agent is not installed here, or keeps its logs elsewhere ({where})."


def detail_lines(r: SourceReport, home: Path, tz: ZoneInfo, now_ms: int, explain: bool = True) -> list[str]:
    """Everything known of one source, one fact per line, for a terminal or a plain-text label."""
    lines = [escape_controls(explanation(r, tz))] if explain else []
    lines.append(f"folders ({r.chosen_by}):")
    lines.extend(f"    {escape_controls(tilde(f.path, home))} ({f.state})" for f in r.folders)
    lines.append(f"files read: {files_text(r)}")
    lines.append(f"last call counted: {last_call_text(r, tz, now_ms)}"
                 + (f", counted {local_time(r.last_counted_ms, tz)}" if r.last_counted_ms is not None else ""))
    if r.last_change_ms is not None:
        lines.append(f"files last changed: {local_time(r.last_change_ms, tz)} ({ago(r.last_change_ms, now_ms)})")
    reasons = r.skipped_by_reason()
    if not reasons:
        lines.append("lines skipped: none")
        return lines
    oldest = local_time(r.skips[-1][0], tz)
    scans = (f"in the last scan that skipped any ({oldest})" if len(r.skips) == 1
             else f"in the last {len(r.skips)} scans that skipped any (since {oldest})")
    lines.append(f"lines skipped: {sum(n for _, n in reasons):,}, {scans}")
    lines.extend(f"    {n:>8,}  {escape_controls(reason)}" for reason, n in reasons)
    return lines


def report_lines(reports: Iterable[SourceReport], home: Path, tz: ZoneInfo, now_ms: int) -> list[str]:
    """`tokenpulse sources`: a block per agent found (quiet ones first), then one line per agent not found."""
    ordered = sorted(reports, key=lambda r: r.state != "quiet")  # stable: otherwise the registry's order
    out: list[str] = []
    for r in ordered:
        if r.state == "missing":
            continue
        out.append(escape_controls(f"{r.label}: {state_text(r).upper() if r.went_quiet else state_text(r)}"))
        out.extend(f"  {line}" for line in detail_lines(r, home, tz, now_ms, explain=r.state != "counting"))
        out.append("")
    missing = [r for r in ordered if r.state == "missing"]
    if missing:
        out.append(f"Not found here (no folder exists; set the variable named, or choose folders in"
                   f" {SETTINGS_PLACE}):")
        out.extend(escape_controls(f"  {r.label} ({r.chosen_by}): {_folder_list(r, home)}") for r in missing)
        out.append("")
    quiet = [r.label for r in ordered if r.went_quiet]
    out.append(escape_controls(f"Went quiet: {', '.join(quiet)}." if quiet else "Went quiet: none."))
    out.append(f"(An agent goes quiet when its logs keep changing for {QUIET_AFTER_MS // 3_600_000} h and no change"
               " brings a call: a format this version does not read.)")
    return out


def _folder_list(r: SourceReport, home: Path) -> str:
    """A few folders on one line; an agent of many editors looks in a dozen, which --json and Settings list."""
    shown = ", ".join(tilde(f.path, home) for f in r.folders[:MAX_FOLDERS_ON_A_LINE])
    more = len(r.folders) - MAX_FOLDERS_ON_A_LINE
    return shown + (f" and {more} more folders (--json lists them)" if more > 0 else "")


# --- JSON ------------------------------------------------------------------------------------------------

def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _chosen(r: SourceReport) -> str:
    if r.moved_by == SETTINGS_PLACE:
        return "settings"
    return "environment" if r.moved_by else "default"


def report_json(reports: Iterable[SourceReport], now_ms: int) -> dict[str, Any]:
    """`tokenpulse sources --json`: every source with its health; times as UTC ISO 8601 and epoch ms."""
    sources = []
    for r in reports:
        times = {key: (_iso(ms), ms) for key, ms in (("last_call", r.last_call_ms), ("last_counted", r.last_counted_ms),
                                                    ("files_changed", r.last_change_ms),
                                                    ("quiet_since", r.quiet_since_ms))}
        sources.append({
            "name": r.name, "label": r.label, "state": r.state, "went_quiet": r.went_quiet,
            "chosen_by": _chosen(r), "env_var": r.env_var,
            "folders": [{"path": str(f.path), "state": f.state} for f in r.folders],
            "files": {"read": r.files_known, "gone": r.files_gone},
            **{key: iso for key, (iso, _ms) in times.items()},
            **{f"{key}_ms": ms for key, (_iso_text, ms) in times.items()},
            "skipped": {
                "lines": dict(r.skipped_by_reason()),
                "scans": [{"at": _iso(at), "at_ms": at, "lines": dict(reasons)} for at, reasons in r.skips],
            },
        })
    return {"now": _iso(now_ms), "quiet_after_hours": QUIET_AFTER_MS // 3_600_000, "sources": sources}
