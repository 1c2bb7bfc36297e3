"""The printer worker as the hall sees it: results, status changes and the bytes each backend receives."""

from __future__ import annotations

import dataclasses
import queue
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from drivers.printer import (
    PrinterConfigError,
    PrinterSettings,
    PrinterStatus,
    PrinterWorker,
    PrintJob,
    open_printer,
)
from drivers.ticket import TicketLayout

WAIT = 10.0  # seconds; an upper bound for events, never a sleep
QR_NATIVE = b"\x1d(k"
RASTER_IMAGE = b"\x1dv0"
CUT = b"\x1dV"
SERVICE = "企业职工基本养老保险参保登记"


def make_layout(number: str = "A001") -> TicketLayout:
    return TicketLayout(
        hall_name="海淀区社会保险服务大厅",
        number=number,
        service_name=SERVICE,
        people_ahead=3,
        estimated_wait_minutes=10,
        issued_at=datetime(2026, 11, 25, 9, 3, tzinfo=ZoneInfo("Asia/Shanghai")),
        status_url=f"https://hall.example.cn/status/{number}",
    )


class Recorder:
    """Collects a worker's callbacks in queues the test waits on."""

    def __init__(self) -> None:
        self.results: queue.Queue[tuple[str, bool, str | None]] = queue.Queue()
        self.statuses: queue.Queue[PrinterStatus] = queue.Queue()

    def on_result(self, job_id: str, ok: bool, error: str | None) -> None:
        self.results.put((job_id, ok, error))

    def on_status(self, status: PrinterStatus) -> None:
        self.statuses.put(status)

    def result(self) -> tuple[str, bool, str | None]:
        return self.results.get(timeout=WAIT)

    def status(self) -> PrinterStatus:
        return self.statuses.get(timeout=WAIT)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def start_worker(recorder: Recorder, **settings: object) -> PrinterWorker:
    return PrinterWorker(
        PrinterSettings.from_mapping(settings), on_status=recorder.on_status, on_result=recorder.on_result
    )


@pytest.fixture
def dummy_worker(recorder: Recorder) -> Iterator[PrinterWorker]:
    worker = start_worker(recorder, backend="dummy")
    yield worker
    worker.close()


# --------------------------------------------------------------------------- settings


def test_settings_from_mapping_converts_strings() -> None:
    settings = PrinterSettings.from_mapping(
        {"backend": "usb", "vendor_id": "0x0416", "product_id": "0x5011", "paper_width_mm": "58",
         "raster": "yes", "native_qr": "false", "timeout": "2.5", "profile": "TM-T88V"}
    )
    assert (settings.vendor_id, settings.product_id) == (0x0416, 0x5011)
    assert settings.paper_width_mm == 58 and settings.raster and not settings.native_qr
    assert settings.timeout == 2.5


