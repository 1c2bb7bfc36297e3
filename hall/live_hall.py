"""The managers' live hall: counters, queues per category, the oldest waiting tickets, devices, follow-ups.

A fixed number of queries, each bounded by the service day and an index: the queues come from the
queue index, the counters' figures from one aggregate, and the ticket list is the oldest
``TICKETS_SHOWN`` waiting or held tickets (the count of all of them is in ``waiting_total``).
"""

from __future__ import annotations

from typing import Any

from .lobby_board import LobbyBoard
from .privacy import mask_text
from .service import HallService
from .snapshots import lobby_snapshot
from .storage import catalogue_admin, print_jobs, queue_rows

#: How many waiting or held tickets the live hall lists (the oldest first).
TICKETS_SHOWN = 200


def live_hall(service: HallService, board: LobbyBoard, devices: list[dict[str, Any]], limits: dict[str, Any],
              lang: str) -> dict[str, Any]:
    """Everything the live hall shows, as of the service clock; alerts are computed from it by hall.alerts."""
    now = service.clock.now()
    day = service.today(now)
    lobby = lobby_snapshot(service, board, lang)
    with service.storage.read() as db:
        counters = db.execute("SELECT number, name, state, pause_reason, state_since, staff, current_ticket "
                              "FROM counters WHERE active = 1 ORDER BY number").fetchall()
        waiting = db.execute(
            "SELECT id, number, state, category, target_category, priority, queue_at, appointment FROM tickets "
            "WHERE service_day = ? AND state IN ('waiting', 'held') ORDER BY queue_at, id LIMIT ?",
            [day, TICKETS_SHOWN]).fetchall()
        in_hand = queue_rows.tickets_by_id(db, [c["current_ticket"] for c in counters if c["current_ticket"]])
        figures = {r["counter"]: r for r in db.execute(
            "SELECT counter, count(*) AS served, avg(finished_at - started_at) AS mean FROM tickets "
            "WHERE service_day = ? AND state = 'finished' AND started_at IS NOT NULL GROUP BY counter", [day])}
        staff = {r["username"]: r["display_name"] for r in catalogue_admin.staff_rows(db)}
        followups = catalogue_admin.followups_open(db)
        unprinted = print_jobs.failed_last(db, [t["id"] for t in waiting])
        authorised: dict[int, list[str]] = {}
        for row in db.execute("SELECT counter, item FROM counter_items ORDER BY item"):
            authorised.setdefault(row["counter"], []).append(row["item"])
    oldest: dict[str, Any] = {}
    for ticket in waiting:
        if ticket["state"] != "waiting":
            continue
        category = ticket["target_category"] or ticket["category"]
        oldest.setdefault(category, ticket)  # rows come oldest first
    categories = [{**queue, "oldest_number": oldest[queue["category"]]["number"] if queue["category"] in oldest
                   else None} for queue in lobby["queues"]]
    counter_rows = []
    for counter in counters:
        ticket = in_hand.get(counter["current_ticket"])
        current = None
        if ticket is not None and ticket.state.value in ("called", "serving"):
            since = ticket.started_at if ticket.state.value == "serving" else ticket.called_at
            current = {"id": ticket.id, "number": ticket.number, "state": ticket.state.value, "since": since,
                       "seconds": round(now - since) if since else None}
        figure = figures.get(counter["number"])
        counter_rows.append({
            "number": counter["number"], "name": counter["name"], "state": counter["state"],
            "pause_reason": counter["pause_reason"], "state_since": counter["state_since"],
            "staff": counter["staff"], "staff_name": staff.get(counter["staff"] or "", counter["staff"]),
            "ticket": current, "items": authorised.get(counter["number"], []),
            "served_today": figure["served"] if figure else 0,
            "mean_service_minutes": round(figure["mean"] / 60, 1) if figure and figure["mean"] is not None else None,
        })
    return {
        "server_time": now, "service_day": day, "limits": limits,
        "counters": counter_rows, "categories": categories, "waiting_total": lobby["waiting_total"],
        "tickets": [{"id": t["id"], "number": t["number"], "state": t["state"], "category": t["category"],
                     "priority": bool(t["priority"]), "queue_at": t["queue_at"],
                     "waited_seconds": round(now - t["queue_at"]), "appointment": mask_text(t["appointment"]),
                     "print_failed": t["id"] in unprinted}
                    for t in waiting],
        "devices": devices, "followups": followups,
    }
