"""Quotas (限号): how many tickets the hall, an item or a bundle gives out a day and per time slot.

A rule may set a daily limit, a limit per time slot (slots of ``slot_minutes`` from local midnight:
with 60, 09:00–10:00 is one slot) and the share of the daily limit remote tickets may take (else the
hall's ``remote_share_percent``), so that people queueing from home never shut out those who came.

Checking a ticket costs the same whatever the length of the day: each day keeps counters per hall,
item or bundle (and per slot where a slot rule exists), read and moved by their primary key in the
transaction that draws the ticket's number — atomic with it, and the same in every server process.
A ticket counts for the hall and for its item or its bundle. A booking counts when it is made (in its
day and slot: "appointments keep the slots they booked") and never again when it is checked in; a
cancelled booking gives its place back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import audit
from .domain.clock import Clock
from .domain.errors import N_, HallError, InvalidInput, UnknownService
from .storage import Storage, repo
from .storage import quotas as store

SCOPES = ("hall", "item", "bundle")
MAX_QUOTA = 100_000
Target = tuple[str, str]


class QuotaExhausted(HallError):
    """The day's (or the time slot's) tickets for this service are all given out."""

    status = 409
    code = "quota_exhausted"


@dataclass(frozen=True)
class QuotaRule:
    """One quota: a daily limit, a limit per time slot, the remote share (None: not limited / the hall's)."""

    scope: str
    code: str
    daily: int | None = None
    slot_minutes: int | None = None
    per_slot: int | None = None
    remote_share: int | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "QuotaRule":
        return cls(row["scope"], row["code"], row["daily"], row["slot_minutes"], row["per_slot"], row["remote_share"])

    def remote_limit(self, share_default: int) -> int | None:
        """How many remote tickets the daily limit leaves room for (None: no daily limit)."""
        if self.daily is None:
            return None
        share = self.remote_share if self.remote_share is not None else share_default
        return self.daily * share // 100

    def as_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "code": self.code, "daily": self.daily, "slot_minutes": self.slot_minutes,
                "per_slot": self.per_slot, "remote_share": self.remote_share}


