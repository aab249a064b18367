"""The new agents' fixtures scanned together: every agent counted, and no conversation text from them (prompts,
replies, thinking, tool output, request text) anywhere in the data folder afterwards."""

from __future__ import annotations

from pathlib import Path

from agent_helpers import agent_workspace, fixture, sqlite_from_script

from test_privacy import data_files, harvest, leaks

JSON_AGENTS = {
    "amp": [fixture("amp")], "pi-agent": [fixture("pi"), fixture("pi_fork")], "openclaw": [fixture("openclaw")],
    "kimi": [fixture("kimi")], "droid": [fixture("droid")], "cline": [fixture("cline")], "roo-code": [fixture("roo")],
    "kilo-code": [fixture("kilocode")],
}
# Text the SQL fixtures store in their message and prompt columns.
DATABASE_TEXT = ["private prompt", "private system prompt", "kilo fixture"]


def test_no_conversation_text_from_the_new_agents_reaches_the_data_folder(tmp_path: Path) -> None:
    goose = tmp_path / "goose"
    sqlite_from_script(fixture("goose", "sessions.sql"), goose / "data" / "sessions" / "sessions.db")
    sqlite_from_script(fixture("hermes", "state.sql"), tmp_path / "hermes" / "state.db")
    sqlite_from_script(fixture("kilo", "kilo.sql"), tmp_path / "kilo" / "kilo.db")
    ws = agent_workspace(tmp_path / "ws", None, amp=fixture("amp"), pi=fixture("pi", "sessions"),
                         openclaw=fixture("openclaw"),
                         kimi=f"{fixture('kimi', 'home-a')},{fixture('kimi', 'home-b')}",
                         droid=fixture("droid", "sessions"), goose=goose, hermes=tmp_path / "hermes",
                         kilo=tmp_path / "kilo", cline=fixture("cline", "saoudrizwan.claude-dev"),
                         roo=fixture("roo", "rooveterinaryinc.roo-cline"),
                         kilocode=fixture("kilocode", "kilocode.kilo-code"))
    try:
        ws.scan()
        counted = dict(ws.conn.execute("SELECT source, count(*) FROM api_call GROUP BY source"))
    finally:
        ws.close()
    assert set(counted) == {*JSON_AGENTS, "goose", "hermes", "kilo"}, counted
    files = {agent: sorted(p for root in roots for p in root.rglob("*") if p.is_file())
             for agent, roots in JSON_AGENTS.items()}
    needles = harvest(files)
    assert all(needles[agent] for agent in JSON_AGENTS), {a: len(n) for a, n in needles.items()}
    stored = data_files(tmp_path / "ws" / "data")
    assert leaks(stored, [n for agent in JSON_AGENTS for n in needles[agent]] + DATABASE_TEXT) == []
