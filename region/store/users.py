"""Prefecture console users and their login sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg


def upsert(conn: psycopg.Connection, username: str, display_name: str, password_hash: str, roles: list[str]) -> None:
    conn.execute(
        "INSERT INTO users (username, display_name, password_hash, roles) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, "
        "password_hash = excluded.password_hash, roles = excluded.roles, active = true",
        [username, display_name, password_hash, roles])


def user(conn: psycopg.Connection, username: str) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM users WHERE username = %s AND active", [username]).fetchone()


def users(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute("SELECT username, display_name, roles, active, created_at FROM users "
                        "ORDER BY username").fetchall()


def insert_session(conn: psycopg.Connection, token_hash: str, username: str, expires_at: datetime) -> None:
    conn.execute("DELETE FROM sessions WHERE expires_at < now()")
    conn.execute("INSERT INTO sessions (token_hash, username, expires_at) VALUES (%s, %s, %s)",
                 [token_hash, username, expires_at])


def session_user(conn: psycopg.Connection, token_hash: str) -> dict[str, Any] | None:
    return conn.execute("SELECT u.* FROM sessions s JOIN users u ON u.username = s.username "
                        "WHERE s.token_hash = %s AND s.expires_at > now() AND u.active", [token_hash]).fetchone()


def delete_session(conn: psycopg.Connection, token_hash: str) -> None:
    conn.execute("DELETE FROM sessions WHERE token_hash = %s", [token_hash])
