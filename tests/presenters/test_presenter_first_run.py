"""The empty state's words: every folder per agent, whether it exists, and what put it there."""

from __future__ import annotations

from pathlib import Path

from tokenpulse.config.settings import Settings
from tokenpulse.presenters.first_run import SETTINGS_PLACE, looked_in, no_logs_lines


def test_defaults_variables_and_settings_are_told_apart() -> None:
    home = Path("/home/u")
    settings = Settings(source_roots={"gemini": ("/data/gem",)})
    looked = looked_in(settings, {"CODEX_HOME": "/srv/codex"}, home)
    by_agent = {item.agent: item for item in looked}
    assert by_agent["Claude Code"].moved_by is None and by_agent["Claude Code"].folder == home / ".claude/projects"
    assert [i.folder for i in looked if i.agent == "Claude Code"] == [home / ".config/claude/projects",
                                                                      home / ".claude/projects"]
    assert by_agent["Codex"].moved_by == "CODEX_HOME" and by_agent["Codex"].folder.parts[:3] == ("/", "srv", "codex")
    assert by_agent["Gemini CLI"].moved_by == SETTINGS_PLACE and by_agent["Gemini CLI"].folder == Path("/data/gem")
    lines = no_logs_lines(looked, home, lambda p: p == home / ".claude/projects")
    assert lines[:4] == ["No agent logs found. tokenpulse looked in:",
                         "  Claude Code (the default; CLAUDE_CONFIG_DIR moves it):",
                         "    ~/.config/claude/projects (missing)",
                         "    ~/.claude/projects (empty)"]
    assert lines[4:7] == ["  Codex (moved by CODEX_HOME):", "    /srv/codex/sessions (missing)",
                          "    /srv/codex/archived_sessions (missing)"]
    assert lines[7:9] == [f"  Gemini CLI (chosen in {SETTINGS_PLACE}):", "    /data/gem (missing)"]
    assert SETTINGS_PLACE in lines[-1] and "tokenpulse scan" in lines[-1]
