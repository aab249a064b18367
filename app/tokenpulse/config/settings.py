"""The user's preferences as typed, frozen data, read from and written to one TOML file (this module only)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class PriceOverride:
    """USD per million tokens; cache prices default to the input price when omitted."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write_5m: float | None = None
    cache_write_1h: float | None = None


@dataclass(frozen=True, slots=True)
class Reminders:
    fresh_chat: bool = True
    context_threshold: int = 100_000  # T
    growth_factor: float = 4.0  # G: context must also reach G x the chat's first context
    min_calls: int = 8
    recap_allowance: int = 5_000  # R
    cache_expiry: bool = True
    quiet_start: str | None = None  # "22:00"
    quiet_end: str | None = None  # "08:00"
    daily_budget_usd: float | None = None
    weekly_budget_usd: float | None = None
    monthly_budget_usd: float | None = None
    daily_output_goal: int | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    """Plan limits and context windows (issue 11), `[limits]` in the file: one section, to port as a whole."""

    reminders: bool = True  # remind at warn_percent and urgent_percent of a plan window
    warn_percent: float = 80.0
    urgent_percent: float = 95.0
    reset_reminder: bool = True  # "your 5-hour window has reset" after a limit hit
    icon_percent: float = 50.0  # the tray icon and tooltip show the tightest window from this percentage on
    context_share: float = 0.6  # the fresh-chat reminder also fires at this share of the model's window; 0: off
    read_claude_cache: bool = True  # Claude Code's cached account usage (~/.claude.json) as a fallback reading

    def __post_init__(self) -> None:
        for name in ("warn_percent", "urgent_percent", "icon_percent"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
                raise ValueError(f"limits.{name} must be a percentage from 0 to 100, not {value!r}")
        if self.warn_percent > self.urgent_percent:
            raise ValueError("limits.warn_percent must not be above limits.urgent_percent")
        share = self.context_share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise ValueError(f"limits.context_share must be a share from 0 to 1 (0.6 is 60 %), not {share!r}")


@dataclass(frozen=True, slots=True)
class Settings:
    timezone: str | None = None  # IANA name; None = the system's local zone
    # per source name: folders that replace the source's default roots (empty = defaults)
    source_roots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    price_overrides: dict[str, PriceOverride] = field(default_factory=dict)
    reminders: Reminders = field(default_factory=Reminders)
    start_at_login: bool = False
    # project folders the user asked to forget (`tokenpulse forget --project`): later scans leave them out
    forgotten_projects: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    schema_version: int = SCHEMA_VERSION


class SettingsError(ValueError):
    """The settings file exists but cannot be used; the message names the file and the problem."""


def load(path: Path) -> Settings:
    """The settings in `path`, or the defaults when it does not exist."""
    if not path.exists():
        return Settings()
    import tomllib  # only when there is a file: most commands of most users read none

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return from_dict(data)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, TypeError, ValueError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc


def from_dict(data: dict[str, Any]) -> Settings:
    reminders = Reminders(**data.get("reminders", {}))
    overrides = {str(k): PriceOverride(**v) for k, v in data.get("price_overrides", {}).items()}
    roots = {str(k): tuple(str(p) for p in v) for k, v in data.get("source_roots", {}).items()}
    return Settings(timezone=data.get("timezone") or None, source_roots=roots, price_overrides=overrides,
                    reminders=reminders, start_at_login=bool(data.get("start_at_login", False)),
                    forgotten_projects=tuple(str(p) for p in data.get("forgotten_projects", ())),
                    limits=Limits(**data.get("limits", {})),
                    schema_version=int(data.get("schema_version", SCHEMA_VERSION)))


def to_dict(settings: Settings) -> dict[str, Any]:
    data = asdict(settings)
    data["source_roots"] = {k: list(v) for k, v in settings.source_roots.items()}
    data["forgotten_projects"] = list(settings.forgotten_projects)
    # TOML has no null: unset optional values are simply left out
    return _drop_none(data)


def save(settings: Settings, path: Path) -> None:
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(to_dict(settings)), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def with_changes(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value
