"""The configuration of service hours, the citizen's phone and the SMS gateway: [service_hours], [phone], [sms].

Managers change service hours and the [phone] settings at run time in the console (saved in the database,
over these defaults); the SMS gateway's address and keys stay in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from .hours import WEEKDAYS, HoursError, OpeningHours, parse_sessions

SMS_BACKENDS = ("none", "log", "http")
SMS_PROFILES = ("json", "form", "aliyun", "tencent")
#: The notices an SMS template exists for; each names the parameters it is given.
SMS_KINDS = {"code": ("code", "minutes"), "ahead": ("number", "ahead"), "called": ("number", "counter"),
             "ready": ("number",), "reminder": ("time", "service"), "booked": ("code", "time"),
             "no_show": ("number",)}


class PhoneConfigError(ValueError):
    """A [service_hours], [phone] or [sms] setting is wrong; the message says which."""


@dataclass(frozen=True)
class PhoneSettings:
    """[phone]: remote tickets, online appointments, notices and how long phone numbers are kept."""

    remote_enabled: bool = True
    #: Remote tickets take at most this share of each daily quota (so walk-ins are never shut out).
    remote_share_percent: int = 30
    #: A remote ticket called but not confirmed as arrived becomes a no-show this long after the call.
    no_show_after_seconds: int = 300
    #: "I need more time" moves a remote ticket back this many places, once.
    more_time_places: int = 5
    #: "Your turn is near" when this many people are ahead; the citizen may choose from ahead_min to ahead_max.
    ahead_default: int = 3
    ahead_min: int = 1
    ahead_max: int = 10
    appointments_enabled: bool = True
    #: Booking reminders go out this long before the booked slot.
    reminder_minutes: int = 60
    #: A phone number is erased this long after its last ticket or booking no longer needs it.
    retention_hours: int = 24
    #: One-time codes are valid this long.
    code_minutes: int = 5

    #: Ranges of the whole-number settings (the console and the file are checked against them).
    RANGES = {"remote_share_percent": (0, 100), "no_show_after_seconds": (5, 3600), "more_time_places": (1, 50),
              "ahead_default": (1, 50), "ahead_min": (1, 50), "ahead_max": (1, 50), "reminder_minutes": (5, 2880),
              "retention_hours": (1, 24 * 90), "code_minutes": (1, 30)}

    def check(self) -> "PhoneSettings":
        for name, (low, high) in self.RANGES.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise PhoneConfigError(f"[phone] {name} must be a whole number from {low} to {high}")
        if not self.ahead_min <= self.ahead_default <= self.ahead_max:
            raise PhoneConfigError("[phone] needs ahead_min ≤ ahead_default ≤ ahead_max")
        return self

    def with_changes(self, changes: dict[str, Any]) -> "PhoneSettings":
        """These settings with *changes* (from the console); PhoneConfigError names a bad one."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise PhoneConfigError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for name, value in changes.items():
            if isinstance(getattr(self, name), bool) and not isinstance(value, bool):
                raise PhoneConfigError(f"{name} must be true or false")
        return replace(self, **changes).check()

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class SmsSettings:
    """[sms]: the SMS gateway. backend none (no SMS), log (written to the log, masked: the demo) or http."""

    backend: str = "none"
    #: json / form: a template API configured by `fields`; aliyun: Alibaba Cloud SendSms; tencent: Tencent Cloud.
    profile: str = "json"
    url: str = ""
    sign_name: str = ""
    access_key_id: str = ""
    access_key_secret: str = ""
    region: str = "cn-hangzhou"
    app_id: str = ""  # tencent: SmsSdkAppId
    timeout_seconds: int = 10
    max_attempts: int = 5
    #: At most this many SMS a day to one number (codes included).
    per_number_per_day: int = 20
    #: Template id per notice kind (code, ahead, called, ready, reminder, booked, no_show).
    templates: dict[str, str] = field(default_factory=dict)
    #: json / form: the request's fields; values may hold {phone} {template} {sign} {params_json} {params_form}
    #: {param.NAME} {key} {secret} {timestamp} {nonce}.
    fields: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    #: json / form: the answer's field (dotted path) that tells success, and the values that mean it.
    success_field: str = "code"
    success_values: tuple[str, ...] = ("0", "OK")
    #: json / form: the answer's field holding the gateway's message id (optional).
    id_field: str = ""


