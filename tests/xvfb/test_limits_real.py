"""Plan limits on a real screen (issue 11), on trayer and on a StatusNotifier host with dunst: the app fed a Codex log with rate limits and a Claude
Code status-line reading (through `tokenpulse statusline` while the app runs); screenshots of the summary's Plan
limits block, the icon, the tooltip, the menu and the charts' Plan limits view, in tests/xvfb/screenshots/ (the SNI
host's as sni-limits-*.png).

Skipped when a program is missing, except in CI (TP_REQUIRE_XVFB=1: then it fails).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from desktop_session import host_display
from xserver import needs

from helpers import claude_line, codex_file, codex_meta, codex_turn, usage, write_lines

HERE = Path(__file__).resolve().parent
SHOTS = HERE / "screenshots"
REPO = HERE.parents[1]

pytestmark = [pytest.mark.xvfb, needs("Xvfb", "xdotool", "xdpyinfo")]
x_display = host_display((140, 179))  # trayer, then the SNI host and dunst


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _logs(claude: Path, codex: Path, now: datetime) -> dict[str, object]:
    """A live Claude Code chat (below any fresh-chat reminder); six hours of Codex with a limit hit, a reset, and
    the new window filling."""
    write_lines(claude / "projects/-home-u-src-tokenpulse/live.jsonl", [
        claude_line(msg_id=f"m{i}", req_id=f"r{i}", output=900 + 40 * i, input=5, cache_write=3_000,
                    cache_read=6_000 * i, ts=_iso(now - timedelta(minutes=5 - i * 0.45)), session="live",
                    cwd="/home/u/src/tokenpulse") for i in range(1, 11)])
    lines = [codex_meta(_iso(now - timedelta(days=3)), "0199bbbb-0000-7000-8000-000000000002", cwd="/home/u/src/api"),
             codex_turn(_iso(now - timedelta(days=3)), model="gpt-5.2-codex", cwd="/home/u/src/api")]
    total, reset, five, week, hits = usage(0), None, 0.0, 20.0, 0
    week_reset = int((now + timedelta(days=4)).timestamp())
    for k in range(3 * 48):  # every half hour of three days, nights off (00:00–08:00 UTC)
        t = now - timedelta(minutes=30 * (3 * 48 - 1 - k))
        if t.hour < 8:
            continue
        if reset is None or t >= reset:  # a new 5-hour window starts with this turn
            reset, five = t + timedelta(hours=5), 0.0
        elif five >= 100.0:
            continue  # stopped at the limit until the window resets
        five = min(100.0, five + (13.0, 7.0, 9.0)[k // 48])  # the first day hits the limit, today does not
        week = round(week + 0.5, 1)
        limits = {"limit_id": "codex", "plan_type": "plus",
                  "primary": {"used_percent": five, "window_minutes": 300, "resets_at": int(reset.timestamp())},
                  "secondary": {"used_percent": week, "window_minutes": 10080, "resets_at": week_reset}}
        last = usage(20_000 + 900 * (k % 20), 15_000 + 900 * (k % 20), 400 + 30 * (k % 7), 100)
        total = {key: total.get(key, 0) + last[key] for key in last}
        lines.append(json.dumps({"timestamp": _iso(t), "type": "event_msg", "payload": {
            "type": "token_count", "rate_limits": limits,
            "info": {"total_token_usage": total, "last_token_usage": last, "model_context_window": 258400}}}))
        if five >= 100.0:
            hits += 1
            lines.append(json.dumps({"timestamp": _iso(t + timedelta(seconds=20)), "type": "event_msg", "payload": {
                "type": "task_complete", "error": {"message": "You've hit your usage limit.",
                                                   "codex_error_info": "usage_limit_exceeded"}}}))
    write_lines(codex_file(codex, name="rollout-2026-03-01T10-00-00-0199bbbb-0000-7000-8000-000000000002"), lines)
    expected = {"five": five, "five_current": reset is not None and reset > now, "week": week, "hits": hits}
    s = int(now.timestamp())
    return {"hook_event_name": "Status", "session_id": "live", "transcript_path": "/home/u/live.jsonl",
            "cwd": "/home/u/src/tokenpulse", "model": {"id": "claude-sonnet-4-5-20250929", "display_name": "Sonnet 4.5"},
            "workspace": {"current_dir": "/home/u/src/tokenpulse", "project_dir": "/home/u/src/tokenpulse"},
            "version": "2.1.90", "cost": {"total_cost_usd": 2.31},
            "context_window": {"context_window_size": 200_000, "used_percentage": 60,
                               "current_usage": {"input_tokens": 5, "output_tokens": 1300,
                                                 "cache_creation_input_tokens": 3_000,
                                                 "cache_read_input_tokens": 117_000}},
            "rate_limits": {"five_hour": {"used_percentage": 82, "resets_at": s + 80 * 60},
                            "seven_day": {"used_percentage": 35, "resets_at": s + 2 * 86_400 + 3_600}},
            "expected": expected}


def test_plan_limits_on_a_real_screen(x_display: dict[str, str], tmp_path: Path) -> None:
    claude, codex = tmp_path / "claude", tmp_path / "codex"
    payload = _logs(claude, codex, datetime.now(UTC))
    expected = payload.pop("expected")
    (tmp_path / "statusline-input.json").write_text(json.dumps(payload))
    SHOTS.mkdir(exist_ok=True)
    sni = x_display["TP_TRAY_HOST"] == "sni"
    for old in SHOTS.glob("sni-limits-*.png" if sni else "limits-*.png"):
        old.unlink()
    env = dict(x_display, PYTHONPATH=os.pathsep.join([str(REPO / "app"), str(REPO / "tests")]))
    run = subprocess.run([sys.executable, str(HERE / "limits_driver.py"), str(tmp_path / "data"), str(claude),
                          str(codex), str(SHOTS)], env=env, capture_output=True, text=True, timeout=240, check=False)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("RESULT ")]
    assert run.returncode == 0 and lines, f"driver failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    r = json.loads(lines[-1][len("RESULT "):])
    assert r["platform"] == "xcb" and r["tray_available"] and r["tray_mode"] and r["ready"]
    assert r["statusline_output"].startswith("Sonnet 4.5 · ctx 120k of 200k (60%)")
    assert "5h 82%" in r["statusline_output"] and "7d 35%" in r["statusline_output"]
    assert r["both_sources"], r["windows"]
    # the reminders: each current window at 80 % or more once, at its level (95 % above that); Claude Code's 5-hour
    # window at 82 % (its status-line reading) at the 80 % level, in Qt's balloon on trayer (no notification server
    # there), in dunst on the SNI host
    claude = "Claude Code: 5-hour window at 82 %"
    codex_due = expected["five_current"] and expected["five"] >= 80
    assert sorted(r["reminder_titles"]) == sorted([claude] + ([f"Codex: 5-hour window at {expected['five']:g} %"]
                                                              if codex_due else [])), r["reminder_titles"]
    claude_key = next(k for k in r["reminder_keys"] if k.startswith("plan_limit:claude-code::5h:"))
    channel = "notification" if sni else "balloon"
    assert claude_key.endswith(":80") and [claude_key, channel] in r["reminder_channels"], r["reminder_channels"]
    if sni:
        assert r["registered"] and r["notification_displayed"], "the reminders are not on screen in dunst"
        calls = r["notify_calls"]
        assert sorted(c["summary"] for c in calls) == sorted(r["reminder_titles"]), calls
        shown = [next(c["body"] for c in calls if c["summary"] == claude)]
    else:
        assert r["reminder_balloon"], r["balloon_texts"]
        shown = next(texts for texts in r["balloon_texts"] if claude in texts)
    assert any(t.startswith("Claude Code reports 82\u00a0% of your 5-hour window used. It resets in 1\u00a0h")
               for t in shown), shown
    assert sorted(map(tuple, r["windows"])) == [("claude-code", "5h", 82.0), ("claude-code", "7d", 35.0),
                                                ("codex", "5h", expected["five"]), ("codex", "7d", expected["week"])]
    codex_tighter = expected["five_current"] and expected["five"] > 82
    tight = f"Plan: Codex 5 h at {expected['five']:g} % · resets " if codex_tighter else \
        "Plan: Claude Code 5 h at 82 % · resets "
    assert r["tooltip_shown"] and tight in r["tooltip_text"], r["tooltip_text"]
    assert any(i.startswith("Claude Code: 5 h 82 % (resets ") for i in r["menu_items"])
    codex_5h = f"Codex: 5 h {expected['five']:g} % (resets " if expected["five_current"] else \
        "Codex: 5 h unknown since its reset"
    assert any(i.startswith(codex_5h) for i in r["menu_items"]), r["menu_items"]
    assert "Claude Code status line" in r["menu_items"]
    assert r["popup_shown"]
    rows = [tuple(row) for row in r["block_rows"]]
    assert [row[:3] for row in rows] == [("Claude Code", "5 h", 82.0), ("", "7 d", 35.0),
                                         ("Codex · plan plus", "5 h", expected["five"] if expected["five_current"]
                                          else None), ("", "7 d", expected["week"])]
    assert rows[0][3].startswith("82 % · resets in 1 h") and "as of" in rows[0][3]
    assert r["chart_drawn"]
    assert r["chart"]["lines"] == ["Claude Code 5h", "Claude Code 7d", "Codex 5h", "Codex 7d"]
    assert r["chart"]["resets"] >= 3 and r["chart"]["hits"] == expected["hits"] >= 1 and r["chart"]["hours"] >= 20
    for name, path in r["shots"].items():  # a 27 × 35 icon in flat colours compresses to under a kilobyte
        assert Path(path).stat().st_size > (400 if name == "icon" else 1_000), f"empty screenshot {path}"
