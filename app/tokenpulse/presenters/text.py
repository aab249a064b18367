"""The words the tray shows: tooltip, menu status lines, the summary's headline, week and live-chat blocks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tokenpulse.insights.reread import GENERIC_FRESH_CHAT_HINT
from tokenpulse.presenters import limits_text
from tokenpulse.presenters.numbers import compact, grouped, money
from tokenpulse.presenters.plain import no_markup
from tokenpulse.presenters.waste_text import facts_text, live_waste_text, share_text, waste_line
from tokenpulse.snapshot import ImportProgress, LiveChat, Snapshot
from tokenpulse.store.queries import Totals

APP = "tokenpulse"
INDENT = "      "  # continuation lines in the menu
MAX_QUIET_LINES = 3  # agents that went quiet named one by one; more are counted
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Output first: it is the work; the other three are what the model was fed.
TOKEN_TYPES = (("output", "Output"), ("input", "Input"), ("cache_write", "Cache write"),
               ("cache_read", "Cache read"))


def type_counts(t: Totals) -> dict[str, int]:
    return {"output": t.output_tokens, "input": t.input_tokens, "cache_write": t.cache_write_tokens,
            "cache_read": t.cache_read_tokens}


def breakdown(t: Totals) -> str:
    """"output 12.3k · input 1.2k · cache write 45k · cache read 1.2M"."""
    counts = type_counts(t)
    return " · ".join(f"{label.lower()} {compact(counts[key])}" for key, label in TOKEN_TYPES)


def cost_text(t: Totals) -> str:
    if t.calls == 0:
        return money(0.0)
    if t.cost_usd is None:
        return "no price"
    text = money(t.cost_usd)
    return text + "+" if t.unpriced_calls else text  # some calls have no known price: a lower bound


def progress_text(p: ImportProgress) -> str:
    """"Importing 1,204 of 3,100 files"; "Importing…" while the files are still being counted (never "0 of 0")."""
    if p.total <= 0:
        return "Importing…"
    return f"Importing {grouped(p.done)} of {grouped(p.total)} files"


def project_name(project: str | None) -> str:
    if not project:
        return "unknown folder"
    return no_markup(os.path.basename(project.rstrip("/\\")) or project)


def live_title(live: LiveChat) -> str:
    return f"Live chat: {project_name(live.project)} ({live.agent}, {live.calls:,} calls)"


def window_share(live: LiveChat) -> str:
    """" (42 % of a 200k window)" when the model's window is known (issue 11 §5), else ""."""
    share = live.context_share
    return "" if share is None else f" ({share:.0%} of a {compact(live.context_window or 0)} window)"


def live_detail(live: LiveChat, threshold: int) -> str:
    """"context 84.2k of 100k (42 % of a 200k window)": the menu's and tooltip's first line on the live chat."""
    return f"context {compact(live.context_tokens)} of {compact(threshold)}{window_share(live)}"


def each(usd: float) -> str:
    """A per-message amount: a third decimal below ten cents ("$0.031"), where money() would say "$0.03"."""
    return f"${usd:.3f}" if 0 < usd < 0.1 else money(usd)


def reread_text(live: LiveChat) -> str:
    """"each message re-reads ≈ $0.031 · fresh chat 27k ≈ $0.008": what each message re-reads now against
    what a fresh chat would (insights.reread, the reminder's comparison); tokens alone without a known price.

    Never the first message's cost: a chat's first call writes its context to the cache at the dearer write
    price, so "now vs the first" made long chats look cheaper than fresh ones (issue 13 §1)."""
    r = live.reread
    now = f"≈ {each(r.cost)}" if r.cost is not None else compact(r.tokens)
    fresh = compact(r.fresh_tokens) + (f" ≈ {each(r.fresh_cost)}" if r.fresh_cost is not None else "")
    return f"each message re-reads {now} · fresh chat {fresh}"


def live_context_line(live: LiveChat, threshold: int) -> str:
    """The popup's context line; with the window known, a second line says the share (the popup is narrow)."""
    line = f"Context {compact(live.context_tokens)} tokens per message (reminder at {compact(threshold)})"
    share = live.context_share
    if share is None:
        return line
    return line + f"\n{share:.0%} of the model's {compact(live.context_window or 0)}-token context window"


