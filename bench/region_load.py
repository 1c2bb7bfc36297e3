"""Synthetic halls for the prefecture benchmarks: batches in the exact shape hall.outbox sends.

A ticket is issued, called, started, finished and rated (five events); every rating carries a
valid link of the hall's hash chain, so the prefecture does all its work (projection, rollups,
chain verification) on every batch.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hall import rating_chain

TZ = ZoneInfo("Asia/Shanghai")
ITEMS = [("A01", "enterprise"), ("A02", "enterprise"), ("B01", "pension"), ("B02", "pension"), ("C01", "injury"),
         ("D01", "unemployment"), ("E01", "card"), ("E02", "card"), ("F01", "employment")]


@dataclass
class SyntheticHall:
    """Makes one hall's log, batch by batch."""

    code: str
    seed: int = 1
    day: date = date(2026, 11, 25)
    next_event: int = 1
    next_ticket: int = 1
    chain_seq: int = 0
    chain_hash: str = rating_chain.GENESIS
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.clock = datetime.combine(self.day, time(9, 0), TZ).timestamp()

    def _event(self, at: float, kind: str, ticket: int, data: dict, counter: int | None = None,
               staff: str | None = None) -> dict:
        event = {"id": self.next_event, "at": round(at, 3), "type": kind, "ticket": ticket, "counter": counter,
                 "staff": staff, "data": data}
        self.next_event += 1
        return event

    def batch(self, tickets: int, after: int) -> dict:
        """The next *tickets* tickets' events (5 each) as one batch body."""
        events, refs, ratings = [], [], []
        for _ in range(tickets):
            ticket, self.next_ticket = self.next_ticket, self.next_ticket + 1
            item, category = self.rng.choice(ITEMS)
            number = f"A{ticket % 1000:03d}"
            issued = self.clock
            self.clock += self.rng.uniform(1, 20)
            counter = self.rng.randint(1, 8)
            staff = f"clerk{counter}"
            called = issued + self.rng.uniform(30, 1800)
            started = called + self.rng.uniform(10, 90)
            finished = started + self.rng.uniform(120, 900)
            score = self.rng.choice([5, 5, 5, 4, 4, 3, 2, 1])
            rated_at = finished + self.rng.uniform(3, 40)
            refs.append({"id": ticket, "service_day": self.day.isoformat(), "number": number, "category": category,
                         "item": item, "bundle": None})
            events += [
                self._event(issued, "issued", ticket, {"number": number, "item": item, "bundle": None}),
                self._event(called, "called", ticket, {"number": number, "from": "waiting", "to": "called"},
                            counter, staff),
                self._event(started, "serving_started", ticket, {"number": number, "from": "called", "to": "serving"},
                            counter, staff),
                self._event(finished, "finished", ticket, {"number": number, "from": "serving", "to": "finished"},
                            counter, staff),
                self._event(rated_at, "rated", ticket, {"score": score, "reasons": [], "device": counter}, counter,
                            staff),
            ]
            record = {"ticket": ticket, "score": score, "unrated": 0, "counter": counter, "staff": staff,
                      "device": counter, "at": round(rated_at, 3), "reasons": []}
            self.chain_seq += 1
            digest = rating_chain.link_hash(self.chain_hash, record)
            ratings.append({**record, "seq": self.chain_seq, "prev": self.chain_hash, "hash": digest})
            self.chain_hash = digest
            if self.clock > datetime.combine(self.day, time(17, 0), TZ).timestamp():
                self.day += timedelta(days=1)
                self.clock = datetime.combine(self.day, time(9, 0), TZ).timestamp()
        return {"hall": self.code, "after": after, "head": self.next_event - 1, "events": events, "tickets": refs,
                "ratings": ratings,
                "refs": {"staff": [{"username": f"clerk{n}", "display_name": f"综合柜员 {n}"} for n in range(1, 9)],
                         "counters": [{"number": n, "name": f"{n}号窗口"} for n in range(1, 9)],
                         "items": [{"code": i, "category": c, "name_zh": i, "name_en": i, "kind": "instant",
                                    "item_code": f"MB{i}", "item_version": "1"} for i, c in ITEMS],
                         "bundles": [], "categories": []},
                "live": {"at": self.clock, "service_day": self.day.isoformat(), "waiting": 3, "open_counters": 8,
                         "counters": 8, "longest_wait_seconds": 300}, "catalogue_version": None,
                "settings": {"timezone": "Asia/Shanghai", "wait_target_minutes": 15}}

    def bodies(self, batches: int, tickets_per_batch: int) -> list[bytes]:
        """Encoded batch bodies, each after the last id of the one before."""
        bodies, after = [], 0
        for _ in range(batches):
            body = self.batch(tickets_per_batch, after)
            after = body["head"]
            bodies.append(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        return bodies
