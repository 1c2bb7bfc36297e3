"""Thermal ticket printers: typed settings, python-escpos backends and a worker thread per printer.

Requests ``submit`` a ``PrintJob``; the ``PrinterWorker`` thread opens the printer, checks paper where
the transport can answer, prints, closes and reports ``on_result`` and ``on_status``. The ``dummy``
backend is a ``SimulatedPrinter`` that records each job's bytes and obeys an injected fault.
"""
from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

from escpos.capabilities import CAPABILITIES
from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, Network, Serial, Usb

from drivers.ticket import TicketLayout, print_ticket

logger = logging.getLogger(__name__)

BACKENDS = ("dummy", "file", "network", "serial", "usb")
PAPER_WIDTH_PX = {58: 384, 80: 576}  # printable dots at 203 dpi

STATE_OK = "ok"
STATE_OFFLINE = "offline"
STATE_PAPER_OUT = "paper_out"
STATE_PAPER_NEAR_END = "paper_near_end"
STATE_ERROR = "error"
STATES = (STATE_OK, STATE_OFFLINE, STATE_PAPER_OUT, STATE_PAPER_NEAR_END, STATE_ERROR)

SIMULATED_FAULTS = ("offline", "paper_out", "paper_near_end", "io_error")

# Answers to DLE EOT n that python-escpos's is_online()/paper_status() decode.
_STATUS_ONLINE, _STATUS_OFFLINE = b"\x12", b"\x1a"  # bit 3 set = offline
_PAPER_ADEQUATE, _PAPER_NEAR_END, _PAPER_OUT = b"\x12", b"\x1e", b"\x72"


class PrinterError(Exception):
    """Base class for ticket printer failures; ``state`` is the printer status it leads to."""

    state = "error"


class PrinterOffline(PrinterError):
    """The printer cannot be reached or reports itself offline (cover open, power off)."""

    state = "offline"


class PaperOut(PrinterError):
    """The printer has no paper."""

    state = "paper_out"


class PrinterConfigError(PrinterError, ValueError):
    """The printer settings are invalid or name a backend this machine cannot use."""


_BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _as_bool(key: str, value: object) -> bool:
    """Read a boolean from config, accepting the usual strings from files and the environment."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.strip().lower()]
    raise PrinterConfigError(f"printer.{key} must be true or false, got {value!r}")


def _as_int(key: str, value: object) -> int:
    """Read an integer from config; strings may be decimal or 0x-prefixed hex ("0x0416")."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    with contextlib.suppress(ValueError):
        if isinstance(value, str):
            return int(value.strip(), 0)
    raise PrinterConfigError(f"printer.{key} must be an integer (e.g. 9100 or 0x0416), got {value!r}")


def _as_float(key: str, value: object) -> float:
    """Read a number of seconds from config."""
    with contextlib.suppress(TypeError, ValueError):
        if not isinstance(value, bool):
            return float(value)  # type: ignore[arg-type]
    raise PrinterConfigError(f"printer.{key} must be a number of seconds, got {value!r}")


_CONVERTERS: dict[str, Callable[[str, object], object]] = {
    **dict.fromkeys(("port", "baudrate", "vendor_id", "product_id", "paper_width_mm"), _as_int),
    **dict.fromkeys(("raster", "native_qr", "read_status"), _as_bool),
    "timeout": _as_float,
}
_REQUIRED = {"file": ("path",), "network": ("host",), "serial": ("device",), "usb": ("vendor_id", "product_id")}