def live_cost_line(live: LiveChat) -> str:
    """The popup's line under the context: `reread_text`, as a sentence."""
    text = reread_text(live)
    return text[0].upper() + text[1:]


def no_live_lines(snap: Snapshot) -> tuple[str, str]:
    """The popup's live-chat block without a live chat: its title and line. During the first import the recent
    calls may not be read yet, so it does not claim there were none."""
    if first_import_running(snap):
        return "Live chat", "Known once the logs are imported."
    return "No live chat", "No agent call in the last 10 minutes."


def live_waste_line(live: LiveChat) -> str | None:
    """"Long-chat waste so far: 1.2M tokens ≈ $0.36"; None until the chat's figures are computed."""
    text = live_waste_text(live.waste_tokens, live.waste_cost_usd)
    return None if text is None else text[0].upper() + text[1:]


def headline(snap: Snapshot) -> str:
    """"Today: 12.3k output · $3.40": the work first, what it cost beside it. During the first import "Today:
    importing… (30 % of the files)": the totals so far are partial, not the day's."""
    if first_import_running(snap):
        p = snap.importing
        done = f" ({share_text(min(p.done / p.total, 1.0))} of the files)" if p is not None and p.total > 0 else ""
        return f"Today: {IMPORTING}{done}"
    t = snap.today
    if t.calls == 0:
        return "Today: no calls yet"
    return f"Today: {compact(t.output_tokens)} output · {cost_text(t)}"


def week_waste(snap: Snapshot) -> str:
    """"Long-chat waste this week: $12.30 · 9 % of cost" (a share of cost: insights.waste)."""
    if first_import_running(snap):
        return f"Long-chat waste this week: {IMPORTING}"
    if snap.week.calls == 0:
        return "Long-chat waste this week: none yet"
    return waste_line(snap.week_facts.waste_cost, snap.week.cost_usd, "this week")


def week_facts(snap: Snapshot) -> str | None:
    """Where this week's cache-read spend went; None when none had a known price, or during the first import."""
    if first_import_running(snap):
        return None
    text = facts_text(snap.week_facts)
    return None if text is None else "This week's " + text[0].lower() + text[1:]


def cost_note(t: Totals) -> str | None:
    """Why a cost ends in "+", or None."""
    if not t.unpriced_calls:
        return None
    return (f"{t.unpriced_calls:,} calls used a model with no known price; the cost counts the others only"
            f" (set a price in Settings)")


def live_advice(snap: Snapshot) -> str | None:
    """The long-chat waste hint, once the live chat has passed the threshold: the reminder's argument (what a
    fresh chat would re-read and save) and what to do in that agent."""
    live = snap.live
    if live is None or live.context_tokens < snap.context_threshold:
        return None
    r = live.reread
    text = (f"Each message re-reads {compact(r.tokens)} tokens of history;"
            f" a fresh chat would re-read about {compact(r.fresh_tokens)}.")
    if r.saving is not None:
        text += f" Over the next {r.messages} messages a fresh chat saves ≈ {money(r.saving)}."
    hint = live.fresh_chat_hint or GENERIC_FRESH_CHAT_HINT
    return text + f" In {live.agent}: {no_markup(hint)}."


def clock_time(ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz).strftime("%H:%M")


def state_lines(snap: Snapshot) -> list[str]:
    """Import progress, pause, snooze and problems: the lines that say what the app is doing."""
    lines = []
    if snap.importing is not None:
        lines.append(progress_text(snap.importing))
    if snap.paused:
        lines.append("Watching paused: new log lines are not read")
    if snap.snoozed and snap.snoozed_until_ms is not None:
        lines.append(f"Reminders snoozed until {clock_time(snap.snoozed_until_ms, ZoneInfo(snap.tz))}")
    if snap.problems:
        more = f" (+{len(snap.problems) - 1} more)" if len(snap.problems) > 1 else ""
        lines.append(f"Problem: {snap.problems[0]}{more}")
    return lines


