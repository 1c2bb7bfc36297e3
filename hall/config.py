"""Typed configuration: defaults, a TOML file, the environment; validated at start-up."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .hours import OpeningHours
from .phone_config import PhoneConfigError, PhoneSettings, SmsSettings, parse_phone, parse_service_hours, parse_sms

PRINTER_BACKENDS = ("dummy", "file", "network", "serial", "usb")
#: A kiosk's printer may also sit on the kiosk PC, behind its device agent (`onewindow agent`).
AGENT_PRINTER = "agent"
SPEECH_BACKENDS = ("none", "wav")
ROUTING_POLICIES = ("one-window", "dedicated")
LOBBY_LAYOUTS = ("landscape", "portrait")


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
    #: Working days for follow-up and case deadlines: the State Council's schedule (chinese-calendar, with its
    #: adjusted working weekends) unless national_calendar = false (then Monday to Friday); the hall's own days
    #: off (holidays) and extra working days (working_days), YYYY-MM-DD, win over it.
    holidays: tuple[str, ...] = ()
    working_days: tuple[str, ...] = ()
    national_calendar: bool = True
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
class KioskSection:
    """One [[kiosks]] entry: a ticket kiosk with its own printer and idle time."""

    id: str
    name: str = ""
    idle_seconds: int = 60
    printer: PrinterSection | None = None


@dataclass(frozen=True)
class SpeechSection:
    """[speech]: announcements rendered to WAV files."""

    backend: str = "none"
    options: dict[str, Any] = field(default_factory=dict)

    def as_mapping(self) -> dict[str, Any]:
        return {"backend": self.backend, **self.options}


@dataclass(frozen=True)
class LobbySettings:
    """[lobby]: the lobby screens; notices and service hours set by managers (settings) win over these defaults."""

    recent_calls: int = 8
    layout: str = "landscape"
    service_hours: str = "周一至周五 9:00–12:00，13:30–17:00"
    service_hours_en: str = "Mon–Fri 9:00–12:00, 13:30–17:00"


@dataclass(frozen=True)
class BackupSettings:
    """[backup]: online copies of the database; interval_minutes = 0 turns the schedule off."""

    directory: str = ""  # empty: <instance>/backups
    interval_minutes: int = 0
    keep: int = 14


@dataclass(frozen=True)
class CallerSettings:
    """[caller]: the counter panel and the caller keypads."""

    recall_limit: int = 2


@dataclass(frozen=True)
class PrefectureSettings:
    """[prefecture]: where the hall ships its event log (empty url: it ships nothing)."""

    url: str = ""
    token: str = ""
    hall_code: str = ""
    region_code: str = ""
    department_code: str = ""
    interval_seconds: int = 10
    batch_size: int = 1000
    timeout_seconds: int = 15
    max_backoff_seconds: int = 300
    ca_file: str = ""

    def validate(self) -> None:
        from .outbox import check_prefecture_settings

        check_prefecture_settings(self)


@dataclass(frozen=True)
class ServerSettings:
    """[server] process settings: ``role`` (auto | owner | web: may this server own the devices, sweepers and
    backups), ``workers`` (gunicorn worker processes), ``header_timeout_seconds`` (a client that has not sent a
    request's headers by then is dropped), ``proxy_hops`` and ``trusted_hosts`` (docs/security.md)."""

    role: str = "auto"
    workers: int = 1
    header_timeout_seconds: int = 10
    #: How many reverse proxies in front to believe for X-Forwarded-For/-Proto/-Host/-Port (0: none).
    proxy_hops: int = 0
    #: Host names the hall answers to besides its public URL, its own addresses and localhost.
    trusted_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class SecuritySettings:
    """[security]: staff sessions and login throttling (docs/security.md explains each)."""

    #: A staff session (cookie or bearer token) unused this long ends; 0 = no idle timeout.
    idle_minutes: int = 30
    #: A staff session ends this long after the login, used or not.
    session_hours: int = 12
    #: Login attempts from one client address, whatever the account (notation of the limits library).
    login_per_address: str = "30 per minute; 200 per hour"
    #: Login attempts for one account from one address: short waits first, longer ones after more misses.
    login_per_account_address: str = "3 per 10 seconds; 6 per minute; 20 per hour"
    #: Login attempts for one account from every address together (spread-out guessing).
    login_per_account: str = "10 per minute; 60 per hour"
    #: Booking-code check-ins from one client address (a kiosk checks in a few citizens a minute).
    check_in_per_address: str = "10 per minute; 100 per hour"


@dataclass(frozen=True)
class PrivacySettings:
    """[privacy]: how long personal data is kept (docs/security.md, GB/T 35273 storage limitation)."""

    #: Follow-up contacts and notes (phone numbers, what the citizen said) are erased this many days after
    #: the follow-up closed; the rating, the dates and who did what stay for the reports.
    followup_contact_days: int = 180
    #: Back-office case notes are erased this many days after the case was delivered or rejected.
    case_note_days: int = 365


@dataclass(frozen=True)
class PrintingSettings:
    """[printing]: a ticket's print job not printed within give_up_seconds is given up and offered for reprint."""

    give_up_seconds: int = 30


@dataclass(frozen=True)
class IdCardSettings:
    """[id_card]: the items a citizen must swipe an ID card for at the kiosk (any other item: optionally)."""

    required_items: tuple[str, ...] = ()
    swipe_seconds: int = 60


@dataclass(frozen=True)
class Config:
    """The whole configuration of one hall server."""

    #: The database; a relative path is inside the instance folder.
    db_path: Path = Path("onewindow.db")
    #: The instance folder (secret key, database, speech, printed tickets, backups): every relative path of the
    #: configuration resolves against it. Itself relative to the configuration file's folder (when there is one;
    #: by default it is that folder), else to the working directory.
    instance_path: Path = Path("instance")
    hall: HallSettings = field(default_factory=HallSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    printer: PrinterSection = field(default_factory=PrinterSection)
    speech: SpeechSection = field(default_factory=SpeechSection)
    lobby: LobbySettings = field(default_factory=LobbySettings)
    keypads: tuple[dict[str, Any], ...] = ()
    #: [[evaluator_keypads]]: serial five-key evaluators, each {port, address, counter}.
    evaluator_keypads: tuple[dict[str, Any], ...] = ()
    caller: CallerSettings = field(default_factory=CallerSettings)
    kiosks: tuple[KioskSection, ...] = ()
    message_queue: str | None = None
    server: ServerSettings = field(default_factory=ServerSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    prefecture: PrefectureSettings = field(default_factory=PrefectureSettings)
    #: [service_hours]: not enforced unless configured (or switched on in the console).
    service_hours: OpeningHours = field(default_factory=OpeningHours)
    phone: PhoneSettings = field(default_factory=PhoneSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    printing: PrintingSettings = field(default_factory=PrintingSettings)
    id_card: IdCardSettings = field(default_factory=IdCardSettings)
    #: [led]: the LED strips' texts and timings (drivers.led_controller.LedTexts); [[led_displays]]: strips attached
    #: to this server, each {port, address, counter}; [[id_card_readers]]: readers attached to it, {port, kiosk}.
    led: dict[str, Any] = field(default_factory=dict)
    led_displays: tuple[dict[str, Any], ...] = ()
    id_card_readers: tuple[dict[str, Any], ...] = ()
    testing: bool = False

    def with_overrides(self, **changes: Any) -> "Config":
        return replace(self, **changes)

    def resolve(self, value: str | Path) -> Path:
        """A path of the configuration as an absolute path: relative ones are inside the instance folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.instance_path.resolve() / path

    @property
    def database(self) -> Path:
        """The database file, absolute."""
        return self.resolve(self.db_path)


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
    for name in ("holidays", "working_days"):
        days = getattr(hall, name)
        if isinstance(days, str) or not isinstance(days, (list, tuple)):
            raise ConfigError(f"[hall] {name} must be a list of dates like [\"2026-10-01\"]")
        for day in days:
            try:
                date.fromisoformat(str(day))
            except ValueError:
                raise ConfigError(f"[hall] {name}: {day!r} is not a date (YYYY-MM-DD)") from None
    if hall.language not in ("zh", "en"):
        raise ConfigError("[hall] language must be \"zh\" or \"en\"")


def _parse_kiosks(raw: Any) -> tuple[KioskSection, ...]:
    """[[kiosks]]: id (letters, digits, - and _), name, idle_seconds and an optional printer table."""
    if not isinstance(raw, list) or not all(isinstance(k, dict) for k in raw):
        raise ConfigError("[[kiosks]] must be an array of tables with id, name, idle_seconds and printer")
    kiosks: list[KioskSection] = []
    for entry in raw:
        entry = dict(entry)
        kiosk_id = entry.get("id")
        if not isinstance(kiosk_id, str) or not kiosk_id or len(kiosk_id) > 40 or not all(
                c.isascii() and (c.isalnum() or c in "-_") for c in kiosk_id):
            raise ConfigError(f"[[kiosks]] id must be 1-40 letters, digits, - or _, got {kiosk_id!r}")
        if any(k.id == kiosk_id for k in kiosks):
            raise ConfigError(f"[[kiosks]] id {kiosk_id!r} is used twice")
        printer = None
        if "printer" in entry:
            options = entry.pop("printer")
            if not isinstance(options, dict):
                raise ConfigError(f"[[kiosks]] {kiosk_id}: printer must be a table")
            options = dict(options)
            backend = options.pop("backend", PrinterSection().backend)
            if backend not in (*PRINTER_BACKENDS, AGENT_PRINTER):
                raise ConfigError(f"[[kiosks]] {kiosk_id}: printer backend must be one of "
                                  f"{', '.join((*PRINTER_BACKENDS, AGENT_PRINTER))}, got {backend!r}")
            if backend == AGENT_PRINTER and options:
                raise ConfigError(f"[[kiosks]] {kiosk_id}: a printer on the agent is set up in the agent's "
                                  f"agent.toml; remove {', '.join(sorted(options))} here")
            printer = PrinterSection(backend=backend, options=options)
        unknown = sorted(set(entry) - {"id", "name", "idle_seconds"})
        if unknown:
            raise ConfigError(f"[[kiosks]] {kiosk_id}: unknown setting(s): {', '.join(unknown)}; "
                              "known: id, name, idle_seconds, printer")
        name = entry.get("name", "")
        idle = entry.get("idle_seconds", KioskSection(kiosk_id).idle_seconds)
        if not isinstance(name, str):
            raise ConfigError(f"[[kiosks]] {kiosk_id}: name must be text")
        if not isinstance(idle, int) or isinstance(idle, bool) or not 10 <= idle <= 3600:
            raise ConfigError(f"[[kiosks]] {kiosk_id}: idle_seconds must be a whole number from 10 to 3600")
        kiosks.append(KioskSection(kiosk_id, name, idle, printer))
    return tuple(kiosks)


def _id_card(raw: Any) -> IdCardSettings:
    if not isinstance(raw, dict):
        raise ConfigError("[id_card] must be a table")
    raw = dict(raw)
    items = raw.pop("required_items", [])
    if isinstance(items, str) or not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        raise ConfigError('[id_card] required_items must be a list of item codes, e.g. ["A01", "B02"]')
    settings = _section(IdCardSettings, raw, "id_card")
    if not 10 <= settings.swipe_seconds <= 600:
        raise ConfigError("[id_card] swipe_seconds must be 10..600")
    return replace(settings, required_items=tuple(items))


def _parse_security(raw: Any) -> SecuritySettings:
    from limits import parse_many

    security = _section(SecuritySettings, raw, "security")
    if security.idle_minutes < 0 or not 1 <= security.session_hours <= 24 * 7:
        raise ConfigError("[security] idle_minutes must be 0 or more and session_hours 1..168")
    for name in ("login_per_address", "login_per_account_address", "login_per_account", "check_in_per_address"):
        try:
            parse_many(getattr(security, name))
        except ValueError:
            raise ConfigError(f"[security] {name} must be limits like \"5 per minute; 20 per hour\", "
                              f"got {getattr(security, name)!r}") from None
    return security


def parse_config(raw: dict[str, Any], base: Config | None = None) -> Config:
    """Build a Config from a parsed TOML document; ConfigError on any problem."""
    config = base or Config()
    from .devices import sections

    known = {"hall", "routing", "printer", "speech", "keypads", "kiosks", "server", "lobby", "caller",
             "evaluator_keypads", "backup", "prefecture", "security", "privacy", "service_hours", "phone", "sms",
             "printing", "id_card", "led", "led_displays", "id_card_readers"}
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
    for name, cls, backends in (("printer", PrinterSection, PRINTER_BACKENDS),
                                ("speech", SpeechSection, SPEECH_BACKENDS)):
        if name in raw:
            options = dict(raw[name])
            backend = options.pop("backend", cls().backend)
            if backend not in backends:
                raise ConfigError(f"[{name}] backend must be one of {', '.join(backends)}, got {backend!r}")
            changes[name] = cls(backend=backend, options=options)
    if "lobby" in raw:
        lobby = _section(LobbySettings, raw["lobby"], "lobby")
        if lobby.layout not in LOBBY_LAYOUTS:
            raise ConfigError(f"[lobby] layout must be one of {', '.join(LOBBY_LAYOUTS)}, got {lobby.layout!r}")
        if not 1 <= lobby.recent_calls <= 20:
            raise ConfigError("[lobby] recent_calls must be between 1 and 20")
        changes["lobby"] = lobby
    if "keypads" in raw:
        changes["keypads"] = sections.parse_keypads(raw["keypads"])
    if "evaluator_keypads" in raw:
        changes["evaluator_keypads"] = sections.parse_evaluator_keypads(raw["evaluator_keypads"])
    if "led" in raw:
        changes["led"] = sections.parse_led_texts(raw["led"])
    if "led_displays" in raw:
        changes["led_displays"] = sections.parse_led_displays(raw["led_displays"])
    if "id_card_readers" in raw:
        changes["id_card_readers"] = sections.parse_id_card_readers(raw["id_card_readers"])
    if "printing" in raw:
        printing = _section(PrintingSettings, raw["printing"], "printing")
        if not 5 <= printing.give_up_seconds <= 3600:
            raise ConfigError("[printing] give_up_seconds must be 5..3600")
        changes["printing"] = printing
    if "id_card" in raw:
        changes["id_card"] = _id_card(raw["id_card"])
    if "caller" in raw:
        caller = _section(CallerSettings, raw["caller"], "caller")
        if not 1 <= caller.recall_limit <= 10:
            raise ConfigError("[caller] recall_limit must be 1..10")
        changes["caller"] = caller
    if "kiosks" in raw:
        changes["kiosks"] = _parse_kiosks(raw["kiosks"])
    if "backup" in raw:
        backup = _section(BackupSettings, raw["backup"], "backup")
        if not 0 <= backup.interval_minutes <= 7 * 24 * 60 or not 1 <= backup.keep <= 1000:
            raise ConfigError("[backup] interval_minutes must be 0..10080 and keep 1..1000")
        changes["backup"] = backup
    if "prefecture" in raw:
        changes["prefecture"] = _section(PrefectureSettings, raw["prefecture"], "prefecture")
        changes["prefecture"].validate()
    try:
        for name, parse in (("service_hours", parse_service_hours), ("phone", parse_phone), ("sms", parse_sms)):
            if name in raw:
                changes[name] = parse(raw[name])
    except PhoneConfigError as exc:
        raise ConfigError(str(exc)) from None
    if "server" in raw:
        server = dict(raw["server"])
        if "db" in server:
            changes["db_path"] = Path(server.pop("db"))
        if "instance" in server:
            changes["instance_path"] = Path(server.pop("instance"))
        if "message_queue" in server:
            changes["message_queue"] = server.pop("message_queue")
        process_keys = {f.name for f in fields(ServerSettings)}
        process_raw = {k: server.pop(k) for k in list(server) if k in process_keys}
        hops = process_raw.get("proxy_hops", 0)
        if not isinstance(hops, int) or isinstance(hops, bool) or not 0 <= hops <= 5:
            raise ConfigError(f"[server] proxy_hops must be a whole number 0..5 (proxies in front), got {hops!r}")
        hosts = process_raw.get("trusted_hosts", [])
        if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
            raise ConfigError("[server] trusted_hosts must be a list of host names like [\"hall.local\"]")
        process_raw["trusted_hosts"] = tuple(h.strip() for h in hosts)
        process = _section(ServerSettings, process_raw, "server")
        if process.role not in ("auto", "owner", "web"):
            raise ConfigError(f"[server] role must be auto, owner or web, got {process.role!r}")
        if not 1 <= process.workers <= 32 or not 1 <= process.header_timeout_seconds <= 300:
            raise ConfigError("[server] workers must be 1..32 and header_timeout_seconds 1..300")
        changes["server"] = process
        if server:
            raise ConfigError(f"[server] unknown setting(s): {', '.join(sorted(server))}; known: db, instance, "
                              f"message_queue, {', '.join(sorted(process_keys))}")
    if "security" in raw:
        changes["security"] = _parse_security(raw["security"])
    if "privacy" in raw:
        privacy = _section(PrivacySettings, raw["privacy"], "privacy")
        if privacy.followup_contact_days < 1 or privacy.case_note_days < 1:
            raise ConfigError("[privacy] followup_contact_days and case_note_days must be at least 1")
        changes["privacy"] = privacy
    config = replace(config, **changes)
    _validate_hall(config.hall)
    return config


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's document; ConfigError when it is missing or not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_config(path: Path | None = None, *, environ: dict[str, str] | None = None) -> Config:
    """Defaults, then the TOML file at *path*, then ONEWINDOW_DB / ONEWINDOW_INSTANCE from the environment.

    The instance folder comes out absolute: ``[server] instance`` relative to the file's folder (by default
    the file's folder itself), ONEWINDOW_INSTANCE relative to the working directory.
    """
    env = os.environ if environ is None else environ
    config = Config()
    if path is not None:
        path = Path(path).resolve()
        config = parse_config(read_toml(path), replace(config, instance_path=Path(".")))
        config = replace(config, instance_path=(path.parent / config.instance_path).resolve())
    if env.get("ONEWINDOW_DB"):
        config = replace(config, db_path=Path(env["ONEWINDOW_DB"]).resolve())
    if env.get("ONEWINDOW_INSTANCE"):
        config = replace(config, instance_path=Path(env["ONEWINDOW_INSTANCE"]).resolve())
    return replace(config, instance_path=config.instance_path.resolve())
