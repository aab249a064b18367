"""`tokenpulse limits [--json]`: the latest plan-limit reading of each provider's windows (issue 11).

The provider's own percentage with its age, reset countdown and pace; never a number derived from tokens. A
window whose reset has passed with no newer reading is shown as unknown since that reset. JSON: one object per
source and window, `{source, window, window_minutes, used_percent, resets_at, observed_at, plan}` (times ISO
8601 UTC) plus `scope`, `via` and `current`.

With a sync folder set (issue 14), each window is the newest reading from any device (this one or another
device's checked copy): plan windows are the account's, so never a sum. The JSON then names each reading's
`device`; the text names another device's ("as of 3 min ago on workstation").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokenpulse.untrusted_text import json_text

if TYPE_CHECKING:
    from tokenpulse.store.sync.scope import DeviceScope

NO_READINGS = ("No plan-limit readings yet. Codex writes them into its session logs as you work; Claude Code"
               " hands them to its status line: `tokenpulse statusline install` records them.")


def objects(conn: Any, now_ms: int, devices: DeviceScope | None = None) -> list[dict[str, Any]]:
    from tokenpulse.insights.plan_limits import windows
    from tokenpulse.insights.status_view import limit_object
    from tokenpulse.nudges.status import limit_record

    labelled = devices is not None and devices.labelled
    return [limit_object(limit_record(w), now_ms) | ({"device": w.device} if labelled else {})
            for w in windows(conn, devices)]


def run(workspace: Any, as_json: bool, scan: bool) -> int:
    from tokenpulse.cli.sync_command import report_devices
    from tokenpulse.platform.app_lock import app_running

    if scan and not app_running(workspace.paths.instance_lock):
        workspace.scan(wait=0.0)  # another scan holding the lock keeps the store current anyway
    now = workspace.clock.now_ms()
    every = ["all"] if workspace.settings.sync.folder else ["this"]  # account-wide: every device, whatever the view
    with report_devices(workspace, every, look=scan) as (conn, devices):
        if as_json:
            print(json_text(objects(conn, now, devices)))
            return 0
        print(text(conn, now, workspace.settings.timezone, devices))
    return 0


def text(conn: Any, now_ms: int, tz_name: str | None, devices: DeviceScope | None = None) -> str:
    from tokenpulse.clock import zone
    from tokenpulse.insights.plan_limits import LimitFacts, pending_resets, windows
    from tokenpulse.presenters.limits_text import clock, pace, reading

    tz = zone(tz_name)
    facts = LimitFacts(windows(conn, devices), pending_resets(conn, now_ms))  # hits: this device's own
    if not facts.windows:
        return NO_READINGS
    lines = []
    for _source, found in facts.by_source().items():
        plans = sorted({w.plan for w in found if w.plan})
        lines.append(found[0].label.split(" (")[0] + (f" (plan: {', '.join(plans)})" if plans else ""))
        for w in found:
            scope = f"[{w.scope}] " if w.scope else ""
            lines.append(f"  {scope}{reading(w, now_ms, tz)}")
            said = pace(w, now_ms)
            if said:
                lines.append(f"      {said}")
    recent = [p for p in facts.resets if p.hit_ms >= now_ms - 7 * 86_400_000]
    if recent:
        lines.append("Limit hits in the last 7 days:")
        lines.extend(f"  {p.source}: hit at {clock(p.hit_ms, tz, now_ms)}, reset at {clock(p.resets_ms, tz, now_ms)}"
                     for p in recent)
    return "\n".join(lines)