def quiet_lines(snap: Snapshot, short: bool = False) -> list[str]:
    """A line per agent that went quiet (source health): its logs keep changing, yet no call is counted.
    `short` for the tray menu, which does not wrap."""
    tz = ZoneInfo(snap.tz)
    lines = []
    for quiet in snap.quiet_sources[:MAX_QUIET_LINES]:
        since = "" if quiet.last_call_ms is None else " since " + day_month(quiet.last_call_ms, tz)
        label = no_markup(quiet.label)
        lines.append(f"{label} went quiet: no calls{since}" if short else
                     f"{label} went quiet: its logs keep changing, but no call was counted{since}."
                     f" Settings › Sources says more.")
    if len(snap.quiet_sources) > MAX_QUIET_LINES:
        lines.append(f"…and {len(snap.quiet_sources) - MAX_QUIET_LINES} more agents went quiet")
    return lines


def day_month(ms: int, tz: ZoneInfo) -> str:
    """"3 Mar" (the same in every locale)."""
    day = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz)
    return f"{day.day} {_MONTHS[day.month - 1]}"  # not %b: Qt sets the C library's locale


def status_lines(snap: Snapshot) -> list[str]:
    """The disabled lines at the top of the tray menu: short pairs, so the menu stays narrow."""
    lines = []
    for name, t in (("Today", snap.today), ("This week", snap.week)):
        if t.calls == 0:
            lines.append(f"{name}: no calls yet")
            continue
        counts = type_counts(t)
        lines.append(f"{name}: {cost_text(t)} — output {compact(t.output_tokens)}")
        lines.append(INDENT + " · ".join(f"{label.lower()} {compact(counts[key])}"
                                          for key, label in TOKEN_TYPES[1:]))
    if snap.live is not None:
        lines.append(live_title(snap.live))
        lines.append(INDENT + live_detail(snap.live, snap.context_threshold))
        lines.append(INDENT + reread_text(snap.live))
        waste = live_waste_text(snap.live.waste_tokens, snap.live.waste_cost_usd)
        if waste:
            lines.append(INDENT + waste)
    lines.extend(limits_text.menu_lines(snap))  # plan limits (issue 11)
    return lines + quiet_lines(snap, short=True) + state_lines(snap)


def tooltip(snap: Snapshot) -> str:
    """Plain text, a few short lines: tray hosts cut long tooltips."""
    t = snap.today
    lines = [f"{APP} — today {cost_text(t)}" if t.calls else f"{APP} — no calls today"]
    if t.calls:
        lines.append(breakdown(t))
    if snap.live is not None:
        lines.append(f"{live_title(snap.live)}")
        lines.append(live_detail(snap.live, snap.context_threshold))
        lines.append(reread_text(snap.live))
        waste = live_waste_text(snap.live.waste_tokens, snap.live.waste_cost_usd)
        if waste:
            lines.append(waste)
    tight = limits_text.tooltip_line(snap)  # plan limits (issue 11)
    if tight:
        lines.append(tight)
    return "\n".join(lines + state_lines(snap))


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    today: str
    week: str
    emphasis: bool = False


IMPORTING = "importing…"


def first_import_running(snap: Snapshot) -> bool:
    """Totals are partial until the (first, or a settings-triggered) import ends: not to be shown as final."""
    return not snap.ready and not snap.paused


def summary_rows(snap: Snapshot) -> list[Row]:
    """The popup's table: one row per token type, then cost, for today and this week ("importing…" until the
    first import ends, never a final-looking $0.00)."""
    if first_import_running(snap):
        return [Row(label, IMPORTING, IMPORTING, key == "output") for key, label in TOKEN_TYPES] + \
            [Row("Cost", IMPORTING, IMPORTING, True)]
    today, week = type_counts(snap.today), type_counts(snap.week)
    rows = [Row(label, compact(today[key]), compact(week[key]), key == "output") for key, label in TOKEN_TYPES]
    rows.append(Row("Cost", cost_text(snap.today), cost_text(snap.week), True))
    return rows


def spark_caption(snap: Snapshot) -> str:
    if first_import_running(snap):
        return f"Output, last {len(snap.spark_output)} days: {IMPORTING}"
    total = sum(snap.spark_output)
    return f"Output, last {len(snap.spark_output)} days: {compact(total)}"


def spark_dates(snap: Snapshot) -> tuple[str, str, str]:
    """The sparkline's first day, its middle and "today": "Sep 8", "Sep 15", "today"."""
    days = [date.fromisoformat(d) for d in snap.spark_days]
    if not days:
        return "", "", ""
    middle = days[len(days) // 2]
    return f"{days[0]:%b} {days[0].day}", f"{middle:%b} {middle.day}", "today"
