"""The 好差评 export: every rating in the national data items, as JSON Lines or CSV, and a pluggable sender.

Each record: case number (办件编号), item code and version (事项编码), channel (the counter's rating
pad), level 1–5 with its name (非常满意 … 非常不满意), time, the rated clerk, and the hall's region and
department codes. Ratings whose hash chain failed verification are held back from the upload and
listed with their problem instead.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import psycopg

from .db import Database
from .errors import InvalidInput

logger = logging.getLogger(__name__)

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
CHANNEL = "window_pad"
CHANNEL_NAME = "窗口评价器"
COLUMNS = ("case_number", "item_code", "item_version", "item_name", "channel", "channel_name", "level",
           "level_name", "rated_at", "clerk", "clerk_name", "hall_code", "hall_name", "region_code",
           "department_code", "reasons", "chain_seq", "chain_hash")

_SELECT = """
SELECT r.hall, r.ticket, r.score, r.at, r.staff, r.reasons, r.seq, r.hash, r.service_day, r.number, r.item_key,
       r.verified, r.problem, h.code AS hall_code, h.name AS hall_name, h.region_code, h.department_code,
       h.timezone, i.item_code, i.item_version, i.name_zh AS item_name, s.display_name AS clerk_name
FROM ratings r JOIN halls h ON h.id = r.hall
LEFT JOIN hall_items i ON i.hall = r.hall AND i.item_key = r.item_key
LEFT JOIN hall_staff s ON s.hall = r.hall AND s.username = r.staff
"""


def record(row: dict[str, Any]) -> dict[str, Any]:
    """One rating in the export's data items."""
    rated_at = datetime.fromtimestamp(row["at"], ZoneInfo(row["timezone"]))
    return {
        "case_number": f"{row['hall_code']}-{row['service_day']:%Y%m%d}-{row['number']}",
        "item_code": row["item_code"] or row["item_key"], "item_version": row["item_version"] or "",
        "item_name": row["item_name"] or row["item_key"], "channel": CHANNEL, "channel_name": CHANNEL_NAME,
        "level": row["score"], "level_name": LEVELS[row["score"]],
        "rated_at": rated_at.isoformat(timespec="seconds"), "clerk": row["staff"] or "",
        "clerk_name": row["clerk_name"] or row["staff"] or "", "hall_code": row["hall_code"],
        "hall_name": row["hall_name"], "region_code": row["region_code"], "department_code": row["department_code"],
        "reasons": list(row["reasons"] or []), "chain_seq": row["seq"], "chain_hash": row["hash"],
    }


def ratings_of_days(db: Database, day_from: date, day_to: date, *, hall: str | None = None) -> dict[str, list]:
    """The verified ratings of the service days (for upload) and the held-back ones with their problem."""
    sql = _SELECT + " WHERE r.service_day BETWEEN %s AND %s AND NOT r.unrated"
    params: list[Any] = [day_from, day_to]
    if hall:
        sql += " AND h.code = %s"
        params.append(hall)
    with db.transaction() as conn:
        rows = conn.execute(sql + " ORDER BY r.at, r.hall, r.ticket", params).fetchall()
    return {"records": [record(r) for r in rows if r["verified"]],
            "held": [{**record(r), "problem": r["problem"]} for r in rows if not r["verified"]]}


def as_jsonl(records: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)


def as_csv(records: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in records:
        writer.writerow([";".join(r[c]) if c == "reasons" else ("" if r[c] is None else r[c]) for c in COLUMNS])
    return "\ufeff" + out.getvalue()


class RatingSender(Protocol):
    """Delivers records to the provincial 好差评 system; raises SendFailed when it could not."""

    target: str

    def send(self, records: Sequence[dict[str, Any]]) -> None: ...


class SendFailed(Exception):
    """The provincial endpoint did not take the records."""


class HttpJsonLinesSender:
    """POSTs the records as JSON Lines (application/x-ndjson) with a bearer token."""

    def __init__(self, url: str, token: str = "", timeout: float = 30) -> None:
        self.target = url
        self.token = token
        self.timeout = timeout

    def send(self, records: Sequence[dict[str, Any]]) -> None:
        headers = {"Content-Type": "application/x-ndjson; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.target, data=as_jsonl(records).encode("utf-8"), headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if response.status >= 300:
                    raise SendFailed(f"HTTP {response.status}")
        except urllib.error.HTTPError as exc:
            raise SendFailed(f"HTTP {exc.code}: {exc.read()[:200].decode('utf-8', 'replace')}") from None
        except OSError as exc:
            raise SendFailed(str(exc)) from None


class FileSender:
    """Writes each upload as a JSON Lines file into a folder (for a system that collects files)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.target = f"file://{self.directory}"

    def send(self, records: Sequence[dict[str, Any]]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = datetime.now().strftime("haocaiping-%Y%m%d-%H%M%S-%f.jsonl")
        (self.directory / name).write_text(as_jsonl(records), encoding="utf-8")


def make_sender(url: str, token: str = "") -> RatingSender:
    """A sender by URL scheme: http(s):// posts JSON Lines, file:///folder writes files."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme in ("http", "https"):
        return HttpJsonLinesSender(url, token)
    if scheme == "file":
        return FileSender(Path(urllib.parse.urlsplit(url).path))
    raise InvalidInput("the 好差评 endpoint must be an http(s):// or file:// URL")


def send_pending(db: Database, sender: RatingSender, *, actor: str = "cli", limit: int = 1000) -> dict[str, Any]:
    """Send verified ratings not sent yet (oldest first, at most *limit*); marked sent only if the sender took them.

    Rows are locked with SKIP LOCKED, so two prefecture processes never send the same rating twice.
    """
    with db.transaction() as conn:
        rows = conn.execute(_SELECT + " WHERE r.exported_at IS NULL AND NOT r.unrated AND r.verified "
                            "ORDER BY r.at LIMIT %s FOR UPDATE OF r SKIP LOCKED", [limit]).fetchall()
        if not rows:
            return {"sent": 0, "target": sender.target}
        records = [record(r) for r in rows]
        try:
            sender.send(records)
        except SendFailed as exc:
            _log_export(conn, actor, sender.target, len(records), "failed", str(exc))
            conn.commit()
            logger.warning("好差评 upload to %s failed: %s", sender.target, exc)
            return {"sent": 0, "failed": len(records), "error": str(exc), "target": sender.target}
        with conn.cursor() as cur:
            cur.executemany("UPDATE ratings SET exported_at = now() WHERE hall = %s AND ticket = %s",
                            [[r["hall"], r["ticket"]] for r in rows])
        _log_export(conn, actor, sender.target, len(records), "sent", "")
    return {"sent": len(records), "target": sender.target}


def _log_export(conn: psycopg.Connection, actor: str, target: str, count: int, status: str, detail: str) -> None:
    conn.execute("INSERT INTO rating_exports (actor, target, records, status, detail) VALUES (%s, %s, %s, %s, %s)",
                 [actor, target, count, status, detail[:500]])
