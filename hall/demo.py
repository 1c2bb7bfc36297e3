"""The demo hall: the catalogue of real social-security business, five counters, staff and devices."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .accounts import Accounts
from .domain.clock import Clock
from .domain.models import Bundle, Category, Localised, ServiceItem
from .storage import Storage, catalogue_admin, repo
from .storage import appointments as appointment_store

logger = logging.getLogger(__name__)

DEMO_COUNTERS = 5
DEMO_STAFF = (
    # username, display name, roles, counter, password
    ("clerk1", "综合柜员 1", ["clerk"], 1, "clerk1-demo"),
    ("clerk2", "综合柜员 2", ["clerk"], 2, "clerk2-demo"),
    ("clerk3", "综合柜员 3", ["clerk"], 3, "clerk3-demo"),
    ("clerk4", "综合柜员 4", ["clerk"], 4, "clerk4-demo"),
    ("clerk5", "综合柜员 5", ["clerk"], 5, "clerk5-demo"),
    # 受办分离: whoever reviews a case may not approve it, so the back office needs two people.
    ("review", "后台复审", ["backoffice"], None, "review-demo"),
    ("approve", "后台审批", ["backoffice"], None, "approve-demo"),
    ("manager", "大厅主任", ["manager"], None, "manager-demo"),
    ("admin", "系统管理员", ["admin"], None, "admin-demo"),
)


#: Online booking plans of the demo: (scope, code, slot minutes, bookings per slot).
DEMO_PLANS = (("item", "B03", 30, 2), ("item", "E01", 30, 4), ("bundle", "P07", 60, 2))


@dataclass(frozen=True)
class DemoHall:
    """What `serve --demo` prints: the logins, the evaluator tokens and the lobby's arrival screen token."""

    staff: tuple[tuple[str, str, str], ...]
    evaluator_tokens: dict[int, str]
    arrival_token: str | None = None


def catalogue_document() -> dict:
    return json.loads(resources.files("hall").joinpath("demo_catalogue.json").read_text(encoding="utf-8"))


def load_catalogue(storage: Storage, document: dict, at: float, counters: int = DEMO_COUNTERS) -> None:
    """Fill an empty database with *document*'s catalogue and *counters* counters authorised for everything."""
    with storage.write() as db:
        for c in document["categories"]:
            repo.insert_category(db, Category(c["code"], c["letter"], Localised(**c["name"]), c.get("position", 0)))
        for position, i in enumerate(document["items"]):
            repo.insert_item(db, ServiceItem(
                code=i["code"], category=i["category"], name=Localised(**i["name"]), kind=i["kind"],
                time_limit_days=i.get("time_limit_days", 0), avg_service_minutes=i.get("avg_service_minutes", 8),
                guide=i.get("guide", {})), position)
        for b in document["bundles"]:
            repo.insert_bundle(db, Bundle(b["code"], Localised(**b["name"]), tuple(b["items"]), b.get("summary", {})))
        for kind, entries in (("item", document["items"]), ("bundle", document["bundles"])):
            for entry in entries:
                if entry.get("aliases"):
                    catalogue_admin.set_aliases(db, kind, entry["code"], entry["aliases"])
        items = [i["code"] for i in document["items"]]
        for number in range(1, counters + 1):
            repo.insert_counter(db, number, f"{number}号窗口", items, at)
        repo.set_setting(db, "notices", document.get("notices", {}))


def install_demo(storage: Storage, accounts: Accounts, clock: Clock, instance: Path) -> DemoHall | None:
    """Install the demo hall into an empty database; None when the database already has a catalogue."""
    with storage.read() as db:
        if not repo.is_empty(db):
            return None
    load_catalogue(storage, catalogue_document(), clock.now())
    for username, display, roles, counter, password in DEMO_STAFF:
        accounts.add_staff(username, password, roles, display_name=display, counter=counter, policy=False)
    tokens = {}
    for number in range(1, DEMO_COUNTERS + 1):
        _, tokens[number] = accounts.add_device("evaluator", counter=number, name=f"evaluator-{number}")
    _, arrival = accounts.add_device("lobby", name="arrival-screen")
    with storage.write() as db:
        for scope, code, minutes, capacity in DEMO_PLANS:
            appointment_store.save_plan(db, {"scope": scope, "code": code, "slot_minutes": minutes,
                                             "capacity": capacity, "min_lead_minutes": 30, "max_days_ahead": 14,
                                             "active": 1, "updated_at": clock.now(), "updated_by": "demo"})
    path = instance / "demo_devices.json"
    path.write_text(json.dumps({"evaluators": tokens, "arrival": arrival}, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return demo_hall(instance)


def banner_lines(base: str, hall_name: str, db_path: Path, demo: DemoHall | None) -> list[str]:
    """What `serve --demo` prints: every screen's address, the demo logins and one evaluator link per counter."""
    lines = [f"OneWindow demo hall: {hall_name}", f"  database      {db_path}",
             f"  kiosk         {base}/kiosk", f"  counter       {base}/counter?counter=1   (log in as clerk1)",
             f"  lobby         {base}/lobby",
             f"  counter screen {base}/screen/counter/1   (one per counter: /screen/counter/<n>)",
             f"  citizen screen {base}/screen/citizen/1   (one per counter: /screen/citizen/<n>)",
             f"  console       {base}/console   (log in as manager)",
             f"  appointments  {base}/console/appointments   (log in as manager)",
             f"  back office   {base}/console/cases   (review, then approve as another back-office user)",
             f"  phone         {base}/phone   (remote tickets and bookings; its poster QR: {base}/console/poster)",
             f"  hours, quotas {base}/console/hours   (service hours, open early, 限号)"]
    if demo:
        if demo.arrival_token:
            lines.append(f"  arrival       {base}/phone/arrival?token={demo.arrival_token}   (the lobby's arrival QR)")
        for number, token in sorted(demo.evaluator_tokens.items()):
            lines.append(f"  evaluator     {base}/evaluator?token={token}   (counter {number})")
        lines.append("  logins (username / password / roles):")
        lines += [f"    {u} / {p} / {r}" for u, p, r in demo.staff]
    return lines


def demo_hall(instance: Path) -> DemoHall | None:
    """The demo logins and tokens recorded when the demo was installed into this instance."""
    path = instance / "demo_devices.json"
    if not path.exists():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    tokens = {int(k): v for k, v in saved["evaluators"].items()}
    return DemoHall(tuple((u, p, ",".join(r)) for u, _, r, _, p in DEMO_STAFF), tokens, saved.get("arrival"))
