"""Ingest: store a hall's batch once, keep the ticket projection and the rollups, verify the rating chain.

One transaction per batch, with the hall's row locked, so several stateless server processes can
take batches of the same hall in any order of arrival and still apply them in log order. Either
the whole batch is stored and acknowledged, or nothing of it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import psycopg

from hall import rating_chain

from .batch import Batch
from .db import Database
from .errors import BadBatch, Diverged, Gap
from .projection import RATING_EVENTS, Fold
from .store import audit as audit_store
from .store import catalogue as catalogue_store
from .store import halls as hall_store
from .store import ingest as store

logger = logging.getLogger(__name__)

_COMPARED = ("at", "type", "ticket", "counter", "staff", "data")


@dataclass
class IngestResult:
    """The answer to a batch: the id the prefecture now holds up to, and what it did."""

    acknowledged: int
    stored: int
    duplicates: int
    chain_problems: list[dict[str, Any]] = field(default_factory=list)
    catalogue_version: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"acknowledged": self.acknowledged, "stored": self.stored, "duplicates": self.duplicates,
                "chain_problems": self.chain_problems, "catalogue_version": self.catalogue_version}


def _same(stored: dict[str, Any], shipped: dict[str, Any]) -> bool:
    return all(stored[k] == (shipped.get(k) if k != "data" else (shipped.get("data") or {})) for k in _COMPARED)


class Ingest:
    """Takes batches from authenticated halls."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def ingest(self, hall: dict[str, Any], batch: Batch) -> IngestResult:
        """Store *batch* of *hall* once; Gap, Diverged or BadBatch leave nothing of it stored."""
        if batch.hall != hall["code"]:
            raise BadBatch(f"this token belongs to hall {hall['code']}, not {batch.hall}")
        diverged: Diverged | None = None
        with self.db.transaction() as conn:
            row = hall_store.lock(conn, hall["id"])
            try:
                return self._ingest(conn, row, batch)
            except Diverged as exc:
                diverged = exc
        # Recorded in its own transaction: the batch is refused, the divergence is kept.
        with self.db.transaction() as conn:
            hall_store.mark_diverged(conn, hall["id"], diverged.message)
        logger.error("hall %s: %s", hall["code"], diverged.message)
        raise diverged

    def _ingest(self, conn: psycopg.Connection, hall: dict[str, Any], batch: Batch) -> IngestResult:
        acknowledged = hall["acknowledged"]
        if batch.head < acknowledged:
            raise Diverged(
                f"the hall's event log ends at id {batch.head}, but the prefecture already holds its events up to "
                f"{acknowledged}: the hall's database was restored from an older backup; its new events would "
                "mix two histories, so none are taken", acknowledged=acknowledged, head=batch.head)
        if batch.after > acknowledged:
            raise Gap(f"the prefecture holds this hall's events up to {acknowledged} only; send from there",
                      acknowledged=acknowledged)
        overlap = [e for e in batch.events if e["id"] <= acknowledged]
        if overlap:
            stored = store.stored_events(conn, hall["id"], overlap[0]["id"], overlap[-1]["id"])
            for event in overlap:
                mine = stored.get(event["id"])
                if mine is not None and not _same(mine, event):
                    raise Diverged(
                        f"event {event['id']} differs from the one the hall shipped before: the hall's database "
                        "was restored from an older backup and its log was written again; refused instead of "
                        "mixing two histories", event=event["id"], acknowledged=acknowledged)
        new = [e for e in batch.events if e["id"] > acknowledged]
        chain_seq, chain_hash, problems = hall["chain_seq"], hall["chain_hash"], []
        if new:
            chain_seq, chain_hash, problems = self._store_new(conn, hall, batch, new)
        last = new[-1] if new else None
        if batch.refs and last is not None:
            store.upsert_refs(conn, hall["id"], batch.refs, last["id"])
        if batch.catalogue_version is not None and batch.catalogue_version != hall["catalogue_version"]:
            audit_store.record(conn, f"hall:{hall['code']}", "catalogue.applied_by_hall", hall["code"],
                                  {"version": hall["catalogue_version"]}, {"version": batch.catalogue_version})
        hall_store.record_batch(
            conn, hall["id"], acknowledged=last["id"] if last else acknowledged,
            last_event_at=last["at"] if last else None,
            live={**batch.live, "head": batch.head} if batch.live is not None else None, settings=batch.settings,
            catalogue_version=batch.catalogue_version, chain_seq=chain_seq, chain_hash=chain_hash,
            chain_problems=len(problems))
        return IngestResult(acknowledged=last["id"] if last else acknowledged, stored=len(new),
                            duplicates=len(overlap), chain_problems=problems,
                            catalogue_version=catalogue_store.latest_version(conn))

    def _store_new(self, conn: psycopg.Connection, hall: dict[str, Any], batch: Batch,
                   new: list[dict[str, Any]]) -> tuple[int, str, list[dict[str, Any]]]:
        store.insert_events(conn, hall["id"], new)
        known = {e["ticket"] for e in new if e.get("ticket") is not None and e["type"] != "issued"}
        fold = Fold(hall["id"], store.load_tickets(conn, hall["id"], known), batch.tickets)
        for _index, event in enumerate(new):
            try:
                fold.apply(event)
            except KeyError:
                raise BadBatch(f"events[{batch.events.index(event)}] (id {event['id']}): ticket {event['ticket']} "
                               "was never issued in the events shipped so far; nothing of this batch was stored",
                               record="events", index=batch.events.index(event), id=event["id"]) from None
        store.upsert_tickets(conn, fold.changed_rows())
        store.add_rollups(conn, hall["id"], fold.deltas)
        return self._verify_ratings(conn, hall, batch, new, fold)

    def _verify_ratings(self, conn: psycopg.Connection, hall: dict[str, Any], batch: Batch,
                        new: list[dict[str, Any]], fold: Fold) -> tuple[int, str, list[dict[str, Any]]]:
        rating_events = [e for e in new if e["type"] in RATING_EVENTS]
        if not rating_events:
            return hall["chain_seq"], hall["chain_hash"], []
        links = [batch.ratings[e["ticket"]] for e in rating_events]
        problems, seq, head = rating_chain.verify(links, hall["chain_seq"], hall["chain_hash"])
        for event in rating_events:
            record = batch.ratings[event["ticket"]]
            logged = (event.get("data") or {}).get("score") if event["type"] == "rated" else None
            if record.get("score") != logged:
                problems.append({"kind": "edited", "seq": record["seq"], "ticket": record["ticket"],
                                 "detail": f"the rating says {record.get('score')} but the log recorded {logged}"})
        flagged = {p["ticket"]: p for p in problems}
        rows = []
        for record in links:
            ticket = fold.tickets[record["ticket"]]
            problem = flagged.get(record["ticket"])
            rows.append({**{k: record.get(k) for k in ("ticket", "seq", "prev", "hash", "score", "counter", "staff",
                                                        "device", "reasons", "at")},
                         "hall": hall["id"], "unrated": bool(record.get("unrated")), "service_day": ticket.service_day,
                         "number": ticket.number, "item_key": ticket.item_key, "verified": problem is None,
                         "problem": f"{problem['kind']}: {problem['detail']}" if problem else None})
        store.insert_ratings(conn, rows)
        store.insert_chain_problems(conn, hall["id"], problems)
        if problems:
            logger.warning("hall %s: %d rating chain problem(s): %s", hall["code"], len(problems),
                           "; ".join(f"{p['kind']} at {p['seq']}" for p in problems))
        return seq, head, problems
