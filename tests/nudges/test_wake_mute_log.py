"""When the app must look again without a new call, "not for this chat", and the reminder log in the store."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from tokenpulse.config.settings import Reminders
from tokenpulse.insights.facts import ChatSnapshot
from tokenpulse.nudges.policy import DEFAULT_GRACE_MS, PolicyState, evaluate, mute_chat, next_wake_ms, snooze
from tokenpulse.nudges.timing import quiet_end_ms

UTC = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")
MIN = 60_000
NOW = int(datetime(2026, 4, 11, 12, 0, tzinfo=timezone.utc).timestamp() * 1000)
R = Reminders()


def _chat(context: int = 115_000, *, idle_ms: int = MIN, one_hour: bool = False, sid: int = 7) -> ChatSnapshot:
    return ChatSnapshot(session_id=sid, agent="Claude Code", project="/home/u/shop", calls=9, first_context=10_000,
                        context=context, last_ms=NOW - idle_ms, first_cost=0.05, last_cost=0.41, read_price=1e-6,
                        write_price=6e-6, one_hour_cache=one_hour)


def _old_state() -> PolicyState:
    return PolicyState(started_ms=NOW - 60 * MIN)


def test_wake_at_the_cache_expiry_of_a_long_chat() -> None:
    assert next_wake_ms(NOW, [_chat()], R, UTC, _old_state()) == NOW - MIN + 5 * MIN
    assert next_wake_ms(NOW, [_chat(one_hour=True)], R, UTC, _old_state()) == NOW - MIN + 60 * MIN
    assert next_wake_ms(NOW, [_chat(context=50_000)], R, UTC, _old_state()) is None  # below T: no reminder to come
    off = Reminders(cache_expiry=False)
    assert next_wake_ms(NOW, [_chat()], off, UTC, _old_state()) is None


def test_wake_when_grace_snooze_or_quiet_hours_end() -> None:
    fresh = PolicyState(started_ms=NOW - MIN)
    assert next_wake_ms(NOW, [], R, UTC, fresh) == NOW - MIN + DEFAULT_GRACE_MS
    assert next_wake_ms(NOW, [], R, UTC, snooze(_old_state(), NOW + 30 * MIN)) == NOW + 30 * MIN
    quiet = Reminders(quiet_start="11:00", quiet_end="13:30")
    assert next_wake_ms(NOW, [], quiet, UTC, _old_state()) == NOW + 90 * MIN
    assert next_wake_ms(NOW, [_chat()], quiet, UTC, _old_state()) == NOW + 4 * MIN  # the expiry comes first


def test_quiet_end_across_midnight_in_a_local_zone() -> None:
    # 23:30 in Paris (21:30 UTC, summer time): quiet 22:00-07:00 ends at 07:00 Paris = 05:00 UTC the next day
    late = int(datetime(2026, 7, 1, 21, 30, tzinfo=timezone.utc).timestamp() * 1000)
    end = quiet_end_ms(late, PARIS, "22:00", "07:00")
    assert end == int(datetime(2026, 7, 2, 5, 0, tzinfo=timezone.utc).timestamp() * 1000)
    assert quiet_end_ms(late, PARIS, "08:00", "09:00") is None  # not in force


def test_mute_stops_every_rule_for_that_chat_only() -> None:
    chats = [_chat(sid=7), _chat(sid=8)]
    muted = mute_chat(_old_state(), 7)
    due, _ = evaluate(NOW, chats, None, R, UTC, muted)
    assert [n.key for n in due] == ["fresh_chat:8:1"]
    expired = [_chat(sid=7, idle_ms=6 * MIN)]
    assert evaluate(NOW, expired, None, R, UTC, muted)[0] == []  # the cache-expiry rule is silent for it too
    assert next_wake_ms(NOW, [_chat(sid=7)], R, UTC, muted) is None
    again = PolicyState.from_json(muted.to_json(), started_ms=NOW)
    assert again.muted == frozenset({7})


def _store(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tokenpulse.store.db import connect

    conn = connect(tmp_path / "data" / "tokenpulse.sqlite3")
    conn.execute("INSERT INTO chat_session (id, source, session_key, project, first_ms, last_ms, models)"
                 " VALUES (1, 'claude-code', 's1', '/home/u/shop', ?, ?, '')", (NOW - 60 * MIN, NOW))
    return conn


def test_reminder_log_once_per_key_and_first_action_kept(tmp_path: Path) -> None:
    from tokenpulse.store import reminders

    conn = _store(tmp_path)
    try:
        kw = dict(key="fresh_chat:1:1", rule="fresh_chat", title="t", body="b", session_id=1,
                  project="/home/u/shop", shown_ms=NOW)
        assert reminders.log_shown(conn, **kw)
        assert not reminders.log_shown(conn, **{**kw, "shown_ms": NOW + 1})
        reminders.record_action(conn, "fresh_chat:1:1", "snooze_1h")
        reminders.record_action(conn, "fresh_chat:1:1", "mute_chat")
        [row] = reminders.recent(conn)
        assert (row.shown_ms, row.action, row.followed_ms) == (NOW, "snooze_1h", None)
        reminders.save_state(conn, '{"a": 1}')
        reminders.save_state(conn, '{"a": 2}')
        assert reminders.load_state(conn) == '{"a": 2}'
    finally:
        conn.close()


def test_followed_when_a_new_chat_starts_in_the_project_within_30_minutes(tmp_path: Path) -> None:
    from tokenpulse.store import reminders

    conn = _store(tmp_path)
    try:
        for key, shown in (("fresh_chat:1:1", NOW), ("cache_expired:1:5", NOW - 40 * MIN)):
            reminders.log_shown(conn, key=key, rule=key.split(":")[0], title="t", body="b", session_id=1,
                                project="/home/u/shop", shown_ms=shown)
        reminders.log_shown(conn, key="budget:day:x:80", rule="budget", title="t", body="b", session_id=None,
                            project=None, shown_ms=NOW)
        conn.execute("INSERT INTO chat_session (source, session_key, project, first_ms, last_ms, models)"
                     " VALUES ('claude-code', 'other', '/home/u/elsewhere', ?, ?, '')", (NOW + MIN, NOW + MIN))
        conn.execute("INSERT INTO chat_session (source, session_key, parent_key, project, first_ms, last_ms, models)"
                     " VALUES ('claude-code', 'sub', 's1', '/home/u/shop', ?, ?, '')", (NOW + MIN, NOW + MIN))
        assert reminders.mark_followed(conn, NOW + 2 * MIN) == 0  # another project, and a sub-agent: not fresh chats
        conn.execute("INSERT INTO chat_session (source, session_key, project, first_ms, last_ms, models)"
                     " VALUES ('claude-code', 'fresh', '/home/u/shop', ?, ?, '')", (NOW + 10 * MIN, NOW + 10 * MIN))
        assert reminders.mark_followed(conn, NOW + 11 * MIN) == 1  # the one shown 40 min before is too old
        followed = {r.key: r.followed_ms for r in reminders.recent(conn)}
        assert followed == {"fresh_chat:1:1": NOW + 10 * MIN, "cache_expired:1:5": None, "budget:day:x:80": None}
        assert reminders.follow_rate(conn, NOW - 60 * MIN, NOW + 60 * MIN) == (2, 1)
    finally:
        conn.close()
