"""Device agents' connections, ID-card swipes and the people behind tickets; callers hold a Storage transaction.

Every query is bounded by a key or an index: an agent by its device id, a swipe by its token or id
(and expired swipes by ``card_swipes_expiry``), a person's tickets by ``tickets_person`` and the day.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from ..domain.models import PersonRef

Db = sqlite_utils.Database

#: Ticket states in which a ticket is still open (the one-ticket-per-person rule counts these).
OPEN_STATES = ("waiting", "called", "serving", "held")


# ---- agents -----------------------------------------------------------------------------------

def agent_device(db: Db, device_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM devices WHERE id = ? AND kind = 'agent' AND active = 1", [device_id]).fetchone()
    return dict(row) if row else None


def connect(db: Db, device_id: int, *, session: str, at: float, address: str | None, version: str | None) -> None:
    """The agent is connected through *session* (the newest connection wins)."""
    db.execute("INSERT INTO agents (device, session, connected, connected_at, last_seen, address, version) "
               "VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (device) DO UPDATE SET session = excluded.session, "
               "connected = 1, connected_at = excluded.connected_at, last_seen = excluded.last_seen, "
               "address = excluded.address, version = excluded.version",
               [device_id, session, at, at, address, version])


def seen(db: Db, device_id: int, session: str, at: float) -> bool:
    """The agent was heard from on *session*; False when a newer connection has taken its place."""
    return db.execute("UPDATE agents SET last_seen = ? WHERE device = ? AND session = ?",
                      [at, device_id, session]).rowcount > 0


def disconnect(db: Db, device_id: int, session: str, at: float) -> bool:
    """The connection *session* ended; False when the agent is connected through another one by now."""
    return db.execute("UPDATE agents SET connected = 0, last_seen = ? WHERE device = ? AND session = ?",
                      [at, device_id, session]).rowcount > 0


def agent_state(db: Db, device_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM agents WHERE device = ?", [device_id]).fetchone()
    return dict(row) if row else None


# ---- ID-card swipes ---------------------------------------------------------------------------------

def add_swipe(db: Db, *, token: str, kiosk: str, person: PersonRef, at: float, expires_at: float) -> int:
    """Keep a card read at *kiosk* until *expires_at* (hash and masked forms only); expired ones are deleted."""
    db.execute("DELETE FROM card_swipes WHERE expires_at < ?", [at])
    cursor = db.execute(
        "INSERT INTO card_swipes (token, kiosk, person_hash, id_masked, name_masked, at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [token, kiosk, person.person_hash, person.id_masked, person.name_masked, at, expires_at])
    return int(cursor.lastrowid or 0)


def swipe_by_token(db: Db, token: str, kiosk: str, now: float) -> PersonRef | None:
    """The person of a swipe at *kiosk* that has not expired."""
    row = db.execute("SELECT person_hash, id_masked, name_masked FROM card_swipes WHERE token = ? AND kiosk = ? "
                     "AND expires_at >= ?", [token, kiosk, now]).fetchone()
    return PersonRef(row[0], row[1], row[2]) if row else None


def use_swipe(db: Db, token: str) -> None:
    """A ticket was taken (or reprinted) with this swipe: it is used up, and so are the kiosk's swipes before it."""
    row = db.execute("SELECT id, kiosk FROM card_swipes WHERE token = ?", [token]).fetchone()
    if row is not None:
        db.execute("DELETE FROM card_swipes WHERE kiosk = ? AND id <= ?", [row["kiosk"], row["id"]])


def latest_swipe(db: Db, kiosk: str, now: float) -> dict[str, Any] | None:
    """The last swipe at *kiosk* not used nor expired (a page loaded just after the swipe starts from it)."""
    row = db.execute("SELECT id, token, kiosk, name_masked, at, expires_at FROM card_swipes WHERE expires_at >= ? "
                     "AND kiosk = ? ORDER BY id DESC LIMIT 1", [now, kiosk]).fetchone()
    return dict(row) if row else None


def swipe_by_id(db: Db, swipe_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT id, token, kiosk, name_masked, at, expires_at FROM card_swipes WHERE id = ?",
                     [swipe_id]).fetchone()
    return dict(row) if row else None


# ---- the people behind tickets --------------------------------------------------------------------------

def attach_person(db: Db, ticket_id: int, person: PersonRef) -> None:
    db.execute("UPDATE tickets SET person_hash = ?, person_id_masked = ?, person_name_masked = ? WHERE id = ?",
               [person.person_hash, person.id_masked, person.name_masked, ticket_id])


def open_tickets_of(db: Db, day: str, person_hash: str) -> list[dict[str, Any]]:
    """The person's open tickets of *day* with their items (a handful at most)."""
    marks = ", ".join("?" * len(OPEN_STATES))
    rows = db.execute(f"SELECT id, token, number, item, bundle, kiosk, issued_at FROM tickets "
                      f"WHERE service_day = ? AND person_hash = ? AND state IN ({marks}) ORDER BY id",
                      [day, person_hash, *OPEN_STATES]).fetchall()
    tickets = [dict(r) for r in rows]
    for ticket in tickets:
        ticket["items"] = {r[0] for r in db.execute("SELECT item FROM ticket_items WHERE ticket = ?", [ticket["id"]])}
    return tickets


def person_of_ticket(db: Db, ticket_id: int) -> dict[str, Any] | None:
    """The masked forms a ticket taken with an ID card carries (for the clerk's panel)."""
    row = db.execute("SELECT person_id_masked, person_name_masked FROM tickets WHERE id = ? "
                     "AND person_hash IS NOT NULL", [ticket_id]).fetchone()
    return {"id_masked": row[0], "name_masked": row[1]} if row else None
