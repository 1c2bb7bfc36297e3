"""What screens and panels show, built from the queue index and the service day — never the whole queue.

Each builder runs a fixed number of indexed queries: per-category counts and people-ahead come from
the queue index (``hall.queue_book``), the lobby's calls from the ``LobbyBoard``, a counter's ticket and
its items by their keys. The live channel sends these on connect and whenever the hall changes.
"""

from __future__ import annotations

import json
from typing import Any

from .checklist import materials_of
from .domain.models import QueuedTicket, Ticket
from .domain.routing import NEWEST
from .domain.states import IN_HAND, CounterState, TicketState
from .lobby_board import LobbyBoard, day_start_at
from .service import HallService
from .storage import checklist as checklist_store
from .storage import repo, screens
from .wait_estimates import waits_of

#: How long the citizen screen keeps showing a finished case after its rating closed.
THANKS_SECONDS = 15


def _round_minutes(seconds: float) -> int:
    return max(0, int(seconds // 60))


def ensure_board(hall: HallService, board: LobbyBoard, db: Any, day: str) -> None:
    """Load the board for *day* if it holds another day (first use, or the day changed)."""
    if board.day != day:
        settings = hall.hall
        board.load(db, day, day_start_at(day, settings.tz, settings.day_start))


def item_rows(db: Any, codes: list[str]) -> dict[str, Any]:
    """The catalogue rows of these items only (inactive ones too)."""
    if not codes:
        return {}
    rows = db.execute(f"SELECT code, category, name_zh, name_en, kind, time_limit_days, guide FROM service_items "
                      f"WHERE code IN ({','.join('?' * len(codes))})", codes).fetchall()
    return {r["code"]: r for r in rows}


# ---- the lobby -------------------------------------------------------------------------------------

def lobby_snapshot(hall: HallService, board: LobbyBoard, lang: str, *, recent: int = 8,
                   service_hours: dict[str, str] | None = None) -> dict[str, Any]:
    """Now calling, recent calls, queues per category, counters, notices, service hours: no personal data."""
    now = hall.clock.now()
    day = hall.today(now)
    hall.wait_estimator.warm(hall.storage, day)
    with hall.storage.read() as db:
        ensure_board(hall, board, db, day)
        categories = repo.categories(db)
        counters = db.execute("SELECT number, name, state FROM counters WHERE active = 1 ORDER BY number").fetchall()
        notices = repo.get_setting(db, "notices", {}) or {}
        hours = repo.get_setting(db, "service_hours", None)
        views = hall.able_views(db)
        probes = [(cat, QueuedTicket(id=NEWEST, category=cat.code, items=frozenset(), priority=False, queue_at=now,
                                     target_category=cat.code)) for cat in categories]
        with hall.queue.view(db, day) as index:
            per_category = index.categories()
            groups = [(probe, index.ahead_groups(probe, views, now)) for _, probe in probes]
            waiting_total = len(index)
        estimates = hall.wait_estimator.estimates(db, groups, now, day, views=hall.views_by_number(db))
        queues = []
        for (cat, _), estimate in zip(probes, estimates, strict=True):
            mine = per_category.get(cat.code)
            queues.append({
                "category": cat.code, "letter": cat.letter, "name": cat.name.get(lang),
                "names": {"zh": cat.name.zh, "en": cat.name.en}, "waiting": mine.waiting if mine else 0,
                "longest_wait_minutes": _round_minutes(now - mine.oldest_queue_at)
                if mine and mine.oldest_queue_at is not None else 0,
                "oldest_queue_at": mine.oldest_queue_at if mine else None,
                "estimated_wait_minutes": estimate.point,
                "estimated_wait_range": [estimate.low, estimate.high],
            })
    now_calling, calls = board.snapshot(recent)
    zh_notices = [str(n) for n in notices.get("zh") or []] if isinstance(notices, dict) else []
    en_notices = [str(n) for n in notices.get("en") or []] if isinstance(notices, dict) else []
    return {
        "hall": hall.hall.name if lang == "zh" else hall.hall.name_en,
        "now_calling": now_calling,
        "recent_calls": calls,
        "queues": queues,
        "waiting_total": waiting_total,
        # Public: a counter's state only — never who serves there or why it paused.
        "counters": [{"number": c["number"], "name": c["name"], "state": c["state"],
                      "open": c["state"] == CounterState.OPEN.value} for c in counters],
        "notices": {"zh": zh_notices, "en": en_notices or zh_notices},
        "service_hours": _localised_text(hours, service_hours or {}),
        "service_day": day,
        "server_time": now,
    }


def _localised_text(value: Any, fallback: dict[str, str]) -> dict[str, str]:
    """A manager-set text as {"zh", "en"}; lists are joined, a missing language falls back."""
    if not isinstance(value, dict):
        return dict(fallback)
    texts = {lang: "　".join(v) if isinstance(v, list) else str(v or "") for lang, v in value.items()}
    zh = texts.get("zh") or fallback.get("zh", "")
    return {"zh": zh, "en": texts.get("en") or fallback.get("en") or zh}


def waiting_status(hall: HallService, ticket_ids: list[int]) -> dict[int, dict[str, Any]]:
    """People ahead and the estimate of each waiting ticket among *ticket_ids*, in one index sync."""
    return {ticket_id: {"state": "waiting", "people_ahead_now": ahead, "estimated_wait_minutes": estimate.point,
                        "wait_estimate": estimate.as_dict()}
            for ticket_id, (ahead, estimate) in waits_of(hall, ticket_ids).items()}


# ---- a counter -------------------------------------------------------------------------------------

def counter_queue(hall: HallService, numbers: list[int]) -> dict[int, dict[str, int]]:
    """For each counter: how many it may serve wait, and the longest wait in minutes (one index sync)."""
    now = hall.clock.now()
    with hall.storage.read() as db:
        views = {v.number: v for v in hall.counter_views(db, open_only=False)}
        with hall.queue.view(db, hall.today(now)) as index:
            found = {}
            for number in numbers:
                view = views.get(number)
                waiting, oldest = index.waiting_for(view) if view else (0, None)
                found[number] = {"waiting": waiting,
                                 "longest_wait_minutes": _round_minutes(now - oldest) if oldest is not None else 0}
    return found


def counter_brief(hall: HallService, number: int) -> dict[str, Any]:
    """The counter's state, its ticket in hand and how many wait for it (for keypads and LED strips)."""
    with hall.storage.read() as db:
        counter = hall._require_counter(db, number)
        current = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
    ticket = current.public() if current is not None and current.state in IN_HAND else None
    return {"counter": {"number": counter.number, "state": counter.state.value, "staff": counter.staff},
            "ticket": ticket, **counter_queue(hall, [number])[number]}


def counter_detail(hall: HallService, number: int, lang: str) -> dict[str, Any]:
    """What only changes with the counter's own events: its state, ticket in hand with materials, day figures."""
    now = hall.clock.now()
    with hall.storage.read() as db:
        counter = hall._require_counter(db, number)
        current = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
        if current is not None and current.state not in IN_HAND:
            current = None
        items = item_rows(db, list(current.items)) if current else {}
        served, mean_service_seconds = repo.counter_day_figures(db, hall.today(now), number)
        transfer = _transfer_of(db, current) if current else None
    ticket = None
    if current is not None:
        ticket = current.public()
        ticket["items_detail"] = [
            {"code": code, "name": _name(items[code], lang), "kind": items[code]["kind"],
             "materials": (json.loads(items[code]["guide"]).get("materials") or {}).get(lang, [])}
            for code in current.items if code in items
        ]
        ticket["waited_minutes"] = _round_minutes((current.first_called_at or now) - current.issued_at)
        ticket["transfer"] = transfer
    return {
        "counter": {"number": counter.number, "name": counter.name, "state": counter.state.value,
                    "pause_reason": counter.pause_reason, "state_since": counter.state_since, "staff": counter.staff},
        "ticket": ticket,
        "served_today": served,
        "mean_service_minutes": round(mean_service_seconds / 60, 1) if mean_service_seconds is not None else None,
    }


def _name(row: Any, lang: str) -> str:
    return row["name_en"] if lang.startswith("en") and row["name_en"] else row["name_zh"]


def _transfer_of(db: Any, ticket: Ticket) -> dict[str, Any] | None:
    """Where a ticket was transferred from, with the note, if its latest move before this call was a transfer."""
    row = db.execute("SELECT type, counter, data FROM events WHERE ticket = ? AND type IN ('transferred', 'called') "
                     "ORDER BY id DESC LIMIT 2", [ticket.id]).fetchall()
    if len(row) < 2 or row[1]["type"] != "transferred":
        return None
    data = json.loads(row[1]["data"])
    return {"from_counter": data.get("from_counter") or row[1]["counter"], "note": data.get("note") or ""}


def held_list(hall: HallService, number: int) -> list[dict[str, Any]]:
    """The held tickets (挂起) this counter may call back: numbers and times only."""
    held = hall.held_tickets(number)
    if not held:
        return []
    ids = [t.id for t in held]
    with hall.storage.read() as db:
        last = {r["ticket"]: r for r in db.execute(
            f"SELECT ticket, max(id) AS id, at, counter FROM events WHERE type = 'held' AND ticket IN "
            f"({','.join('?' * len(ids))}) GROUP BY ticket", ids)}
    return [{"number": t.number, "items": list(t.items), "bundle": t.bundle, "item": t.item,
             "held_at": last[t.id]["at"] if t.id in last else None,
             "counter": last[t.id]["counter"] if t.id in last else None} for t in held]


def counter_snapshot(hall: HallService, number: int, lang: str) -> dict[str, Any]:
    """Everything a counter's panel shows (the detail, its queue, the held tickets)."""
    return {**counter_detail(hall, number, lang), **counter_queue(hall, [number])[number],
            "held": held_list(hall, number), "server_time": hall.clock.now()}


# ---- public screens at a counter ------------------------------------------------------------------

def counter_screen_snapshot(hall: HallService, number: int) -> dict[str, Any]:
    """The screen above a counter: its number, the number being served (or paused), the clerk's display name."""
    with hall.storage.read() as db:
        counter = hall._require_counter(db, number)
        current = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
        clerk = screens.staff_display_name(db, counter.staff, number) if counter.staff else None
    serving = current is not None and current.state in IN_HAND
    return {"counter": counter.number, "name": counter.name, "state": counter.state.value,
            "paused": counter.state is CounterState.PAUSED,
            "number": current.number if serving and current else None,
            "ticket_state": current.state.value if serving and current else None,
            "clerk": clerk, "server_time": hall.clock.now()}


def _case_stage(ticket: Ticket, rating: dict[str, Any] | None) -> str:
    """What the citizen screen says: called → come to the counter; serving → being handled; then rate, thanks."""
    if ticket.state is TicketState.CALLED:
        return "called"
    if ticket.state is TicketState.SERVING:
        return "serving"
    if rating is not None and rating["state"] == "open":
        return "rating"
    return "thanks"


def citizen_screen_snapshot(hall: HallService, number: int) -> dict[str, Any]:
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
        items = item_rows(db, list(ticket.items)) if ticket else {}
        ticked = checklist_store.ticked(db, number, ticket.id) if ticket else frozenset()
    base = {"counter": counter.number, "name": counter.name, "state": counter.state.value,
            "paused": counter.state is CounterState.PAUSED, "server_time": now}
    if ticket is None:
        return {**base, "case": None}
    materials = materials_of(ticket.items, items)
    return {**base, "case": {
        "ticket": ticket.id, "number": ticket.number, "stage": _case_stage(ticket, rating),
        "backoffice": any(items[c]["kind"] == "reviewed" for c in ticket.items if c in items),
        "items": [{"code": code, "zh": items[code]["name_zh"], "en": items[code]["name_en"] or items[code]["name_zh"],
                   "kind": items[code]["kind"], "time_limit_days": items[code]["time_limit_days"]}
                  for code in ticket.items if code in items],
        "materials": [{**m, "checked": index in ticked} for index, m in enumerate(materials)],
        "rating": rating,
    }}

