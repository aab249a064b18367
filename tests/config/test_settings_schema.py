"""settings.toml against its one schema: a wrong type, a number out of range, an unknown key or zone is refused
as a whole with the setting named; nothing read from the settings can make a scan drop calls; saving
round-trips exactly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import claude_line, cli_env, run_cli, write_lines
from tokenpulse.config import settings as settings_io
from tokenpulse.config.settings import PriceOverride, Reminders, Settings, SettingsError

BAD_FILES = [
    # the cases
    ('forgotten_projects = "/home/dev/api"', "forgotten_projects: expected a list of folders, got a string"),
    ('[source_roots]\nclaude-code = "x"', "source_roots.claude-code: expected a list of folders, got a string"),
    ("timezone = 5", "timezone: expected an IANA time zone name such as Europe/Paris, got the number 5"),
    ("[reminders]\nmin_calls = 123456789012345678901234567890",
     "reminders.min_calls: expected a number of calls from 1 to 10,000, got a number of about 30 digits"),
    ("[reminders]\ncontext_threshold = -100000",
     "reminders.context_threshold: expected a number of tokens from 1,000 to 10,000,000, got -100000"),
    ("[price_overrides.m]\ninput = 1e308\noutput = 1.0",
     "price_overrides.m.input: expected a price in US dollars per million tokens from 0 to 1,000,000, got 1e+308"),
    # more of the same kind
    ("[price_overrides.m]\ninput = 1.0\noutput = inf",
     "price_overrides.m.output: expected a price in US dollars per million tokens from 0 to 1,000,000, got inf"),
    ("[price_overrides.m]\ninput = nan\noutput = 1.0",
     "price_overrides.m.input: expected a price in US dollars per million tokens from 0 to 1,000,000, got nan"),
    ('[price_overrides."my model"]\ninput = 1.0', 'price_overrides."my model".output: missing (it is required)'),
    ('timezone = "Mars/Olympus"',
     "timezone: expected an IANA time zone name such as Europe/Paris, got 'Mars/Olympus'"),
    ('timezone = "/etc/passwd"',
     "timezone: expected an IANA time zone name such as Europe/Paris, got '/etc/passwd'"),
    ("[reminders]\ngrowth_factor = 0.5", "reminders.growth_factor: expected a factor from 1 to 100, got 0.5"),
    ("[reminders]\nrecap_allowance = -1",
     "reminders.recap_allowance: expected a number of tokens from 0 to 1,000,000, got -1"),
    ("[reminders]\ndaily_budget_usd = -5.0",
     "reminders.daily_budget_usd: expected an amount in US dollars more than 0 and at most 1,000,000, got -5.0"),
    ("[reminders]\ndaily_output_goal = 0",
     "reminders.daily_output_goal: expected a number of output tokens from 1 to 100,000,000, got 0"),
    ('[reminders]\nquiet_start = "25:00"\nquiet_end = "08:00"',
     "reminders.quiet_start: expected a time like 22:00, got '25:00'"),
    ('[reminders]\nquiet_start = "22:00"', "reminders: quiet hours need both quiet_start and quiet_end (or neither)"),
    ("[reminders]\nfresh_chat = 1", "reminders.fresh_chat: expected true or false, got the number 1"),
    ("reminders = 5", "reminders: expected a table, got the number 5"),
    ('forgotten_projects = ["/home/u/a", ""]',
     "forgotten_projects (item 2): expected an absolute folder such as /home/you/project (not / itself), got ''"),
    ('forgotten_projects = ["/"]',
     "forgotten_projects (item 1): expected an absolute folder such as /home/you/project (not / itself), got '/'"),
    ('forgotten_projects = ["home/u/a"]', "forgotten_projects (item 1): expected an absolute folder such as"
                                          " /home/you/project (not / itself), got 'home/u/a'"),
    ('[source_roots]\nclaude-code = ["/a,b"]',
     "source_roots.claude-code (item 1): expected an absolute folder (or one under ~) without commas, got '/a,b'"),
    ('[source_roots]\nClaude = ["/a"]', "source_roots: expected an agent name such as claude-code as a key,"
                                        " got 'Claude'"),
    ('[price_overrides.""]\ninput = 1.0\noutput = 1.0', "price_overrides: expected a model name as a key, got ''"),
    ("schema_version = 2", "schema_version: this file was written by a newer tokenpulse (format 2; this one reads"
                           " up to 1)"),
    # unknown keys are refused, never ignored: a misspelt setting would silently keep its default
    ('colour = "red"', "colour: unknown setting (known here: timezone, source_roots, price_overrides, reminders,"
                       " start_at_login, rescan_minutes, forgotten_projects, git_emails, sync, limits, schema_version)"),
    ("[reminders]\ncontex_threshold = 5000", "reminders.contex_threshold: unknown setting (known here: fresh_chat,"
     " context_threshold, growth_factor, min_calls, recap_allowance, cache_expiry, quiet_start, quiet_end,"
     " daily_budget_usd, weekly_budget_usd, monthly_budget_usd, daily_output_goal)"),
    ("timezone = [unclosed", "is not valid TOML: Invalid value (at line 1, column 13)"),
]


@pytest.mark.parametrize("text, problem", BAD_FILES, ids=[b[1][:40] for b in BAD_FILES])
def test_a_bad_file_is_refused_with_the_setting_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(SettingsError) as refused:
        settings_io.load(path)
    assert str(refused.value) == f"{path}: {problem}"


def test_a_control_character_in_a_bad_value_is_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('forgotten_projects = ["rel\\u001b[2J"]\n[price_overrides."m\\u001b]52"]\ninput = 1.0\n')
    with pytest.raises(SettingsError) as refused:
        settings_io.load(path)
    assert "\x1b" not in str(refused.value) and "\\x1b[2J" in str(refused.value)
    path.write_text('[price_overrides."m\\u001b]52"]\ninput = 1.0\n')
    with pytest.raises(SettingsError, match=r'price_overrides\."m\\u001b\]52"\.output: missing'):
        settings_io.load(path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b'timezone = "\xff"\n')
    with pytest.raises(SettingsError, match="is not UTF-8 text"):
        settings_io.load(path)


# ---------------------------------------------------------------------------------------------------------
# Refused as a whole: the CLI exits 2 and scans nothing, so no call is dropped and no cursor advances
# ---------------------------------------------------------------------------------------------------------

def _logs(claude: Path) -> int:
    for k, project in enumerate(("/home/dev/api", "/home/dev/web", "/srv/x")):
        write_lines(claude / f"projects/p{k}/s{k}.jsonl",
                    [claude_line(msg_id=f"m{k}-{i}", req_id=f"r{k}-{i}", session=f"s{k}", cwd=project, output=i + 1)
                     for i in range(4)])
    return 12


def test_a_string_for_forgotten_projects_stops_the_cli_and_loses_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    calls = _logs(tmp_path / "claude")
    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    data.mkdir(parents=True)
    (data / "settings.toml").write_text('forgotten_projects = "/home/dev/api"\n')
    for command in (("daily", "--json"), ("scan",), ("status", "--json"), ("projects",)):
        code, out, err = run_cli(capsys, *command)
        assert (code, out) == (2, ""), err
        assert err == (f"tokenpulse: {data / 'settings.toml'}: forgotten_projects: expected a list of folders,"
                       " got a string\n")
    code, _, err = run_cli(capsys, "forget", "--project", "/home/dev/web", "--yes")
    assert code == 2 and err.count("\n") == 1 and "expected a list of folders, got a string" in err
    (data / "settings.toml").write_text("forgotten_projects = []\n")  # fixed: every call is still there to count
    code, out, err = run_cli(capsys, "daily", "--json")
    assert code == 0, err
    assert sum(row["calls"] for row in json.loads(out)) == calls


def test_forget_refuses_a_folder_the_settings_cannot_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    calls = _logs(tmp_path / "claude")
    data = cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    assert run_cli(capsys, "scan")[0] == 0
    code, _, err = run_cli(capsys, "forget", "--project", "/", "--yes")
    assert code == 2 and "forgotten_projects (item 1): expected an absolute folder" in err, err
    assert not (data / "settings.toml").exists()
    code, out, _ = run_cli(capsys, "daily", "--json")
    assert sum(row["calls"] for row in json.loads(out)) == calls


# ---------------------------------------------------------------------------------------------------------
# Nothing read from the settings drops a call a scan would otherwise count
# ---------------------------------------------------------------------------------------------------------

_text = st.text(alphabet=st.sampled_from("/~.ab -,\x00\x1b"), max_size=8)
_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | _text,
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                       max_leaves=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forgotten=_values, roots=_values)
def test_no_accepted_settings_forget_a_project_outside_the_listed_folders(forgotten: object, roots: object) -> None:
    from tokenpulse.ingest.scanner import _Forgotten
    from tokenpulse.ingest.summary import ScanSummary
    from tokenpulse.usage import ApiCall

    data = {"forgotten_projects": forgotten, "source_roots": {"claude-code": roots}}
    try:
        accepted = settings_io.from_dict({k: v for k, v in data.items() if v is not None})
    except SettingsError as exc:
        assert "\n" not in str(exc) and "\x1b" not in str(exc) and "\x00" not in str(exc)
        return
    assert all(f.startswith("/") and f.strip("/") for f in accepted.forgotten_projects)
    assert all(r.startswith(("/", "~")) and "," not in r for roots in accepted.source_roots.values() for r in roots)
    unrelated = ApiCall(source="claude-code", dedupe_key=b"k", session_key="s", ts_ms=1, model="m", output=1,
                        project="/zz-unrelated/project")
    assert _Forgotten(accepted.forgotten_projects).drop([unrelated], ScanSummary()) == [unrelated]


# ---------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------

def _price() -> st.SearchStrategy[float]:
    return st.floats(min_value=0, max_value=1_000_000.0)  # settings.MAX_PRICE_USD


_overrides = st.builds(PriceOverride, _price(), _price(), st.none() | _price(), st.none() | _price(),
                       st.none() | _price())
_clock = st.sampled_from(["00:00", "07:30", "22:00", "23:59"])
_folder = st.text(alphabet=st.characters(blacklist_characters="\x00/,", blacklist_categories=("Cs",)), min_size=1,
                  max_size=12).map(lambda s: "/home/u/" + s)
_reminders = st.builds(
    Reminders, fresh_chat=st.booleans(), context_threshold=st.integers(1_000, 10_000_000),
    growth_factor=st.floats(1.0, 100.0), min_calls=st.integers(1, 10_000), recap_allowance=st.integers(0, 1_000_000),
    cache_expiry=st.booleans(), daily_budget_usd=st.none() | st.floats(0.01, 1_000_000),
    weekly_budget_usd=st.none() | st.floats(0.01, 1_000_000), monthly_budget_usd=st.none() | st.floats(0.01, 1e6),
    daily_output_goal=st.none() | st.integers(1, 100_000_000)).flatmap(
    lambda r: st.one_of(st.just(r), st.tuples(_clock, _clock).map(
        lambda q: settings_io.with_changes(r, quiet_start=q[0], quiet_end=q[1]))))
_settings = st.builds(
    Settings, timezone=st.sampled_from([None, "UTC", "Europe/Paris", "Asia/Kathmandu", "America/Argentina/Salta"]),
    source_roots=st.dictionaries(st.sampled_from(["claude-code", "codex", "gemini"]),
                                 st.lists(_folder, max_size=3).map(tuple), max_size=3),
    price_overrides=st.dictionaries(st.text(min_size=1, max_size=20), _overrides, max_size=3),
    reminders=_reminders, start_at_login=st.booleans(), forgotten_projects=st.lists(_folder, max_size=4).map(tuple))


@settings(max_examples=150, deadline=None)
@given(_settings)
def test_saving_round_trips_exactly(tmp_path_factory: pytest.TempPathFactory, chosen: Settings) -> None:
    path = tmp_path_factory.mktemp("rt") / "settings.toml"
    settings_io.save(chosen, path)
    assert settings_io.load(path) == chosen
    first = path.read_bytes()
    settings_io.save(settings_io.load(path), path)
    assert path.read_bytes() == first  # nothing drifts over repeated saves
    assert settings_io.last_good_path(path).read_bytes() == first


def test_floats_keep_every_bit(tmp_path: Path) -> None:
    tricky = [0.1, 1 / 3, 5e-324, math.nextafter(1.0, 2.0), 99_999.99999999999]
    chosen = Settings(price_overrides={f"m{i}": PriceOverride(p, p) for i, p in enumerate(tricky)})
    settings_io.save(chosen, tmp_path / "settings.toml")
    assert settings_io.load(tmp_path / "settings.toml") == chosen


def test_saving_refuses_what_could_not_be_read_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    out_of_range = Settings(reminders=Reminders(min_calls=-3))  # built in code: msgspec checks bounds when reading
    with pytest.raises(SettingsError, match=r"reminders\.min_calls: expected a number of calls from 1 to 10,000"):
        settings_io.save(out_of_range, path)
    with pytest.raises(SettingsError, match="forgotten_projects"):
        settings_io.with_changes(Settings(), forgotten_projects=("relative",))
    with pytest.raises(SettingsError, match="has no field 'colour'"):
        settings_io.with_changes(Settings(), colour="red")
    assert not path.exists()


def test_the_last_good_copy_is_used_when_the_file_breaks(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    good = Settings(timezone="Asia/Tokyo", forgotten_projects=("/home/u/secret",))
    settings_io.save(good, path)
    path.write_text('forgotten_projects = "/home/u/secret"\n')
    chosen, problem = settings_io.load_or_last_good(path)
    assert chosen == good
    assert problem == (f"{path}: forgotten_projects: expected a list of folders, got a string. tokenpulse runs on"
                       " the last good settings until the file is fixed.")
    path.write_text('timezone = "Europe/Paris"\n')  # fixed by hand: that becomes the last good copy
    assert settings_io.load_or_last_good(path) == (Settings(timezone="Europe/Paris"), None)
    path.write_text("timezone = 5\n")
    assert settings_io.load_or_last_good(path)[0] == Settings(timezone="Europe/Paris")
    settings_io.last_good_path(path).unlink()
    chosen, problem = settings_io.load_or_last_good(path)
    assert chosen == Settings() and problem is not None and problem.endswith("runs on the default settings until"
                                                                             " the file is fixed.")


def test_forget_all_deletes_the_last_good_copy_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = cli_env(monkeypatch, tmp_path)
    settings_io.save(Settings(forgotten_projects=("/home/u/secret",)), data / "settings.toml")
    assert (data / "settings.last-good.toml").exists()
    assert run_cli(capsys, "forget", "--all", "--yes")[0] == 0
    assert not data.exists() or list(data.iterdir()) == []
