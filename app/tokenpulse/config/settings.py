"""The user's preferences: one typed schema, read from and written to one TOML file (this module only).

The schema is a tree of msgspec Structs, one per section of the file (`[reminders]`, a `[price_overrides.X]`
table, ...). Reading is all or nothing: the whole file is converted and checked against the schema (types,
a range for every number, time zone names, folder shapes, unknown keys) and a file that fails anywhere is
refused with one message naming the setting, e.g. `settings.toml: forgotten_projects: expected a list of
folders, got a string` (the wording comes from `schema_errors.py`). Nothing of a refused file is used.

Unknown keys are refused too, never ignored: a misspelt `contex_threshold` would otherwise silently leave
the default in force. A file written by a newer tokenpulse (a higher `schema_version`) is refused likewise.

Every save writes the file and a copy of it, the last good settings (`settings.last-good.toml`); the app
starts on that copy when the file has since been broken by hand (`load_or_last_good`).

To add a section: a `Table` subclass (frozen, forbidding unknown fields) whose fields all have defaults,
each number `Annotated` with its bounds (and a `Meta(description=...)` naming what it is: the error messages
use it), checks across fields in `__post_init__` (raise ValueError with a plain sentence), and one field on
`Settings` with `default_factory`. Nothing else needs to change: loading, saving, round-tripping and the
messages follow.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import Meta

SCHEMA_VERSION = 1
MAX_PRICE_USD = 1_000_000.0  # per million tokens (a dollar a token); the dearest model sold today costs hundreds
MAX_BUDGET_USD = 1_000_000.0
HHMM_PATTERN = r"\A([01]\d|2[0-3]):[0-5]\d\Z"

# A folder to forget: absolute, not "/" itself (that would leave every call out), no NUL byte.
AbsoluteFolder = Annotated[str, Meta(max_length=4096, pattern=r"\A/+[^/\x00][^\x00]*\Z",
                                     description="an absolute folder such as /home/you/project (not / itself)")]
# A log folder for an agent: absolute or under ~; no comma (the roots reach the sources as a comma-separated
# list, like the agents' own environment variables) and no NUL byte.
LogFolder = Annotated[str, Meta(max_length=4096, pattern=r"\A(~|/)[^\x00,]*\Z",
                                description="an absolute folder (or one under ~) without commas")]
AgentName = Annotated[str, Meta(max_length=64, pattern=r"\A[a-z0-9][a-z0-9-]*\Z",
                                description="an agent name such as claude-code")]
ModelName = Annotated[str, Meta(min_length=1, max_length=256, description="a model name")]
Price = Annotated[float, Meta(ge=0.0, le=MAX_PRICE_USD, description="a price in US dollars per million tokens")]
Budget = Annotated[float, Meta(gt=0.0, le=MAX_BUDGET_USD, description="an amount in US dollars")]
ClockTime = Annotated[str, Meta(pattern=HHMM_PATTERN, description="a time like 22:00")]
EmailAddress = Annotated[str, Meta(min_length=3, max_length=320, pattern=r"\A[^@\s]+@[^@\s]+\Z",
                                  description="an e-mail address")]
ZoneName = Annotated[str, Meta(min_length=1, max_length=128,
                               description="an IANA time zone name such as Europe/Paris")]


class Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A section of the settings file: immutable, and strict about its keys.

    msgspec hands both options down to subclasses; each section repeats them anyway, for the type checker.
    """


class PriceOverride(Table, frozen=True, forbid_unknown_fields=True):
    """USD per million tokens; cache prices default to the input price when omitted."""

    input: Price
    output: Price
    cache_read: Price | None = None
    cache_write_5m: Price | None = None
    cache_write_1h: Price | None = None


class Reminders(Table, frozen=True, forbid_unknown_fields=True):
    """`[reminders]`: when the app suggests a fresh chat or warns of an expired cache, budgets, quiet hours."""

    fresh_chat: bool = True
    # T: a chat's context must reach this many tokens
    context_threshold: Annotated[int, Meta(ge=1_000, le=10_000_000, description="a number of tokens")] = 100_000
    # G: context must also reach G x the chat's first context
    growth_factor: Annotated[float, Meta(ge=1.0, le=100.0, description="a factor")] = 4.0
    min_calls: Annotated[int, Meta(ge=1, le=10_000, description="a number of calls")] = 8
    # R: what a fresh chat would carry over as a summary
    recap_allowance: Annotated[int, Meta(ge=0, le=1_000_000, description="a number of tokens")] = 5_000
    cache_expiry: bool = True
    quiet_start: ClockTime | None = None  # "22:00"
    quiet_end: ClockTime | None = None  # "08:00"
    daily_budget_usd: Budget | None = None
    weekly_budget_usd: Budget | None = None
    monthly_budget_usd: Budget | None = None
    daily_output_goal: Annotated[int, Meta(ge=1, le=100_000_000, description="a number of output tokens")] | None \
        = None

    def __post_init__(self) -> None:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet hours need both quiet_start and quiet_end (or neither)")


