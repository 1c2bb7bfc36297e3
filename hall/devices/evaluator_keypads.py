"""Serial five-key evaluators wired to the hall: a finished case lights its counter's keys, a key records the rating.

No Flask here: the device owner starts this and subscribes ``on_event`` to the bus. Serial writes and
ratings run on one worker thread — never on the port's reader thread, nor on the thread that published
the hall event: a key press is answered (accepted or refused) once the rating is recorded.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from drivers import evaluator_keypad as proto
from drivers.evaluator_keypad import EvaluatorKeypadBus

from ..accounts import hash_token, new_device_token
from ..commands import Actor, Commands
from ..domain import events as ev
from ..domain.errors import AlreadyRated, HallError, RatingClosed
from ..periodic import JobThread
from ..service import HallService
from ..storage import ratings as rating_store
from ..storage import repo

logger = logging.getLogger(__name__)

StatusSetter = Callable[[str, str, str], None]


class EvaluatorLine(Protocol):
    """What the evaluator service needs of a line: ``EvaluatorKeypadBus``, or one on an agent."""

    url: str

    @property
    def counters(self) -> list[int]: ...

    def start(self) -> None: ...

    def close(self) -> None: ...

    def prompt(self, counter: int, number: str, window_seconds: float) -> bool: ...

    def idle(self, counter: int) -> bool: ...

    def answer(self, counter: int, command: int, value: int) -> bool: ...


#: Builds a line: (port, {address: counter}, on_key, on_status, on_hello).
LineFactory = Callable[[str, dict[int, int], Callable[[int, int], Any], Callable[[str, str, str], None],
                        Callable[[int], None]], EvaluatorLine]


def _serial_line(port: str, counters: dict[int, int], on_key: Callable[[int, int], Any],
                 on_status: Callable[[str, str, str], None], on_hello: Callable[[int], None]) -> EvaluatorLine:
    return EvaluatorKeypadBus(port, counters, on_key, on_status, on_hello=on_hello)


def keypad_device_id(service: HallService, counter: int, name: str) -> int:
    """The evaluator device row a serial keypad rates as; registered once, with a token nobody holds."""
    with service.storage.write() as db:
        row = rating_store.evaluator_device(db, counter, name)
        if row is not None:
            return int(row["id"])
        return repo.insert_device(db, {"kind": "evaluator", "counter": counter, "name": name,
                                       "token_hash": hash_token(new_device_token()),
                                       "created_at": service.clock.now(), "active": 1})


class EvaluatorKeypads:
    """The [[evaluator_keypads]] lines: one reader thread per port, one writer thread for prompts."""

    def __init__(self, entries: Iterable[Mapping[str, Any]], commands: Commands, set_status: StatusSetter, *,
                 line_factory: LineFactory = _serial_line) -> None:
        self.commands = commands
        self.service = commands.service
        self._set_status = set_status
        by_port: dict[str, dict[int, int]] = defaultdict(dict)
        for entry in entries:
            by_port[str(entry["port"])][int(entry.get("address", 1))] = int(entry["counter"])
        self._device_names: dict[int, str] = {}
        self._device_ids: dict[int, int] = {}
        self.buses: list[EvaluatorLine] = []
        for port, counters in by_port.items():
            for address, counter in counters.items():
                self._device_names[counter] = f"keypad {port}#{address}"
            self.buses.append(line_factory(port, counters, self._on_key, self._status, self._on_hello))
        self._jobs = JobThread("evaluator-keypads", join_timeout=5)

    def start(self) -> None:
        self._jobs.start()
        for bus in self.buses:
            bus.start()

    def close(self) -> None:
        self._jobs.close()
        for bus in self.buses:
            bus.close()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued keypad write has gone out (tests)."""
        return self._jobs.wait_idle(timeout)


    def _bus_of(self, counter: int) -> EvaluatorLine | None:
        return next((bus for bus in self.buses if counter in bus.counters), None)

    def prompt(self, counter: int, pending: Mapping[str, Any]) -> None:
        """Light the counter's keys for *pending* (from a finished case or the clerk's request)."""
        bus = self._bus_of(counter)
        if bus is not None:
            left = max(0.0, float(pending["deadline"]) - self.service.clock.now())
            self._jobs.put(lambda: bus.prompt(counter, str(pending["number"]), left))

    def _status(self, url: str, state: str, message: str) -> None:
        self._set_status(f"evaluator {url}", state, message)

    # ---- hall events (any thread) → writer thread -------------------------------------------

    def on_event(self, event: ev.HallEvent) -> None:
        if event.counter is None or self._bus_of(event.counter) is None:
            return
        counter = event.counter
        if isinstance(event, ev.CaseFinished):
            window = self.service.hall.rating_window_seconds
            self.prompt(counter, {"number": (event.ticket or {}).get("number", ""), "deadline": event.at + window})
        elif isinstance(event, ev.RatingRequested):
            self.prompt(counter, dict(event.data))
        elif isinstance(event, ev.RatingExpired):
            bus = self._bus_of(counter)
            assert bus is not None
            self._jobs.put(lambda: bus.idle(counter))

    def _on_hello(self, counter: int) -> None:
        pending = self.service.pending_rating(counter)
        if pending is not None:
            self.prompt(counter, pending)

    # ---- keys (reader thread) ------------------------------------------------------------------

    def _on_key(self, counter: int, score: int) -> None:
        """On the reader thread: queue the rating; the keypad is answered when it is recorded."""
        self._jobs.put(lambda: self._rate(counter, score))

    def _rate(self, counter: int, score: int) -> None:
        command, value = self._record(counter, score)
        bus = self._bus_of(counter)
        if bus is not None:
            bus.answer(counter, command, value)

    def _record(self, counter: int, score: int) -> tuple[int, int]:
        pending = self.service.pending_rating(counter)
        if pending is None:
            return proto.CMD_REFUSE, proto.REFUSE_NOTHING_PENDING
        try:
            if counter not in self._device_ids:  # registered on first use: the counter exists by then
                self._device_ids[counter] = keypad_device_id(self.service, counter, self._device_names[counter])
            actor = Actor("device", None, counter=counter, device_id=self._device_ids[counter],
                          device_kind="evaluator")
            self.commands.rate(actor, int(pending["ticket"]), score, [])
        except AlreadyRated:
            return proto.CMD_REFUSE, proto.REFUSE_ALREADY_RATED
        except RatingClosed:
            return proto.CMD_REFUSE, proto.REFUSE_WINDOW_CLOSED
        except HallError as exc:
            logger.warning("evaluator keypad at counter %d refused: %s", counter, exc)
            return proto.CMD_REFUSE, proto.REFUSE_ERROR
        return proto.CMD_ACCEPT, score
