"""Alerts of the live hall: a pure function of a live-hall snapshot and the time."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Device states that are not a fault.
HEALTHY_DEVICE_STATES = frozenset({"ok", "idle", "busy", "printing", "ready"})


@dataclass(frozen=True)
class Alert:
    """One thing a hall manager should look at now; `key` identifies it across snapshots."""

    key: str
    kind: str
    level: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def hall_alerts(snapshot: dict[str, Any], now: float) -> list[Alert]:
    """Waits over the target, too many waiting per open counter, long pauses, device faults, overdue follow-ups."""
    limits = snapshot["limits"]
    alerts: list[Alert] = []
    target = limits["wait_target_minutes"] * 60
    for queue in snapshot["categories"]:
        oldest = queue.get("oldest_queue_at")
        if oldest is not None and now - oldest > target:
            alerts.append(Alert(f"wait:{queue['category']}", "wait_over_target", "warning", {
                "category": queue["category"], "name": queue["name"], "minutes": int((now - oldest) // 60),
                "target": limits["wait_target_minutes"], "number": queue.get("oldest_number")}))
    open_counters = sum(1 for c in snapshot["counters"] if c["state"] == "open")
    waiting = snapshot["waiting_total"]
    per_counter = waiting / open_counters if open_counters else float(waiting)
    if waiting and per_counter > limits["max_waiting_per_counter"]:
        alerts.append(Alert("crowded", "too_many_waiting", "warning", {
            "waiting": waiting, "open_counters": open_counters, "per_counter": round(per_counter, 1),
            "limit": limits["max_waiting_per_counter"]}))
    pause_limit = limits["pause_alert_minutes"] * 60
    for counter in snapshot["counters"]:
        if counter["state"] == "paused" and now - counter["state_since"] > pause_limit:
            alerts.append(Alert(f"paused:{counter['number']}", "paused_too_long", "warning", {
                "counter": counter["number"], "reason": counter.get("pause_reason") or "",
                "minutes": int((now - counter["state_since"]) // 60), "limit": limits["pause_alert_minutes"]}))
    for device in snapshot["devices"]:
        if device["state"] not in HEALTHY_DEVICE_STATES:
            alerts.append(Alert(f"device:{device['device']}", "device_fault", "error", {
                "device": device["device"], "state": device["state"], "message": device.get("message") or ""}))
    for followup in snapshot.get("followups") or []:
        if followup["deadline"] is not None and followup["deadline"] < now:
            alerts.append(Alert(f"followup:{followup['ticket']}", "followup_overdue", "error", {
                "ticket": followup["ticket"], "number": followup.get("number"),
                "days": int((now - followup["deadline"]) // 86400)}))
    return alerts
