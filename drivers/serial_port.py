"""A serial port owned by one reader thread that reconnects after the port goes away.

pyserial's ``serial.threaded.ReaderThread`` stops for good on the first
``SerialException``; hall keypads sit on USB-RS485 adapters that get
unplugged, so this module keeps the same protocol shape
(``connection_made`` / ``data_received`` / ``connection_lost``) but reopens
the port every ``reconnect_interval`` seconds and reports the state.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Protocol

import serial

logger = logging.getLogger(__name__)

STATE_OK = "ok"
STATE_DISCONNECTED = "disconnected"

StatusCallback = Callable[[str, str, str], None]
"""Called as ``on_status(url, state, message)`` with state ``"ok"`` or ``"disconnected"``."""


class SerialProtocol(Protocol):
    """What the reader thread drives: pyserial's threaded.Protocol plus an idle hook."""

    def connection_made(self, transport: "ReconnectingSerial") -> None:
        """The port has been (re)opened."""

    def data_received(self, data: bytes) -> None:
        """Bytes arrived from the port."""

    def line_idle(self) -> None:
        """A read timed out with nothing received: the line is quiet, a frame boundary."""

    def connection_lost(self, exc: BaseException | None) -> None:
        """The port went away (``exc`` set) or was closed on purpose (``None``)."""


class ReconnectingSerial:
    """Opens ``url`` with ``serial.serial_for_url``, reads on a thread, reopens after failures."""

    def __init__(
        self,
        url: str,
        protocol: SerialProtocol,
        on_status: StatusCallback,
        baudrate: int = 9600,
        read_timeout: float = 0.1,
        write_timeout: float = 1.0,
        reconnect_interval: float = 2.0,
    ) -> None:
        self.url = url
        self._protocol = protocol
        self._on_status = on_status
        self._baudrate = baudrate
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._reconnect_interval = reconnect_interval
        self._port: serial.SerialBase | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state: str | None = None

    @property
    def connected(self) -> bool:
        """True while the port is open."""
        with self._lock:
            return self._port is not None

    def start(self) -> None:
        """Start the reader thread; it opens the port itself."""
        if self._thread is not None:
            raise RuntimeError(f"serial reader for {self.url} already started")
        self._thread = threading.Thread(
            target=self._run, name=f"serial-reader {self.url}", daemon=True
        )
        self._thread.start()

    def write(self, data: bytes) -> bool:
        """Write ``data`` if the port is open; while disconnected log and drop, return False."""
        with self._lock:
            port = self._port
            if port is None:
                logger.warning("%s disconnected, dropped %d bytes: %s", self.url, len(data), data.hex(" "))
                return False
            try:
                port.write(data)
                return True
            except (serial.SerialException, OSError) as exc:
                # The reader thread notices the same failure and reconnects.
                logger.warning("%s write failed, dropped %s: %s", self.url, data.hex(" "), exc)
                return False

    def close(self, timeout: float = 5.0) -> None:
        """Stop the reader thread, close the port and wait for the thread to end."""
        self._stop.set()
        with self._lock:
            port = self._port
            if port is not None and hasattr(port, "cancel_read"):
                try:
                    port.cancel_read()
                except (serial.SerialException, OSError) as exc:
                    logger.debug("%s cancel_read failed: %s", self.url, exc)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.error("serial reader for %s did not stop within %.1fs", self.url, timeout)
        else:
            self._close_port()

    # -- reader thread -------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if not self._open():
                    self._stop.wait(self._reconnect_interval)
                    continue
                self._read_until_failure()
        finally:
            self._close_port()

    def _open(self) -> bool:
        try:
            port = serial.serial_for_url(
                self.url,
                baudrate=self._baudrate,
                timeout=self._read_timeout,
                write_timeout=self._write_timeout,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            self._set_state(STATE_DISCONNECTED, f"cannot open {self.url}: {exc}")
            return False
        with self._lock:
            self._port = port
        self._call_protocol("connection_made", self)
        self._set_state(STATE_OK, f"{self.url} open")
        return True

    def _read_until_failure(self) -> None:
        port = self._port
        assert port is not None
        while not self._stop.is_set():
            try:
                data = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError) as exc:
                # TypeError: pyserial's posix read after a concurrent close.
                if self._stop.is_set():
                    break
                self._close_port()
                self._call_protocol("connection_lost", exc)
                self._set_state(STATE_DISCONNECTED, f"{self.url} lost: {exc}")
                return
            if data:
                self._call_protocol("data_received", data)
            else:
                self._call_protocol("line_idle")
        self._close_port()
        self._call_protocol("connection_lost", None)

    def _close_port(self) -> None:
        with self._lock:
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError) as exc:
                logger.debug("%s close failed: %s", self.url, exc)

    def _call_protocol(self, method: str, *args: object) -> None:
        try:
            getattr(self._protocol, method)(*args)
        except Exception:  # device boundary: a protocol bug must not kill the reader
            logger.exception("%s protocol %s failed", self.url, method)

    def _set_state(self, state: str, message: str) -> None:
        if state == self._state:
            logger.debug("%s", message)
            return
        self._state = state
        log = logger.info if state == STATE_OK else logger.warning
        log("%s", message)
        try:
            self._on_status(self.url, state, message)
        except Exception:  # thread boundary: a listener bug must not kill the reader
            logger.exception("status listener failed for %s", self.url)
