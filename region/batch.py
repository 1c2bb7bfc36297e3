"""The shape of an ingest batch, checked record by record before anything is stored.

A batch (JSON) is what ``hall.outbox`` sends: the hall code, the id it believes acknowledged
(``after``), its newest event id (``head``), the events in id order, the references of the tickets
issued in them, the ratings they record with their chain links, names of staff, counters, items,
bundles and categories, today's live figures and a few settings. The first bad record is named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import BadBatch

MAX_EVENTS = 5000
HEX64 = re.compile(r"^[0-9a-f]{64}$")
_INT_MAX = 2**63 - 1


@dataclass
class Batch:
    """A checked batch."""

    hall: str
    after: int
    head: int
    events: list[dict[str, Any]]
    tickets: dict[int, dict[str, Any]]
    ratings: dict[int, dict[str, Any]]
    refs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    live: dict[str, Any] | None = None
    catalogue_version: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def _whole(value: Any, low: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= _INT_MAX


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and abs(value) < 1e12


def _optional_text(value: Any, limit: int = 200) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= limit)


def _event_problem(event: Any, previous: int) -> str | None:
    if type(event) is not dict:
        return "must be an object"
    ident, at, kind = event.get("id"), event.get("at"), event.get("type")
    if type(ident) is not int or not 0 < ident <= _INT_MAX:
        return "'id' must be a positive whole number"
    if ident <= previous:
        return f"ids must increase (id {ident} after {previous})"
    if type(at) not in (int, float) or not -1e12 < at < 1e12:
        return "'at' must be a time in seconds"
    if type(kind) is not str or not 0 < len(kind) <= 60:
        return "'type' must be text of 1-60 characters"
    ticket, counter, staff, data = event.get("ticket"), event.get("counter"), event.get("staff"), event.get("data", {})
    if ticket is not None and (type(ticket) is not int or not 0 < ticket <= _INT_MAX):
        return "'ticket' must be a ticket id or null"
    if counter is not None and (type(counter) is not int or not 0 <= counter <= _INT_MAX):
        return "'counter' must be a counter number or null"
    if staff is not None and (type(staff) is not str or len(staff) > 100):
        return "'staff' must be text or null"
    if type(data) is not dict:
        return "'data' must be an object"
    if kind == "rated":
        score = data.get("score")
        if type(score) is not int or not 1 <= score <= 5:
            return "a rated event needs data.score from 1 to 5"
    return None


def _ticket_problem(ticket: Any) -> str | None:
    if not isinstance(ticket, Mapping) or not _whole(ticket.get("id"), 1):
        return "'id' must be a ticket id"
    try:
        date.fromisoformat(str(ticket.get("service_day")))
    except ValueError:
        return "'service_day' must be a date YYYY-MM-DD"
    if not isinstance(ticket.get("number"), str) or not isinstance(ticket.get("category"), str):
        return "'number' and 'category' must be text"
    if not _optional_text(ticket.get("item"), 60) or not _optional_text(ticket.get("bundle"), 60):
        return "'item' and 'bundle' must be codes or null"
    if (ticket.get("item") is None) == (ticket.get("bundle") is None):
        return "a ticket has either an item or a bundle"
    return None


def _rating_problem(rating: Any) -> str | None:
    if not isinstance(rating, Mapping) or not _whole(rating.get("ticket"), 1):
        return "'ticket' must be a ticket id"
    if rating.get("seq") is not None:  # a rating without a link is stored and flagged, not refused
        if not _whole(rating.get("seq"), 1):
            return "'seq' must be the rating's position in the hall's chain"
        if not isinstance(rating.get("prev"), str) or not HEX64.match(rating["prev"]) or \
                not isinstance(rating.get("hash"), str) or not HEX64.match(rating["hash"]):
            return "'prev' and 'hash' must be 64 hex digits"
    score = rating.get("score")
    if score is not None and (not _whole(score, 1) or score > 5):
        return "'score' must be 1 to 5 or null"
    if not _number(rating.get("at")):
        return "'at' must be a time in seconds"
    if not isinstance(rating.get("reasons", []), list):
        return "'reasons' must be a list"
    return None


def _bad(what: str, index: int, problem: str, record: Any) -> BadBatch:
    ident = record.get("id", record.get("ticket")) if isinstance(record, Mapping) else None
    name = f"{what}[{index}]" + (f" (id {ident})" if ident is not None else "")
    return BadBatch(f"{name}: {problem}; nothing of this batch was stored", record=what, index=index, id=ident)


def parse_batch(payload: Any) -> Batch:
    """A checked Batch from the parsed JSON body; BadBatch names the first bad record."""
    if not isinstance(payload, Mapping):
        raise BadBatch("the batch must be a JSON object")
    for name in ("after", "head"):
        if not _whole(payload.get(name)):
            raise BadBatch(f"'{name}' must be a whole number (an event id)")
    if not isinstance(payload.get("hall"), str):
        raise BadBatch("'hall' must be the hall's code")
    events = payload.get("events")
    if not isinstance(events, list):
        raise BadBatch("'events' must be a list")
    if len(events) > MAX_EVENTS:
        raise BadBatch(f"a batch holds at most {MAX_EVENTS} events")
    previous = payload["after"]
    for index, event in enumerate(events):
        problem = _event_problem(event, previous)
        if problem:
            raise _bad("events", index, problem, event)
        previous = event["id"]
    if events and events[-1]["id"] > payload["head"]:
        raise BadBatch("'head' must be at least the last event's id")
    tickets: dict[int, dict[str, Any]] = {}
    for index, ticket in enumerate(payload.get("tickets") or []):
        problem = _ticket_problem(ticket)
        if problem:
            raise _bad("tickets", index, problem, ticket)
        tickets[ticket["id"]] = dict(ticket)
    ratings: dict[int, dict[str, Any]] = {}
    for index, rating in enumerate(payload.get("ratings") or []):
        problem = _rating_problem(rating)
        if problem:
            raise _bad("ratings", index, problem, rating)
        ratings[rating["ticket"]] = dict(rating)
    for index, event in enumerate(events):
        if event["type"] == "issued" and event.get("ticket") not in tickets:
            raise _bad("events", index, "an issued event needs its ticket in 'tickets'", event)
        if event["type"] in ("rated", "rating_expired") and event.get("ticket") not in ratings:
            raise _bad("events", index, "a rating event needs its rating in 'ratings'", event)
    refs = payload.get("refs") or {}
    if not isinstance(refs, Mapping) or not all(isinstance(v, list) for v in refs.values()):
        raise BadBatch("'refs' must map names to lists")
    live = payload.get("live")
    if live is not None and not isinstance(live, Mapping):
        raise BadBatch("'live' must be an object")
    version = payload.get("catalogue_version")
    if version is not None and not _whole(version):
        raise BadBatch("'catalogue_version' must be a version number or null")
    settings = payload.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise BadBatch("'settings' must be an object")
    return Batch(hall=payload["hall"], after=payload["after"], head=payload["head"], events=[dict(e) for e in events],
                 tickets=tickets, ratings=ratings, refs={k: list(v) for k, v in refs.items()},
                 live=dict(live) if live else None, catalogue_version=version, settings=dict(settings))
