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
    dialog.reminders_tab.threshold.setValue(80_000)
    dialog.reminders_tab.budgets["weekly"].setValue(25.0)
    dialog.start_at_login.setChecked(True)
    s = dialog.settings()
    assert (s.timezone, s.source_roots, s.price_overrides) == ("Asia/Tokyo", {"codex": ("/srv/codex",)},
                                                               {"m": PriceOverride(1.0, 2.0)})
    assert (s.reminders.context_threshold, s.reminders.weekly_budget_usd, s.start_at_login) == (80_000, 25.0, True)


def _same_quiet_times(d: SettingsDialog) -> None:
    d.reminders_tab.quiet.setChecked(True)
    d.reminders_tab.quiet_end.setTime(d.reminders_tab.quiet_start.time())


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.zone.setCurrentText("Mars/Olympus"),
     "timezone: expected an IANA time zone name such as Europe/Paris, got 'Mars/Olympus'"),
    (_same_quiet_times, "the start and the end are the same time"),
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
    tab = dialog.reminders_tab
    for box, field in ((tab.threshold, "context_threshold"), (tab.growth, "growth_factor"),
                       (tab.min_calls, "min_calls"), (tab.recap, "recap_allowance")):
        assert (box.minimum(), box.maximum()) == settings_io.bounds(Reminders, field)
    low, high = settings_io.bounds(Reminders, "daily_output_goal")
    assert (tab.output_goal.minimum(), tab.output_goal.maximum()) == (low - 1, high)  # one below: "none"
    assert tab.budgets["daily"].maximum() == settings_io.bounds(Reminders, "daily_budget_usd")[1]


def test_save_writes_toml_that_loads_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, FULL, autostart_on=True)
    with qtbot.waitSignal(dialog.sig_settings_saved, timeout=1000) as blocker:
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    path = tmp_path / "settings.toml"
    settings_io.save(blocker.args[0], path)
    assert settings_io.load(path) == FULL


def test_fields_that_are_off_look_off(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Unticked: its fields are disabled; a budget of none is greyed; quiet hours are times, not placeholders."""
    from PySide6.QtGui import QPalette

    dialog = _dialog(qtbot, Settings())
    tab = dialog.reminders_tab
    assert tab.fresh_chat.isChecked() and tab.threshold.isEnabled()
    tab.fresh_chat.setChecked(False)
    assert not any(w.isEnabled() for w in (tab.threshold, tab.growth, tab.min_calls))
    assert not tab.quiet.isChecked() and not tab.quiet_start.isEnabled() and not tab.quiet_end.isEnabled()
    assert dialog.settings().reminders.quiet_start is None  # the times shown are not in force
    tab.quiet.setChecked(True)
    assert tab.quiet_start.isEnabled() and dialog.settings().reminders.quiet_start == "22:00"
    weekly = tab.budgets["weekly"]
    grey = weekly.palette().color(QPalette.ColorRole.PlaceholderText)
    assert weekly.text() == "none" and weekly.property("off") is True
    assert weekly.palette().color(QPalette.ColorRole.Text) == grey
    weekly.setValue(20.0)
    assert weekly.property("off") is False and weekly.palette().color(QPalette.ColorRole.Text) != grey
    # one width and one alignment for every field of the form
    widths = {w.width() for w in (tab.threshold, tab.growth, tab.recap, weekly, tab.quiet_start)}
    assert len(widths) == 1


def test_log_folders_show_whether_they_exist_and_their_logs(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    projects = tmp_path / "claude-a" / "projects" / "-home-u-p"
    projects.mkdir(parents=True)
    for i in range(3):
        (projects / f"s{i}.jsonl").write_text("{}\n")
    (projects / "notes.txt").write_text("not a log")
    settings = Settings(source_roots={"claude-code": (str(tmp_path / "claude-a"), str(tmp_path / "gone"))})
    dialog = _dialog(qtbot, settings)
    qtbot.waitUntil(lambda: "claude-code" in dialog.folder_status, timeout=5_000)
    found = {f.path: (f.exists, f.logs) for f in dialog.folder_status["claude-code"]}
    assert found == {str(tmp_path / "claude-a"): (True, 3), str(tmp_path / "gone"): (False, 0)}
    text = dialog.status_labels["claude-code"].text()
    assert "3 logs" in text and "does not exist" in text
    # a folder added in the dialog is counted too; one with markup in its name shows as text
    odd = tmp_path / "<b>odd<"
    odd.mkdir()
    dialog.add_root("codex", str(odd))
    qtbot.waitUntil(lambda: "codex" in dialog.folder_status
                    and dialog.folder_status["codex"][0].path == str(odd), timeout=5_000)
    assert "&lt;b&gt;odd&lt;" in dialog.status_labels["codex"].text()


def test_prices_show_each_models_built_in_price_and_which_have_none(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from helpers import CLAUDE_MODEL, claude_line, make_workspace, write_lines

    claude = tmp_path / "claude"
    write_lines(claude / "projects" / "p" / "s.jsonl", [
        claude_line(msg_id="a", req_id="a", ts="2026-03-01T10:00:00.000Z"),
        claude_line(msg_id="b", req_id="b", ts="2026-03-01T10:01:00.000Z"),
        claude_line(msg_id="c", req_id="c", ts="2026-03-01T10:02:00.000Z", model="made-up-model-9")])
    ws = make_workspace(tmp_path, claude=claude)
    try:
        ws.scan()
        database = ws.paths.database
        rates = ws.pricer.rates(CLAUDE_MODEL, "2026-03-01")
    finally:
        ws.close()
    sources = registry.all_sources()
    dialog = SettingsDialog(Settings(), sources, {s.name: [] for s in sources}, False, "UTC", database=database)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.builtin is not None, timeout=10_000)
    table = dialog.builtin_table
    rows = {table.item(r, 0).text(): [table.item(r, c).text() if table.item(r, c) else "" for c in range(1, 5)]
            for r in range(table.rowCount())}
    assert rates is not None
    assert rows[CLAUDE_MODEL][:3] == ["2", f"${rates.input[0]:,.4g}", f"${rates.output[0]:,.4g}"]
    assert rows["made-up-model-9"][:2] == ["1", "no built-in price"]
    assert "1 of 2 models have none: made-up-model-9" in dialog.builtin_note.text()
    table.cellDoubleClicked.emit(1, 0)  # a model without a price: a row to set one
    assert dialog.prices.rowCount() == 1 and dialog.prices.item(0, 0).text() == "made-up-model-9"
