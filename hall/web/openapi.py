"""The OpenAPI 3.1 description of /api/v1, precise enough that the server can check requests against it.

Every parameter and request body is described with the limits the server keeps (ranges, patterns, lengths,
enums, which fields go together), and hall.web.conformance refuses any request that breaks them before a
view sees it: the document and the server cannot disagree about the shape of a request. What no schema can
say (a code that does not exist, a slot already over, a step taken out of order) is answered 404 or 409,
or 400 as the summary says; schemathesis checks all of it (tests/security/test_api_conformance.py).
"""

from __future__ import annotations

from typing import Any

from ..commands import PAUSE_REASONS
from ..domain.errors import N_
from ..domain.states import TicketState

MAX_INT = 2**31 - 1
ID = {"type": "integer", "minimum": 0, "maximum": MAX_INT}
INT32 = {"type": "integer", "minimum": -MAX_INT, "maximum": MAX_INT}
CODE = {"type": "string", "pattern": r"^[A-Za-z0-9_.-]{1,40}$"}
KIOSK = {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,40}$"}
DATE = {"type": "string", "format": "date", "pattern": r"^[1-9]\d{3}-\d{2}-\d{2}$"}
MONTH = {"type": "string", "pattern": r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"}
TICKET_NUMBER = {"type": "string", "pattern": r"^\s*[A-Za-z][0-9]{3,9}\s*$", "example": "A001"}
LANG = {"type": "string", "enum": ["zh", "en"]}
#: 12 digits (or the 8 of codes booked before issue 13), spaces and dashes anywhere as people type them.
BOOKING_CODE = {"type": "string", "pattern": r"^[ -]*(?:\d[ -]*){8}(?:(?:\d[ -]*){4})?$", "example": "1234 5678 9012",
                "x-refusal": str(N_("a booking code has 12 digits"))}  # plain text for the schema compiler
#: Plain-language refusals of schemas (x-refusal): the whole answer when the request breaks one of them.
REFUSALS = (BOOKING_CODE["x-refusal"],)
FLAG = {"type": "boolean"}
#: An ID card's swipe is named together with the kiosk whose reader read it.
SWIPE_NEEDS_KIOSK = {"if": {"required": ["swipe"], "properties": {"swipe": {"type": "string"}}},
                     "then": {"required": ["kiosk"], "properties": {"kiosk": KIOSK}}}
#: A counter's LED window strip on an RS-485 line: the port (path or pyserial URL) and its bus address.
LED = {"type": "object", "additionalProperties": False, "required": ["port"],
       "properties": {"port": {"type": "string", "minLength": 1, "maxLength": 200},
                      "address": {"type": "integer", "minimum": 0, "maximum": 255}}}


def text(limit: int = 200, *, blank: bool = True) -> dict[str, Any]:
    """A string of at most *limit* characters; with blank=False it must hold something besides spaces."""
    return {"type": "string", "maxLength": limit} if blank else {
        "type": "string", "minLength": 1, "maxLength": limit, "pattern": r"\S"}


def body(properties: dict[str, Any], *, required: tuple[str, ...] = (), closed: bool = True,
         one_of: tuple[str, ...] = (), nullable: bool = False) -> dict[str, Any]:
    """An object schema; *one_of*: exactly one of these fields is given (and not null); *nullable*: an
    optional field may be null, which the view reads as absent (hall.web.jsonio.field)."""
    if nullable:
        properties = {name: schema if name in required else _or_null(schema) for name, schema in properties.items()}
    result: dict[str, Any] = {"type": "object", "properties": properties}
    if closed:
        result["additionalProperties"] = False
    if required:
        result["required"] = list(required)
    if one_of:
        result["oneOf"] = [{"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in one_of]
    return result


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """*schema*, or null."""
    out = dict(schema)
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


NO_BODY = body({})
_ERROR = {"description": "Refused: `error` is a stable code, `message` says why",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_THROTTLED = {**_ERROR, "description": "Too many attempts: wait Retry-After seconds",
              "headers": {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}}}


def _op(summary: str, *, request: dict[str, Any] | None = None, auth: str | None = None, status: str = "200",
        params: list[dict[str, Any]] | None = None, result: str = "Object", throttled: bool = False,
        content: dict[str, Any] | None = None, more: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {status: {"description": "OK", "content": content or {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{result}"}}}},
            "400": _ERROR, "404": _ERROR, "409": _ERROR},
    }
    if request is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
        op["responses"].update({"403": _ERROR, "413": _ERROR, "415": _ERROR})
    if auth:
        op["security"] = [{auth: []}]
        op["responses"].update({"401": _ERROR, "403": _ERROR})
    if throttled:
        op["responses"]["429"] = _THROTTLED
    if params:
        op["parameters"] = params
    op["responses"].update(more or {})
    return op


def path_param(name: str, schema: dict[str, Any] = ID) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def query(name: str, schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    """A query parameter; given, it is never empty (the server refuses ``?date=`` rather than guess)."""
    if schema.get("type") == "string":
        schema = {**schema, "minLength": max(1, schema.get("minLength", 0))}
    return {"name": name, "in": "query", "required": required, "schema": schema}


COUNTER = [path_param("number")]
CODE_PARAM = [path_param("code", CODE)]


def _counter_paths() -> dict[str, Any]:
    return {
        f"/counters/{{number}}/{action}": {"post": _op(summary, request=schema, auth="staff", params=COUNTER)}
        for action, summary, schema in (
            ("call-next", "Call the next ticket this counter may serve (atomic)", NO_BODY),
            ("call", "Call a specific number (指呼), also a held ticket", body(
                {"number": TICKET_NUMBER}, required=("number",))),
            ("recall", "Announce the called ticket again (重呼)", NO_BODY),
            ("start", "The citizen arrived: serving starts", NO_BODY),
            ("finish", "Finish the case; the evaluator asks for a rating", NO_BODY),
            ("no-show", "The called citizen did not come (过号)", NO_BODY),
            ("hold", "The citizen steps away and comes back without a new ticket (挂起)", NO_BODY),
            ("transfer", "Transfer to another counter or a category; the ticket keeps its place (400 when there "
                         "is no such counter or category)", body(
                {"to_counter": INT32, "to_category": text(blank=False), "note": text()},
                one_of=("to_counter", "to_category"),
                nullable=True)),
            ("pause", "Pause the counter (暂停服务): a reason from the list (" + ", ".join(PAUSE_REASONS) + "); free "
             "text only with \"other\" as its note (a reason not on the list, as older panels send, is kept as the "
             "note of \"other\")", body({"reason": text(100), "note": text(100)}, nullable=True)),
            ("resume", "Resume after a pause", NO_BODY),
            ("call-held", "Call back a held ticket (the oldest, or the one given)", body(
                {"number": TICKET_NUMBER}, nullable=True)),
            ("sign-in", "Sign in at the counter: a clerk at their own, a manager at any free one; it opens", NO_BODY),
            ("sign-out", "Sign out: the counter closes (refused while a ticket is in hand)", NO_BODY),
        )
    }


def _public_paths() -> dict[str, Any]:
    return {
        "/services": {"get": _op("The catalogue: categories, service items and bundles")},
        "/services/{code}": {"get": _op("One service item with its guide", params=CODE_PARAM)},
        "/bundles/{code}": {"get": _op("One bundle with its items and materials", params=CODE_PARAM)},
        "/tickets": {"post": _op("Take a ticket for a service item or a bundle (public: the kiosk)", status="201",
                                 result="Ticket", request=body(
            {"service": text(), "bundle": text(), "priority": FLAG, "kiosk": KIOSK, "print": FLAG, "lang": LANG,
             "swipe": text(64) | {"description": "the token of an ID card swiped at this kiosk (from the kiosk "
                                                 "page's /kiosk socket); one open ticket per person and item"}},
            one_of=("service", "bundle"), nullable=True) | SWIPE_NEEDS_KIOSK)},
        "/tickets/{ticket_id}": {"get": _op("A ticket by its id (staff: ids are sequential, never a way in)",
                                            auth="staff", params=[path_param("ticket_id")], result="Ticket")},
        "/tickets/{ticket_id}/cancel": {"post": _op("Cancel a ticket (manager)", auth="staff",
                                                    params=[path_param("ticket_id")],
                                                    request=body({"reason": text()}, nullable=True))},
        "/tickets/{ticket_id}/reprint": {"post": _op("Print a ticket again (manager)", auth="staff", status="202",
                                                     result="Ticket", params=[path_param("ticket_id")],
                                                     request=NO_BODY)},
        "/status/{token}": {"get": _op("A ticket's public state by the unguessable token of its QR code",
                                       params=[path_param("token", text(100, blank=False))], result="Ticket")},
        "/login": {"post": _op("Log in; sets the session cookie and returns a bearer token (throttled per client "
                               "address, per account and address, per account)", throttled=True, more={"401": _ERROR},
                               request=body({"username": text(), "password": text()},
                                            required=("username", "password")))},
        "/logout": {"post": _op("End the login on the server: its cookie and its token", request=NO_BODY)},
        "/me": {"get": _op("The logged-in member of staff", auth="staff")},
        "/counters/{number}": {"get": _op("A counter's state, ticket in hand and queue", auth="staff", params=COUNTER)},
        "/ratings": {"post": _op("Rate a finished case (the counter's evaluator device only)", auth="device",
                                 status="201", request=body({
                                     "ticket": ID, "score": {"type": "integer", "minimum": 1, "maximum": 5},
                                     "reasons": {"type": "array", "maxItems": 20, "items": text(40)}},
                                     required=("ticket", "score")))},
        "/reports/summary": {"get": _op("A day's figures (manager)", auth="staff", params=[query("date", DATE)])},
        "/counters/{number}/checklist": {
            "get": _op("The materials checklist of the ticket in hand, as the citizen-facing screen shows it",
                       auth="staff", params=COUNTER),
            "post": _op("Tick or untick one material (index as in GET …/checklist); the citizen screen follows",
                        auth="staff", params=COUNTER, request=body({"material": ID, "checked": FLAG},
                                                                   required=("material", "checked"))),
        },
        "/kiosk/search": {"get": _op("Find items and bundles by Chinese text, English words or pinyin initials "
                                     "(q=ylbx finds 养老保险 items)", params=[
                                         query("q", text(40, blank=False), required=True)])},
        "/kiosk/reprint": {"post": _op("Reprint a just-taken ticket on its kiosk's printer (by token, within "
                                       "5 minutes, twice at most), or the open ticket of the ID card just swiped "
                                       "for an item (swipe, kiosk, service or bundle)", status="202", result="Ticket",
                                       request=body({"token": text(), "lang": LANG, "swipe": text(64), "kiosk": KIOSK,
                                                     "service": text(), "bundle": text()}, one_of=("token", "swipe"),
                                                    nullable=True) | SWIPE_NEEDS_KIOSK)},
        "/openapi.json": {"get": _op("This document")},
    }


def _appointment_paths() -> dict[str, Any]:
    return {
        "/appointments": {
            "get": _op("A day's appointments (manager)", auth="staff", params=[query("date", DATE)]),
            "post": _op("Book a time slot for an item or a bundle (manager); returns the 12-digit booking code. "
                        "400 when the slot is already over", auth="staff", status="201", request=body({
                            "service": text(), "bundle": text(),
                            "slot_start": {"type": "string", "example": "2026-11-25T10:00",
                                           "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"},
                            "slot_minutes": {"type": "integer", "minimum": 5, "maximum": 240}},
                            required=("slot_start",), one_of=("service", "bundle"), nullable=True)),
        },
        "/appointments/check-in": {"post": _op(
            "Check a booking in by its code (public, throttled per kiosk): within 30 min before its slot until "
            "the slot ends it becomes a ticket ahead of walk-ins; any code that cannot be checked in now gets "
            "the same 404 check_in_refused", status="201", result="Ticket", throttled=True, request=body(
                {"code": BOOKING_CODE, "kiosk": KIOSK, "lang": LANG, "print": FLAG}, required=("code",), nullable=True),
            more={"200": {"description": "Checked in moments ago at this kiosk: the same ticket",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}}}})},
        "/appointments/{code}/cancel": {"post": _op("Cancel a booking not yet checked in (manager)", auth="staff",
                                                    params=[path_param("code", BOOKING_CODE)], request=NO_BODY)},
    }


def _console_paths() -> dict[str, Any]:
    """The managers' console API: live hall, configuration, audit log and the waiting-time report."""
    names = {"name_zh": text(80, blank=False), "name_en": text(80, blank=False)}
    category = {"letter": {"type": "string", "pattern": r"^[A-Z]$"}, "name_zh": text(60, blank=False),
                "name_en": text(60, blank=False), "position": {"type": "integer", "minimum": 0, "maximum": 10_000}}
    localised_lines = body({"zh": {"type": "array", "items": text(300)}, "en": {"type": "array", "items": text(300)}})
    guide = body({"summary": body({"zh": {"type": "string"}, "en": {"type": "string"}}),
                  **{k: localised_lines for k in ("conditions", "materials", "forms", "basis")}})
    aliases = {"type": "array", "maxItems": 20, "items": text(20, blank=False)}  # hall.admin.MAX_ALIASES
    item = {"category": text(80, blank=False), **names, "kind": {"enum": ["instant", "reviewed"]},
            "time_limit_days": {"type": "integer", "minimum": 0, "maximum": 365},
            "avg_service_minutes": {"type": "number", "minimum": 0.5, "maximum": 240},
            "active": FLAG, "position": {"type": "integer", "minimum": 0, "maximum": 10_000}, "guide": guide,
            "aliases": aliases, "remove_from_bundles": FLAG}
    bundle = {**names, "summary": body({"zh": text(500, blank=False), "en": text(500, blank=False)}),
              "active": FLAG, "items": {"type": "array", "items": CODE}, "aliases": aliases}
    roles = {"type": "array", "minItems": 1, "uniqueItems": True,
             "items": {"enum": ["clerk", "backoffice", "manager", "admin"]}}
    staff = {"display_name": text(60, blank=False), "roles": roles, "counter": {"type": ["integer", "null"],
             "minimum": 1, "maximum": 999}, "password": text(200), "active": FLAG, "allow_clerk_manager": FLAG}
    positive = {"type": "integer", "minimum": 1, "maximum": 100_000}
    settings = body({"name": text(80, blank=False), "name_en": text(80, blank=False),
                     "day_start": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"},
                     "wait_target_minutes": {"type": "integer", "minimum": 1, "maximum": 240},
                     "max_waiting_per_counter": positive, "pause_alert_minutes": positive,
                     "rating_window_seconds": {"type": "integer", "minimum": 10, "maximum": 100_000},
                     "followup_working_days": positive,
                     "announcement_template": body({"zh": text(200), "en": text(200)}),
                     "notices": localised_lines})
    code_in_body = body({"item": CODE}, required=("item",))
    return {
        "/console/live": {"get": _op("The live hall: counters, queues, waiting tickets, devices and alerts (manager)",
                                     auth="staff")},
        "/admin/catalogue": {"get": _op("Categories, items with guides, bundles and counters' items (manager)",
                                        auth="staff")},
        "/admin/categories": {"post": _op("Add a category with its ticket letter (manager; audited); 400 when the "
                                          "code or the letter is taken", auth="staff", status="201",
                                          request=body({"code": CODE, **category},
                                                       required=("code", "letter", "name_zh", "name_en")))},
        "/admin/categories/{code}": {"put": _op("Change a category (manager; audited); 400 when there is none",
                                                auth="staff", params=CODE_PARAM, request=body(category))},
        "/admin/items": {"post": _op("Add a service item with its guide (manager; audited); 400 when the code is "
                                     "taken or the category unknown", auth="staff", status="201",
                                     request=body({"code": CODE, **item}, required=("code", "category", "name_zh",
                                                                                     "name_en")))},
        "/admin/items/{code}": {"put": _op("Change a service item or its guide (manager; audited); 400 when there "
                                           "is none", auth="staff", params=CODE_PARAM, request=body(item))},
        "/admin/bundles": {"post": _op("Add a bundle (manager; audited); 400 when the code is taken", auth="staff",
                                       status="201", request=body({"code": CODE, **bundle},
                                                                  required=("code", "name_zh", "name_en")))},
        "/admin/bundles/{code}": {"put": _op("Change a bundle and its items (manager; audited); 400 when there is "
                                             "none", auth="staff", params=CODE_PARAM, request=body(bundle))},
        "/admin/bundles/{code}/items": {"post": _op("Add one service item to a bundle (manager; audited)",
                                                    auth="staff", params=CODE_PARAM, request=code_in_body)},
        "/admin/counters": {
            "get": _op("Every counter, retired ones too, with items, evaluator devices and LED strip (manager)",
                       auth="staff"),
            "post": _op("Add a counter: number, name, items (default all), dedicated_category, led (manager; "
                        "audited); 400 when the number is taken", auth="staff", status="201", request=body(
                            {"number": {"type": "integer", "minimum": 1, "maximum": 999}, "name": text(40, blank=False),
                             "items": {"type": "array", "items": CODE}, "dedicated_category": _or_null(CODE),
                             "led": _or_null(LED)}, required=("number",)))},
        "/admin/counters/{number}": {"put": _op(
            "Rename a counter, set its LED strip, retire it (active false; refused with a ticket in hand) or enable "
            "it again (manager; audited)", auth="staff", params=COUNTER, request=body(
                {"name": text(40, blank=False), "active": FLAG, "led": _or_null(LED)}))},
        "/admin/counters/{number}/devices": {"post": _op(
            "Register an evaluator for a counter; the answer holds its token once (manager; audited)", auth="staff",
            status="201", params=COUNTER, request=body({"kind": {"enum": ["evaluator"]}, "name": text(40)}))},
        "/admin/counters/{number}/devices/{device}/revoke": {"post": _op(
            "Withdraw a counter's device (manager; audited)", auth="staff",
            params=[*COUNTER, path_param("device")], request=NO_BODY)},
        "/admin/counters/{number}/items": {
            "put": _op("Set the items a counter may serve (manager; audited)", auth="staff", params=COUNTER,
                       request=body({"items": {"type": "array", "items": CODE}}, required=("items",))),
            "post": _op("Authorise a counter for one more item (manager; audited)", auth="staff", params=COUNTER,
                        request=code_in_body)},
        "/admin/staff": {"get": _op("Staff and their roles (admin)", auth="staff"),
                         "post": _op("Add a member of staff (admin; audited); the password meets the policy "
                                     "(docs/security.md); 400 when the username is taken", auth="staff",
                                     status="201", request=body({"username": text(64, blank=False), **staff},
                                                                required=("username", "roles", "password")))},
        "/admin/staff/{username}": {"put": _op(
            "Change roles, counter, password or deactivate (admin; audited); ends the member's logins when the "
            "password, the roles or the active flag change; 400 when there is no such member", auth="staff",
            params=[path_param("username", text(64, blank=False))], request=body(staff))},
        "/admin/settings": {"get": _op("Hall settings in force (manager)", auth="staff"),
                            "put": _op("Change hall settings (manager; audited)", auth="staff", request=settings)},
        "/admin/audit": {"get": _op("The audit log, newest first (manager)", auth="staff", params=[
            query("actor", text(64)), query("action", text(64)), query("target", text(64)), query("from", DATE),
            query("to", DATE), query("limit", {"type": "integer", "minimum": 1, "maximum": 1000})])},
        "/reports/waiting": {"get": _op(
            "Waiting and service times, service level and ratings over at most 400 days (400 beyond), grouped "
            "(a clerk gets only their own tickets); json, csv or xlsx", auth="staff", params=[
                query("from", DATE), query("to", DATE),
                query("group_by", {"enum": ["day", "hour", "item", "category", "counter", "clerk"]}),
                query("format", {"enum": ["json", "csv", "xlsx"]})], content={
                "application/json": {"schema": {"$ref": "#/components/schemas/Object"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}}})},
    }


def _followup_paths() -> dict[str, Any]:
    """Follow-up of bad ratings (回访整改), satisfaction figures and the clerk's request for a rating."""
    followup = [path_param("followup_id")]
    return {
        "/followups": {"get": _op("Follow-ups of ratings 1-2 (managers all, a clerk their own), most urgent first",
                                  auth="staff",
                                  params=[query("state", {"enum": ["open", "closed", "overdue", "all"]})])},
        "/followups/{followup_id}": {"get": _op("One follow-up with its call-back, rectification and appeal",
                                                auth="staff", params=followup)},
        "/followups/{followup_id}/{step}": {"post": _op(
            "One step: callback {date, contact, said}, rectification {rectification}, close {rectification?, note?} "
            "(manager); appeal {reason} (the rated clerk); decision {uphold, note?} (manager); 400 when the "
            "step's fields are missing", auth="staff",
            params=[*followup, path_param("step", {"enum": ["callback", "rectification", "close", "appeal",
                                                            "decision"]})],
            request=body({"date": DATE, "contact": text(1000), "said": text(1000), "rectification": text(1000),
                          "note": text(1000), "reason": text(1000), "uphold": FLAG}))},
        "/ratings/{ticket}/phone": {"post": _op(
            "The citizen's phone number for the call-back of a bad rating, within minutes of it (the evaluator "
            "that took it only); shown to managers, masked to everyone else", auth="device", status="201",
            params=[path_param("ticket")], request=body({"phone": text(20, blank=False)}, required=("phone",)))},
        "/reports/satisfaction": {"get": _op(
            "Rating rate (rated / finished), satisfaction rate (levels 3-5 / rated), distribution and follow-ups "
            "over at most 400 service days (400 beyond), optionally grouped (manager)", auth="staff", params=[
                query("from", DATE), query("to", DATE),
                query("group_by", {"enum": ["day", "counter", "clerk", "item", "category"]})])},
        "/reports/satisfaction/ranking": {"get": _op("The month's counters ranked by satisfaction (manager)",
                                                     auth="staff", params=[query("month", {**MONTH,
                                                                                           "example": "2026-11"})])},
        "/counters/{number}/request-rating": {"post": _op(
            "Ask the counter's evaluator again for the last finished case while its rating window is open (clerk)",
            auth="staff", status="202", params=COUNTER, request=NO_BODY)},
    }


def _case_paths() -> dict[str, Any]:
    """Back-office cases: review and approval by someone other than the accepting clerk (受办分离)."""
    step = body({"passed": FLAG, "note": text(), "counter": {"type": "integer", "minimum": 1, "maximum": 999}},
                nullable=True)
    return {
        "/cases": {"get": _op("Back-office cases (backoffice, clerk, manager)", auth="staff", params=[
            query("state", {"enum": ["accepted", "reviewed", "approved", "rejected", "delivered", "all"]})])},
        **{f"/cases/{{case_id}}/{name}": {"post": _op(summary, auth="staff", request=step,
                                                        params=[path_param("case_id")])}
           for name, summary in (("review", "Review a case (back office; not the accepting clerk)"),
                                 ("approve", "Approve a case (back office; neither the accepting clerk nor the "
                                             "reviewer)"),
                                 ("deliver", "Deliver the result at a counter (综合窗口出件)"))},
    }


def openapi_document() -> dict[str, Any]:
    """The API document; tests check it lists every route of the API and that the server keeps to it."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "OneWindow hall API", "version": "1",
                 "description": "Tickets, counters and ratings of a one-window service hall. Writes take JSON "
                                "only, from the hall's own pages or with a bearer token."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {
                "staff": {"type": "http", "scheme": "bearer",
                          "description": "Token from POST /login, or the session cookie it sets"},
                "device": {"type": "http", "scheme": "bearer",
                           "description": "Device token from `onewindow device add`"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"],
                          "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                         "details": {"type": "object"}}},
                "Object": {"type": "object"},
                "Ticket": {"type": "object", "required": ["id", "number", "state"], "properties": {
                    "id": {"type": "integer"}, "number": {"type": "string"},
                    "state": {"enum": [s.value for s in TicketState]},
                    "people_ahead": {"type": "integer"}, "estimated_wait_minutes": {"type": "integer"},
                    "estimated_wait_low": {"type": ["integer", "null"]},
                    "estimated_wait_high": {"type": ["integer", "null"]},
                    "status_url": {"type": "string"}, "counter": {"type": ["integer", "null"]}}},
            },
        },
        "paths": {**_public_paths(), **_counter_paths(), **_appointment_paths(), **_followup_paths(),
                  **_console_paths(), **_case_paths(), **_advisor_paths(),
                  **_phone_paths()},
    }


def _phone_paths() -> dict[str, Any]:
    from phone.openapi import phone_paths

    return phone_paths()


def _advisor_paths() -> dict[str, Any]:
    from .advisor_views import openapi_paths

    return openapi_paths()
