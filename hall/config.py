"""Typed configuration: defaults, a TOML file, the environment; validated at start-up."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PRINTER_BACKENDS = ("dummy", "file", "network", "serial", "usb")
SPEECH_BACKENDS = ("none", "wav")
ROUTING_POLICIES = ("one-window", "dedicated")


class ConfigError(ValueError):
    """The configuration is invalid; the message says where and why."""


@dataclass(frozen=True)
class HallSettings:
    """[hall]: the hall itself."""

    name: str = "社会保险综合服务大厅"
    name_en: str = "Social Insurance Service Hall"
    timezone: str = "Asia/Shanghai"
    day_start: str = "04:00"
    wait_target_minutes: int = 15
    rating_window_seconds: int = 60
    followup_working_days: int = 5
    public_url: str = ""
    language: str = "zh"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def day_start_time(self) -> time:
        return time.fromisoformat(self.day_start)


@dataclass(frozen=True)
class RoutingSettings:
    """[routing]: which policy picks the next ticket."""

    policy: str = "one-window"
    fairness_target_minutes: int = 30


@dataclass(frozen=True)
class PrinterSection:
    """[printer]: passed to drivers.printer; `backend` is checked here, the rest by the driver."""

    backend: str = "dummy"
    options: dict[str, Any] = field(default_factory=dict)

    def as_mapping(self) -> dict[str, Any]:
        return {"backend": self.backend, **self.options}


@dataclass(frozen=True)
class SpeechSection:
    """[speech]: announcements rendered to WAV files."""

    backend: str = "none"
    options: dict[str, Any] = field(default_factory=dict)

    def as_mapping(self) -> dict[str, Any]:
        return {"backend": self.backend, **self.options}


@dataclass(frozen=True)
class CallerSettings:
    """[caller]: the counter panel and the caller keypads."""

    recall_limit: int = 2


@dataclass(frozen=True)
class Config:
    """The whole configuration of one hall server."""

    db_path: Path = Path("instance/onewindow.db")
    instance_path: Path = Path("instance")
    hall: HallSettings = field(default_factory=HallSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    printer: PrinterSection = field(default_factory=PrinterSection)
    speech: SpeechSection = field(default_factory=SpeechSection)
    keypads: tuple[dict[str, Any], ...] = ()
    caller: CallerSettings = field(default_factory=CallerSettings)
    message_queue: str | None = None
    testing: bool = False
    start_workers: bool = True

    def with_overrides(self, **changes: Any) -> "Config":
        return replace(self, **changes)


def _section(cls: type, raw: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(f"[{where}] unknown setting(s): {', '.join(unknown)}; known: {', '.join(known)}")
    values = {}
    for key, value in raw.items():
        default = getattr(cls(), key)
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ConfigError(f"[{where}] {key} must be true or false, got {value!r}")
        if isinstance(default, int) and not isinstance(default, bool) and (
            not isinstance(value, int) or isinstance(value, bool)
        ):
            raise ConfigError(f"[{where}] {key} must be a whole number, got {value!r}")
        if isinstance(default, str) and not isinstance(value, str):
            raise ConfigError(f"[{where}] {key} must be text, got {value!r}")
        values[key] = value
    return cls(**values)


def _validate_hall(hall: HallSettings) -> None:
    try:
        ZoneInfo(hall.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"[hall] timezone {hall.timezone!r} is not a known time zone (e.g. Asia/Shanghai)") from None
    try:
        time.fromisoformat(hall.day_start)
    except ValueError:
        raise ConfigError(f"[hall] day_start must be a local time like \"04:00\", got {hall.day_start!r}") from None
    if hall.wait_target_minutes <= 0:
        raise ConfigError("[hall] wait_target_minutes must be positive")
    if hall.rating_window_seconds <= 0:
        raise ConfigError("[hall] rating_window_seconds must be positive")
    if hall.followup_working_days <= 0:
        raise ConfigError("[hall] followup_working_days must be positive")
    if hall.language not in ("zh", "en"):
        raise ConfigError("[hall] language must be \"zh\" or \"en\"")


def _validate_keypads(entries: list[dict[str, Any]]) -> None:
    from drivers.keypad import KeypadConfigError, KeypadSettings

    try:
        KeypadSettings.from_mapping(entries)
    except KeypadConfigError as exc:
        raise ConfigError(f"[[keypads]] {exc}") from None
    for index, entry in enumerate(entries):
        unknown = sorted(set(entry) - {"port", "address", "counter"})
        if unknown:
            raise ConfigError(f"[[keypads]] entry {index + 1}: unknown setting(s) {', '.join(unknown)}; "
                              "known: port, address, counter")
        if not isinstance(entry["counter"], int) or isinstance(entry["counter"], bool):
            raise ConfigError(f"[[keypads]] entry {index + 1}: counter must be a counter number, "
                              f"got {entry['counter']!r}")


def parse_config(raw: dict[str, Any], base: Config | None = None) -> Config:
    """Build a Config from a parsed TOML document; ConfigError on any problem."""
    config = base or Config()
    known = {"hall", "routing", "printer", "speech", "keypads", "server", "caller"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    changes: dict[str, Any] = {}
    if "hall" in raw:
        changes["hall"] = _section(HallSettings, raw["hall"], "hall")
    if "routing" in raw:
        routing = _section(RoutingSettings, raw["routing"], "routing")
        if routing.policy not in ROUTING_POLICIES:
            raise ConfigError(f"[routing] policy must be one of {', '.join(ROUTING_POLICIES)}, got {routing.policy!r}")
        changes["routing"] = routing
    for name, cls, backends in (("printer", PrinterSection, PRINTER_BACKENDS), ("speech", SpeechSection, SPEECH_BACKENDS)):
        if name in raw:
            options = dict(raw[name])
            backend = options.pop("backend", cls().backend)
            if backend not in backends:
                raise ConfigError(f"[{name}] backend must be one of {', '.join(backends)}, got {backend!r}")
            changes[name] = cls(backend=backend, options=options)
    if "keypads" in raw:
        keypads = raw["keypads"]
        if not isinstance(keypads, list) or not all(isinstance(k, dict) for k in keypads):
            raise ConfigError("[[keypads]] must be an array of tables with port, address and counter")
        _validate_keypads(keypads)
        changes["keypads"] = tuple(keypads)
    if "caller" in raw:
        caller = _section(CallerSettings, raw["caller"], "caller")
        if not 1 <= caller.recall_limit <= 10:
            raise ConfigError("[caller] recall_limit must be 1..10")
        changes["caller"] = caller
    if "server" in raw:
        server = dict(raw["server"])
        if "db" in server:
            changes["db_path"] = Path(server.pop("db"))
        if "instance" in server:
            changes["instance_path"] = Path(server.pop("instance"))
        if "message_queue" in server:
            changes["message_queue"] = server.pop("message_queue")
        if server:
            raise ConfigError(f"[server] unknown setting(s): {', '.join(sorted(server))}; known: db, instance, message_queue")
    config = replace(config, **changes)
    _validate_hall(config.hall)
    return config


def load_config(path: Path | None = None, *, environ: dict[str, str] | None = None) -> Config:
    """Defaults, then the TOML file at *path*, then ONEWINDOW_DB / ONEWINDOW_INSTANCE from the environment."""
    env = os.environ if environ is None else environ
    config = Config()
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        config = parse_config(raw, config)
    if env.get("ONEWINDOW_DB"):
        config = replace(config, db_path=Path(env["ONEWINDOW_DB"]))
    if env.get("ONEWINDOW_INSTANCE"):
        config = replace(config, instance_path=Path(env["ONEWINDOW_INSTANCE"]))
    return config
