"""Caller keypads through the running app: a simulated keypad on a real pty drives counter 4."""

from __future__ import annotations

import dataclasses
import os
import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.keypad import FUNC_BEEP, FUNC_SHOW, Frame, build_frame, display_digits
from drivers.sim_keypad import SimulatedKeypad
from hall.config import Config, ConfigError, parse_config
from hall.devices.keypads import device_name
from hall.domain import events as ev
from hall.web.context import HallContext
from tests.conftest import running_hall

WAIT = 5.0
ADDRESS = 4


@pytest.fixture
def keypad() -> Iterator[SimulatedKeypad]:
    with SimulatedKeypad() as sim:
        yield sim


def watch(ctx: HallContext) -> None:
    """Record device states and hall events from the start (before the device owner opens the ports)."""
    statuses: queue.Queue[tuple[str, str]] = queue.Queue()
    ctx.device_status.subscribe(lambda device, entry: statuses.put((device, entry["state"])))
    ctx.keypad_statuses = statuses  # type: ignore[attr-defined]
    hall_events: queue.Queue[ev.HallEvent] = queue.Queue()
    ctx.bus.subscribe(hall_events.put)
    ctx.hall_events = hall_events  # type: ignore[attr-defined]


@pytest.fixture
def hall_with_keypad(config: Config, clock, keypad: SimulatedKeypad) -> Iterator[HallContext]:
    """The app with one keypad (address 4) on counter 4, its port opened by the device owner."""
    cfg = dataclasses.replace(config, keypads=({"port": keypad.port_path, "address": ADDRESS, "counter": 4},))
    with running_hall(cfg, clock, before_start=watch) as app:
        yield app.extensions["onewindow"]


def next_host_frame(keypad: SimulatedKeypad, function: int, timeout: float = WAIT) -> Frame:
    """The next frame of *function* the host sends to the keypad (acks and others are skipped)."""
    for _ in range(20):
        frames = keypad.read_frames(timeout)
        assert frames, f"no frame 0x{function:02X} from the host within {timeout}s"
        if frames[0].function == function:
            return frames[0]
    raise AssertionError(f"no frame 0x{function:02X} among 20 host frames")


def press(ctx: HallContext, keypad: SimulatedKeypad, action: str, event: type[ev.HallEvent]) -> ev.HallEvent:
    """Press a key on the simulated keypad and wait for the hall event it causes."""
    keypad.press(ADDRESS, action)  # type: ignore[arg-type]
    events = ctx.hall_events  # type: ignore[attr-defined]
    while True:
        happened = events.get(timeout=WAIT)
        if isinstance(happened, event):
            return happened


def wait_shown(keypad: SimulatedKeypad, text: str) -> None:
    """Wait until the host shows *text* on the keypad (earlier display updates are skipped)."""
    for _ in range(20):
        if next_host_frame(keypad, FUNC_SHOW).data == display_digits(text):
            return
    raise AssertionError(f"the keypad was never shown {text!r}")


def wait_connected(ctx: HallContext, url: str) -> None:
    statuses = ctx.keypad_statuses  # type: ignore[attr-defined]
    if {s["device"]: s["state"] for s in ctx.device_status.statuses()}.get(device_name(url)) == "ok":
        return
    while True:
        device, state = statuses.get(timeout=WAIT)
        if device == device_name(url) and state == "ok":
            return


def test_press_call_on_keypad_calls_ticket_and_shows_number(hall_with_keypad: HallContext,
                                                           keypad: SimulatedKeypad) -> None:
    ctx = hall_with_keypad
    wait_connected(ctx, keypad.port_path)
    ticket = ctx.service.issue_ticket(service="A01")
    wait_shown(keypad, "1")  # idle keypads show how many wait for their counter

    keypad.press(ADDRESS, "call_next")
    assert keypad.read_frames(WAIT)[0] == Frame(ADDRESS, 0x0C)  # the host acknowledges the key
    shown = next_host_frame(keypad, FUNC_SHOW)
    assert shown == Frame(ADDRESS, FUNC_SHOW, display_digits(ticket.number))
    assert next_host_frame(keypad, FUNC_BEEP).address == ADDRESS
    called = ctx.service.ticket(ticket.id)
    assert called.state.value == "called" and called.counter == 4

    keypad.press(ADDRESS, "recall")
    next_host_frame(keypad, FUNC_BEEP)
    assert ctx.service.ticket(ticket.id).recall_count == 1

    keypad.press(ADDRESS, "request_rating")  # no Start key: the case is finished and the rating opens
    wait_shown(keypad, "0")
    assert ctx.service.ticket(ticket.id).state.value == "finished"


