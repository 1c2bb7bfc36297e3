"""/kiosk: what a kiosk page hears live — its printer's state, its tickets' print results, cards swiped on it.

Every kiosk page joins its kiosk's room: ``kiosk-<id>`` when it is public, ``kiosk-<id>-device`` when
it was opened with the kiosk's device token (``onewindow device add kiosk --kiosk <id>``). Both rooms
get ``printer`` (the state of the kiosk's printer, whether attached to the server or to the kiosk
PC's agent) and ``print_update`` (a ticket's print result); only the device room gets ``card_swiped``
— the masked name and the swipe's token — so nothing of an ID card reaches a public client.

``KioskWatch`` runs in every server process: printer states written here are sent at once, those
written by another process within ``CHECK_SECONDS``; swipes and print results come from the event
log, so a page hears of them whichever process the agent or the printer is connected to.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from hall.devices import printer_name, routed_printers
from hall.devices.idcards import SWIPED, reader_name
from hall.domain import events as ev
from hall.periodic import PeriodicTask
from hall.storage import agents as card_store
from hall.web.context import HallContext

logger = logging.getLogger(__name__)

KIOSK = "/kiosk"
EXTENSION = "onewindow_kiosks"
CHECK_SECONDS = 1.0
PRINT_RESULTS = ("printed", "print_failed", "print_queued")


def kiosk_room(kiosk: str, *, device: bool) -> str:
    return f"kiosk-{kiosk}-device" if device else f"kiosk-{kiosk}"


def printer_state(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A printer's state as a kiosk page shows it."""
    if row is None:
        return None
    return {"device": row["device"], "state": row["state"], "message": row["message"], "since": row["since"]}


class KioskWatch:
    """Tells this process's kiosk pages of their printers, their tickets' prints and the cards swiped."""

    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx
        self.printers = routed_printers(ctx.config)
        self._checked = ctx.service.clock.now()
        self._lock = threading.Lock()
        self._task: PeriodicTask | None = None
        self._closers: list[Callable[[], None]] = []

    def printer_of(self, kiosk: str) -> str:
        return printer_name(kiosk, self.printers)

    def snapshot(self, kiosk: str, *, device: bool) -> dict[str, Any]:
        """What a kiosk page starts from."""
        status = self.ctx.device_status
        reader = status.state_of(reader_name(kiosk)) if device else None
        swipe = None
        if device:  # a card laid on the reader while the page was loading is not missed
            with self.ctx.storage.read() as db:
                row = card_store.latest_swipe(db, kiosk, self.ctx.service.clock.now())
            swipe = self._swipe_message(row) if row else None
        return {"kiosk": kiosk, "printer": printer_state(status.state_of(self.printer_of(kiosk))),
                "reader": printer_state(reader), "cards": device, "swipe": swipe,
                "give_up_seconds": self.ctx.config.printing.give_up_seconds}

    def _swipe_message(self, swipe: dict[str, Any]) -> dict[str, Any]:
        left = max(0.0, swipe["expires_at"] - self.ctx.service.clock.now())
        return {"swipe": swipe["token"], "name": swipe["name_masked"], "expires_in": round(left)}

    def start(self) -> Callable[[], None]:
        self._closers.append(self.ctx.bus.subscribe(self.on_event))
        self._closers.append(self.ctx.device_status.subscribe(lambda device, row: self._device_changed([row])))
        self._task = PeriodicTask("kiosk-watch", CHECK_SECONDS, self.check_others).start()
        return self.close

    def close(self) -> None:
        if self._task is not None:
            self._task.close()
        while self._closers:
            self._closers.pop()()

    # ---- rooms ---------------------------------------------------------------------------------

    def _kiosks_present(self) -> set[str]:
        live = self.ctx.live
        if live is None:
            return set()
        kiosks = set()
        for room in live.presence.rooms(KIOSK):
            kiosks.add(room[len("kiosk-"):].removesuffix("-device"))
        return kiosks

    def _push(self, kiosk: str, event: str, payload: dict[str, Any], *, public: bool = True) -> None:
        live = self.ctx.live
        if live is None:
            return
        rooms = [kiosk_room(kiosk, device=True)] + ([kiosk_room(kiosk, device=False)] if public else [])
        for room in rooms:
            if live.presence.count(KIOSK, room):
                live.push(event, payload, KIOSK, room)

    # ---- printer states ------------------------------------------------------------------------

    def check_others(self) -> None:
        """Printer states another process wrote (an agent connected there, the device owner)."""
        kiosks = self._kiosks_present()
        now = self.ctx.service.clock.now()
        with self._lock:
            since, self._checked = self._checked, now
        if kiosks:
            self._device_changed(self.ctx.device_status.changed_since(since - CHECK_SECONDS), kiosks)

    def _device_changed(self, rows: list[dict[str, Any]], kiosks: set[str] | None = None) -> None:
        for kiosk in kiosks if kiosks is not None else self._kiosks_present():
            printer = self.printer_of(kiosk)
            for row in rows:
                if row["device"] == printer:
                    self._push(kiosk, "printer", {"printer": printer_state(row)})
                elif row["device"] == reader_name(kiosk):
                    self._push(kiosk, "reader", {"reader": printer_state(row)}, public=False)

    # ---- the log: print results and swipes ---------------------------------------------------------

    def on_event(self, event: ev.HallEvent) -> None:
        if not isinstance(event, ev.TicketNoted):
            return
        if event.kind == SWIPED:
            self._swiped(event)
        elif event.kind in PRINT_RESULTS:
            printer = str(event.data.get("printer") or "")
            ticket = event.ticket or {}
            update = {"ticket": ticket.get("id"), "number": ticket.get("number"), "result": event.kind,
                      "error": event.data.get("error"), "job": event.data.get("job")}
            for kiosk in self._kiosks_present():
                if self.printer_of(kiosk) == printer:
                    self._push(kiosk, "print_update", update)

    def _swiped(self, event: ev.TicketNoted) -> None:
        kiosk = str(event.data.get("kiosk") or "")
        if kiosk not in self._kiosks_present():
            return
        swipe_id = event.data.get("swipe")
        if not isinstance(swipe_id, int):
            self._push(kiosk, "card_swiped", {"swipe": None, "refused": event.data.get("refused") or "unreadable"},
                       public=False)
            return
        with self.ctx.storage.read() as db:
            swipe = card_store.swipe_by_id(db, swipe_id)
        if swipe is None or swipe["kiosk"] != kiosk:
            return
        self._push(kiosk, "card_swiped", self._swipe_message(swipe), public=False)


def install_kiosk_watch(app: Any) -> None:
    """Every server process watches for its kiosk pages (started with the process)."""
    def start(ctx: HallContext) -> Callable[[], None]:
        watch = KioskWatch(ctx)
        app.extensions[EXTENSION] = watch
        return watch.start()

    app.extensions.setdefault("onewindow_listeners", []).append(start)
