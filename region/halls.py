"""Halls of the prefecture: registration with a token, and the live overview of every hall."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from typing import Any

from .accounts import token_hash
from .db import Database
from .errors import Conflict, InvalidInput, NotFound, _l
from .store import audit
from .store import halls as store

CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
REGION_CODE = re.compile(r"^[0-9]{6,12}$")
STALE_SECONDS = 120


class Halls:
    """Registers halls and tells how each is doing."""

    def __init__(self, db: Database, stale_seconds: int = STALE_SECONDS) -> None:
        self.db = db
        self.stale_seconds = stale_seconds

    def register(self, code: str, name: str, *, agency_code: str, region_code: str, agency_name: str = "",
                 department_code: str = "", name_en: str = "", actor: str = "cli") -> tuple[dict[str, Any], str]:
        """Add a hall; returns it and its token (shown once, only its hash is kept)."""
        if not CODE.match(code or ""):
            raise InvalidInput(_l("a hall code is 1-40 letters, digits, - or _"))
        if not name:
            raise InvalidInput(_l("a hall needs a name"))
        if not CODE.match(agency_code or ""):
            raise InvalidInput(_l("an agency code is 1-40 letters, digits, - or _"))
        if not REGION_CODE.match(region_code or ""):
            raise InvalidInput(_l("a region code (区划编码) is 6 to 12 digits, e.g. 522301"))
        token = "hall-" + secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            if store.by_code(conn, code):
                raise Conflict(f"hall {code} is already registered")
            hall = store.insert(conn, {"code": code, "name": name, "name_en": name_en, "agency_code": agency_code,
                                       "agency_name": agency_name, "region_code": region_code,
                                       "department_code": department_code, "token_hash": token_hash(token)})
            audit.record(conn, actor, "hall.registered", code, None,
                         {"name": name, "agency": agency_code, "region": region_code})
        return hall, token

    def new_token(self, code: str, actor: str = "cli") -> str:
        token = "hall-" + secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            if not store.set_token_hash(conn, code, token_hash(token)):
                raise NotFound(f"no hall {code}")
            audit.record(conn, actor, "hall.token_renewed", code, None, None)
        return token

    def clear_divergence(self, code: str, actor: str = "cli") -> None:
        with self.db.transaction() as conn:
            if not store.clear_divergence(conn, code):
                raise NotFound(f"no hall {code}")
            audit.record(conn, actor, "hall.divergence_cleared", code, None, None)

    def by_token(self, token: str) -> dict[str, Any] | None:
        with self.db.transaction() as conn:
            return store.by_token_hash(conn, token_hash(token))

    def overview(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Every hall with its live figures, last shipped time, backlog, stale and diverged flags."""
        now = now or datetime.now(timezone.utc)
        with self.db.transaction() as conn:
            rows = store.all_halls(conn)
        halls = []
        for row in rows:
            live = row["live"] or {}
            age = (now - row["live_at"]).total_seconds() if row["live_at"] else None
            halls.append({
                "code": row["code"], "name": row["name"], "name_en": row["name_en"],
                "agency_code": row["agency_code"], "agency_name": row["agency_name"],
                "region_code": row["region_code"], "department_code": row["department_code"],
                "waiting": live.get("waiting"), "open_counters": live.get("open_counters"),
                "counters": live.get("counters"), "longest_wait_minutes":
                    round(live["longest_wait_seconds"] / 60.0, 1) if live.get("longest_wait_seconds") is not None
                    else None,
                "service_day": live.get("service_day"),
                "acknowledged": row["acknowledged"], "backlog": max(0, int(live.get("head", 0)) - row["acknowledged"]),
                "last_shipped": row["last_batch_at"].isoformat(timespec="seconds") if row["last_batch_at"] else None,
                "seconds_since_contact": round(age, 1) if age is not None else None,
                "stale": age is None or age > self.stale_seconds,
                "diverged": row["diverged_detail"], "chain_problems": row["chain_problems"],
                "catalogue_version": row["catalogue_version"],
            })
        return halls
