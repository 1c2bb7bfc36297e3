"""The OpenAPI paths of the phone's API, the kiosk's arrival, the ID-card check-in and the managers' pages."""

from __future__ import annotations

from typing import Any

from hall.web.openapi import NO_BODY, _op, path_param


def _obj(required: list[str] | None = None, **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return schema


_TOKEN = [path_param("token", {"type": "string", "maxLength": 200})]
_SCOPE_CODE = [path_param("scope", {"type": "string", "maxLength": 200}),
               path_param("code", {"type": "string", "maxLength": 200})]
_TEXT = {"type": "string", "maxLength": 200}
_SERVICE = {"service": _TEXT, "bundle": _TEXT}
_LIMIT = {"type": ["integer", "null"], "minimum": 0}
#: A slot's start: seconds since the epoch, or a local date and time (2026-11-25T10:00).
_SLOT_START = {"type": ["number", "string"], "maxLength": 40}


def phone_paths() -> dict[str, Any]:
    """Paths relative to /api/v1."""
    return {
        "/phone/hall": {"get": _op("Whether tickets are given out now, the next opening, what can be taken or booked")},
        "/phone/codes": {"post": _op("Send a one-time code to a mobile number (limited per number and address)",
                                     status="202",
                                     request=_obj(["phone"], phone={"type": "string", "example": "13800001234"}))},
        "/phone/verify": {"post": _op("Check the code; the phone's cookie then holds the verified number",
                                      request=_obj(["phone", "code"], phone=_TEXT, code={"type": "string"}))},
        "/phone/me": {"get": _op("The verified number of this phone (masked), its remote ticket and bookings")},
        "/phone/logout": {"post": _op("Forget the verified number on this phone", request=NO_BODY)},
        "/phone/tickets": {"post": _op("A remote ticket (verified number; service hours, quotas, one per number)",
                                       status="201", request=_obj(None, **_SERVICE, ahead={"type": "integer"},
                                                               sms={"type": "boolean"}))},
        "/phone/tickets/{token}": {"get": _op("A ticket as its phone page shows it", params=_TOKEN)},
        "/phone/tickets/{token}/arrived": {"post": _op("Confirm arrival with the lobby's code", params=_TOKEN,
                                                       request=_obj(["code"], code=_TEXT))},
        "/phone/tickets/{token}/more-time": {"post": _op("Move a waiting remote ticket back some places (once)",
                                                         params=_TOKEN, request=NO_BODY)},
        "/phone/tickets/{token}/cancel": {"post": _op("Give the ticket up", params=_TOKEN, request=NO_BODY)},
        "/phone/tickets/{token}/follow": {"put": _op("Notices at N ahead, and by SMS for a verified number",
                                                     params=_TOKEN, request=_obj(None, ahead={"type": "integer"},
                                                                              sms={"type": "boolean"}))},
        "/phone/here": {"post": _op("The lobby's QR code on the phone: confirm arrival or check the booking in",
                                    request=_obj(["code"], code=_TEXT))},
        "/phone/slots": {"get": _op("The slots of a day for an item or bundle", params=[
            {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("scope", "code", "date")])},
        "/phone/bookings": {"post": _op("Book a slot (verified number); the booking code and page token",
                                        status="201",
                                        request=_obj(["code", "slot_start"], scope={"enum": ["item", "bundle"]},
                                                     code=_TEXT, slot_start=_SLOT_START, sms={"type": "boolean"},
                                                     id_number=_TEXT))},
        "/phone/bookings/{token}": {"get": _op("A booking as its page shows it", params=_TOKEN)},
        "/phone/bookings/{token}/cancel": {"post": _op("Cancel the booking", params=_TOKEN, request=NO_BODY)},
        "/phone/bookings/{token}/check-in": {"post": _op("Check in on arrival with the lobby's code", params=_TOKEN,
                                                         status="201", request=_obj(["code"], code=_TEXT))},
        "/kiosk/arrivals": {"post": _op("Confirm a remote ticket's arrival at the kiosk", request=_obj(
            ["number", "digits"], number={"type": "string", "maxLength": 8}, digits={"type": "string"}, kiosk=_TEXT))},
        "/appointments/check-in-id": {"post": _op("Check a booking in by ID card (the kiosk's reader)", auth="device",
                                                  status="201",
                                                  request=_obj(["id_number"], id_number=_TEXT, kiosk=_TEXT))},
        "/admin/hours": {"get": _op("Service hours in force, now and the next two weeks (manager)", auth="staff"),
                         "put": _op("Set the service hours (manager; audited)", auth="staff",
                                    request={"type": "object"})},
        "/admin/hours/open-early": {"post": _op("Open the hall early (manager; audited)", auth="staff",
                                                request=_obj(None, minutes={"type": "integer"}))},
        "/admin/hours/end-early": {"post": _op("End an early opening (manager; audited)", auth="staff",
                                               request=NO_BODY)},
        "/admin/quotas": {"get": _op("Quotas with what is left today (manager)", auth="staff")},
        "/admin/quotas/hall": {
            "put": _op("Set the whole hall's quota (manager; audited)", auth="staff",
                       request=_obj(None, daily=_LIMIT, slot_minutes=_LIMIT, per_slot=_LIMIT, remote_share=_LIMIT)),
            "delete": _op("Take the hall's quota away (manager; audited)", auth="staff")},
        "/admin/quotas/{scope}/{code}": {
            "put": _op("Set an item's or bundle's quota (manager; audited)", auth="staff", params=_SCOPE_CODE,
                       request=_obj(None, daily=_LIMIT, slot_minutes=_LIMIT, per_slot=_LIMIT, remote_share=_LIMIT)),
            "delete": _op("Take a quota away (manager; audited)", auth="staff", params=_SCOPE_CODE)},
        "/admin/phone-settings": {
            "get": _op("Remote queueing, notices, retention (manager)", auth="staff"),
            "put": _op("Change them (manager; audited)", auth="staff", request={"type": "object"})},
        "/admin/sms-log": {"get": _op("The SMS of the last two days, masked (manager)", auth="staff")},
        "/admin/appointment-plans": {"get": _op("Online booking plans (manager)", auth="staff")},
        "/admin/appointment-plans/{scope}/{code}": {
            "put": _op("Set a booking plan (manager; audited)", auth="staff", params=_SCOPE_CODE, request=_obj(
                None, slot_minutes={"type": "integer"}, capacity={"type": "integer"},
                min_lead_minutes={"type": "integer"}, max_days_ahead={"type": "integer"}, active={"type": "boolean"})),
            "delete": _op("Remove a booking plan (manager; audited)", auth="staff", params=_SCOPE_CODE)},
        "/admin/appointment-plans/{scope}/{code}/days/{day}": {"put": _op(
            "One day's capacity per slot (0 closes it; null: the plan's)", auth="staff",
            params=[*_SCOPE_CODE, path_param("day", {"type": "string", "maxLength": 200})],
            request=_obj(None, capacity=_LIMIT))},
    }