def parse_service_hours(raw: Any) -> OpeningHours:
    """[service_hours]: enforce, stop_before_minutes, and a list of sessions per weekday (weekdays = Mon–Fri)."""
    if not isinstance(raw, dict):
        raise PhoneConfigError("[service_hours] must be a table")
    known = {"enforce", "stop_before_minutes", "weekdays", *WEEKDAYS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise PhoneConfigError(f"[service_hours] unknown setting(s): {', '.join(unknown)}; known: "
                               f"{', '.join(sorted(known))}")
    base = OpeningHours()
    week = list(base.week)
    try:
        if "weekdays" in raw:
            week[:5] = [parse_sessions(raw["weekdays"], "[service_hours] weekdays")] * 5
        for index, name in enumerate(WEEKDAYS):
            if name in raw:
                week[index] = parse_sessions(raw[name], f"[service_hours] {name}")
        enforce = raw.get("enforce", True)
        if not isinstance(enforce, bool):
            raise PhoneConfigError("[service_hours] enforce must be true or false")
        stop = raw.get("stop_before_minutes", 0)
        if not isinstance(stop, int) or isinstance(stop, bool):
            raise PhoneConfigError("[service_hours] stop_before_minutes must be a whole number")
        return OpeningHours(enforce=enforce, week=tuple(week), stop_before_minutes=stop)
    except HoursError as exc:
        raise PhoneConfigError(f"[service_hours] {exc}" if not str(exc).startswith("[") else str(exc)) from None


def parse_phone(raw: Any) -> PhoneSettings:
    """[phone]: the PhoneSettings fields."""
    if not isinstance(raw, dict):
        raise PhoneConfigError("[phone] must be a table")
    try:
        return PhoneSettings().with_changes(raw)
    except PhoneConfigError as exc:
        message = str(exc)
        raise PhoneConfigError(message if message.startswith("[phone]") else f"[phone] {message}") from None


def parse_sms(raw: Any) -> SmsSettings:
    """[sms] with its [sms.templates], [sms.fields] and [sms.headers] tables."""
    if not isinstance(raw, dict):
        raise PhoneConfigError("[sms] must be a table")
    known = {f.name for f in fields(SmsSettings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise PhoneConfigError(f"[sms] unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    defaults = SmsSettings()
    for name, value in raw.items():
        default = getattr(defaults, name)
        if isinstance(default, dict):
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                       for k, v in value.items()):
                raise PhoneConfigError(f"[sms.{name}] must be a table of texts")
            value = dict(value)
        elif isinstance(default, tuple):
            if isinstance(value, str):
                value = (value,)
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int)) for v in value):
                raise PhoneConfigError(f"[sms] {name} must be a list of texts")
            value = tuple(str(v) for v in value)
        elif isinstance(default, int):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise PhoneConfigError(f"[sms] {name} must be a positive whole number")
        elif not isinstance(value, str):
            raise PhoneConfigError(f"[sms] {name} must be text")
        values[name] = value
    sms = SmsSettings(**values)
    if sms.backend not in SMS_BACKENDS:
        raise PhoneConfigError(f"[sms] backend must be one of {', '.join(SMS_BACKENDS)}, got {sms.backend!r}")
    if sms.profile not in SMS_PROFILES:
        raise PhoneConfigError(f"[sms] profile must be one of {', '.join(SMS_PROFILES)}, got {sms.profile!r}")
    bad = sorted(set(sms.templates) - set(SMS_KINDS))
    if bad:
        raise PhoneConfigError(f"[sms.templates] unknown notice(s): {', '.join(bad)}; known: {', '.join(SMS_KINDS)}")
    if sms.backend == "http":
        if not sms.url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise PhoneConfigError("[sms] url must be https:// (plain http only to 127.0.0.1)")
        if "code" not in sms.templates:
            raise PhoneConfigError("[sms.templates] needs at least the template of the one-time code (code = …)")
        if sms.profile in ("json", "form") and not sms.fields:
            raise PhoneConfigError("[sms.fields] must describe the request of a json or form gateway")
        if sms.profile in ("aliyun", "tencent") and not (sms.access_key_id and sms.access_key_secret and sms.sign_name):
            raise PhoneConfigError(f"[sms] the {sms.profile} profile needs access_key_id, access_key_secret and "
                                   "sign_name")
        if sms.profile == "tencent" and not sms.app_id:
            raise PhoneConfigError("[sms] the tencent profile needs app_id (SmsSdkAppId)")
    return sms
