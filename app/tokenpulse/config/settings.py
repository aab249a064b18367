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


PROJECT_PATH_MODES = ("full", "folder", "hashed")  # how project paths are published to the sync folder
DEVICE_CHOICES = ("this", "all")  # besides device names


@dataclass(frozen=True, slots=True)
class Sync:
    """Several machines, one picture: this device's ledger shared through a folder the user already syncs."""

    folder: str | None = None  # the synchronised folder (Syncthing, a NAS share, ...); None: not sharing
    device_name: str | None = None  # None: the host name
    project_paths: str = "folder"  # one of PROJECT_PATH_MODES: published as they are, folder name only, or hashed
    # which devices reports and the app show: () = this device until a folder is set, then all; else "this",
    # "all" or device names (remembered from the app's switch)
    devices: tuple[str, ...] = ()
    forgotten_devices: tuple[str, ...] = ()  # device ids the user removed: never read again

    def __post_init__(self) -> None:
        if self.project_paths not in PROJECT_PATH_MODES:
            raise ValueError(f"sync.project_paths must be one of {', '.join(PROJECT_PATH_MODES)},"
                             f" not {self.project_paths!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sync:
        def names(key: str) -> tuple[str, ...]:
            value = data.get(key, ())
            if isinstance(value, str) or not isinstance(value, list | tuple):
                raise ValueError(f"sync.{key} must be a list of names")
            return tuple(str(v) for v in value)

        unknown = set(data) - {"folder", "device_name", "project_paths", "devices", "forgotten_devices"}
        if unknown:
            raise ValueError(f"unknown sync setting {sorted(unknown)[0]!r}")
        return cls(folder=str(data["folder"]) if data.get("folder") else None,
                   device_name=str(data["device_name"]).strip() or None if data.get("device_name") else None,
                   project_paths=str(data.get("project_paths", "folder")), devices=names("devices"),
                   forgotten_devices=names("forgotten_devices"))

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "device_name": self.device_name, "project_paths": self.project_paths,
                "devices": list(self.devices), "forgotten_devices": list(self.forgotten_devices)}


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
    sync: Sync = field(default_factory=Sync)
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
                    sync=Sync.from_dict(data.get("sync", {})),
                    schema_version=int(data.get("schema_version", SCHEMA_VERSION)))


def to_dict(settings: Settings) -> dict[str, Any]:
    data = asdict(settings)
    data["source_roots"] = {k: list(v) for k, v in settings.source_roots.items()}
    data["forgotten_projects"] = list(settings.forgotten_projects)
    data["sync"] = settings.sync.to_dict()
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
