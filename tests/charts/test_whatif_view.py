"""What if… in the charts: the range, the selected project and the shown chat re-priced at another model's rates,
with the per-model facts; every figure equal to `tokenpulse whatif --json` for the same days and scope."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from helpers import claude_line, cli_env, run_cli, write_lines

SONNET = "claude-sonnet-4-5-20250929"
OPUS = "claude-opus-4-5-20251101"
ODD = "/home/u/<b>odd</b>\u202egamma"  # a folder name from the logs: markup and a bidi override
# (session, folder, model, input, cache_write, cache_read, output); on 2026-03-01 UTC, a minute apart
CALLS = [
    ("chat-a", "/home/u/alpha", SONNET, 100, 2_000, 0, 10),
    ("chat-a", "/home/u/alpha", SONNET, 10, 500, 249_000, 20),  # sonnet's long-context tier
    ("chat-b", "/home/u/alpha/sub", SONNET, 40, 0, 1_000, 1_000),
    ("chat-c", "/home/u/beta", OPUS, 30, 300, 3_000, 5),
    ("chat-c", "/home/u/beta", OPUS, 30, 0, 3_300, 50),
    ("chat-d", "/home/u/beta", OPUS, 30, 0, 9_000, 5_000),
    ("chat-e", ODD, OPUS, 30, 0, 1_000, 7),
]
NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
TARGET = "claude-haiku-4-5"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    claude = tmp_path / "claude"
    for k, (session, folder, model, inp, cw, cr, out) in enumerate(CALLS):
        write_lines(claude / "projects" / session / f"{session}.jsonl",
                    [claude_line(msg_id=f"m{k}", req_id=f"r{k}", input=inp, cache_write=cw, cache_read=cr,
                                 output=out, model=model, ts=f"2026-03-01T10:{k:02d}:00.000Z", session=session,
                                 cwd=folder)], mode="a")
    data = cli_env(monkeypatch, tmp_path, claude=claude)
    assert run_cli(capsys, "scan")[0] == 0
    return data


def _cli(capsys: pytest.CaptureFixture[str], *scope: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run_cli(capsys, "whatif", "--json", "--no-scan", "--tz", "UTC", "--since", "2026-03-01",
                             "--until", "2026-03-01", "--model", TARGET, *scope)
    assert code == 0, err
    got = json.loads(out)
    got.pop("scope")
    return got  # type: ignore[no-any-return]


def _shown(qtbot, win, prefer_tab: str):  # type: ignore[no-untyped-def]
    dialog = win.open_whatif()
    with qtbot.waitSignal(dialog.sig_shown, timeout=10_000):
        dialog.set_model(TARGET)
    assert dialog.target.kind == {"projects": "project", "chats": "chat"}.get(prefer_tab, "all")
    return dialog


def _switch(qtbot, win, action) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
        action()


def test_the_ranges_what_if_is_the_clis(qtbot, open_window, store, capsys) -> None:  # type: ignore[no-untyped-def]
    win = open_window(store, now=NOW)
    _switch(qtbot, win, lambda: win.set_days(date(2026, 3, 1), date(2026, 3, 1)))
    dialog = _shown(qtbot, win, "overview")
    report = dialog.shown.report
    assert json.loads(json.dumps(report.as_dict())) == _cli(capsys)
    # what the dialog shows is that report: re-priced beside the actual cost, per model, and the total
    from tokenpulse.gui.charts.style import usd

    total = report.result.total
    words = dialog.headline.text()
    assert f"actual cost {usd(total.actual_cost)}" in words and f"on {TARGET} {usd(total.whatif_cost)}" in words
    cells = {row[1][0]: row[1] for row in dialog.repriced.rows}
    for m in report.result.rows:
        assert cells[m.model][6:8] == [usd(m.actual_cost), usd(m.whatif_cost)]
    assert "approximation" in dialog.note.text().lower() and "other answers" in dialog.note.text()
    facts = {row[1][0]: row[1] for row in dialog.facts.rows}
    assert facts[OPUS][1:3] == ["4", "3 (75%)"] and facts[SONNET][3] == "20"  # median output 20 of 10, 20, 1000
    # the chats on the dearest model that mostly wrote little, names from the logs as plain, escaped text
    light = {row[1][2]: row[1] for row in dialog.light.rows}
    assert set(light) == {"claude-code:chat-c", "claude-code:chat-e"}
    odd = light["claude-code:chat-e"][1]
    assert "\u202e" not in odd and "<b>odd</b>" in odd
    assert dialog.light_title.textFormat() == dialog.headline.textFormat() == dialog.note.textFormat()
    from PySide6.QtCore import Qt

    assert dialog.headline.textFormat() == Qt.TextFormat.PlainText


def test_the_selected_projects_and_the_shown_chats_what_if_are_the_clis(qtbot, open_window, store, capsys) -> None:  # type: ignore[no-untyped-def]
    win = open_window(store, now=NOW)
    _switch(qtbot, win, lambda: win.set_days(date(2026, 3, 1), date(2026, 3, 1)))
    _switch(qtbot, win, lambda: win.show_view("projects"))
    view = win.views["projects"]
    names = [p.name for p, _cells, _keys in view.projects_model.rows]
    view.select_row(names.index("/home/u/alpha"))
    dialog = _shown(qtbot, win, "projects")
    assert json.loads(json.dumps(dialog.shown.report.as_dict())) == _cli(capsys, "--project", "/home/u/alpha")
    assert dialog.shown.report.result.total.calls == 3  # its sub-folder's chat included, as the CLI counts it

    conn = sqlite3.connect(store / "tokenpulse.sqlite3")
    sid = conn.execute("SELECT id FROM chat_session WHERE session_key = 'chat-c'").fetchone()[0]
    conn.close()
    with qtbot.waitSignal(win.chats.sig_curve_shown, timeout=10_000):
        win.show_session(sid)
    dialog = _shown(qtbot, win, "chats")
    assert json.loads(json.dumps(dialog.shown.report.as_dict())) == _cli(capsys, "--chat", "chat-c")
    assert "claude-code:chat-c" in dialog.headline.text()
    # a chat of its list opens in Chats
    with qtbot.waitSignal(win.chats.sig_curve_shown, timeout=10_000, check_params_cb=lambda s: s == sid):
        dialog._on_light_double_clicked(dialog.light.index(0, 0))


def test_an_unknown_model_says_so_and_still_gives_the_facts(qtbot, open_window, store, capsys) -> None:  # type: ignore[no-untyped-def]
    win = open_window(store, now=NOW)
    dialog = win.open_whatif()
    with qtbot.waitSignal(dialog.sig_shown, timeout=10_000):
        dialog.set_model("no-such-model-zq")
    assert "no price is known offline" in dialog.headline.text() and not dialog.repriced.rows
    assert len(dialog.facts.rows) == 2
    assert TARGET in [dialog.model.itemText(i) for i in range(dialog.model.count())]  # the price table's models
