"""A generated history for the chart tests: Claude Code and Codex logs over months, with empty days, chats
that cross midnight, sub-agent chats and several models."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from helpers import add, claude_line, codex_file, codex_tc, codex_turn, usage, write_lines

START = date(2026, 1, 5)
DAYS = 70
MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001")
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)  # the day after the last generated day


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def active_days() -> list[date]:
    """Every day of the span except every fifth (zero days that the charts must show as zero)."""
    return [START + timedelta(days=i) for i in range(DAYS) if i % 5 != 3]


def claude_chat(root: Path, day: date, n: int, *, calls: int = 6, hour: int = 9, minute: int = 0,
                mode: str = "w", first_call: int = 0) -> Path:
    """One chat of `calls` calls a few minutes apart; every third chat runs a sub-agent."""
    session = f"chat-{day.isoformat()}-{n}"
    model = MODELS[(day.toordinal() + n) % len(MODELS)]
    t0 = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    lines = []
    for k in range(first_call, first_call + calls):
        t = t0 + timedelta(minutes=7 * k)
        lines.append(claude_line(msg_id=f"m-{session}-{k}", req_id=f"r-{session}-{k}", output=200 + 37 * k + n,
                                 input=20 + k, cache_write=1500 if k else 9000, cache_read=9000 + 2500 * k,
                                 model=model, ts=_iso(t), session=session, cwd=f"/home/u/proj-{n % 3}"))
        if (day.toordinal() + n) % 3 == 0 and k in (1, 2):
            lines.append(claude_line(msg_id=f"s-{session}-{k}", req_id=f"sr-{session}-{k}", output=90 + k,
                                     input=10, cache_write=400, cache_read=3000 + 100 * k, model=MODELS[2],
                                     ts=_iso(t + timedelta(seconds=30)), session=session, sidechain=True,
                                     agent_id="helper", cwd=f"/home/u/proj-{n % 3}"))
    return write_lines(root / "projects" / f"-home-u-proj-{n % 3}" / f"{session}.jsonl", lines, mode=mode)


def codex_chat(root: Path, day: date, n: int, calls: int = 4, hour: int = 15) -> Path:
    name = f"rollout-{day.isoformat()}T10-00-00-0199aaaa-0000-7000-8000-{day.toordinal():06d}{n:06d}"
    path = codex_file(root, name=name, day=day.strftime("%Y/%m/%d"))
    t0 = datetime(day.year, day.month, day.day, hour, 30, tzinfo=UTC)
    lines = [codex_turn(_iso(t0), model="gpt-5.1-codex", cwd="/home/u/proj-codex")]
    total = usage(0, 0, 0)
    for k in range(calls):
        last = usage(4000 + 1000 * k, 3000 + 900 * k, 150 + 10 * k, 20)
        total = add(total, last)
        lines.append(codex_tc(_iso(t0 + timedelta(minutes=3 * k + 1)), total, last))
    return write_lines(path, lines)


def write_history(claude: Path, codex: Path) -> None:
    for i, day in enumerate(active_days()):
        claude_chat(claude, day, 0, hour=8 + day.toordinal() % 10)  # from 08:00 to 17:00
        if i % 2 == 0:
            claude_chat(claude, day, 1, hour=23, minute=40, calls=5)  # crosses midnight UTC
        if i % 4 == 1:
            codex_chat(codex, day, 0, hour=11 + day.toordinal() % 7)
