"""Halls: registration, tokens, shipping state and live figures."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def insert(conn: psycopg.Connection, values: dict[str, Any]) -> dict[str, Any]:
    row = conn.execute(
        "INSERT INTO halls (code, name, name_en, agency_code, agency_name, region_code, department_code, token_hash) "
        "VALUES (%(code)s, %(name)s, %(name_en)s, %(agency_code)s, %(agency_name)s, %(region_code)s, "
        "%(department_code)s, %(token_hash)s) RETURNING *", values).fetchone()
    assert row is not None
    return row


def by_token_hash(conn: psycopg.Connection, token_hash: str) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM halls WHERE token_hash = %s AND active", [token_hash]).fetchone()


def by_code(conn: psycopg.Connection, code: str) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM halls WHERE code = %s", [code]).fetchone()


def lock(conn: psycopg.Connection, hall_id: int) -> dict[str, Any]:
    """The hall's row, locked until the end of the transaction: one hall's batches go in order."""
    row = conn.execute("SELECT * FROM halls WHERE id = %s FOR UPDATE", [hall_id]).fetchone()
    assert row is not None
    return row


def set_token_hash(conn: psycopg.Connection, code: str, token_hash: str) -> bool:
    return conn.execute("UPDATE halls SET token_hash = %s WHERE code = %s", [token_hash, code]).rowcount == 1


def mark_diverged(conn: psycopg.Connection, hall_id: int, detail: str) -> None:
    conn.execute("UPDATE halls SET diverged_at = coalesce(diverged_at, now()), diverged_detail = %s WHERE id = %s",
                 [detail, hall_id])


def clear_divergence(conn: psycopg.Connection, code: str) -> bool:
    return conn.execute("UPDATE halls SET diverged_at = NULL, diverged_detail = NULL WHERE code = %s",
                        [code]).rowcount == 1


def record_batch(conn: psycopg.Connection, hall_id: int, *, acknowledged: int, last_event_at: float | None,
                 live: dict[str, Any] | None, settings: dict[str, Any], catalogue_version: int | None,
                 chain_seq: int, chain_hash: str, chain_problems: int) -> None:
    conn.execute(
        "UPDATE halls SET acknowledged = %(ack)s, last_event_at = coalesce(%(last)s, last_event_at), "
        "last_batch_at = now(), live = coalesce(%(live)s, live), "
        "live_at = CASE WHEN %(live)s::jsonb IS NULL THEN live_at ELSE now() END, "
        "timezone = coalesce(%(tz)s, timezone), wait_target_minutes = coalesce(%(target)s, wait_target_minutes), "
        "catalogue_version = coalesce(%(version)s, catalogue_version), chain_seq = %(seq)s, chain_hash = %(hash)s, "
        "chain_problems = chain_problems + %(problems)s WHERE id = %(id)s",
        {"ack": acknowledged, "last": last_event_at, "live": Jsonb(live) if live else None,
         "tz": settings.get("timezone") if isinstance(settings.get("timezone"), str) else None,
         "target": settings.get("wait_target_minutes") if isinstance(settings.get("wait_target_minutes"), int)
         else None, "version": catalogue_version, "seq": chain_seq, "hash": chain_hash,
         "problems": chain_problems, "id": hall_id})


def all_halls(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM halls ORDER BY agency_code, code").fetchall()


def chain_problems(conn: psycopg.Connection, hall_id: int, limit: int = 50) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM chain_problems WHERE hall = %s ORDER BY id DESC LIMIT %s",
                        [hall_id, limit]).fetchall()
