"""Managers add, rename, enable and retire counters, and their evaluator devices and LED strips; all audited.

A retired counter keeps its number and name for the history (reports, audit log) but leaves routing, the
lobby and every screen: ``repo.counters()`` and ``repo.counter()`` only return counters in service.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import audit
from .accounts import Accounts
from .domain.errors import N_, HallError, InvalidInput, UnknownCounter, UnknownDevice
from .domain.states import CounterState
from .service import HallService
from .storage import Storage, repo
from .storage import catalogue_admin as store

logger = logging.getLogger(__name__)

MAX_COUNTER = 999
#: Devices a manager attaches to a counter from the console.
COUNTER_DEVICE_KINDS = ("evaluator",)
_PORT = re.compile(r"^[\w./:@\-]{1,200}$")


class CounterInUse(HallError):
    """The counter cannot be retired now: it has a ticket in hand, or tickets wait for it alone."""

    status = 409
    code = "counter_in_use"


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 40:
        raise InvalidInput(N_("'name' must be text of 1 to 40 characters"))
    return value.strip()


def _led(value: Any) -> tuple[str | None, int | None]:
    """{"port": "/dev/ttyUSB0", "address": 3} or null (no strip)."""
    if value is None:
        return None, None
    if not isinstance(value, dict) or set(value) - {"port", "address"}:
        raise InvalidInput(N_("'led' must be {{\"port\": …, \"address\": 0-255}} or null"))
    port, address = value.get("port"), value.get("address", 1)
    if not isinstance(port, str) or not _PORT.match(port):
        raise InvalidInput(N_("'led.port' must be a serial port path or pyserial URL"))
    if not isinstance(address, int) or isinstance(address, bool) or not 0 <= address <= 255:
        raise InvalidInput(N_("'led.address' must be a whole number from 0 to 255"))
    return port, address


class CounterAdmin:
    """The hall's counters as managers configure them."""

    def __init__(self, storage: Storage, service: HallService, accounts: Accounts) -> None:
        self.storage = storage
        self.service = service
        self.accounts = accounts
        self.clock = service.clock

    def counters(self) -> list[dict[str, Any]]:
        """Every counter, retired ones too, with items, devices and LED strip."""
        with self.storage.read() as db:
            return [self._shown(r) for r in store.counter_rows(db)]

    @staticmethod
    def _shown(row: dict[str, Any]) -> dict[str, Any]:
        led = {"port": row["led_port"], "address": row["led_address"]} if row["led_port"] else None
        return {"number": row["number"], "name": row["name"], "active": bool(row["active"]),
                "retired_at": row["retired_at"], "state": row["state"], "staff": row["staff"],
                "dedicated_category": row["dedicated_category"], "items": row["items"], "led": led,
                "devices": row["devices"]}

    def _published(self, number: int, action: str) -> None:
        """Log the change: every process's live channel (lobby, console, the counter's screens) hears of it."""
        self.service.record_event("counter_configured", counter=None if action == "retire" else number,
                                  data={"number": number, "action": action})

    def add(self, actor: str, data: dict[str, Any]) -> dict[str, Any]:
        """A new counter, in service, authorised for *items* (default: every active item)."""
        unknown = sorted(set(data) - {"number", "name", "items", "dedicated_category", "led"})
        if unknown:
            raise InvalidInput(N_("unknown field(s): {fields}"), fields=', '.join(unknown))
        number = data.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= MAX_COUNTER:
            raise InvalidInput(N_("'number' must be a whole number from 1 to {max_counter}"), max_counter=MAX_COUNTER)
        name = _name(data.get("name", f"{number}号窗口"))
        port, address = _led(data.get("led"))
        with self.storage.write() as db:
            existing = store.counter_row(db, number)
            if existing is not None:
                raise InvalidInput(f"counter {number} already exists" + ("" if existing["active"] else
                                   " (retired): enable it again instead"))
            items = data.get("items")
            codes = ([r["code"] for r in store.item_rows(db) if r["active"]] if items is None
                     else self._items(db, items))
            category = data.get("dedicated_category")
            if category is not None and store.category_row(db, str(category)) is None:
                raise InvalidInput(N_("there is no category {category!r}"), category=category)
            self._check_led_free(db, number, port, address)
            repo.insert_counter(db, number, name, codes, self.clock.now(), dedicated_category=category)
            repo.update_counter(db, number, led_port=port, led_address=address)
            after = self._shown(store.counter_row(db, number) or {})
            audit.record(db, self.clock, actor, "counter.create", f"counter {number}", None,
                         {k: after[k] for k in ("name", "items", "led", "dedicated_category")})
        self._published(number, "created")
        return after

    @staticmethod
    def _items(db: Any, items: Any) -> list[str]:
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidInput(N_("'items' must be a list of service item codes"))
        known = {r["code"] for r in store.item_rows(db)}
        missing = [i for i in items if i not in known]
        if missing:
            raise InvalidInput(N_("unknown service item(s): {codes}"), codes=', '.join(missing))
        return sorted(set(items))

    @staticmethod
    def _check_led_free(db: Any, number: int, port: str | None, address: int | None) -> None:
        if port is None or address is None:
            return
        holder = store.led_holder(db, port, address)
        if holder not in (None, number):
            raise InvalidInput(N_("address {address} on {port} is the LED strip of counter {holder}"),
                               address=address, port=port, holder=holder)

    def update(self, actor: str, number: int, data: dict[str, Any]) -> dict[str, Any]:
        """Rename a counter, set its LED strip, retire it ("active": false) or enable it again ("active": true)."""
        unknown = sorted(set(data) - {"name", "active", "led"})
        if unknown:
            raise InvalidInput(N_("unknown field(s): {fields}"), fields=', '.join(unknown))
        if "active" in data and not isinstance(data["active"], bool):
            raise InvalidInput(N_("'active' must be true (in service) or false (retired)"))
        actions: list[str] = []
        with self.storage.write() as db:
            before_row = store.counter_row(db, number)
            if before_row is None:
                raise UnknownCounter(N_("there is no counter {number}"), number=number)
            before = self._shown(before_row)
            now = self.clock.now()
            values: dict[str, Any] = {}
            if "name" in data:
                values["name"] = _name(data["name"])
            if "led" in data:
                port, address = _led(data["led"])
                self._check_led_free(db, number, port, address)
                values.update(led_port=port, led_address=address)
            if "active" in data and data["active"] != before["active"]:
                if data["active"]:
                    if before_row["led_port"] and "led" not in data:
                        self._check_led_free(db, number, before_row["led_port"], before_row["led_address"])
                    values.update(active=1, retired_at=None, state=CounterState.CLOSED.value, state_since=now,
                                  staff=None)  # back in service: open once a clerk signs in there
                    actions.append("enable")
                else:
                    self._check_can_retire(db, number)
                    values.update(active=0, retired_at=now, state=CounterState.CLOSED.value, state_since=now,
                                  staff=None, pause_reason=None, current_ticket=None)
                    for device in before["devices"]:
                        store.revoke_device(db, device["id"])
                    actions.append("retire")
            if values:
                repo.update_counter(db, number, **values)
            after = self._shown(store.counter_row(db, number) or {})
            changed = {k for k in ("name", "led") if before[k] != after[k]}
            if changed:
                audit.record(db, self.clock, actor, "counter.update", f"counter {number}",
                             {k: before[k] for k in sorted(changed)}, {k: after[k] for k in sorted(changed)})
            for action in actions:
                audit.record(db, self.clock, actor, f"counter.{action}", f"counter {number}",
                             {"active": before["active"], "devices": [d["id"] for d in before["devices"]]},
                             {"active": after["active"], "devices": [d["id"] for d in after["devices"]]})
        if values:
            self._published(number, actions[-1] if actions else "updated")
        return after

    @staticmethod
    def _check_can_retire(db: Any, number: int) -> None:
        in_hand = store.ticket_in_hand(db, number)
        if in_hand:
            raise CounterInUse(N_("counter {number} has {in_hand} in hand; finish, transfer or hold it first"),
                               in_hand=in_hand,
                               number=in_hand)
        waiting = store.tickets_waiting_for(db, number)
        if waiting:
            raise CounterInUse(N_("ticket(s) {numbers} were transferred to counter {number} and wait for it; call or "
                                  "transfer them first"), numbers=', '.join(waiting), number=number, tickets=waiting)

    def add_device(self, actor: str, number: int, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """Register a device (an evaluator) for a counter in service; its token is returned once, never stored."""
        unknown = sorted(set(data) - {"kind", "name"})
        if unknown:
            raise InvalidInput(N_("unknown field(s): {fields}"), fields=', '.join(unknown))
        kind = data.get("kind", "evaluator")
        if kind not in COUNTER_DEVICE_KINDS:
            raise InvalidInput(N_("'kind' must be one of {choices}"), choices=', '.join(COUNTER_DEVICE_KINDS))
        name = _name(data.get("name") or f"{kind}-{number}")
        with self.storage.read() as db:
            if repo.counter(db, number) is None:
                raise UnknownCounter(N_("there is no counter {number} in service"), number=number)
        device, token = self.accounts.add_device(kind, counter=number, name=name)
        shown = {"id": device.id, "kind": device.kind, "counter": device.counter, "name": device.name}
        with self.storage.write() as db:
            audit.record(db, self.clock, actor, "device.create", f"counter {number}", None, shown)
        return shown, token

    def revoke_device(self, actor: str, number: int, device_id: int) -> dict[str, Any]:
        """Withdraw a counter's device: its token stops working at once."""
        with self.storage.write() as db:
            device = next((d for d in store.counter_devices(db, number) if d["id"] == device_id), None)
            if device is None:
                raise UnknownDevice(N_("counter {number} has no active device {device_id}"), number=number,
                                    device_id=device_id)
            store.revoke_device(db, device_id)
            audit.record(db, self.clock, actor, "device.revoke", f"counter {number}", device, None)
        return device
