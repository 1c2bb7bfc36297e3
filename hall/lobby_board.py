"""Now calling and the recent calls of the lobby, kept up to date from the log's events.

Each ticket appears once, with its latest call (a recall is marked, not listed again). "Now calling"
is the most recent call whose ticket is still at its counter: it clears when the ticket is finished,
a no-show, transferred, held, cancelled or expired. Built once from the service day's calls, then
moved by each event — the same in every process, because every process reads the same log.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .domain import events as ev

#: How many calls are remembered (the lobby shows up to 20).
KEPT = 40
_LEAVES_COUNTER = (ev.CaseFinished, ev.TicketMissed, ev.TicketTransferred, ev.TicketHeld, ev.TicketCancelled,
                   ev.TicketExpired)


@dataclass
class Call:
    """The latest call of one ticket."""

    id: int  # the event id of that call
    at: float
    type: str  # "called" | "recalled"
    counter: int
    number: str
    ticket: int
    recall_count: int
    active: bool

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recall"] = self.type == "recalled"
        return data


def day_start_at(service_day: str, tz: ZoneInfo, day_start: str) -> float:
    """The Unix time at which *service_day* began in the hall's time zone."""
    hour, minute = (int(part) for part in day_start.split(":")[:2])
    start = datetime.fromisoformat(service_day).replace(tzinfo=tz) + timedelta(hours=hour, minutes=minute)
    return start.timestamp()


class LobbyBoard:
    """The calls of the current service day; ``load`` once, then ``apply`` every event in log order."""

    def __init__(self) -> None:
        self.day: str | None = None
        self._calls: OrderedDict[int, Call] = OrderedDict()  # ticket id → call, newest last
        self._lock = threading.Lock()

    def load(self, db: Any, service_day: str, since: float) -> None:
        """Rebuild from the day's calls (events since *since*, the day's start: bounded by the events' time index)."""
        rows = db.execute(
            "SELECT e.id, e.at, e.type, e.counter, e.ticket, t.number, t.state, t.recall_count FROM events e "
            "JOIN tickets t ON t.id = e.ticket WHERE e.at >= ? AND e.type IN ('called', 'recalled') "
            "AND t.service_day = ? ORDER BY e.id", [since, service_day]).fetchall()
        with self._lock:
            self._calls.clear()
            for r in rows:
                recalls = r["recall_count"] if r["type"] == "recalled" else 0
                self._put(Call(r["id"], r["at"], r["type"], r["counter"], r["number"], r["ticket"], recalls,
                               active=False))
            latest_state = {r["ticket"]: r["state"] for r in rows}
            for call in self._calls.values():
                call.active = latest_state.get(call.ticket) in ("called", "serving")
            self.day = service_day

    def apply(self, event: ev.HallEvent) -> bool:
        """Move the board by one event; True if what the lobby shows changed."""
        ticket = event.ticket or {}
        ticket_id = ticket.get("id")
        if ticket_id is None:
            return False
        with self._lock:
            if isinstance(event, (ev.TicketCalled, ev.TicketRecalled)) and event.counter is not None:
                kind = "recalled" if isinstance(event, ev.TicketRecalled) else "called"
                recalls = int(ticket.get("recall_count") or 0) if kind == "recalled" else 0
                self._put(Call(event.event_id, event.at, kind, event.counter, str(ticket.get("number", "")),
                               int(ticket_id), recalls, active=True))
                return True
            if isinstance(event, _LEAVES_COUNTER) and ticket_id in self._calls:
                call = self._calls[ticket_id]
                if call.active:
                    call.active = False
                    return True
        return False

    def _put(self, call: Call) -> None:
        self._calls.pop(call.ticket, None)
        self._calls[call.ticket] = call
        while len(self._calls) > KEPT:
            self._calls.popitem(last=False)

    def snapshot(self, limit: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """(now calling, the latest *limit* calls newest first)."""
        with self._lock:
            calls = list(reversed(self._calls.values()))
            now = next((c for c in calls if c.active), None)
            return (now.as_dict() if now else None), [c.as_dict() for c in calls[:limit]]
