"""Full snapshots for screens and panels: what a client needs after (re)connecting."""

from __future__ import annotations

from typing import Any

from .domain.estimate import estimate_wait_minutes, mean_service_minutes
from .domain.models import QueuedTicket
from .domain.routing import people_ahead
from .domain.states import CounterState
from .service import HallService
from .storage import repo


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
        views = hall._counter_views(db, open_only=True)
        counters = repo.counters(db)
    queues = []
    for cat in cats:
        mine = [t for t in waiting if (t.target_category or t.category) == cat.code]
        probe = QueuedTicket(id=0, category=cat.code, items=frozenset(), priority=False, queue_at=now,
                             target_category=cat.code)
        able = sum(1 for v in views if hall.policy.eligible(v, probe))
        fallback = _mean([i.avg_service_minutes for i in items.values() if i.category == cat.code]) or 8.0
        ahead = people_ahead(hall.policy, probe, waiting, views, now) if able else len(mine)
        queues.append({
            "category": cat.code, "letter": cat.letter, "name": cat.name.get(lang),
            "names": {"zh": cat.name.zh, "en": cat.name.en},
            "waiting": len(mine),
            "longest_wait_minutes": _round_minutes(now - min(t.queue_at for t in mine)) if mine else 0,
            "estimated_wait_minutes": estimate_wait_minutes(ahead, able, mean_service_minutes((), fallback)),
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


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def counter_snapshot(hall: HallService, number: int, lang: str) -> dict[str, Any]:
    """The counter, its ticket in hand with the guide's materials, its queue and today's figures."""
    now = hall.clock.now()
    with hall.storage.read() as db:
        counter = hall._require_counter(db, number)
        items = {i.code: i for i in repo.service_items(db, include_inactive=True)}
        current = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
        cat_of = {code: i.category for code, i in items.items()}
        view = hall._counter_view(counter, cat_of)
        waiting = [t for t in repo.waiting_tickets(db) if hall.policy.eligible(view, t)]
        done = repo.tickets_of_day(db, hall.today(now), states=["finished"])
    mine = [t for t in done if t.counter == number and t.started_at and t.finished_at]
    ticket = None
    if current is not None:
        ticket = hall.public_ticket(current)
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
        "served_today": len(mine),
        "mean_service_minutes": round(sum(t.finished_at - t.started_at for t in mine) / len(mine) / 60, 1) if mine else None,
        "server_time": now,
    }