def test_keypad_no_show_hold_call_back_pause_and_refusals(hall_with_keypad: HallContext,
                                                          keypad: SimulatedKeypad) -> None:
    ctx = hall_with_keypad
    wait_connected(ctx, keypad.port_path)
    first = ctx.service.issue_ticket(service="A01")
    second = ctx.service.issue_ticket(service="B01")

    press(ctx, keypad, "call_next", ev.TicketCalled)
    held = press(ctx, keypad, "hold", ev.TicketHeld)  # confirm + 0
    assert held.ticket["number"] == first.number and held.counter == 4

    press(ctx, keypad, "call_next", ev.TicketCalled)
    missed = press(ctx, keypad, "no_show", ev.TicketMissed)  # confirm + 6
    assert missed.ticket["number"] == second.number

    back = press(ctx, keypad, "call_held", ev.TicketCalled)  # confirm + 3: the held ticket comes back
    assert back.ticket["number"] == first.number and back.counter == 4

    moved = press(ctx, keypad, "transfer", ev.TicketTransferred)  # to its category's queue, keeping its place
    assert moved.ticket["state"] == "waiting" and moved.ticket["target_category"] == "enterprise"
    assert ctx.service.ticket(first.id).queue_at == first.queue_at

    press(ctx, keypad, "pause_toggle", ev.CounterPaused)
    keypad.read_frames(0.2, count=50)  # drop what came so far
    keypad.press(ADDRESS, "call_next")  # refused while paused: the keypad beeps, nothing is called
    assert next_host_frame(keypad, FUNC_BEEP).address == ADDRESS
    assert ctx.service.ticket(first.id).state.value == "waiting"
    press(ctx, keypad, "pause_toggle", ev.CounterResumed)
    again = press(ctx, keypad, "call_next", ev.TicketCalled)
    assert again.ticket["number"] == first.number


def test_bad_frames_dropped_and_keypad_survives_unplug(hall_with_keypad: HallContext, tmp_path: Path,
                                                       keypad: SimulatedKeypad) -> None:
    ctx = hall_with_keypad
    wait_connected(ctx, keypad.port_path)
    ctx.service.issue_ticket(service="A01")
    bad = bytearray(build_frame(ADDRESS, 0x0C))
    bad[-2] ^= 0xFF  # wrong checksum
    keypad.send_raw(b"\x00\x13garbage" + bytes(bad))
    press(ctx, keypad, "pause_toggle", ev.CounterPaused)  # a good frame right after is understood
    assert ctx.service.call_next(1, None) is not None  # the bad "call" was dropped: the ticket still waited

    statuses = ctx.keypad_statuses  # type: ignore[attr-defined]
    while not statuses.empty():  # what was reported before the unplug (opening the port, connected)
        statuses.get_nowait()
    keypad.close()  # unplugged
    while True:
        device, state = statuses.get(timeout=WAIT)
        if device == device_name(keypad.port_path) and state == "disconnected":
            break
    listed = {s["device"]: s["state"] for s in ctx.device_status.statuses()}
    assert listed[device_name(keypad.port_path)] == "disconnected"
    ctx.service.issue_ticket(service="A02")  # the hall goes on without the keypad


def test_keypad_config_is_validated() -> None:
    good = parse_config({"keypads": [{"port": "loop://", "address": 1, "counter": 3},
                                     {"port": "loop://", "address": 2, "counter": 4}],
                         "caller": {"recall_limit": 3}})
    assert len(good.keypads) == 2 and good.caller.recall_limit == 3
    for keypads, message in (
        ([{"port": "loop://", "address": 1, "counter": 3}, {"port": "loop://", "address": 1, "counter": 4}],
         "already used"),
        ([{"port": "loop://", "address": 300, "counter": 3}], "address"),
        ([{"port": "loop://", "address": 1, "counter": "three"}], "counter number"),
        ([{"port": "loop://", "address": 1, "counter": 3, "baud": 9600}], "unknown setting"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_config({"keypads": keypads})
    with pytest.raises(ConfigError, match="recall_limit"):
        parse_config({"caller": {"recall_limit": 0}})


def wait_state(ctx: HallContext, url: str, wanted: str) -> None:
    statuses = ctx.keypad_statuses  # type: ignore[attr-defined]
    while True:
        device, state = statuses.get(timeout=WAIT)
        if device == device_name(url) and state == wanted:
            return


def test_replugged_keypad_is_shown_its_ticket_again(config: Config, clock, tmp_path: Path) -> None:
    link = str(tmp_path / "keypad-port")
    first, second = SimulatedKeypad(), SimulatedKeypad()
    os.symlink(first.port_path, link)
    cfg = dataclasses.replace(config, keypads=({"port": link, "address": ADDRESS, "counter": 4},))
    with running_hall(cfg, clock, before_start=watch) as app:
        ctx: HallContext = app.extensions["onewindow"]
        ticket = ctx.service.issue_ticket(service="A01")
        ctx.service.call_next(4, "clerk4")
        wait_shown(first, ticket.number)
        first.close()  # the USB-RS485 adapter is pulled out
        wait_state(ctx, link, "disconnected")
        ctx.service.recall(4, "clerk4")  # the hall goes on without the keypad
        os.symlink(second.port_path, link + ".new")
        os.replace(link + ".new", link)  # plugged back in, at a new tty
        wait_state(ctx, link, "ok")
        wait_shown(second, ticket.number)  # the keypad's display is restored at once
        assert ctx.owner is not None and ctx.owner.keypads is not None
        ctx.owner.keypads.wait_idle()
        assert ctx.service.ticket(ticket.id).recall_count == 1
    second.close()