def test_settings_defaults_for_network() -> None:
    settings = PrinterSettings.from_mapping({"backend": "network", "host": "10.0.0.5"})
    assert settings.port == 9100 and settings.profile == "default" and settings.paper_width_mm == 80


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"backend": "bluetooth"}, "printer.backend must be one of"),
        ({"backend": "network"}, "printer.host is required"),
        ({"backend": "file"}, "printer.path is required"),
        ({"backend": "usb", "vendor_id": "0x0416"}, "printer.product_id is required"),
        ({"backend": "dummy", "paper_width_mm": 70}, "58 or 80"),
        ({"backend": "dummy", "raster": "maybe"}, "printer.raster must be true or false"),
        ({"backend": "network", "host": "h", "port": "nine"}, "printer.port must be an integer"),
        ({"backend": "network", "host": "h", "port": 70000}, "1-65535"),
        ({"backend": "dummy", "profile": "NoSuchPrinter"}, "not a python-escpos profile"),
        ({"backend": "dummy", "timeout": 0}, "timeout must be > 0"),
        ({"backend": "dummy", "colour": "red"}, "unknown printer setting"),
    ],
)
def test_settings_errors_are_clear(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(PrinterConfigError, match=message):
        PrinterSettings.from_mapping(mapping)


def test_open_printer_takes_paper_width_from_settings() -> None:
    printer = open_printer(PrinterSettings(backend="dummy", paper_width_mm=58))
    try:
        assert printer.profile.profile_data["media"]["width"]["pixels"] == 384
    finally:
        printer.close()


# --------------------------------------------------------------------------- dummy backend


def test_dummy_prints_ticket_and_reports_ok(dummy_worker: PrinterWorker, recorder: Recorder) -> None:
    assert dummy_worker.submit(PrintJob("job-1", make_layout()))
    assert recorder.result() == ("job-1", True, None)
    assert recorder.status().state == "ok"
    [output] = dummy_worker.simulated_output()
    text = output.decode("gb18030", errors="replace")
    for expected in ("海淀区社会保险服务大厅", "A001", SERVICE, "前面还有 3 人", "预计等候约 10 分钟"):
        assert expected in text
    assert QR_NATIVE in output and CUT in output
    assert output.startswith(b"\x10\x04\x01")  # the worker asked whether the printer is online


def test_notice_with_printer_commands_prints_as_text(dummy_worker: PrinterWorker, recorder: Recorder) -> None:
    """Issue 13 item 13: a notice that would pulse the drawer and cut the paper reaches the printer as text."""
    layout = dataclasses.replace(make_layout(), notices=("ABC\x1bp\x00\x19\xfa…\x1dV\x00",))
    dummy_worker.submit(PrintJob("job-1", layout))
    assert recorder.result() == ("job-1", True, None)
    [output] = dummy_worker.simulated_output()
    assert b"\x1bp" not in output
    assert output.count(CUT) == 1 and output.endswith(CUT + b"\x00")
    assert "ABCpú…V\n".encode("gb18030") in output


def test_dummy_without_native_qr_sends_qr_image(recorder: Recorder) -> None:
    worker = start_worker(recorder, backend="dummy", native_qr=False)
    try:
        worker.submit(PrintJob("job-1", make_layout()))
        assert recorder.result()[1]
        [output] = worker.simulated_output()
        assert RASTER_IMAGE in output and QR_NATIVE not in output
    finally:
        worker.close()


def test_dummy_raster_mode_sends_image(recorder: Recorder) -> None:
    worker = start_worker(recorder, backend="dummy", raster=True, paper_width_mm=58)
    try:
        worker.submit(PrintJob("job-1", make_layout()))
        assert recorder.result()[1]
        [output] = worker.simulated_output()
        assert RASTER_IMAGE + b"\x00" + (384 // 8).to_bytes(2, "little") in output
        assert "海淀区".encode("gb18030") not in output
    finally:
        worker.close()


def test_paper_out_fails_the_job_then_recovers(dummy_worker: PrinterWorker, recorder: Recorder) -> None:
    dummy_worker.inject_fault("paper_out")
    dummy_worker.submit(PrintJob("job-1", make_layout()))
    job_id, ok, error = recorder.result()
    assert (job_id, ok) == ("job-1", False) and "paper" in (error or "")
    assert recorder.status().state == "paper_out"
    assert CUT not in dummy_worker.simulated_output()[-1]

    dummy_worker.clear_fault()
    dummy_worker.submit(PrintJob("job-1-reprint", make_layout()))
    assert recorder.result() == ("job-1-reprint", True, None)
    assert recorder.status().state == "ok"


def test_paper_near_end_still_prints(dummy_worker: PrinterWorker, recorder: Recorder) -> None:
    dummy_worker.inject_fault("paper_near_end")
    dummy_worker.submit(PrintJob("job-1", make_layout()))
    assert recorder.result() == ("job-1", True, None)
    assert recorder.status().state == "paper_near_end"


@pytest.mark.parametrize(("fault", "state"), [("offline", "offline"), ("io_error", "error")])
def test_simulated_faults_report_status(
    dummy_worker: PrinterWorker, recorder: Recorder, fault: str, state: str
) -> None:
    dummy_worker.inject_fault(fault)
    dummy_worker.submit(PrintJob("job-1", make_layout()))
    assert recorder.result()[1] is False
    assert recorder.status().state == state


def test_failing_callback_does_not_stop_the_worker(recorder: Recorder) -> None:
    calls: queue.Queue[str] = queue.Queue()

    def broken_on_result(job_id: str, ok: bool, error: str | None) -> None:
        calls.put(job_id)
        raise RuntimeError("listener bug")

    worker = PrinterWorker(PrinterSettings(), on_status=recorder.on_status, on_result=broken_on_result)
    try:
        worker.submit(PrintJob("job-1", make_layout()))
        worker.submit(PrintJob("job-2", make_layout("A002")))
        assert [calls.get(timeout=WAIT), calls.get(timeout=WAIT)] == ["job-1", "job-2"]
    finally:
        worker.close()


def test_close_prints_queued_jobs_then_refuses_new_ones(recorder: Recorder) -> None:
    worker = start_worker(recorder, backend="dummy")
    for index in range(3):
        worker.submit(PrintJob(f"job-{index}", make_layout(f"A00{index}")))
    worker.close()
    assert len(worker.simulated_output()) == 3
    assert worker.submit(PrintJob("late", make_layout())) is False


# --------------------------------------------------------------------------- file backend


def test_file_backend_appends_each_ticket(tmp_path: Path, recorder: Recorder) -> None:
    spool = tmp_path / "tickets.bin"
    spool.write_bytes(b"EARLIER")
    worker = start_worker(recorder, backend="file", path=str(spool))
    try:
        worker.submit(PrintJob("job-1", make_layout("A001")))
        worker.submit(PrintJob("job-2", make_layout("A002")))
        assert [recorder.result()[1], recorder.result()[1]] == [True, True]
    finally:
        worker.close()
    content = spool.read_bytes()
    assert content.startswith(b"EARLIER")
    text = content.decode("gb18030", errors="replace")
    assert "A001" in text and "A002" in text and text.count(SERVICE) == 2
    assert content.count(CUT) == 2 and content.count(QR_NATIVE) >= 2


def test_unwritable_file_reports_error(tmp_path: Path, recorder: Recorder) -> None:
    worker = start_worker(recorder, backend="file", path=str(tmp_path / "no-such-dir" / "tickets.bin"))
    try:
        worker.submit(PrintJob("job-1", make_layout()))
        job_id, ok, error = recorder.result()
        assert (job_id, ok) == ("job-1", False) and "no-such-dir" in (error or "")
        assert recorder.status().state == "error"
    finally:
        worker.close()


def test_simulated_output_needs_the_dummy_backend(tmp_path: Path, recorder: Recorder) -> None:
    worker = start_worker(recorder, backend="file", path=str(tmp_path / "t.bin"))
    try:
        with pytest.raises(PrinterConfigError):
            worker.inject_fault("paper_out")
    finally:
        worker.close()


# --------------------------------------------------------------------------- network backend


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_closed_network_port_is_offline(recorder: Recorder) -> None:
    worker = start_worker(recorder, backend="network", host="127.0.0.1", port=free_port(), timeout=1)
    try:
        worker.submit(PrintJob("job-1", make_layout()))
        job_id, ok, _error = recorder.result()
        assert (job_id, ok) == ("job-1", False)
        assert recorder.status().state == "offline"
    finally:
        worker.close()


class FakeNetworkPrinter:
    """A TCP printer on localhost: answers DLE EOT status queries with 'online, paper ok' and keeps the bytes."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.received: queue.Queue[bytes] = queue.Queue()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _address = self.server.accept()
        with connection:
            data = b""
            answered = 0
            while chunk := connection.recv(4096):
                data += chunk
                while data.count(b"\x10\x04") > answered:
                    connection.sendall(b"\x12")
                    answered += 1
            self.received.put(data)

    def close(self) -> None:
        self.server.close()
        self.thread.join(WAIT)


def test_network_printer_receives_the_ticket(recorder: Recorder) -> None:
    fake = FakeNetworkPrinter()
    worker = start_worker(recorder, backend="network", host="127.0.0.1", port=fake.port, timeout=2)
    try:
        worker.submit(PrintJob("job-1", make_layout()))
        assert recorder.result() == ("job-1", True, None)
        received = fake.received.get(timeout=WAIT)
    finally:
        worker.close()
        fake.close()
    assert SERVICE.encode("gb18030") in received and CUT in received


def test_missing_serial_device_is_offline(tmp_path: Path, recorder: Recorder) -> None:
    worker = start_worker(recorder, backend="serial", device=str(tmp_path / "ttyUSB9"), timeout=1)
    try:
        worker.submit(PrintJob("job-1", make_layout()))
        assert recorder.result()[1] is False
        assert recorder.status().state == "offline"
    finally:
        worker.close()


def test_unplugged_usb_printer_is_offline_with_a_clear_message(recorder: Recorder) -> None:
    # pyusb and libusb are installed with the hall; no printer with these ids is plugged in here.
    worker = start_worker(recorder, backend="usb", vendor_id="0x0416", product_id="0x5011")
    try:
        worker.submit(PrintJob("job-1", make_layout()))
        _job_id, ok, error = recorder.result()
        assert ok is False and "not found" in (error or "")
        assert recorder.status().state == "offline"
    finally:
        worker.close()


def test_layout_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_layout().number = "B002"  # type: ignore[misc]