def slot_of(minute: int, slot_minutes: int) -> str:
    """The time slot (its start, HH:MM) a local minute of the day falls in."""
    start = (minute // slot_minutes) * slot_minutes
    return f"{start // 60:02d}:{start % 60:02d}"


def targets_of(service: str | None, bundle: str | None) -> list[Target]:
    """What a ticket counts for: the hall, and its item or its bundle."""
    return [("hall", ""), ("bundle", bundle) if bundle else ("item", service or "")]


def take(db: Any, rules: Mapping[Target, QuotaRule], *, day: str, targets: Sequence[Target], minute: int,
         remote: bool, booking: bool, share_default: int) -> None:
    """Count one ticket (or booking) against every quota it falls under; QuotaExhausted leaves all as it was."""
    moves: list[tuple[Target, str]] = []
    for target in targets:
        rule = rules.get(target)
        used, remote_used, _ = store.usage(db, day, target[0], target[1], "")
        if rule is not None and rule.daily is not None and used >= rule.daily:
            raise QuotaExhausted(N_("the day's quota of {name} ({rule_daily}) is used up"),
                                 name=_name(target), rule_daily=rule.daily,
                                 scope=target[0], code=target[1], limit="daily")
        if rule is not None and remote:
            cap = rule.remote_limit(share_default)
            if cap is not None and remote_used >= cap:
                raise QuotaExhausted(N_("the remote share of {name} ({cap}) is used up"),
                                     name=_name(target), cap=cap,
                                     scope=target[0], code=target[1], limit="remote")
        moves.append((target, ""))
        if rule is not None and rule.slot_minutes and rule.per_slot is not None:
            slot = slot_of(minute, rule.slot_minutes)
            slot_used = store.usage(db, day, target[0], target[1], slot)[0]
            if slot_used >= rule.per_slot:
                raise QuotaExhausted(N_("the quota of {name} for the slot from {slot} ({rule_per_slot}) is used up"),
                                     name=_name(target), rule_per_slot=rule.per_slot, scope=target[0], code=target[1],
                                     limit="slot", slot=slot)
            moves.append((target, slot))
    for (scope, code), slot in moves:
        store.bump(db, day, scope, code, slot, used=1, remote=int(remote), booked=int(booking))


def release(db: Any, rules: Mapping[Target, QuotaRule], *, day: str, targets: Sequence[Target],
            minute: int) -> None:
    """Give back what a cancelled booking took (its day and, where a slot rule exists, its slot)."""
    for target in targets:
        store.bump(db, day, target[0], target[1], "", used=-1, remote=0, booked=-1)
        rule = rules.get(target)
        if rule is not None and rule.slot_minutes and rule.per_slot is not None:
            store.bump(db, day, target[0], target[1], slot_of(minute, rule.slot_minutes), used=-1, remote=0,
                       booked=-1)


def _name(target: Target) -> str:
    return "the hall" if target[0] == "hall" else f"{target[0]} {target[1]}"


#: The quota's fields as the console names them in a refusal.
FIELD_LABELS = {"daily": N_("tickets a day"), "slot_minutes": N_("time slot (min)"), "per_slot": N_("tickets per slot"),
                "remote_share": N_("remote share (per cent)")}


def _limit(value: Any, name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(N_("{name}: empty or a whole number from {low} to {high}"), name=FIELD_LABELS[name],
                           low=low, high=high)
    return value


class QuotaBook:
    """Managers' quota rules (audited) and today's remaining quota."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock

    def rules(self) -> dict[Target, QuotaRule]:
        with self.storage.read() as db:
            return {(r["scope"], r["code"]): QuotaRule.from_row(r) for r in store.rules(db)}

    def save(self, actor: str, scope: str, code: str, data: dict[str, Any]) -> QuotaRule:
        """Set the quota of the hall (code ''), an item or a bundle; the change is audited."""
        unknown = sorted(set(data) - {"daily", "slot_minutes", "per_slot", "remote_share"})
        if unknown:
            raise InvalidInput(N_("unknown field(s): {fields}; known: daily, slot_minutes, per_slot, remote_share"),
                               fields=', '.join(unknown))
        if scope not in SCOPES:
            raise InvalidInput(N_("scope must be one of {choices}"), choices=', '.join(SCOPES))
        rule = QuotaRule(scope, "" if scope == "hall" else code, _limit(data.get("daily"), "daily", 0, MAX_QUOTA),
                         _limit(data.get("slot_minutes"), "slot_minutes", 5, 720),
                         _limit(data.get("per_slot"), "per_slot", 0, MAX_QUOTA),
                         _limit(data.get("remote_share"), "remote_share", 0, 100))
        if (rule.slot_minutes is None) != (rule.per_slot is None):
            raise InvalidInput(N_("A quota per time slot needs both the time slot and the tickets per slot."))
        with self.storage.write() as db:
            if scope == "item" and repo.service_item(db, code) is None:
                raise UnknownService(N_("unknown service item {code!r}"), code=code)
            if scope == "bundle" and repo.bundle(db, code) is None:
                raise UnknownService(N_("unknown bundle {code!r}"), code=code)
            before = store.rule(db, rule.scope, rule.code)
            store.save_rule(db, {**rule.as_dict(), "updated_at": self.clock.now(), "updated_by": actor})
            audit.record(db, self.clock, actor, "quota.update", _audit_target(rule.scope, rule.code),
                         _audited(before), _audited(rule.as_dict()))
        return rule

    def delete(self, actor: str, scope: str, code: str) -> None:
        """Take a quota away (the service is no longer limited); audited."""
        code = "" if scope == "hall" else code
        with self.storage.write() as db:
            before = store.rule(db, scope, code)
            if before is None:
                raise InvalidInput(f"there is no quota for {scope} {code!r}".replace(" ''", ""))
            store.delete_rule(db, scope, code)
            audit.record(db, self.clock, actor, "quota.delete", _audit_target(scope, code), _audited(before), None)

    def remaining(self, day: str, now_minute: int, share_default: int,
                  names: Mapping[Target, str]) -> list[dict[str, Any]]:
        """Each rule with what *day* used and what is left (the current slot's too): for managers."""
        with self.storage.read() as db:
            rules = [QuotaRule.from_row(r) for r in store.rules(db)]
            usage = {(r["scope"], r["code"], r["slot"]): r for r in store.day_usage(db, day)}
        rows = []
        for rule in rules:
            day_row = usage.get((rule.scope, rule.code, ""), {})
            used, remote, booked = (int(day_row.get(k, 0)) for k in ("used", "remote", "booked"))
            remote_cap = rule.remote_limit(share_default)
            entry: dict[str, Any] = {
                **rule.as_dict(), "name": names.get((rule.scope, rule.code), rule.code), "used": used,
                "remote_used": remote, "booked": booked,
                "remaining": None if rule.daily is None else max(rule.daily - used, 0),
                "remote_limit": remote_cap,
                "remote_remaining": None if remote_cap is None or rule.daily is None else
                max(min(remote_cap - remote, rule.daily - used), 0),
                "slot": None}
            if rule.slot_minutes and rule.per_slot is not None:
                slot = slot_of(now_minute, rule.slot_minutes)
                slot_used = int(usage.get((rule.scope, rule.code, slot), {}).get("used", 0))
                entry["slot"] = {"start": slot, "used": slot_used, "remaining": max(rule.per_slot - slot_used, 0)}
            rows.append(entry)
        return rows


def local_minute(at: float, tz: Any) -> int:
    """Minutes after local midnight of the hall."""
    local = datetime.fromtimestamp(at, tz)
    return local.hour * 60 + local.minute


def rules_of(rows: Iterable[Mapping[str, Any]]) -> dict[Target, QuotaRule]:
    return {(r["scope"], r["code"]): QuotaRule.from_row(r) for r in rows}


def _audit_target(scope: str, code: str) -> str:
    """The audit log's target: "hall", or the item's or bundle's code (the action names the quota)."""
    return "hall" if scope == "hall" else code


def _audited(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: row[k] for k in ("daily", "slot_minutes", "per_slot", "remote_share") if k in row}
