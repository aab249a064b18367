"""The settings' list of the user's other e-mail addresses: read from TOML, written back, kept by other edits."""

from __future__ import annotations

from pathlib import Path

from tokenpulse.config import settings as settings_io
from tokenpulse.config.settings import Settings


def test_git_emails_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('git_emails = ["me@work.example", "123+me@users.noreply.github.com"]\n')
    loaded = settings_io.load(path)
    assert loaded.git_emails == ("me@work.example", "123+me@users.noreply.github.com")
    settings_io.save(settings_io.with_changes(loaded, timezone="Europe/Paris"), path)
    again = settings_io.load(path)
    assert again.git_emails == loaded.git_emails and again.timezone == "Europe/Paris"
    assert Settings().git_emails == ()
