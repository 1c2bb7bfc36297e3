"""The managers' live hall: counters, queues per category, waiting tickets, devices, follow-ups."""

from __future__ import annotations

from typing import Any

from .privacy import mask_text
from .service import HallService
from .snapshots import lobby_snapshot
from .storage import catalogue_admin, repo


def live_hall(service: HallService, devices: list[dict[str, Any]], limits: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the live hall shows, as of the service clock; alerts are computed from it by hall.alerts."""
    now = service.clock.now()
    day = service.today(now)
    lobby = lobby_snapshot(service, lang)
    with service.storage.read() as db:
        counters = repo.counters(db)
        waiting = repo.tickets_of_day(db, day, states=["waiting", "held"])
        in_hand = {c.current_ticket_id: repo.ticket(db, c.current_ticket_id) for c in counters if c.current_ticket_id}
        finished = repo.tickets_of_day(db, day, states=["finished"])
        staff = {r["username"]: r["display_name"] for r in catalogue_admin.staff_rows(db)}
        followups = catalogue_admin.followups_open(db)
    oldest: dict[str, Any] = {}
    for ticket in waiting:
        if ticket.state.value != "waiting":
            continue
        category = ticket.target_category or ticket.category
        if category not in oldest or ticket.queue_at < oldest[category].queue_at:
            oldest[category] = ticket
    categories = []
    for queue in lobby["queues"]:
        first = oldest.get(queue["category"])
        categories.append({**queue, "oldest_queue_at": first.queue_at if first else None,
                           "oldest_number": first.number if first else None})
    counter_rows = []
    for counter in counters:
        ticket = in_hand.get(counter.current_ticket_id)
        done = [t for t in finished if t.counter == counter.number and t.started_at and t.finished_at]
        current = None
        if ticket is not None and ticket.state.value in ("called", "serving"):
            since = ticket.started_at if ticket.state.value == "serving" else ticket.called_at
            current = {"id": ticket.id, "number": ticket.number, "state": ticket.state.value, "since": since,
                       "seconds": round(now - since) if since else None}
        counter_rows.append({
            "number": counter.number, "name": counter.name, "state": counter.state.value,
            "pause_reason": counter.pause_reason, "state_since": counter.state_since,
            "staff": counter.staff, "staff_name": staff.get(counter.staff or "", counter.staff),
            "ticket": current, "items": sorted(counter.items), "served_today": len(done),
            "mean_service_minutes": round(sum(t.finished_at - t.started_at for t in done) / len(done) / 60, 1)
            if done else None,
        })
    return {
        "server_time": now, "service_day": day, "limits": limits,
        "counters": counter_rows, "categories": categories, "waiting_total": lobby["waiting_total"],
        "tickets": [{"id": t.id, "number": t.number, "state": t.state.value, "category": t.category,
                     "priority": t.priority, "queue_at": t.queue_at, "waited_seconds": round(now - t.queue_at),
                     "appointment": mask_text(t.appointment)} for t in waiting],
        "devices": devices, "followups": followups,
    }
