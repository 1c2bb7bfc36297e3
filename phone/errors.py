"""What a citizen (or a manager) reads when the hall refuses: one message per error code, in their language.

The hall's errors carry English messages for the log and details for the page; here each code becomes a
translated sentence (the answer's ``message``), mapped to its HTTP status in one place (``HallError.status``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, render_template, request
from flask_babel import gettext as _

from hall.domain.errors import HallError
from hall.web.errors import translated


def weekday_name(index: int) -> str:
    return (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"),
            _("Sunday"))[index % 7]


def when_text(iso: str | None) -> str:
    """A moment as the page says it: 11-26 (Thursday) 09:00."""
    if not iso:
        return _("not known yet")
    moment = datetime.fromisoformat(iso)
    return _("%(date)s (%(weekday)s) %(time)s", date=moment.strftime("%m-%d"), weekday=weekday_name(moment.weekday()),
             time=moment.strftime("%H:%M"))


def message_of(exc: HallError) -> str:
    """The translated sentence for a refusal."""
    details: dict[str, Any] = exc.details
    code = exc.code
    if code == "outside_service_hours":
        return _("Tickets are given out during the service hours only. Next opening: %(when)s.",
                 when=when_text(details.get("next_opening")))
    if code == "quota_exhausted":
        limit = details.get("limit")
        if limit == "remote":
            return _("The tickets for remote queueing are all taken today. Please take a ticket at the kiosk in the "
                     "hall.")
        if limit == "slot":
            return _("The tickets of this time slot are all taken. Please try again in the next slot.")
        return _("Today's tickets are all taken. If a counter is free, you may ask there directly.")
    simple = {
        "remote_closed": _("Remote queueing is not offered in this hall. Please take a ticket at the kiosk."),
        "already_queued": _("This phone number already holds a remote ticket today. Follow it, or cancel it to "
                            "take another."),
        "more_time_refused": _("More time can be asked once, for a waiting remote ticket that is not last."),
        "arrival_refused": _("This does not confirm your arrival. Scan the QR code on the lobby screen, or type "
                             "the six digits shown under it."),
        "bad_phone_number": _("Please give a mobile phone number of 11 digits."),
        "too_many_codes": _("Too many codes were asked. Please wait a few minutes and try again."),
        "wrong_code": _("The code is wrong or has expired. Please check it, or ask for a new one."),
        "slot_full": _("This time slot is fully booked. Please choose another."),
        "check_in_refused": _("This booking cannot be checked in now. Check-in opens 30 minutes before your booked "
                              "time."),
        "check_in_closed": _("This booking was already checked in or cancelled."),
        "unknown_ticket": _("There is no such ticket. Please check the link."),
        "unknown_service": _("This service is not offered now."),
        "illegal_transition": _("This cannot be done with the ticket as it is now."),
        "not_authenticated": _("Please log in first."),
        "not_authorised": _("You may not do this."),
        "too_many_attempts": _("Too many attempts. Please wait a minute and try again."),
    }
    if code == "booking_refused":
        return {
            "not_offered": _("This service cannot be booked online."),
            "no_slot": _("This time slot is not offered. Please choose one from the list."),
            "too_soon": _("This time slot is too soon to book. Please choose a later one."),
            "same_day": _("This phone number already has a booking on that day."),
            "too_many": _("This phone number holds the most bookings allowed. Cancel one to book another."),
            "unknown": _("There is no such booking. Please check the link."),
        }.get(str(details.get("reason")), _("This booking cannot be made."))
    if code in simple:
        return simple[code]
    if code == "invalid_input":
        if "field" not in details and exc.template is not None:
            return translated(exc)  # a manager's refusal that names what is wrong
        return {
            "id_number": _("This is not a valid resident ID number."),
            "phone": _("Please give a mobile phone number of 11 digits."),
            "code": _("The code has 6 digits."),
            "ahead": _("Please choose how many people ahead you want to be told at."),
            "slot_start": _("Please choose a time slot from the list."),
            "number": _("Please give your ticket number, for example R012."),
        }.get(str(details.get("field")), _("Please check what you entered."))
    return _("Sorry, this did not work. Please try again or ask the staff.")


def error_response(exc: HallError) -> Any:
    """The refusal as JSON (the API) or as the error page, with the translated message."""
    message = message_of(exc)
    details = {k: v for k, v in exc.details.items() if isinstance(v, (str, int, list))}
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        payload: dict[str, Any] = {"error": exc.code, "message": message}
        if details:
            payload["details"] = details
        response = jsonify(payload)
        if exc.status == 429 and details.get("retry_seconds"):
            response.headers["Retry-After"] = str(max(1, int(details["retry_seconds"])))
        return response, exc.status
    return render_template("error.html", status=exc.status, message=message), exc.status
