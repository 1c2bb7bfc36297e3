"""The OpenAPI paths of the phone's API, the kiosk's arrival, the ID-card check-in and the managers' pages."""

from __future__ import annotations

from typing import Any

from hall.web.openapi import CODE, DATE, FLAG, KIOSK, NO_BODY, TICKET_NUMBER, _op, body, path_param, query, text


def _obj(required: list[str] | None = None, **properties: Any) -> dict[str, Any]:
    return body(properties, required=tuple(required or ()))


def _number(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


_TOKEN = [path_param("token", text(200, blank=False))]
_SCOPE = {"type": "string", "enum": ["item", "bundle"]}
_SCOPE_CODE = [path_param("scope", _SCOPE), path_param("code", CODE)]
_TEXT = text(200)
_SERVICE = {"service": text(200, blank=False), "bundle": text(200, blank=False)}
#: A slot's start: seconds since the epoch, or a local date and time (2026-11-25T10:00).
_SLOT_START = {"type": ["number", "string"], "maxLength": 40}
_AHEAD = _number(1, 99)
_PHONE = text(40, blank=False) | {"example": "13800001234"}
#: The console's quota and plan forms: whole numbers, their ranges checked by the hall, which names the field as
#: the form does ("时段长度（分钟）：留空，或填写 5 至 720 的整数").
_WHOLE = {"type": "integer"}
_WHOLE_OR_NULL = {"type": ["integer", "null"]}
_QUOTA = {"daily": _WHOLE_OR_NULL, "slot_minutes": _WHOLE_OR_NULL, "per_slot": _WHOLE_OR_NULL,
          "remote_share": _WHOLE_OR_NULL}


def phone_paths() -> dict[str, Any]:
    """Paths relative to /api/v1."""
    return {
        "/phone/hall": {"get": _op("Whether tickets are given out now, the next opening, what can be taken or booked")},
        "/phone/codes": {"post": _op("Send a one-time code to a mobile number (limited per number and address)",
                                     status="202", throttled=True,
                                     request=_obj(["phone"], phone=_PHONE))},
        "/phone/verify": {"post": _op("Check the code; the phone's cookie then holds the verified number",
                                      throttled=True, request=_obj(["phone", "code"], phone=_PHONE,
                                                                   code=text(20, blank=False)))},
        "/phone/me": {"get": _op("The verified number of this phone (masked), its remote ticket and bookings")},
        "/phone/logout": {"post": _op("Forget the verified number on this phone", request=NO_BODY)},
        "/phone/tickets": {"post": _op("A remote ticket (verified number; service hours, quotas, one per number)",
                                       status="201", request=body({**_SERVICE, "ahead": _AHEAD, "sms": FLAG},
                                                                one_of=("service", "bundle")))},
        "/phone/tickets/{token}": {"get": _op("A ticket as its phone page shows it", params=_TOKEN)},
        "/phone/tickets/{token}/arrived": {"post": _op("Confirm arrival with the lobby's code", params=_TOKEN,
                                                       request=_obj(["code"], code=_TEXT))},
        "/phone/tickets/{token}/more-time": {"post": _op("Move a waiting remote ticket back some places (once)",
                                                         params=_TOKEN, request=NO_BODY)},
        "/phone/tickets/{token}/cancel": {"post": _op("Give the ticket up", params=_TOKEN, request=NO_BODY)},
        "/phone/tickets/{token}/follow": {"put": _op("Notices at N ahead, and by SMS for a verified number",
                                                     params=_TOKEN, request=_obj(None, ahead=_AHEAD, sms=FLAG))},
        "/phone/here": {"post": _op("The lobby's QR code on the phone: confirm arrival or check the booking in",
                                    request=_obj(["code"], code=_TEXT))},
        "/phone/slots": {"get": _op("The slots of a day for an item or bundle", params=[
            query("scope", _SCOPE), query("code", CODE, required=True), query("date", DATE)])},
        "/phone/bookings": {"post": _op("Book a slot (verified number); the booking code and page token",
                                        status="201",
                                        request=_obj(["code", "slot_start"], scope=_SCOPE,
                                                     code=_TEXT, slot_start=_SLOT_START, sms={"type": "boolean"},
                                                     id_number=_TEXT))},
        "/phone/bookings/{token}": {"get": _op("A booking as its page shows it", params=_TOKEN)},
        "/phone/bookings/{token}/cancel": {"post": _op("Cancel the booking", params=_TOKEN, request=NO_BODY)},
        "/phone/bookings/{token}/check-in": {"post": _op("Check in on arrival with the lobby's code", params=_TOKEN,
                                                         status="201", request=_obj(["code"], code=_TEXT))},
        "/kiosk/arrivals": {"post": _op("Confirm a remote ticket's arrival at the kiosk", request=_obj(
            ["number", "digits"], number=TICKET_NUMBER, digits={"type": "string", "pattern": r"^\s*\d{4}\s*$"},
            kiosk=KIOSK))},
        "/appointments/check-in-id": {"post": _op("Check a booking in by ID card (the kiosk's reader)", auth="device",
                                                  status="201",
                                                  request=_obj(["id_number"], id_number=text(40, blank=False),
                                                               kiosk=KIOSK))},
        "/admin/hours": {"get": _op("Service hours in force, now and the next two weeks (manager)", auth="staff"),
                         "put": _op("Set the service hours (manager; audited)", auth="staff",
                                    request={"type": "object"})},
        "/admin/hours/open-early": {"post": _op("Open the hall early (manager; audited)", auth="staff",
                                                request=_obj(None, minutes=_WHOLE))},
        "/admin/hours/end-early": {"post": _op("End an early opening (manager; audited)", auth="staff",
                                               request=NO_BODY)},
        "/admin/quotas": {"get": _op("Quotas with what is left today (manager)", auth="staff")},
        "/admin/quotas/hall": {
            "put": _op("Set the whole hall's quota (manager; audited)", auth="staff",
                       request=_obj(None, **_QUOTA)),
            "delete": _op("Take the hall's quota away (manager; audited)", auth="staff")},
        "/admin/quotas/{scope}/{code}": {
            "put": _op("Set an item's or bundle's quota (manager; audited)", auth="staff", params=_SCOPE_CODE,
                       request=_obj(None, **_QUOTA)),
            "delete": _op("Take a quota away (manager; audited)", auth="staff", params=_SCOPE_CODE)},
        "/admin/phone-settings": {
            "get": _op("Remote queueing, notices, retention (manager)", auth="staff"),
            "put": _op("Change them (manager; audited)", auth="staff", request={"type": "object"})},
        "/admin/sms-log": {"get": _op("The SMS of the last two days, masked (manager)", auth="staff")},
        "/admin/appointment-plans": {"get": _op("Online booking plans (manager)", auth="staff")},
        "/admin/appointment-plans/{scope}/{code}": {
            "put": _op("Set a booking plan (manager; audited)", auth="staff", params=_SCOPE_CODE, request=_obj(
                None, slot_minutes=_WHOLE, capacity=_WHOLE, min_lead_minutes=_WHOLE, max_days_ahead=_WHOLE,
                active=FLAG)),
            "delete": _op("Remove a booking plan (manager; audited)", auth="staff", params=_SCOPE_CODE)},
        "/admin/appointment-plans/{scope}/{code}/days/{day}": {"put": _op(
            "One day's capacity per slot (0 closes it; null: the plan's)", auth="staff",
            params=[*_SCOPE_CODE, path_param("day", DATE)], request=_obj(None, capacity=_WHOLE_OR_NULL))},
    }
