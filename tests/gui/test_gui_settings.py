"""The settings form round-trips every field, refuses nonsense, and saving writes TOML and re-plans the worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from tokenpulse.config import settings as settings_io
from tokenpulse.config.settings import PriceOverride, Reminders, Settings
from tokenpulse.gui.settings_dialog import SettingsDialog
from tokenpulse.sources import registry

FULL = Settings(
    timezone="Europe/Paris",
    source_roots={"claude-code": ("/data/claude-a", "/data/claude-b")},
    price_overrides={"my-model": PriceOverride(input=1.5, output=7.0, cache_read=0.15),
                     "other": PriceOverride(input=2.0, output=8.0, cache_write_5m=2.5, cache_write_1h=4.0)},
    reminders=Reminders(fresh_chat=False, context_threshold=150_000, growth_factor=3.5, min_calls=12,
                        recap_allowance=4_000, cache_expiry=False, quiet_start="22:00", quiet_end="07:30",
                        daily_budget_usd=5.0, weekly_budget_usd=None, monthly_budget_usd=80.0,
                        daily_output_goal=50_000),
    start_at_login=True)


def _dialog(qtbot, settings: Settings, autostart_on: bool = False) -> SettingsDialog:  # type: ignore[no-untyped-def]
    sources = registry.all_sources()
    defaults = {s.name: [Path(f"/home/u/.{s.name}")] for s in sources}
    dialog = SettingsDialog(settings, sources, defaults, autostart_on, "UTC")
    qtbot.addWidget(dialog)
    return dialog


def test_every_field_round_trips(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, FULL, autostart_on=True)
    assert dialog.settings() == FULL


def test_defaults_round_trip_and_the_form_shows_default_folders(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, Settings())
    assert dialog.settings() == Settings()
    assert dialog.zone.currentText() == "System (UTC)"
    labels = [w.text() for w in dialog.findChildren(type(dialog.error)) if "default folders" in w.text()]
    assert any("/home/u/.claude-code" in t and "$CLAUDE_CONFIG_DIR" in t for t in labels)


def test_edits_become_settings(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, Settings())
    dialog.zone.setCurrentText("Asia/Tokyo")
    dialog.add_root("codex", "/srv/codex")
    dialog.add_price_row("m", PriceOverride(1.0, 2.0))
    dialog.threshold.setValue(80_000)
    dialog.budgets["weekly"].setValue(25.0)
    dialog.start_at_login.setChecked(True)
    s = dialog.settings()
    assert (s.timezone, s.source_roots, s.price_overrides) == ("Asia/Tokyo", {"codex": ("/srv/codex",)},
                                                               {"m": PriceOverride(1.0, 2.0)})
    assert (s.reminders.context_threshold, s.reminders.weekly_budget_usd, s.start_at_login) == (80_000, 25.0, True)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.zone.setCurrentText("Mars/Olympus"),
     "timezone: expected an IANA time zone name such as Europe/Paris, got 'Mars/Olympus'"),
    (lambda d: (d.quiet_start.setText("25:00"), d.quiet_end.setText("08:00")), "reminders.quiet_start: expected a time like 22:00, got '25:00'"),
    (lambda d: d.quiet_start.setText("22:00"), "quiet hours need both quiet_start and quiet_end (or neither)"),
    (lambda d: d.add_price_row("m", None), "input and output prices are needed"),
    (lambda d: d.add_price_row("m", PriceOverride(1e9, 2.0)),
     "price_overrides.m.input: expected a price in US dollars per million tokens from 0 to 1,000,000"),
    (lambda d: d.add_root("codex", "relative/logs"),
     "source_roots.codex (item 1): expected an absolute folder (or one under ~) without commas"),
])
def test_nonsense_is_refused_with_a_reason(qtbot, edit, message) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, Settings())
    edit(dialog)
    saved: list[object] = []
    dialog.sig_settings_saved.connect(saved.append)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    assert saved == [] and message in dialog.error.text()


def test_bad_price_cell(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, Settings())
    dialog.add_price_row("m", PriceOverride(1.0, 2.0))
    dialog.prices.item(0, 2).setText("cheap")
    with pytest.raises(ValueError, match="Output 'cheap' is not a number"):
        dialog.settings()


def test_the_form_offers_exactly_the_ranges_the_schema_allows(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, Settings())
    for box, field in ((dialog.threshold, "context_threshold"), (dialog.growth, "growth_factor"),
                       (dialog.min_calls, "min_calls"), (dialog.recap, "recap_allowance")):
        assert (box.minimum(), box.maximum()) == settings_io.bounds(Reminders, field)
    low, high = settings_io.bounds(Reminders, "daily_output_goal")
    assert (dialog.output_goal.minimum(), dialog.output_goal.maximum()) == (low - 1, high)  # one below: "none"
    assert dialog.budgets["daily"].maximum() == settings_io.bounds(Reminders, "daily_budget_usd")[1]


def test_save_writes_toml_that_loads_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, FULL, autostart_on=True)
    with qtbot.waitSignal(dialog.sig_settings_saved, timeout=1000) as blocker:
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    path = tmp_path / "settings.toml"
    settings_io.save(blocker.args[0], path)
    assert settings_io.load(path) == FULL
