"""A hash chain over the hall's ratings: each link hashes the rating record and the link before it.

Written in the transaction that inserts the rating; shipped with the rating to the prefecture,
which recomputes every hash and flags a gap (a missing link) or an edited record (a hash that no
longer matches the record), e.g. ratings re-pushed with the score hard-coded to 5.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64
#: The fields of a rating that the chain protects, in the hall's ratings table.
RECORD_FIELDS = ("ticket", "score", "unrated", "counter", "staff", "at", "reasons")


def canonical_record(rating: Mapping[str, Any]) -> str:
    """The rating as canonical JSON (sorted keys, no spaces); reasons as a list, unrated as 0/1."""
    reasons = rating.get("reasons") or []
    if isinstance(reasons, str):
        reasons = json.loads(reasons)
    record = {
        "ticket": int(rating["ticket"]),
        "score": None if rating.get("score") is None else int(rating["score"]),
        "unrated": 1 if rating.get("unrated") else 0,
        "counter": None if rating.get("counter") is None else int(rating["counter"]),
        "staff": rating.get("staff"),
        "at": float(rating["at"]),
        "reasons": [str(r) for r in reasons],
    }
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev: str, rating: Mapping[str, Any]) -> str:
    """sha256 of the previous link's hash, a newline and the canonical record, in hex."""
    return hashlib.sha256(f"{prev}\n{canonical_record(rating)}".encode("utf-8")).hexdigest()


def link(db: Any, rating: Mapping[str, Any]) -> dict[str, Any]:
    """Append *rating* (a row of the ratings table, just inserted) to the chain, in the caller's transaction."""
    last = db.execute("SELECT seq, hash FROM rating_chain ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    values = {"seq": seq, "ticket": int(rating["ticket"]), "prev": prev, "hash": link_hash(prev, rating)}
    db.execute("INSERT INTO rating_chain (seq, ticket, prev, hash) VALUES (:seq, :ticket, :prev, :hash)", values)
    return values


def verify(links: list[Mapping[str, Any]], head_seq: int, head_hash: str) -> tuple[list[dict[str, Any]], int, str]:
    """Check shipped links (each a rating record plus seq, prev, hash) against the chain head so far.

    Returns the problems found (kind ``gap`` or ``edited``, with seq, ticket and a detail) and the
    new head. The chain continues from each shipped hash, so one bad record is flagged once.
    """
    problems: list[dict[str, Any]] = []
    unchained = [item for item in links if item.get("seq") is None]
    for item in unchained:
        problems.append({"kind": "unchained", "seq": None, "ticket": item["ticket"],
                         "detail": "the rating has no link in the hall's chain: it was added outside the hall"})
    for item in sorted((i for i in links if i.get("seq") is not None), key=lambda r: int(r["seq"])):
        seq = int(item["seq"])
        if seq != head_seq + 1 or item["prev"] != head_hash:
            missing = f"links {head_seq + 1}–{seq - 1} are missing" if seq > head_seq + 1 else \
                f"link {seq} does not follow link {head_seq}"
            problems.append({"kind": "gap", "seq": seq, "ticket": item["ticket"], "detail": missing})
        if link_hash(item["prev"], item) != item["hash"]:
            problems.append({"kind": "edited", "seq": seq, "ticket": item["ticket"],
                             "detail": "the rating record does not match its hash: it was changed after it was made"})
        head_seq, head_hash = seq, str(item["hash"])
    return problems, head_seq, head_hash
