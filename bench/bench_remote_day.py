"""A simulated day with remote tickets: 30 % of the citizens queue from their phone, through the real hall service.

Service hours 9:00–12:00 and 13:30–17:00, a daily quota for the hall with a 30 % remote share, eight counters.
Walk-ins arrive at the kiosk over the sessions (a morning crowd), remote citizens take their ticket on the phone
between 7:30 and 15:30 (refused before the opening and at lunch, they try again when the hall opens). A remote
citizen sets off when the people ahead are about as many as the counters serve during the way (three in four judge
it well, the others leave at half of it; the way takes 10 to 45 minutes), and confirms arrival on reaching the
hall; one in ten never comes. When
"your turn is near" (3 ahead) finds a remote citizen still far away, they ask for more time (once). A counter that
calls a remote ticket whose holder has not arrived waits for them — or, after the grace, the sweeper records the
no-show and the counter calls next.

It prints what was issued and refused for each channel, whether any walk-in was refused while the day's quota
lasted (it must not be), how many remote tickets became no-shows, the waits, and the cost of the admission check
at the start and at the end of the day (it must not grow).

    python -m bench.bench_remote_day [--citizens 1000] [--remote 0.3] [--quota 750] [--counters 8] [--seed 11]
                                     [--grace-minutes 5 10] [--more-time-places 5 15]

Two days by default: the hall's defaults (no-show after 5 minutes, more time 5 places) and a more patient hall.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import percentile
from hall.admission import Admission, OutsideServiceHours, RulesWatch
from hall.config import HallSettings
from hall.contacts import Contacts
from hall.demo import catalogue_document, load_catalogue
from hall.domain.clock import FixedClock
from hall.domain.events import EventBus
from hall.domain.routing import make_policy
from hall.domain.states import TicketState
from hall.hours import OpeningHours
from hall.notices.book import Notices
from hall.phone_config import PhoneSettings
from hall.quotas import QuotaBook, QuotaExhausted
from hall.remote import ArrivalCodes, MoreTimeRefused, RemoteQueue
from hall.service import HallService
from hall.storage import contacts as contact_store
from hall.storage import open_storage, repo  # noqa: F401 (repo: counters opened below)

TZ = ZoneInfo("Asia/Shanghai")
DAY = (2026, 3, 4)  # a Wednesday
SERVICES = ["A01", "A02", "B01", "B06", "C08", "D01", "E01", "E02", "E05", "F01"]
SESSIONS = ((9 * 60, 12 * 60), (13 * 60 + 30, 17 * 60))
#: Relative walk-in arrivals per half hour of the sessions (a morning crowd, a smaller afternoon bump).
PROFILE = [3.0, 3.0, 2.4, 1.8, 1.4, 1.0, 1.6, 1.5, 1.3, 1.0, 0.8, 0.6, 0.4]
AHEAD_NOTICE = 3
WALK_SECONDS = 30.0


def at(minute: float) -> float:
    return datetime(*DAY, tzinfo=TZ).timestamp() + minute * 60


def session_minute(rng: random.Random) -> float:
    """A walk-in's arrival: a half hour of the sessions by PROFILE, then a moment in it."""
    halves = [(s + 30 * k) for s, e in SESSIONS for k in range((e - s) // 30)]
    return rng.choices(halves, weights=PROFILE[:len(halves)])[0] + rng.random() * 30


@dataclass
class Citizen:
    """One remote citizen: when they take their ticket, how long the way is, whether they come at all."""

    index: int
    wants_at: float
    travel: float
    comes: bool
    leaves_at_ahead: int = 0
    ticket: int | None = None
    token: str = ""
    contact: int = 0
    sets_off: float | None = None
    moved: bool = False
    arrived: bool = False


class Day:
    """The simulation: events on a heap, the hall service on a settable clock."""

    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.clock = FixedClock(at(7 * 60))
        self.storage = open_storage(folder / "remote-day.db")
        self.storage.conn.execute("PRAGMA synchronous = NORMAL")  # simulated time: the disk is not measured here
        load_catalogue(self.storage, catalogue_document(), self.clock.now(), counters=args.counters)
        with self.storage.write() as db:  # every counter staffed all day
            for number in range(1, args.counters + 1):
                repo.update_counter(db, number, state="open", state_since=self.clock.now())
        self.service = HallService(self.storage, HallSettings(), make_policy("one-window", 1800), self.clock,
                                   EventBus())
        self.grace = args.grace_minutes * 60
        phone = PhoneSettings(remote_share_percent=args.share, no_show_after_seconds=self.grace,
                              more_time_places=args.more_time_places)
        watch = RulesWatch(OpeningHours(enforce=True), phone)
        self.service.admission = Admission(watch, lambda: self.service.hall)
        QuotaBook(self.storage, self.clock).save("bench", "hall", "", {"daily": args.quota})
        contacts = Contacts(self.storage, self.clock, b"bench-key" * 4, lambda: phone)
        notices = Notices(self.service, contacts, lambda: phone, sms_kinds=frozenset(), per_number_per_day=20)
        self.codes = ArrivalCodes(b"arrival-key" * 3)
        self.remote = RemoteQueue(self.service, watch, contacts, notices, self.codes)
        self.events: list[tuple[float, int, str, object]] = []
        self.order = 0
        self.idle = set(range(1, args.counters + 1))
        self.waiting_for: dict[int, int] = {}  # counter → remote ticket it called and waits for
        self.figures = {k: 0 for k in ("walk_in_issued", "walk_in_refused_quota_lasting", "walk_in_refused_full",
                                       "walk_in_refused_hours", "remote_issued", "remote_refused_share",
                                       "remote_refused_full", "remote_retries_hours", "remote_to_kiosk",
                                       "remote_no_shows", "remote_more_time", "remote_waited_for")}
        self.admission_costs: list[float] = []
        self.citizens: dict[int, Citizen] = {}
        check = self.service.admission

        def timed(db: object, request: object) -> None:  # the admission check alone, timed
            started = time.perf_counter()
            try:
                check(db, request)  # type: ignore[misc]
            finally:
                self.admission_costs.append(time.perf_counter() - started)

        self.service.admission = timed

    def push(self, when: float, kind: str, what: object = None) -> None:
        heapq.heappush(self.events, (when, self.order, kind, what))
        self.order += 1

    # ---- citizens -------------------------------------------------------------------------------

    def plan(self) -> None:
        args = self.args
        remote = round(args.citizens * args.remote)
        for _ in range(args.citizens - remote):
            self.push(at(session_minute(self.rng) - (15 if self.rng.random() < 0.05 else 0)), "walk_in")
        per_person = args.service_minutes * 60 / args.counters  # one more person served every … seconds
        for index in range(remote):
            citizen = Citizen(index, at(7.5 * 60 + self.rng.random() * 8 * 60), self.rng.uniform(10, 45) * 60,
                              self.rng.random() >= 0.1)
            wise = math.ceil(citizen.travel / per_person) + 3
            citizen.leaves_at_ahead = wise if self.rng.random() < 0.75 else wise // 2
            self.citizens[index] = citizen
            self.push(citizen.wants_at, "remote", citizen)

    def walk_in(self, now: float, retry: bool = False) -> None:
        try:
            self.service.issue_ticket(service=self.rng.choice(SERVICES))
            self.figures["walk_in_issued"] += 1
            self.call_idle(now)
        except OutsideServiceHours as refused:
            self.figures["walk_in_refused_hours"] += 1
            if not retry:  # they wait for the opening in the hall
                self.push(datetime.fromisoformat(refused.details["next_opening"]).timestamp() + 30, "walk_in_retry")
        except QuotaExhausted:
            used = self.used()
            key = "walk_in_refused_full" if used >= self.args.quota else "walk_in_refused_quota_lasting"
            self.figures[key] += 1

    def used(self) -> int:
        with self.storage.read() as db:
            row = db.execute("SELECT used FROM quota_usage WHERE service_day = ? AND scope = 'hall' AND slot = ''",
                             [self.service.today()]).fetchone()
        return int(row[0]) if row else 0

    def take_remote(self, now: float, citizen: Citizen) -> None:
        if not citizen.contact:
            with self.storage.write() as db:
                citizen.contact = contact_store.insert_contact(db, {
                    "phone": f"139{citizen.index:08d}", "phone_hash": f"bench-{citizen.index}",
                    "phone_masked": "139****0000", "created_at": now, "verified_at": now, "needed_until": now})
        try:
            ticket = self.remote.take(citizen.contact, service=self.rng.choice(SERVICES), bundle=None)
        except OutsideServiceHours as refused:
            self.figures["remote_retries_hours"] += 1
            self.push(datetime.fromisoformat(refused.details["next_opening"]).timestamp()
                      + self.rng.uniform(0, 20) * 60, "remote", citizen)
            return
        except QuotaExhausted as refused:
            full = refused.details.get("limit") != "remote"
            self.figures["remote_refused_full" if full else "remote_refused_share"] += 1
            if not full and citizen.comes and self.rng.random() < 0.5:  # they come and take one at the kiosk
                self.figures["remote_to_kiosk"] += 1
                self.push(now + citizen.travel, "walk_in")
            return
        self.figures["remote_issued"] += 1
        citizen.ticket, citizen.token = ticket.id, ticket.token
        self.follow_remote(now)
        self.call_idle(now)

    def arrive(self, now: float, citizen: Citizen) -> None:
        ticket = self.service.ticket(citizen.ticket)
        if ticket.state not in (TicketState.WAITING, TicketState.CALLED):
            return  # missed already
        self.remote.arrive(citizen.token, self.codes.code(now))
        citizen.arrived = True
        counter = next((c for c, t in self.waiting_for.items() if t == citizen.ticket), None)
        if counter is not None:  # the counter that called them waited: serving starts now
            del self.waiting_for[counter]
            self.figures["remote_waited_for"] += 1
            self.push(now + WALK_SECONDS, "start", counter)

    def follow_remote(self, now: float) -> None:
        """What remote citizens do as the queue moves: set off at their number of people ahead; told "your turn is
        near" while still far away, ask for more time (once)."""
        away = [c for c in self.citizens.values() if c.ticket and not c.arrived and (not c.moved or c.sets_off is None)]
        if not away:
            return
        ahead = self.service.people_ahead_of([c.ticket for c in away])
        for citizen in away:
            left = ahead.get(citizen.ticket)
            if left is None:
                continue
            if citizen.sets_off is None and left <= citizen.leaves_at_ahead:
                citizen.sets_off = now
                if citizen.comes:
                    self.push(now + citizen.travel, "arrive", citizen)
            if citizen.moved or left > AHEAD_NOTICE:
                continue
            eta = citizen.sets_off + citizen.travel if citizen.comes and citizen.sets_off is not None else math.inf
            if eta - now > 10 * 60 and self.rng.random() < 0.8:
                try:
                    self.remote.more_time(citizen.token)
                    self.figures["remote_more_time"] += 1
                except MoreTimeRefused:
                    pass
            citizen.moved = True  # told once; whatever they did, they are not asked again

    # ---- counters -------------------------------------------------------------------------------

    def call_idle(self, now: float) -> None:
        for counter in sorted(self.idle):
            self.push(now, "call", counter)
        self.idle.clear()

    def call(self, now: float, counter: int) -> None:
        ticket = self.service.call_next(counter, None)
        if ticket is None:
            self.idle.add(counter)
            return
        if ticket.remote and not ticket.arrived:
            self.waiting_for[counter] = ticket.id
            self.push(now + self.grace + 1, "sweep", (counter, ticket.id))
        else:
            self.push(now + WALK_SECONDS, "start", counter)
        self.follow_remote(now)

    def sweep(self, now: float, waited: tuple[int, int]) -> None:
        """The grace of the ticket *waited* = (counter, ticket) is over: the sweeper runs, the counter calls next."""
        self.remote.sweep_no_shows()
        counter, ticket_id = waited
        if self.waiting_for.get(counter) == ticket_id:
            del self.waiting_for[counter]
            self.push(now, "call", counter)

    def run(self) -> dict[str, float]:
        self.plan()
        sigma = 0.5
        mu = math.log(self.args.service_minutes * 60) - sigma ** 2 / 2
        wall = time.perf_counter()
        while self.events:
            now, _, kind, what = heapq.heappop(self.events)
            self.clock.set(now)
            if kind == "walk_in":
                self.walk_in(now)
            elif kind == "walk_in_retry":
                self.walk_in(now, retry=True)
            elif kind == "remote":
                self.take_remote(now, what)  # type: ignore[arg-type]
            elif kind == "arrive":
                self.arrive(now, what)  # type: ignore[arg-type]
            elif kind == "call":
                self.call(now, what)  # type: ignore[arg-type]
            elif kind == "sweep":
                self.sweep(now, what)  # type: ignore[arg-type]
            elif kind == "start":
                self.service.start(what, None)  # type: ignore[arg-type]
                self.push(now + self.rng.lognormvariate(mu, sigma), "finish", what)
            elif kind == "finish":
                self.service.finish(what, None)  # type: ignore[arg-type]
                if now < at(17 * 60 + 60):
                    self.push(now, "call", what)
        return {**self.figures, "wall": time.perf_counter() - wall}

    def waits(self) -> dict[str, list[float]]:
        with self.storage.read() as db:
            rows = db.execute("SELECT channel, issued_at, first_called_at FROM tickets "
                              "WHERE first_called_at IS NOT NULL")
            out: dict[str, list[float]] = {"walk_in": [], "remote": []}
            for r in rows:
                out[r["channel"]].append((r["first_called_at"] - r["issued_at"]) / 60)
            waiting = db.execute("SELECT count(*) FROM tickets WHERE state = 'waiting'").fetchone()[0]
            missed = db.execute("SELECT count(*) FROM tickets WHERE channel = 'remote' "
                                "AND state = 'no_show'").fetchone()[0]
        out["left_waiting"] = [float(waiting)]
        self.figures["remote_no_shows"] = int(missed)
        return out


def report(args: argparse.Namespace) -> int:
    """Simulate one day with *args*; print its figures; the number of walk-ins refused while the quota lasted."""
    with tempfile.TemporaryDirectory(prefix="onewindow-remote-day-") as folder:
        day = Day(args, Path(folder))
        figures = day.run()
        waits = day.waits()
        day.storage.close()
    remote_cap = args.quota * args.share // 100
    costs = day.admission_costs
    first, last = costs[:100], costs[-100:]
    f = day.figures
    print(f"-- no-show after {args.grace_minutes} min, more time moves back {args.more_time_places} places --")
    print(f"walk-ins: tickets issued          {f['walk_in_issued']:>6}")
    print(f"walk-ins: refused while the day's quota lasted {f['walk_in_refused_quota_lasting']:>3}   (must be 0)")
    print(f"walk-ins: refused, quota used up  {f['walk_in_refused_full']:>6}")
    print(f"walk-ins: refused before the opening (came again at 9:00) {f['walk_in_refused_hours']:>3}")
    print(f"remote:   tickets issued          {f['remote_issued']:>6}   (the remote share: {remote_cap})")
    print(f"remote:   refused, remote share used up {f['remote_refused_share']:>4}   "
          f"(of whom {f['remote_to_kiosk']} came to the kiosk instead)")
    print(f"remote:   refused, quota used up  {f['remote_refused_full']:>6}")
    print(f"remote:   tried outside the hours, tried again at the opening {f['remote_retries_hours']:>3}")
    print(f"remote:   asked for more time     {f['remote_more_time']:>6}")
    print(f"remote:   no-shows (called, not confirmed in time) {f['remote_no_shows']:>4}   "
          f"({f['remote_no_shows'] / max(f['remote_issued'], 1):.1%} of remote tickets; one in ten never sets off)")
    print(f"remote:   called before arriving, the counter waited for them {f['remote_waited_for']:>3}")
    for channel in ("walk_in", "remote"):
        values = waits[channel]
        if values:
            print(f"wait {channel:<8} mean {sum(values) / len(values):>6.1f} min, "
                  f"p90 {percentile(values, 0.9):>6.1f} min "
                  f"({len(values)} called)")
    print(f"still waiting when the day ended {int(waits['left_waiting'][0]):>6}")
    print(f"admission check (hours, quotas): {len(costs)} checks, first 100 {sum(first) / len(first) * 1000:.3f} ms, "
          f"last 100 {sum(last) / len(last) * 1000:.3f} ms (mean)")
    print(f"simulation took {figures['wall']:.1f} s of wall time", flush=True)
    return int(f["walk_in_refused_quota_lasting"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=1000)
    parser.add_argument("--remote", type=float, default=0.3, help="share of citizens who queue from the phone")
    parser.add_argument("--quota", type=int, default=750, help="the hall's daily quota")
    parser.add_argument("--share", type=int, default=30, help="remote share of the quota, per cent")
    parser.add_argument("--counters", type=int, default=8)
    parser.add_argument("--service-minutes", type=float, default=3.5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--grace-minutes", type=int, nargs="+", default=[5, 10],
                        help="no-show after this long (one day simulated per value)")
    parser.add_argument("--more-time-places", type=int, nargs="+", default=[5, 15])
    args = parser.parse_args(argv)
    print(f"simulating {args.citizens} citizens ({args.remote:.0%} remote), quota {args.quota} "
          f"({args.share} % remote), {args.counters} counters, mean service {args.service_minutes} min ...",
          file=sys.stderr, flush=True)
    refused = 0
    if len(args.grace_minutes) != len(args.more_time_places):
        parser.error("give as many --more-time-places as --grace-minutes")
    for grace, places in zip(args.grace_minutes, args.more_time_places, strict=True):
        refused += report(argparse.Namespace(**{**vars(args), "grace_minutes": grace, "more_time_places": places}))
    return 0 if refused == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