PROJECT_PATH_MODES = ("full", "folder", "hashed")  # how project paths are published to the sync folder
DEVICE_CHOICES = ("this", "all")  # besides device names
DeviceChoice = Annotated[str, Meta(min_length=1, max_length=128, description="this, all or a device name")]
DeviceId = Annotated[str, Meta(min_length=1, max_length=128, description="a device id")]
SyncFolder = Annotated[str, Meta(max_length=4096, pattern=r"\A(~|/)[^\x00]*\Z",
                                 description="an absolute folder (or one under ~)")]


class Sync(Table, frozen=True, forbid_unknown_fields=True):
    """`[sync]`: several machines, one picture: this device's ledger shared through a folder the user already
    syncs."""

    folder: SyncFolder | None = None  # the synchronised folder (Syncthing, a NAS share, ...); None: not sharing
    device_name: Annotated[str, Meta(min_length=1, max_length=128, description="a device name")] | None = None
    # published as they are, as the folder name only, or hashed
    project_paths: Literal["full", "folder", "hashed"] = "folder"
    # which devices reports and the app show: () = this device until a folder is set, then all; else "this",
    # "all" or device names (remembered from the app's switch)
    devices: Annotated[tuple[DeviceChoice, ...], Meta(description="a list of devices")] = ()
    forgotten_devices: Annotated[tuple[DeviceId, ...], Meta(description="a list of device ids")] = ()  # never read


Percent = Annotated[float, Meta(ge=0.0, le=100.0, description="a percentage from 0 to 100")]


class Limits(Table, frozen=True, forbid_unknown_fields=True):
    """`[limits]`: plan limits and context windows (issue 11)."""

    reminders: bool = True  # remind at warn_percent and urgent_percent of a plan window
    warn_percent: Percent = 80.0
    urgent_percent: Percent = 95.0
    reset_reminder: bool = True  # "your 5-hour window has reset" after a limit hit
    icon_percent: Percent = 50.0  # the tray icon and tooltip show the tightest window from this percentage on
    # the fresh-chat reminder also fires at this share of the model's window (0.6 is 60 %); 0: off
    context_share: Annotated[float, Meta(ge=0.0, le=1.0, description="a share from 0 to 1 (0.6 is 60 %)")] = 0.6
    read_claude_cache: bool = True  # Claude Code's cached account usage (~/.claude.json) as a fallback reading

    def __post_init__(self) -> None:
        if self.warn_percent > self.urgent_percent:
            raise ValueError("warn_percent: must not be above urgent_percent")


class Settings(Table, frozen=True, forbid_unknown_fields=True):
    """The whole file: top-level keys, and one field per section."""

    timezone: ZoneName | None = None  # None = the system's local zone
    # per agent: folders that replace the agent's default log folders (empty = the defaults)
    source_roots: Annotated[dict[AgentName, Annotated[tuple[LogFolder, ...], Meta(description="a list of folders")]],
                            Meta(description="a table of agent = [folders]")] = msgspec.field(default_factory=dict)
    price_overrides: Annotated[dict[ModelName, PriceOverride], Meta(description="a table of model prices")] \
        = msgspec.field(default_factory=dict)
    reminders: Reminders = msgspec.field(default_factory=Reminders)
    start_at_login: bool = False
    # the app reads every source again this often, to catch changes its watcher missed (0: never)
    rescan_minutes: Annotated[int, Meta(ge=0, le=10_080, description="a number of minutes")] = 60
    # project folders the user asked to forget (`tokenpulse forget --project`): later scans leave them out
    forgotten_projects: Annotated[tuple[AbsoluteFolder, ...], Meta(description="a list of folders")] = ()
    # e-mail addresses whose commits are yours besides git's user.email (say, a work address, GitHub's noreply)
    git_emails: Annotated[tuple[EmailAddress, ...], Meta(description="a list of e-mail addresses")] = ()
    sync: Sync = msgspec.field(default_factory=Sync)
    limits: Limits = msgspec.field(default_factory=Limits)
    schema_version: Annotated[int, Meta(ge=1, le=1_000, description="a settings format version")] = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.schema_version > SCHEMA_VERSION:
            raise ValueError(f"schema_version: this file was written by a newer tokenpulse (format"
                             f" {self.schema_version}; this one reads up to {SCHEMA_VERSION})")
        if self.timezone is not None and not _known_zone(self.timezone):
            raise ValueError(f"timezone: expected an IANA time zone name such as Europe/Paris, got"
                             f" {self.timezone[:80]!r}")


class SettingsError(ValueError):
    """The settings cannot be used; `problem` says which setting and why, the message also names the file."""

    def __init__(self, problem: str, file: Path | None = None) -> None:
        super().__init__(f"{file}: {problem}" if file is not None else problem)
        self.problem = problem
        self.file = file


