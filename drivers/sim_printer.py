"""A simulated ESC/POS serial ticket printer on a pty: it records every ticket and answers status queries.

The host opens ``port_path`` as a ``serial`` printer (``device = port_path``). The simulator answers
DLE EOT 1 (online?) and DLE EOT 4 (paper?) as a printer with the fault set by ``fault`` would, and
cuts the bytes it receives into tickets at each paper cut (GS V). Tests can hold the answers to
the next status query (the host is then in the middle of a print), let them go, or close the pty
(the printer unplugged). ``python -m drivers.sim_printer`` prints each ticket's text as it comes.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from collections.abc import Callable

from drivers.sim_responder import RespondingPty

DLE_EOT = b"\x10\x04"
ONLINE, PAPER = 1, 4
CUT = b"\x1dV"
FAULTS = (None, "offline", "paper_out", "paper_near_end", "silent")
_ANSWERS = {  # bits as python-escpos decodes them (drivers.printer)
    (ONLINE, None): 0x12, (ONLINE, "offline"): 0x1A, (ONLINE, "paper_out"): 0x12, (ONLINE, "paper_near_end"): 0x12,
    (PAPER, None): 0x12, (PAPER, "offline"): 0x12, (PAPER, "paper_out"): 0x72, (PAPER, "paper_near_end"): 0x1E,
}


class _Stream:
    """Splits the host's bytes into status queries (ints) and the rest (bytes)."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[int | bytes]:
        data = self._pending + chunk
        self._pending = b""
        out: list[int | bytes] = []
        while data:
            at = data.find(DLE_EOT)
            if at < 0:
                keep = 1 if data.endswith(DLE_EOT[:1]) else 0
                if len(data) > keep:
                    out.append(data[: len(data) - keep])
                self._pending = data[len(data) - keep:]
                break
            if at:
                out.append(data[:at])
            if len(data) < at + 3:
                self._pending = data[at:]
                break
            out.append(data[at + 2])
            data = data[at + 3:]
        return out


class SimulatedSerialPrinter(RespondingPty[int | bytes, bytes]):
    """One thermal printer on one end of a pty pair; ``tickets`` holds each ticket received, cut included."""

    def __init__(self) -> None:
        self.fault: str | None = None
        self.received = bytearray()
        self.tickets: list[bytes] = []
        #: When (monotonic) each ticket's first byte came and when it was cut.
        self.started_at: list[float] = []
        self.cut_at: list[float] = []
        self.queries = 0
        self._held = threading.Event()
        self._held.set()
        self._holding = False
        self._start = 0  # where the ticket being received starts in ``received``
        super().__init__(_Stream().feed, "sim-printer")

    # -- what tests change -----------------------------------------------------------------

    def hold_answers(self) -> None:
        """Keep the answer to the next status query until ``release``: the host waits in the middle of a job."""
        with self._cond:
            self._holding = True
            self._held.clear()

    def release(self) -> None:
        with self._cond:
            self._holding = False
        self._held.set()

    # -- what tests read -------------------------------------------------------------------

    def wait_tickets(self, count: int, timeout: float) -> bool:
        """Wait until *count* tickets have been cut."""
        return self._wait(lambda: len(self.tickets) >= count, timeout)

    def wait_queries(self, count: int, timeout: float) -> bool:
        """Wait until the host has asked *count* status queries."""
        return self._wait(lambda: self.queries >= count, timeout)

    def _wait(self, done: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def ticket_numbers(self) -> list[str]:
        """The ticket number printed on each ticket (the largest text of the ticket, e.g. A001)."""
        numbers = []
        for ticket in self.tickets:
            found = re.findall(rb"[A-Z][0-9]{3}", ticket)
            numbers.append(found[0].decode() if found else "")
        return numbers

    # -- the printer -----------------------------------------------------------------------

    def handle(self, frame: int | bytes) -> None:
        if isinstance(frame, bytes):
            with self._cond:
                if len(self.started_at) == len(self.tickets):
                    self.started_at.append(time.monotonic())
                self.received += frame
                while self._cut():
                    pass
                self._cond.notify_all()
            self.record(frame)
            return
        with self._cond:
            self.queries += 1
            holding = self._holding
            self._cond.notify_all()
        if holding:
            self._held.wait()
        if self.fault == "silent":
            return
        self.send_raw(bytes([_ANSWERS.get((frame, self.fault), 0x12)]))

    def _cut(self) -> bool:
        """Caller holds the lock: the bytes up to a whole cut (GS V m) make one ticket; False if there is none."""
        at = self.received.find(CUT, self._start)
        if at < 0 or len(self.received) < at + 3:
            return False
        self.tickets.append(bytes(self.received[self._start:at + 3]))
        self.cut_at.append(time.monotonic())
        self._start = at + 3
        return True

    def close(self) -> None:
        self.release()
        super().close()


def main(argv: list[str] | None = None) -> int:
    """Interactive demo: print the text of every ticket the host prints; Ctrl-C to stop."""
    argparse.ArgumentParser(description="Simulated ESC/POS serial ticket printer on a pty.").parse_args(argv)
    with SimulatedSerialPrinter() as printer:
        sys.stdout.write(f"simulated ticket printer on {printer.port_path} (backend = \"serial\")\n")
        sys.stdout.flush()
        seen = 0
        try:
            while True:
                if printer.wait_tickets(seen + 1, 3600.0):
                    ticket = printer.tickets[seen]
                    seen += 1
                    text = ticket.decode("gb18030", errors="replace")
                    sys.stdout.write("---- ticket ----\n" + "".join(c for c in text if c.isprintable() or c == "\n")
                                     + "\n")
                    sys.stdout.flush()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
