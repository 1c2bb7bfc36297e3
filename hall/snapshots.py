"""Full snapshots for screens and panels: what a client needs after (re)connecting."""

from __future__ import annotations

from typing import Any

from .checklist import ChecklistStore, materials_of
from .domain.models import QueuedTicket, ServiceItem, Ticket
from .domain.routing import NEWEST, counter_view
from .domain.states import IN_HAND, CounterState, TicketState
from .service import HallService
from .storage import repo, screens


def _round_minutes(seconds: float) -> int:
    return max(0, int(seconds // 60))


def lobby_snapshot(hall: HallService, lang: str, recent: int = 8) -> dict[str, Any]:
    """Now calling, recent calls, queues per category and counters: numbers and counters only."""
    now = hall.clock.now()
    with hall.storage.read() as db:
        day = hall.today(now)
        calls = repo.recent_calls(db, day, recent)
        cats = repo.categories(db)
        items = {i.code: i for i in repo.service_items(db, include_inactive=True)}
        waiting = repo.waiting_tickets(db)
        counters = repo.counters(db)
        probes = [QueuedTicket(id=NEWEST, category=cat.code, items=_typical_items(cat.code, items), priority=False,
                               queue_at=now, target_category=cat.code) for cat in cats]
        estimates = hall.wait_estimator.estimates(db, probes, now, day, waiting=waiting)
    queues = []
    for cat, estimate in zip(cats, estimates):
        mine = [t for t in waiting if (t.target_category or t.category) == cat.code]
        queues.append({
            "category": cat.code, "letter": cat.letter, "name": cat.name.get(lang),
            "names": {"zh": cat.name.zh, "en": cat.name.en},
            "waiting": len(mine),
            "longest_wait_minutes": _round_minutes(now - min(t.queue_at for t in mine)) if mine else 0,
            "estimated_wait_minutes": estimate.point,
            "estimated_wait_range": [estimate.low, estimate.high],
        })
    return {
        "hall": hall.hall.name if lang == "zh" else hall.hall.name_en,
        "now_calling": calls[0] if calls else None,
        "recent_calls": calls,
        "queues": queues,
        "waiting_total": len(waiting),
        "counters": [{"number": c.number, "name": c.name, "state": c.state.value,
                      "open": c.state is CounterState.OPEN} for c in counters],
        "server_time": now,
    }


def _typical_items(category: str, items: dict[str, ServiceItem]) -> frozenset[str]:
    """A probe's items for a category's lobby estimate: its first active item (what a walk-in would take)."""
    return frozenset(next(([code] for code, i in items.items() if i.category == category), []))


def counter_snapshot(hall: HallService, number: int, lang: str) -> dict[str, Any]:
    """The counter, its ticket in hand with the guide's materials, its queue and today's figures."""
    now = hall.clock.now()
    with hall.storage.read() as db:
        counter = hall._require_counter(db, number)
        items = {i.code: i for i in repo.service_items(db, include_inactive=True)}
        current = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
        cat_of = {code: i.category for code, i in items.items()}
        view = counter_view(counter, cat_of)
        waiting = [t for t in repo.waiting_tickets(db) if hall.policy.eligible(view, t)]
        served, mean_service_seconds = repo.counter_day_figures(db, hall.today(now), number)
    ticket = None
    if current is not None:
        ticket = current.public()
        ticket["items_detail"] = [
            {"code": code, "name": items[code].name.get(lang), "kind": items[code].kind,
             "materials": (items[code].guide.get("materials") or {}).get(lang, [])}
            for code in current.items if code in items
        ]
        ticket["waited_minutes"] = _round_minutes((current.first_called_at or now) - current.issued_at)
    return {
        "counter": {"number": counter.number, "name": counter.name, "state": counter.state.value,
                    "pause_reason": counter.pause_reason, "state_since": counter.state_since, "staff": counter.staff},
        "ticket": ticket,
        "waiting": len(waiting),
        "longest_wait_minutes": _round_minutes(now - min(t.queue_at for t in waiting)) if waiting else 0,
        "served_today": served,
        "mean_service_minutes": round(mean_service_seconds / 60, 1) if mean_service_seconds is not None else None,
        "server_time": now,
    }


# ---- public screens: the full lobby screen, the counter screen, the citizen-facing screen ----------------

#: How long the citizen screen keeps showing a finished case after its rating closed.
THANKS_SECONDS = 15


def _localised_text(value: Any, fallback: dict[str, str]) -> dict[str, str]:
    """A manager-set text as {"zh", "en"}; lists are joined, a missing language falls back."""
    if not isinstance(value, dict):
        return dict(fallback)
    texts = {lang: "　".join(v) if isinstance(v, list) else str(v or "") for lang, v in value.items()}
    zh = texts.get("zh") or fallback.get("zh", "")
    return {"zh": zh, "en": texts.get("en") or fallback.get("en") or zh}


def lobby_screen_snapshot(hall: HallService, lang: str, *, recent: int = 8,
                          service_hours: dict[str, str] | None = None) -> dict[str, Any]:
    """The lobby snapshot plus pause reasons, managers' notices and service hours, and the service day."""
    snapshot = lobby_snapshot(hall, lang, recent)
    with hall.storage.read() as db:
        counters = repo.counters(db)
        notices = repo.get_setting(db, "notices", {}) or {}
        hours = repo.get_setting(db, "service_hours", None)
    snapshot["counters"] = [{"number": c.number, "name": c.name, "state": c.state.value,
                             "open": c.state is CounterState.OPEN,
                             "pause_reason": c.pause_reason if c.state is CounterState.PAUSED else None}
                            for c in counters]
    zh_notices = [str(n) for n in notices.get("zh") or []] if isinstance(notices, dict) else []
    en_notices = [str(n) for n in notices.get("en") or []] if isinstance(notices, dict) else []
    snapshot["notices"] = {"zh": zh_notices, "en": en_notices or zh_notices}
    snapshot["service_hours"] = _localised_text(hours, service_hours or {})
    snapshot["service_day"] = hall.today(snapshot["server_time"])
    return snapshot


def counter_screen_snapshot(hall: HallService, number: int) -> dict[str, Any]:
    """The screen above a counter: its number, the number being served (or paused), the clerk's display name."""
    with hall.storage.read() as db:
        counter = hall._require_counter(db, number)
        current = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
        clerk = screens.staff_display_name(db, counter.staff, number)
    serving = current is not None and current.state in IN_HAND
    return {"counter": counter.number, "name": counter.name, "state": counter.state.value,
            "paused": counter.state is CounterState.PAUSED,
            "pause_reason": counter.pause_reason if counter.state is CounterState.PAUSED else None,
            "number": current.number if serving and current else None,
            "ticket_state": current.state.value if serving and current else None,
            "clerk": clerk, "server_time": hall.clock.now()}


def _case_stage(ticket: Ticket, items: dict[str, ServiceItem]) -> str:
    if ticket.state is TicketState.CALLED:
        return "accepted"
    if ticket.state is TicketState.SERVING:
        return "handling"
    if any(items[code].kind == "reviewed" for code in ticket.items if code in items):
        return "backoffice"
    return "finished"


def citizen_screen_snapshot(hall: HallService, number: int, checklists: ChecklistStore) -> dict[str, Any]:
    """The citizen-facing screen at a counter: items, ticked materials, the case's stage, then the rating prompt."""
    now = hall.clock.now()
    window = hall.hall.rating_window_seconds
    with hall.storage.read() as db:
        counter = hall._require_counter(db, number)
        ticket = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
        if ticket is not None and ticket.state not in IN_HAND:
            ticket = None
        rating: dict[str, Any] | None = None
        if ticket is None:
            last = screens.last_finished_at_counter(db, number, hall.today(now))
            recorded = repo.rating(db, last.id) if last is not None else None
            if last is not None and last.finished_at is not None and (
                    (recorded is None and now <= last.finished_at + window)
                    or (recorded is not None and now - recorded["at"] <= THANKS_SECONDS)):
                ticket = last
                rating = {"state": "open" if recorded is None else ("expired" if recorded["unrated"] else "done"),
                          "deadline": last.finished_at + window, "window_seconds": window}
        items = {i.code: i for i in repo.service_items(db, include_inactive=True)} if ticket else {}
    base = {"counter": counter.number, "name": counter.name, "state": counter.state.value,
            "paused": counter.state is CounterState.PAUSED, "server_time": now}
    if ticket is None:
        return {**base, "case": None}
    ticked = checklists.ticked(number, ticket.id)
    materials = materials_of(ticket.items, items)
    return {**base, "case": {
        "ticket": ticket.id, "number": ticket.number, "stage": _case_stage(ticket, items),
        "items": [{"code": code, "zh": items[code].name.zh, "en": items[code].name.en or items[code].name.zh,
                   "kind": items[code].kind, "time_limit_days": items[code].time_limit_days}
                  for code in ticket.items if code in items],
        "materials": [{**m, "checked": index in ticked} for index, m in enumerate(materials)],
        "rating": rating,
    }}
