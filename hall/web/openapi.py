"""The OpenAPI 3.1 description of /api/v1."""

from __future__ import annotations

from typing import Any

_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _op(summary: str, *, body: dict[str, Any] | None = None, auth: str | None = None, status: str = "200",
        params: list[dict[str, Any]] | None = None, result: str = "Object") -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {status: {"description": "OK", "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{result}"}}}},
            "400": _ERROR, "404": _ERROR, "409": _ERROR},
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        op["responses"]["415"] = _ERROR
    if auth:
        op["security"] = [{auth: []}]
        op["responses"]["401"] = _ERROR
        op["responses"]["403"] = _ERROR
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


_COUNTER = [_path_param("number")]
_NO_BODY = {"type": "object", "additionalProperties": False}


def openapi_document() -> dict[str, Any]:
    """The API document; tests check it lists every route of the api blueprint."""
    counter_ops = {
        f"/counters/{{number}}/{action}": {"post": _op(summary, body=schema, auth="staff", params=_COUNTER)}
        for action, summary, schema in (
            ("call-next", "Call the next ticket this counter may serve (atomic)", _NO_BODY),
            ("call", "Call a specific number (指呼), also a held ticket", {
                "type": "object", "required": ["number"], "properties": {"number": {"type": "string", "example": "A001"}}}),
            ("recall", "Announce the called ticket again (重呼)", _NO_BODY),
            ("start", "The citizen arrived: serving starts", _NO_BODY),
            ("finish", "Finish the case; the evaluator asks for a rating", _NO_BODY),
            ("no-show", "The called citizen did not come (过号)", _NO_BODY),
            ("hold", "The citizen steps away and comes back without a new ticket (挂起)", _NO_BODY),
            ("transfer", "Transfer to another counter or category; the ticket keeps its place", {
                "type": "object", "properties": {"to_counter": {"type": "integer"}, "to_category": {"type": "string"},
                                                 "note": {"type": "string", "maxLength": 200}}}),
            ("pause", "Pause the counter (暂停服务): a reason from the list; free text only with \"other\"", {
                "type": "object", "properties": {
                    "reason": {"type": "string", "enum": ["lunch", "away", "training", "equipment", "other"]},
                    "note": {"type": "string", "maxLength": 100}}}),
            ("resume", "Resume after a pause", _NO_BODY),
            ("call-held", "Call back a held ticket (the oldest, or the one given)", {
                "type": "object", "properties": {"number": {"type": "string", "example": "A001"}}}),
            ("sign-in", "Sign in at the counter: a clerk at their own, a manager at any free one; it opens", _NO_BODY),
            ("sign-out", "Sign out: the counter closes (refused while a ticket is in hand)", _NO_BODY),
        )
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "OneWindow hall API", "version": "1",
                 "description": "Tickets, counters and ratings of a one-window service hall. Writes take JSON only."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {
                "staff": {"type": "http", "scheme": "bearer",
                          "description": "Token from POST /login, or the session cookie it sets"},
                "device": {"type": "http", "scheme": "bearer", "description": "Device token from `onewindow device add`"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"],
                          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
                "Object": {"type": "object"},
                "Ticket": {"type": "object", "required": ["id", "number", "state"], "properties": {
                    "id": {"type": "integer"}, "number": {"type": "string"},
                    "state": {"enum": ["waiting", "called", "serving", "held", "finished", "no_show", "cancelled"]},
                    "people_ahead": {"type": "integer"}, "estimated_wait_minutes": {"type": "integer"},
                    "status_url": {"type": "string"}, "counter": {"type": ["integer", "null"]}}},
            },
        },
        "paths": {
            "/services": {"get": _op("The catalogue: categories, service items and bundles")},
            "/services/{code}": {"get": _op("One service item with its guide", params=[_path_param("code", "string")])},
            "/bundles/{code}": {"get": _op("One bundle with its items and materials", params=[_path_param("code", "string")])},
            "/tickets": {"post": _op("Take a ticket for a service item or a bundle", status="201", result="Ticket", body={
                "type": "object", "additionalProperties": False, "properties": {
                    "service": {"type": "string"}, "bundle": {"type": "string"}, "priority": {"type": "boolean"},
                    "kiosk": {"type": "string"}, "print": {"type": "boolean"}, "lang": {"enum": ["zh", "en"]},
                    "swipe": {"type": "string", "description": "the token of an ID card swiped at this kiosk (from "
                              "the kiosk page's /kiosk socket); one open ticket per person and item"}}})},
            "/tickets/{ticket_id}": {"get": _op("A ticket's public state", params=[_path_param("ticket_id")], result="Ticket")},
            "/tickets/{ticket_id}/cancel": {"post": _op("Cancel a ticket (manager)", auth="staff", params=[_path_param("ticket_id")],
                                                        body={"type": "object", "properties": {"reason": {"type": "string"}}})},
            "/tickets/{ticket_id}/reprint": {"post": _op("Print a ticket again (manager)", auth="staff", status="202",
                                                         params=[_path_param("ticket_id")], body=_NO_BODY)},
            "/status/{token}": {"get": _op("A ticket's public state by its status-page token",
                                           params=[_path_param("token", "string")], result="Ticket")},
            "/login": {"post": _op("Log in; sets the session cookie and returns a bearer token", body={
                "type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}})},
            "/logout": {"post": _op("End the session", body=_NO_BODY)},
            "/me": {"get": _op("The logged-in member of staff", auth="staff")},
            "/counters/{number}": {"get": _op("A counter's state, ticket in hand and queue", auth="staff", params=_COUNTER)},
            **counter_ops,
            "/ratings": {"post": _op("Rate a finished case (the counter's evaluator device only)", auth="device",
                                     status="201", body={
                "type": "object", "required": ["ticket", "score"], "additionalProperties": False, "properties": {
                    "ticket": {"type": "integer"}, "score": {"type": "integer", "minimum": 1, "maximum": 5},
                    "reasons": {"type": "array", "items": {"type": "string"}}}})},
            "/reports/summary": {"get": _op("A day's figures (manager)", auth="staff", params=[
                {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}}])},
            "/counters/{number}/checklist": {
                "get": _op("The materials checklist of the ticket in hand, as the citizen-facing screen shows it",
                           auth="staff", params=_COUNTER),
                "post": _op("Tick or untick one material (index as in GET …/checklist); the citizen screen follows",
                            auth="staff", params=_COUNTER, body={
                                "type": "object", "required": ["material", "checked"], "additionalProperties": False,
                                "properties": {"material": {"type": "integer", "minimum": 0},
                                               "checked": {"type": "boolean"}}}),
            },
            "/kiosk/search": {"get": _op("Find items and bundles by Chinese text, English words or pinyin initials "
                                         "(q=ylbx finds 养老保险 items)", params=[
                {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 40}}])},
            "/kiosk/reprint": {"post": _op("Reprint a just-taken ticket on its kiosk's printer (by token, within "
                                           "5 minutes, twice at most), or the open ticket of the ID card just swiped "
                                           "for an item (swipe, kiosk, service or bundle)", status="202",
                                           result="Ticket", body={
                "type": "object", "additionalProperties": False,
                "properties": {"token": {"type": "string"}, "lang": {"enum": ["zh", "en"]},
                               "swipe": {"type": "string"}, "kiosk": {"type": "string"},
                               "service": {"type": "string"}, "bundle": {"type": "string"}}})},
            "/appointments": {
                "get": _op("A day's appointments (manager)", auth="staff", params=[
                    {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}}]),
                "post": _op("Book a time slot for an item or a bundle (manager); returns the 8-digit booking code",
                            auth="staff", status="201", body={
                                "type": "object", "required": ["slot_start"], "additionalProperties": False,
                                "properties": {"service": {"type": "string"}, "bundle": {"type": "string"},
                                               "slot_start": {"type": "string", "example": "2026-11-25T10:00"},
                                               "slot_minutes": {"type": "integer", "minimum": 5, "maximum": 240}}}),
            },
            "/appointments/check-in": {"post": _op(
                "Check a booking in by its code (public): within 30 min before its slot until the slot ends, it "
                "becomes a ticket ahead of walk-ins", status="201", result="Ticket", body={
                    "type": "object", "required": ["code"], "additionalProperties": False,
                    "properties": {"code": {"type": "string", "example": "12345678"}, "kiosk": {"type": "string"},
                                   "lang": {"enum": ["zh", "en"]}, "print": {"type": "boolean"}}})},
            "/appointments/{code}/cancel": {"post": _op("Cancel a booking not yet checked in (manager)", auth="staff",
                                                        params=[_path_param("code", "string")], body=_NO_BODY)},
            "/openapi.json": {"get": _op("This document")},
            **_followup_paths(),
            **_console_paths(),
            **_case_paths(),
        },
    }