T = TypeVar("T", bound=Table)


def load(path: Path) -> Settings:
    """The settings in `path`, or the defaults when it does not exist; SettingsError when it cannot be used."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"cannot be read ({exc.strerror or exc})", path) from exc
    return parse(raw, path)


def parse(raw: bytes, path: Path | None = None) -> Settings:
    """The settings a TOML text holds, checked as a whole against the schema."""
    import tomllib  # only when there is a file: most commands of most users read none

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SettingsError(f"is not UTF-8 text (byte {exc.start})", path) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"is not valid TOML: {exc}", path) from None
    return from_dict(data, path)


def from_dict(data: Any, path: Path | None = None) -> Settings:
    """Settings from plain data (as read from TOML): all of it, or SettingsError naming the first bad setting."""
    return _convert(data, Settings, path)


def to_dict(settings: Settings) -> dict[str, Any]:
    """Plain data for TOML: tuples as lists, unset optional values left out (TOML has no null)."""
    data = _drop_none(msgspec.to_builtins(settings))
    assert isinstance(data, dict)
    return data


def dumps(settings: Settings) -> str:
    """The TOML text `save` writes. SettingsError if the settings break the schema: nothing is ever written
    that would not load back exactly."""
    import tomli_w

    text = tomli_w.dumps(to_dict(settings))
    if parse(text.encode("utf-8")) != settings:
        raise SettingsError("would not read back as saved")  # a bug in the schema, never the user's doing
    return text


def save(settings: Settings, path: Path) -> None:
    """Write the file (0600, atomically) and the last-good copy beside it."""
    text = dumps(settings)
    _write_private(path, text)
    _write_private(last_good_path(path), text)


def with_changes(section: T, **changes: Any) -> T:
    """A copy of a section (Settings, Reminders, ...) with some fields changed, checked against the schema."""
    try:
        changed = msgspec.structs.replace(section, **changes)
    except (TypeError, ValueError) as exc:  # an unknown field, or a check in __post_init__
        raise SettingsError(str(exc)) from None
    return validated(changed)


def validated(section: T) -> T:
    """`section` as it would be read back from a file; SettingsError naming the first setting out of bounds.

    Structs built in code skip the schema's bounds (msgspec checks them when converting): saving and
    `with_changes` call this so that no out-of-range value gets past the schema that way either.
    """
    return _convert(msgspec.to_builtins(section), type(section), None)


def load_or_last_good(path: Path) -> tuple[Settings, str | None]:
    """For the app: (the settings to run on, a problem to tell the user or None).

    A good file is used (and becomes the last good copy); a bad one is refused as a whole and the app runs
    on the last good copy, else on the defaults, and the message says which.
    """
    try:
        settings = load(path)
    except SettingsError as exc:
        fallback = last_good_path(path)
        try:
            kept = load(fallback) if fallback.exists() else None
        except SettingsError:
            kept = None
        if kept is not None:
            return kept, f"{exc}. tokenpulse runs on the last good settings until the file is fixed."
        return Settings(), f"{exc}. tokenpulse runs on the default settings until the file is fixed."
    if path.exists():
        _refresh_last_good(path)
    return settings, None


def last_good_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.last-good{path.suffix}")


def files(path: Path) -> list[Path]:
    """Every file this module may write for the settings file `path` (for `forget --all`)."""
    copy = last_good_path(path)
    return [path, _tmp_path(path), copy, _tmp_path(copy)]


def bounds(section: type[Table], name: str) -> tuple[float | None, float | None]:
    """The (lowest, highest) value the schema allows for a number field, for forms that offer a range."""
    info = msgspec.inspect.type_info(section)
    assert isinstance(info, msgspec.inspect.StructType)
    field = next(f for f in info.fields if f.name == name)
    kind = field.type
    if isinstance(kind, msgspec.inspect.UnionType):  # `X | None`
        kind = next(t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType))
    if isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type
    assert isinstance(kind, msgspec.inspect.IntType | msgspec.inspect.FloatType), name
    low = kind.ge if kind.ge is not None else kind.gt
    high = kind.le if kind.le is not None else kind.lt
    return low, high


# ---------------------------------------------------------------------------------------------------------

def _convert(data: Any, kind: type[T], path: Path | None) -> T:
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        from tokenpulse.config.schema_errors import explain

        raise SettingsError(explain(str(exc), data, kind), path) from None


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name.startswith(("/", ".")) or "\x00" in name:
        return False  # ZoneInfo would read such a key as a file path
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _refresh_last_good(path: Path) -> None:
    """Keep the copy equal to a file that just loaded; best effort (a read-only folder keeps the old copy)."""
    copy = last_good_path(path)
    try:
        text = path.read_text(encoding="utf-8")
        if not copy.exists() or copy.read_text(encoding="utf-8") != text:
            _write_private(copy, text)
    except OSError:
        pass


def _tmp_path(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = _tmp_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file of that name may have had wider modes
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value
