"""A counter PC's agent: caller keypad, evaluator and LED strip on ptys, driven by the hall through a real agent."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import requests
import socketio

from drivers import evaluator_keypad as evaluator_proto
from drivers.evaluator_keypad import SimulatedEvaluator
from drivers.keypad import FUNC_SHOW, Frame, display_digits
from drivers.led import Effect
from drivers.sim_keypad import SimulatedKeypad
from drivers.sim_led import SimulatedLedBoards
from tests.agent.harness import WAIT, AgentProcess, Console, agent_toml, register
from tests.faults.realserver import staff_session
from tests.live import LiveServer

COUNTER = 4
CALL = "请{}号到4号窗口"


def wait_shown(keypad: SimulatedKeypad, text: str) -> None:
    """The host shows *text* on the keypad (earlier frames, acks included, are skipped)."""
    wanted = Frame(1, FUNC_SHOW, display_digits(text))
    for _ in range(50):
        frames = keypad.read_frames(WAIT)
        assert frames, f"the keypad was never shown {text}"
        if frames[0] == wanted:
            return
    raise AssertionError(f"the keypad was never shown {text}")


def counter_ticket(clerk: requests.Session, url: str) -> dict | None:
    return clerk.get(f"{url}/api/v1/counters/{COUNTER}", timeout=30).json()["ticket"]


def test_keypad_evaluator_and_led_strip_of_a_counter_pc_work_through_its_agent(
        server: LiveServer, tmp_path: Path) -> None:
    boards, keypad, evaluator = SimulatedLedBoards([1]), SimulatedKeypad(), SimulatedEvaluator(address=1)
    led_link = str(tmp_path / "ttyLED")
    os.symlink(boards.port_path, led_link)
    token = register(server, "agent", "--counter", str(COUNTER), "--name", "counter-pc-4")
    agent = AgentProcess(server.workdir, server.url, token, agent_toml("counter-pc-4", f"""
[[keypads]]
port = "{keypad.port_path}"
address = 1
counter = {COUNTER}

[[evaluator_keypads]]
port = "{evaluator.port_path}"
address = 1
counter = {COUNTER}

[[led_displays]]
port = "{led_link}"
address = 1
counter = {COUNTER}
"""), name="counter-pc-4")
    console = Console(server.url)
    try:
        agent.start()
        # Nobody is signed in at counter 4 yet: the strip says so; when the clerk signs in, the idle text.
        assert boards.wait_text(1, "暂停服务", WAIT)
        console.wait_device("led counter 4", "ok")
        console.wait_device(f"keypad counter-pc-4:{keypad.port_path}", "ok")
        clerk = staff_session(server.url, "clerk4")
        assert boards.wait_text(1, "热情为您服务", WAIT)
        ticket = requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01"}, timeout=30).json()
        wait_shown(keypad, "1")  # one waiting

        heard = len(boards.heard)
        keypad.press(1, "call_next")  # the clerk's keypad, over the agent
        called = boards.wait_text(1, CALL.format(ticket["number"]), WAIT, after=heard)
        assert called is not None and called.content is not None and called.content.effect is Effect.FLASH
        steady = boards.wait_for(lambda r: r.content is not None and r.content.effect is Effect.STEADY
                                 and r.content.text == called.content.text, WAIT, after=heard)
        assert steady is not None and 2.5 <= steady.at - called.at <= 4.5  # flashing for 3 s, then steady
        wait_shown(keypad, ticket["number"])
        assert counter_ticket(clerk, server.url)["number"] == ticket["number"]

        keypad.press(1, "request_rating")  # finishes the case and asks for the rating
        prompt = evaluator.wait_for(evaluator_proto.CMD_PROMPT, WAIT)
        assert prompt is not None and ticket["number"].encode() in prompt.data
        assert boards.wait_text(1, "热情为您服务", WAIT, after=heard)
        evaluator.press(5)
        accepted = evaluator.wait_for(evaluator_proto.CMD_ACCEPT, WAIT)
        assert accepted is not None and accepted.data == bytes([5])
        with sqlite3.connect(server.db) as db:
            assert db.execute("SELECT score FROM ratings WHERE ticket = ?", [ticket["id"]]).fetchone() == (5,)

        # The strip's adapter pulled out and put back: offline, then the current text again.
        heard = len(boards.heard)
        boards.close()
        console.wait_device("led counter 4", "offline")
        with SimulatedLedBoards([1]) as again:
            os.symlink(again.port_path, led_link + ".new")
            os.replace(led_link + ".new", led_link)
            assert again.wait_text(1, "热情为您服务", WAIT)
            console.wait_device("led counter 4", "ok")
            keypad.press(1, "pause_toggle")
            assert again.wait_text(1, "暂停服务", WAIT)
    finally:
        agent.stop()
        console.close()
        for device in (boards, keypad, evaluator):
            device.close()


def test_an_agent_owns_only_what_its_registration_and_the_hall_allow(server: LiveServer) -> None:
    token = register(server, "agent", "--counter", "2", "--name", "counter-pc-2")
    client = socketio.Client(reconnection=False)
    client.connect(server.url, namespaces=["/agent"], auth={"device_token": token}, transports=["websocket"])
    try:
        answer = client.call("hello", {"devices": [
            {"kind": "keypad", "port": "/dev/ttyUSB0", "address": 1, "counter": 2},
            {"kind": "keypad", "port": "/dev/ttyUSB0", "address": 2, "counter": 3},
            {"kind": "printer", "kiosk": "kiosk-1"},
            {"kind": "led_display", "port": "/dev/ttyUSB1", "address": 1, "counter": 2},
        ]}, namespace="/agent", timeout=WAIT)
        assert answer["ok"] and answer["agent"] == "counter-pc-2"
        refused = {r["device"]: r["reason"] for r in answer["refused"]}
        assert refused == {"keypad:/dev/ttyUSB0#2": "this agent is registered for counter 2 only",
                           "printer:kiosk-1": "this agent is registered for counter 2 only"}
        bad = client.call("hello", {"devices": [{"kind": "toaster"}]}, namespace="/agent", timeout=WAIT)
        assert bad == {"ok": False, "error": "device kind must be one of printer, keypad, evaluator_keypad, "
                                             "led_display, id_card_reader"}
        status = client.call("status", {"kind": "keypad", "port": "/dev/ttyUSB9", "state": "ok"},
                             namespace="/agent", timeout=WAIT)
        assert status == {"ok": False}  # a port the session does not drive (the bad hello changed nothing)
    finally:
        client.disconnect()

    kiosk_token = register(server, "agent", "--kiosk", "kiosk-2", "--name", "kiosk-pc-2")
    client = socketio.Client(reconnection=False)
    client.connect(server.url, namespaces=["/agent"], auth={"device_token": kiosk_token}, transports=["websocket"])
    try:
        answer = client.call("hello", {"devices": [{"kind": "printer", "kiosk": "kiosk-2"}]}, namespace="/agent",
                             timeout=WAIT)
        [refusal] = answer["refused"]
        assert "does not put kiosk kiosk-2's printer on an agent" in refusal["reason"]
    finally:
        client.disconnect()

    kiosk_device = register(server, "kiosk", "--kiosk", "kiosk-1")
    for auth in ({"device_token": "not-a-token"}, {}, {"device_token": kiosk_device}):
        with pytest.raises(socketio.exceptions.ConnectionError):
            socketio.Client(reconnection=False).connect(server.url, namespaces=["/agent"], auth=auth,
                                                        transports=["websocket"], wait_timeout=WAIT)