def _query(name: str, kind: str = "string", **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": kind, **schema}}


def _console_paths() -> dict[str, Any]:
    """The managers' console API: live hall, configuration, audit log and the waiting-time report."""
    code = [_path_param("code", "string")]
    obj = {"type": "object"}
    item = {"type": "object", "properties": {"item": {"type": "string"}}, "required": ["item"]}
    return {
        "/console/live": {"get": _op("The live hall: counters, queues, waiting tickets, devices and alerts (manager)",
                                     auth="staff")},
        "/admin/catalogue": {"get": _op("Categories, items with guides, bundles and counters' items (manager)",
                                        auth="staff")},
        "/admin/categories": {"post": _op("Add a category with its ticket letter (manager; audited)", auth="staff",
                                          status="201", body=obj)},
        "/admin/categories/{code}": {"put": _op("Change a category (manager; audited)", auth="staff", params=code,
                                                body=obj)},
        "/admin/items": {"post": _op("Add a service item with its guide (manager; audited)", auth="staff",
                                     status="201", body=obj)},
        "/admin/items/{code}": {"put": _op("Change a service item or its guide (manager; audited)", auth="staff",
                                           params=code, body=obj)},
        "/admin/bundles": {"post": _op("Add a bundle (manager; audited)", auth="staff", status="201", body=obj)},
        "/admin/bundles/{code}": {"put": _op("Change a bundle and its items (manager; audited)", auth="staff",
                                             params=code, body=obj)},
        "/admin/bundles/{code}/items": {"post": _op("Add one service item to a bundle (manager; audited)",
                                                    auth="staff", params=code, body=item)},
        "/admin/counters": {
            "get": _op("Every counter, retired ones too, with items, evaluator devices and LED strip (manager)",
                       auth="staff"),
            "post": _op("Add a counter: number, name, items (default all), dedicated_category, led (manager; audited)",
                        auth="staff", status="201", body=obj)},
        "/admin/counters/{number}": {"put": _op(
            "Rename a counter, set its LED strip, retire it (active false; refused with a ticket in hand) or enable "
            "it again (manager; audited)", auth="staff", params=_COUNTER, body=obj)},
        "/admin/counters/{number}/devices": {"post": _op(
            "Register an evaluator for a counter; the answer holds its token once (manager; audited)", auth="staff",
            status="201", params=_COUNTER, body=obj)},
        "/admin/counters/{number}/devices/{device}/revoke": {"post": _op(
            "Withdraw a counter's device (manager; audited)", auth="staff",
            params=[*_COUNTER, _path_param("device")], body=obj)},
        "/admin/counters/{number}/items": {
            "put": _op("Set the items a counter may serve (manager; audited)", auth="staff", params=_COUNTER, body={
                "type": "object", "properties": {"items": {"type": "array", "items": {"type": "string"}}}}),
            "post": _op("Authorise a counter for one more item (manager; audited)", auth="staff", params=_COUNTER,
                        body=item)},
        "/admin/staff": {"get": _op("Staff and their roles (admin)", auth="staff"),
                         "post": _op("Add a member of staff (admin; audited)", auth="staff", status="201", body=obj)},
        "/admin/staff/{username}": {"put": _op("Change roles, counter, password or deactivate (admin; audited)",
                                               auth="staff", params=[_path_param("username", "string")], body=obj)},
        "/admin/settings": {"get": _op("Hall settings in force (manager)", auth="staff"),
                            "put": _op("Change hall settings (manager; audited)", auth="staff", body=obj)},
        "/admin/audit": {"get": _op("The audit log, newest first (manager)", auth="staff", params=[
            _query("actor"), _query("action"), _query("target"), _query("from", format="date"),
            _query("to", format="date"), _query("limit", "integer")])},
        "/reports/waiting": {"get": _op(
            "Waiting and service times, service level and ratings over a date range, grouped (a clerk gets only "
            "their own tickets); json, csv or xlsx", auth="staff", params=[
                _query("from", format="date"), _query("to", format="date"),
                _query("group_by", enum=["day", "hour", "item", "category", "counter", "clerk"]),
                _query("format", enum=["json", "csv", "xlsx"])])},
    }


def _in_query(name: str, kind: str = "string", **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": kind, **schema}}


def _followup_paths() -> dict[str, Any]:
    """Follow-up of bad ratings (回访整改), satisfaction figures and the clerk's request for a rating."""
    followup = [_path_param("followup_id")]
    return {
        "/followups": {"get": _op("Follow-ups of ratings 1-2 (managers all, a clerk their own), most urgent first",
                                  auth="staff", params=[_in_query("state", enum=["open", "closed", "overdue", "all"])])},
        "/followups/{followup_id}": {"get": _op("One follow-up with its call-back, rectification and appeal",
                                                auth="staff", params=followup)},
        "/followups/{followup_id}/{step}": {"post": _op(
            "One step: callback {date, contact, said}, rectification {rectification}, close {rectification?, note?} "
            "(manager); appeal {reason} (the rated clerk); decision {uphold, note?} (manager)", auth="staff",
            params=[*followup, {"name": "step", "in": "path", "required": True, "schema": {
                "enum": ["callback", "rectification", "close", "appeal", "decision"]}}],
            body={"type": "object", "properties": {
                "date": {"type": "string", "format": "date"}, "contact": {"type": "string", "maxLength": 1000},
                "said": {"type": "string", "maxLength": 1000}, "rectification": {"type": "string", "maxLength": 1000},
                "note": {"type": "string", "maxLength": 1000}, "reason": {"type": "string", "maxLength": 1000},
                "uphold": {"type": "boolean"}}})},
        "/ratings/{ticket}/phone": {"post": _op(
            "The citizen's phone number for the call-back of a bad rating, within minutes of it (the evaluator "
            "that took it only); shown to managers, masked to everyone else", auth="device", status="201",
            params=[_path_param("ticket")], body={
                "type": "object", "required": ["phone"], "additionalProperties": False,
                "properties": {"phone": {"type": "string", "maxLength": 20}}})},
        "/reports/satisfaction": {"get": _op(
            "Rating rate (rated / finished), satisfaction rate (levels 3-5 / rated), distribution and follow-ups "
            "over service days, optionally grouped (manager)", auth="staff", params=[
                _in_query("from", format="date"), _in_query("to", format="date"),
                _in_query("group_by", enum=["day", "counter", "clerk", "item", "category"])])},
        "/reports/satisfaction/ranking": {"get": _op("The month's counters ranked by satisfaction (manager)",
                                                     auth="staff", params=[_in_query("month", example="2026-11")])},
        "/counters/{number}/request-rating": {"post": _op(
            "Ask the counter's evaluator again for the last finished case while its rating window is open (clerk)",
            auth="staff", status="202", params=_COUNTER, body=_NO_BODY)},
    }


def _case_paths() -> dict[str, Any]:
    """Back-office cases: review and approval by someone other than the accepting clerk (受办分离)."""
    step_body = {"type": "object", "additionalProperties": False, "properties": {
        "passed": {"type": "boolean"}, "note": {"type": "string", "maxLength": 200},
        "counter": {"type": "integer"}}}
    return {
        "/cases": {"get": _op("Back-office cases (backoffice, clerk, manager)", auth="staff", params=[
            {"name": "state", "in": "query",
             "schema": {"enum": ["accepted", "reviewed", "approved", "rejected", "delivered", "all"]}}])},
        **{f"/cases/{{case_id}}/{step}": {"post": _op(summary, auth="staff", body=step_body,
                                                        params=[_path_param("case_id")])}
           for step, summary in (("review", "Review a case (back office; not the accepting clerk)"),
                                 ("approve", "Approve a case (back office; neither the accepting clerk nor the reviewer)"),
                                 ("deliver", "Deliver the result at a counter (综合窗口出件)"))},
    }
