"""The catalogue standard's versions."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def latest_version(conn: psycopg.Connection) -> int | None:
    row = conn.execute("SELECT max(version) AS v FROM catalogue_versions").fetchone()
    return row["v"] if row else None


def insert_version(conn: psycopg.Connection, version: int, by: str, note: str, document: dict[str, Any]) -> None:
    conn.execute("INSERT INTO catalogue_versions (version, published_by, note, document) VALUES (%s, %s, %s, %s)",
                 [version, by, note, Jsonb(document)])


def version(conn: psycopg.Connection, number: int) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM catalogue_versions WHERE version = %s", [number]).fetchone()


def versions(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute("SELECT version, published_at, published_by, note, "
                        "jsonb_array_length(document->'items') AS items FROM catalogue_versions "
                        "ORDER BY version DESC").fetchall()


def item_names(conn: psycopg.Connection, number: int) -> dict[str, tuple[str, str, str | None]]:
    """code → (name zh, name en, item code) of one version's items."""
    rows = conn.execute("SELECT i->>'code' AS code, i->'name'->>'zh' AS zh, i->'name'->>'en' AS en, "
                        "i->>'item_code' AS item_code FROM catalogue_versions, "
                        "jsonb_array_elements(document->'items') AS i WHERE version = %s", [number]).fetchall()
    return {r["code"]: (r["zh"], r["en"], r["item_code"]) for r in rows}