@dataclass(frozen=True)
class PrinterSettings:
    """How to reach one ticket printer and what paper and rendering it uses."""

    backend: str = "dummy"
    path: str | None = None
    host: str | None = None
    port: int = 9100
    device: str | None = None
    baudrate: int = 9600
    vendor_id: int | None = None
    product_id: int | None = None
    profile: str = "default"
    paper_width_mm: int = 80
    raster: bool = False
    native_qr: bool = True
    timeout: float = 5.0
    read_status: bool = True

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise PrinterConfigError(f"printer.backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        for key in _REQUIRED.get(self.backend, ()):
            if getattr(self, key) in (None, ""):
                raise PrinterConfigError(f"printer.{key} is required for the {self.backend} backend")
        if not 1 <= self.port <= 65535:
            raise PrinterConfigError(f"printer.port must be 1-65535, got {self.port}")
        if self.baudrate <= 0:
            raise PrinterConfigError(f"printer.baudrate must be positive, got {self.baudrate}")
        for key in ("vendor_id", "product_id"):
            value = getattr(self, key)
            if value is not None and not 0 <= value <= 0xFFFF:
                raise PrinterConfigError(f"printer.{key} must be a 16-bit USB id, got {value:#x}")
        if self.paper_width_mm not in PAPER_WIDTH_PX:
            raise PrinterConfigError(f"printer.paper_width_mm must be 58 or 80, got {self.paper_width_mm}")
        if self.timeout <= 0:
            raise PrinterConfigError(f"printer.timeout must be > 0 seconds, got {self.timeout}")
        if self.profile not in CAPABILITIES["profiles"]:
            raise PrinterConfigError(
                f"printer.profile {self.profile!r} is not a python-escpos profile (e.g. 'default', 'TM-T88V')"
            )

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> PrinterSettings:
        """Build validated settings from a config section, converting strings from files or the environment."""
        unknown = sorted(set(mapping) - {f.name for f in fields(cls)})
        if unknown:
            raise PrinterConfigError(f"unknown printer setting(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in mapping.items():
            if value is None:
                continue
            convert = _CONVERTERS.get(key)
            if convert is not None:
                values[key] = convert(key, value)
            elif not isinstance(value, str):
                raise PrinterConfigError(f"printer.{key} must be a string, got {value!r}")
            else:
                values[key] = value.strip()
        return cls(**values)


@dataclass(frozen=True)
class PrinterCapabilities:
    """What this printer can do, read from its python-escpos profile and the settings."""

    width_px: int
    can_cut: bool
    native_qr: bool
    image_impl: str
    reads_status: bool

    @classmethod
    def of(cls, printer: Escpos, settings: PrinterSettings) -> PrinterCapabilities:
        """Capabilities of an opened printer under ``settings``."""
        profile = printer.profile
        image_impls = [impl for impl in ("bitImageRaster", "graphics", "bitImageColumn") if profile.supports(impl)]
        return cls(
            width_px=int(profile.profile_data["media"]["width"]["pixels"]),
            can_cut=bool(profile.supports("paperFullCut") or profile.supports("paperPartCut")),
            native_qr=settings.native_qr and bool(profile.supports("qrCode")),
            image_impl=(image_impls or ["bitImageRaster"])[0],
            reads_status=settings.read_status and _BACKENDS[settings.backend].reads_status,
        )


class SimulatedPrinter(Dummy):
    """The dummy backend: records each job's bytes and answers DLE EOT status queries per ``fault``."""

    def __init__(self, profile: str | None = None) -> None:
        super().__init__(profile=profile)
        self.fault: str | None = None
        self.jobs: list[bytes] = []
        self._last_query = b""

    def _raw(self, msg: bytes) -> None:
        if self.fault == "io_error":
            raise OSError("simulated printer I/O error")
        if msg in (RT_STATUS_ONLINE, RT_STATUS_PAPER):
            self._last_query = msg
        super()._raw(msg)

    def _read(self) -> bytes:
        if self._last_query == RT_STATUS_ONLINE:
            return _STATUS_OFFLINE if self.fault == "offline" else _STATUS_ONLINE
        return {"paper_out": _PAPER_OUT, "paper_near_end": _PAPER_NEAR_END}.get(self.fault or "", _PAPER_ADEQUATE)

    def close(self) -> None:
        """End the job: what was sent since the last close becomes one entry of ``jobs``."""
        if self._output_list:
            self.jobs.append(self.output)
            self.clear()


class AppendFile(Escpos):
    """Appends each ticket's bytes to a file or device node (python-escpos ``File`` truncates with "wb")."""

    def __init__(self, path: str, profile: str | None = None) -> None:
        super().__init__(profile=profile)
        self.path = path
        self._buffer = bytearray()

    def open(self) -> None:
        """Open ``path`` for appending; raise ``PrinterError`` when it cannot be written."""
        try:
            self.device = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            self.device = None
            raise PrinterError(f"cannot write tickets to {self.path}: {exc.strerror or exc}") from exc

    def _raw(self, msg: bytes) -> None:
        # Buffer so that a ticket reaches the file in one write, not interleaved with another process.
        self._buffer += msg

    def close(self) -> None:
        """Append the buffered ticket to the file and close it."""
        handle = self._device
        if not handle:
            return
        self._device = False
        try:
            handle.write(bytes(self._buffer))
            handle.flush()
        except OSError as exc:
            raise PrinterError(f"cannot write tickets to {self.path}: {exc.strerror or exc}") from exc
        finally:
            self._buffer.clear()
            handle.close()


class NetworkPrinter(Network):
    """python-escpos ``Network`` whose ``open`` closes the socket when the connection fails.

    ``Network.open`` in python-escpos 3.1 drops the socket without closing it on a refused
    connection, which leaks a file descriptor on every attempt against an offline printer.
    """

    def open(self, raise_not_found: bool = True) -> None:
        """Connect to the printer; raise ``PrinterOffline`` when nobody answers."""
        try:
            self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            self.device = None
            raise PrinterOffline(f"network printer {self.host}:{self.port} not reachable: {exc}") from exc


class SerialPrinter(Serial):
    """python-escpos ``Serial`` whose status read returns as soon as the printer's one-byte answer is in.

    ``Serial._read`` in python-escpos 3.1 asks pyserial for 16 bytes, so every answer to DLE EOT waited for
    the whole timeout: two status queries cost two timeouts on every ticket.
    """

    def _read(self) -> bytes:
        assert self.device
        return self.device.read(1)


@dataclass(frozen=True)
class _Backend:
    """How to build one kind of printer and what its transport allows."""

    create: Callable[[PrinterSettings], Escpos]
    reads_status: bool
    io_error: type[PrinterError]


def _create_usb(settings: PrinterSettings) -> Escpos:
    """A USB printer; needs pyusb and libusb."""
    if not Usb.is_usable():
        raise PrinterConfigError("the usb backend needs pyusb: pip install pyusb (and libusb-1.0 on the system)")
    timeout_ms = int(settings.timeout * 1000)
    return Usb(settings.vendor_id, settings.product_id, timeout=timeout_ms, profile=settings.profile)


_BACKENDS: dict[str, _Backend] = {
    "dummy": _Backend(lambda s: SimulatedPrinter(s.profile), True, PrinterError),
    "file": _Backend(lambda s: AppendFile(s.path or "", s.profile), False, PrinterError),
    "network": _Backend(lambda s: NetworkPrinter(s.host, s.port, s.timeout, profile=s.profile), True, PrinterOffline),
    "serial": _Backend(
        lambda s: SerialPrinter(s.device, s.baudrate, timeout=s.timeout, profile=s.profile), True, PrinterOffline
    ),
    "usb": _Backend(_create_usb, True, PrinterOffline),
}


def _fit_profile_to_paper(printer: Escpos, paper_width_mm: int) -> None:
    """Make the profile's media width match the paper in use (python-escpos centres and checks images with it)."""
    data = printer.profile.profile_data
    media = data.get("media", {})
    width = media.get("width", {})
    if width.get("mm") == paper_width_mm and isinstance(width.get("pixels"), int):
        return
    pixels = PAPER_WIDTH_PX[paper_width_mm]
    # An instance attribute: the class-level profile data is shared by every printer using that profile.
    printer.profile.profile_data = {**data, "media": {**media, "width": {"mm": paper_width_mm, "pixels": pixels}}}


def open_printer(settings: PrinterSettings) -> Escpos:
    """Build and open the printer ``settings`` describe; the caller must ``close()`` it."""
    printer = _BACKENDS[settings.backend].create(settings)
    _fit_profile_to_paper(printer, settings.paper_width_mm)
    try:
        printer.open()
    except DeviceNotFoundError as exc:
        raise PrinterOffline(f"{settings.backend} printer not reachable: {exc.msg or exc}") from exc
    except OSError as exc:
        raise PrinterOffline(f"{settings.backend} printer not reachable: {exc}") from exc
    return printer


def check_paper(printer: Escpos) -> str:
    """Ask the printer whether it is online and has paper; return ``ok`` or ``paper_near_end``."""
    if not printer.is_online():
        raise PrinterOffline("printer reports it is offline (cover open or not ready)")
    paper = printer.paper_status()
    if paper == 0:
        raise PaperOut("printer is out of paper")
    return STATE_PAPER_NEAR_END if paper == 1 else STATE_OK


@dataclass(frozen=True)
class PrintJob:
    """One ticket to print; ``job_id`` comes back in ``on_result``."""

    job_id: str
    layout: TicketLayout


@dataclass(frozen=True)
class PrinterStatus:
    """The printer's condition as last seen by its worker."""

    state: str
    message: str = ""
    since: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


StatusCallback = Callable[[PrinterStatus], None]
ResultCallback = Callable[[str, bool, "str | None"], None]

_CHECK = object()
"""A status check queued among the jobs: the printer is opened, asked, closed; nothing is printed."""


class PrinterWorker:
    """Prints submitted jobs on its own thread and reports results and status; never raises into callers.

    The thread starts on construction; call ``close()`` to finish queued jobs and stop it.
    """

    def __init__(
        self,
        settings: PrinterSettings,
        *,
        on_status: StatusCallback,
        on_result: ResultCallback,
        name: str = "ticket-printer",
        on_start: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.name = name
        self._on_status = on_status
        self._on_result = on_result
        #: Called with the job id once the printer passed its status check, just before the ticket's bytes go out.
        self._on_start = on_start
        self._queue: queue.Queue[Any] = queue.Queue()
        self._status: PrinterStatus | None = None
        self._closed = False
        self._simulated: SimulatedPrinter | None = None
        if settings.backend == "dummy":
            self._simulated = SimulatedPrinter(profile=settings.profile)
            _fit_profile_to_paper(self._simulated, settings.paper_width_mm)
        self._thread = threading.Thread(target=self._run, name=f"printer-{name}", daemon=True)
        self._thread.start()

    @property
    def status(self) -> PrinterStatus | None:
        """The last reported status, or None before the first job."""
        return self._status

    def submit(self, job: PrintJob) -> bool:
        """Queue ``job`` and return at once; False (and a log line) if the worker is closed."""
        if self._closed:
            logger.warning("Printer %s is closed, dropping job %s", self.name, job.job_id)
            return False
        self._queue.put(job)
        return True

    def check(self) -> bool:
        """Queue a status check after the jobs queued so far: the state is reported (``on_status``) if it changed.

        How an idle printer that was unplugged, or given paper again, shows its state before the next ticket.
        """
        if self._closed:
            return False
        self._queue.put(_CHECK)
        return True

    def close(self, timeout: float | None = 30.0) -> None:
        """Print what is queued, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.error("Printer %s worker did not stop within %s s", self.name, timeout)

    def inject_fault(self, fault: str | None) -> None:
        """Make the simulated printer report ``fault`` (one of SIMULATED_FAULTS) on later jobs; None clears it."""
        simulated = self._require_simulated()
        if fault is not None and fault not in SIMULATED_FAULTS:
            raise PrinterConfigError(f"unknown simulated fault {fault!r}; use one of {', '.join(SIMULATED_FAULTS)}")
        simulated.fault = fault

    def clear_fault(self) -> None:
        """Let the simulated printer work normally again."""
        self.inject_fault(None)

    def simulated_output(self) -> list[bytes]:
        """Bytes the simulated printer received, one entry per job attempt (status queries included)."""
        return list(self._require_simulated().jobs)

    def _require_simulated(self) -> SimulatedPrinter:
        if self._simulated is None:
            raise PrinterConfigError(f"printer {self.name} uses the {self.settings.backend} backend, not dummy")
        return self._simulated

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job is _CHECK:
                self._check()
            else:
                self._handle(job)

    def _check(self) -> None:
        """Open the printer, ask for its state where the transport can answer, close it; report the state."""
        try:
            if self._simulated is not None:
                state = check_paper(self._simulated)
                self._simulated.clear()  # the status queries are not a ticket
            else:
                printer = open_printer(self.settings)
                try:
                    reads = PrinterCapabilities.of(printer, self.settings).reads_status
                    state = check_paper(printer) if reads else STATE_OK
                finally:
                    _close_after_failure(printer)
        except PrinterError as exc:
            self._set_status(exc.state, str(exc))
        except OSError as exc:
            self._set_status(STATE_OFFLINE, f"{self.settings.backend} printer not reachable: {exc}")
        except Exception as exc:  # noqa: BLE001 - thread boundary: a bug must not kill the worker
            logger.exception("Printer %s: status check failed", self.name)
            self._set_status(STATE_ERROR, f"{type(exc).__name__}: {exc}")
        else:
            self._set_status(state, "paper is running low" if state == STATE_PAPER_NEAR_END else "")

    def _handle(self, job: PrintJob) -> None:
        """Print one job; this is the thread boundary where every failure is caught and reported."""
        try:
            state = self._print(job)
        except PrinterError as exc:
            self._fail(job, exc.state, str(exc))
        except Exception as exc:  # noqa: BLE001 - thread boundary: a bug must not kill the worker
            logger.exception("Printer %s: unexpected failure on job %s", self.name, job.job_id)
            self._fail(job, STATE_ERROR, f"{type(exc).__name__}: {exc}")
        else:
            message = "paper is running low" if state == STATE_PAPER_NEAR_END else ""
            self._set_status(state, message)
            self._report(job.job_id, True, None)

    def _print(self, job: PrintJob) -> str:
        """Open, check, print and close; return the paper state. Transport errors become PrinterError."""
        backend = _BACKENDS[self.settings.backend]
        printer: Escpos = self._simulated if self._simulated is not None else open_printer(self.settings)
        capabilities = PrinterCapabilities.of(printer, self.settings)
        try:
            state = check_paper(printer) if capabilities.reads_status else STATE_OK
            if self._on_start is not None:
                self._on_start(job.job_id)
            print_ticket(
                printer,
                job.layout,
                raster=self.settings.raster,
                native_qr=capabilities.native_qr,
                cut=capabilities.can_cut,
                width_px=capabilities.width_px,
                image_impl=capabilities.image_impl,
            )
        except BaseException as exc:
            _close_after_failure(printer)
            if isinstance(exc, OSError):
                raise backend.io_error(f"{self.settings.backend} printer I/O failed: {exc}") from exc
            raise
        printer.close()  # AppendFile writes the ticket here and raises PrinterError if it cannot
        return state

    def _fail(self, job: PrintJob, state: str, message: str) -> None:
        logger.warning("Printer %s: job %s failed (%s): %s", self.name, job.job_id, state, message)
        self._set_status(state, message)
        self._report(job.job_id, False, message)

    def _set_status(self, state: str, message: str) -> None:
        """Report the status when its state changes (recoveries included)."""
        if self._status is not None and self._status.state == state:
            return
        self._status = PrinterStatus(state, message)
        logger.info("Printer %s is now %s %s", self.name, state, message)
        try:
            self._on_status(self._status)
        except Exception:  # noqa: BLE001 - a failing listener must not stop printing
            logger.exception("Printer %s: on_status callback failed", self.name)

    def _report(self, job_id: str, ok: bool, error: str | None) -> None:
        try:
            self._on_result(job_id, ok, error)
        except Exception:  # noqa: BLE001 - a failing listener must not stop printing
            logger.exception("Printer %s: on_result callback failed for job %s", self.name, job_id)


def _close_after_failure(printer: Escpos) -> None:
    """Close a printer while another error is already being reported."""
    try:
        printer.close()
    except Exception:  # noqa: BLE001 - the original error matters more
        logger.debug("Closing the printer after a failure also failed", exc_info=True)
