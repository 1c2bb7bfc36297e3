"""Queries of quota rules and of what each service day used (限号); callers hold a Storage transaction.

Every query is bounded by a primary key: a rule by (scope, code), a day's usage by (service_day, …).
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


def versions(db: Db) -> tuple[int, int]:
    """(settings version, quota rules version): a process re-reads its rules only when one moved."""
    found = {r["name"]: int(r["version"]) for r in db.execute(
        "SELECT name, version FROM hall_versions WHERE name IN ('settings', 'quotas')")}
    return found.get("settings", 0), found.get("quotas", 0)


def rules(db: Db) -> list[dict[str, Any]]:
    return [dict(r) for r in db.execute("SELECT * FROM quota_rules ORDER BY scope, code")]


def rule(db: Db, scope: str, code: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM quota_rules WHERE scope = ? AND code = ?", [scope, code]).fetchone()
    return dict(row) if row else None


def save_rule(db: Db, values: dict[str, Any]) -> None:
    db.execute(
        "INSERT INTO quota_rules (scope, code, daily, slot_minutes, per_slot, remote_share, updated_at, updated_by) "
        "VALUES (:scope, :code, :daily, :slot_minutes, :per_slot, :remote_share, :updated_at, :updated_by) "
        "ON CONFLICT (scope, code) DO UPDATE SET daily = excluded.daily, slot_minutes = excluded.slot_minutes, "
        "per_slot = excluded.per_slot, remote_share = excluded.remote_share, updated_at = excluded.updated_at, "
        "updated_by = excluded.updated_by", values)


def delete_rule(db: Db, scope: str, code: str) -> None:
    db.execute("DELETE FROM quota_rules WHERE scope = ? AND code = ?", [scope, code])


def usage(db: Db, day: str, scope: str, code: str, slot: str) -> tuple[int, int, int]:
    """(used, remote, booked) of one day (slot '') or one time slot."""
    row = db.execute("SELECT used, remote, booked FROM quota_usage WHERE service_day = ? AND scope = ? AND code = ? "
                     "AND slot = ?", [day, scope, code, slot]).fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)


def bump(db: Db, day: str, scope: str, code: str, slot: str, *, used: int, remote: int, booked: int) -> None:
    """Add to a day's (or slot's) counters; a release passes negative numbers (never below zero)."""
    db.execute("INSERT INTO quota_usage (service_day, scope, code, slot, used, remote, booked) "
               "VALUES (?, ?, ?, ?, max(?, 0), max(?, 0), max(?, 0)) "
               "ON CONFLICT (service_day, scope, code, slot) DO UPDATE SET used = max(used + ?, 0), "
               "remote = max(remote + ?, 0), booked = max(booked + ?, 0)",
               [day, scope, code, slot, used, remote, booked, used, remote, booked])


def day_usage(db: Db, day: str) -> list[dict[str, Any]]:
    """Every counter of one day (the console's remaining quota), by the primary key's prefix."""
    return [dict(r) for r in db.execute("SELECT * FROM quota_usage WHERE service_day = ? ORDER BY scope, code, slot",
                                        [day])]
