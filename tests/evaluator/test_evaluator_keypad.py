"""The five-key serial evaluator: frames as pure functions, then a simulated keypad over a real pty."""

from __future__ import annotations

import threading

import pytest

from drivers import evaluator_keypad as proto
from drivers.evaluator_keypad import EvalFrame, EvalFrameParser, SimulatedEvaluator, encode, key_frame, prompt_frame
from tests.conftest import login, running_hall

WAIT = 5.0


def test_key_frame_bytes_are_as_documented():
    # 02 A C L D BCC 03, BCC = A ^ C ^ L ^ D: 0x01 ^ 0x4B ^ 0x01 ^ 0x02 = 0x49.
    assert key_frame(1, 2) == bytes([0x02, 0x01, 0x4B, 0x01, 0x02, 0x49, 0x03])
    assert encode(3, proto.CMD_IDLE) == bytes([0x02, 0x03, 0x49, 0x00, 0x03 ^ 0x49, 0x03])
    assert prompt_frame(1, "B001", 60)[4:9] == bytes([60]) + b"B001"
    with pytest.raises(ValueError):
        key_frame(1, 6)


def test_parser_skips_noise_bad_checksums_and_split_frames():
    parser = EvalFrameParser()
    good = key_frame(1, 5)
    corrupt = bytearray(key_frame(1, 4))
    corrupt[-2] ^= 0xFF
    frames = parser.feed(b"\x00\xff" + bytes(corrupt) + good[:3])
    assert frames == [] and parser.pending
    assert parser.feed(good[3:]) == [EvalFrame(1, proto.CMD_KEY, b"\x05")]
    assert parser.dropped >= 2 + len(corrupt)
    assert parser.feed(bytes([0x02, 0x01, 0x4B, 0xFF])) == []  # impossible length: dropped
    assert parser.feed(key_frame(2, 1)) == [EvalFrame(2, proto.CMD_KEY, b"\x01")]


@pytest.fixture
def keypad():
    with SimulatedEvaluator(address=7) as sim:
        yield sim


def _watch(ctx) -> None:
    ready = threading.Event()
    ctx.device_status.subscribe(lambda device, status: ready.set() if device.startswith("evaluator ") and
                                status["state"] == "ok" else None)
    ctx.keypad_ready = ready


@pytest.fixture
def keypad_app(config, clock, keypad):
    cfg = config.with_overrides(evaluator_keypads=({"port": keypad.port_path, "address": 7, "counter": 1},))
    with running_hall(cfg, clock, before_start=_watch) as app:
        yield app


def _connected(ctx) -> None:
    """Wait until the reader has the pty open (the device owner reports it as ok)."""
    assert ctx.keypad_ready.wait(WAIT)


def test_a_finished_case_lights_the_keys_and_a_key_records_the_rating(keypad_app, keypad):
    ctx = keypad_app.extensions["onewindow"]
    _connected(ctx)
    clerk = keypad_app.test_client()
    login(clerk, "clerk1")
    keypad.press(5)  # nothing to rate yet
    refused = keypad.wait_for(proto.CMD_REFUSE, WAIT)
    assert refused is not None and refused.address == 7 and refused.data == bytes([proto.REFUSE_NOTHING_PENDING])

    ticket = clerk.post("/api/v1/tickets", json={"service": "B01"}).get_json()
    clerk.post("/api/v1/counters/1/call-next", json={})
    clerk.post("/api/v1/counters/1/start", json={})
    clerk.post("/api/v1/counters/1/finish", json={})
    prompt = keypad.wait_for(proto.CMD_PROMPT, WAIT)
    assert prompt is not None and prompt.data[0] == 60 and prompt.data[1:] == ticket["number"].encode()

    keypad.press(2)
    accepted = keypad.wait_for(proto.CMD_ACCEPT, WAIT)
    assert accepted is not None and accepted.data == b"\x02"
    with ctx.storage.read() as db:
        row = dict(db.execute("SELECT r.score, r.counter, r.staff, d.kind, d.counter AS device_counter FROM ratings r "
                              "JOIN devices d ON d.id = r.device WHERE r.ticket = ?", [ticket["id"]]).fetchone())
        followups = db.execute("SELECT count(*) FROM followups WHERE ticket = ?", [ticket["id"]]).fetchone()[0]
    assert row == {"score": 2, "counter": 1, "staff": "clerk1", "kind": "evaluator", "device_counter": 1}
    assert followups == 1

    keypad.press(5)  # one rating per case: the second key is refused
    again = keypad.wait_for(proto.CMD_REFUSE, WAIT)
    assert again is not None and again.data == bytes([proto.REFUSE_NOTHING_PENDING])


def test_request_rating_prompts_the_keypad_again_and_a_bad_key_is_refused(keypad_app, keypad, clock):
    ctx = keypad_app.extensions["onewindow"]
    _connected(ctx)
    clerk = keypad_app.test_client()
    login(clerk, "clerk1")
    clerk.post("/api/v1/tickets", json={"service": "B01"})
    clerk.post("/api/v1/counters/1/call-next", json={})
    clerk.post("/api/v1/counters/1/start", json={})
    clerk.post("/api/v1/counters/1/finish", json={})
    assert keypad.wait_for(proto.CMD_PROMPT, WAIT) is not None
    clock.advance(30)
    assert clerk.post("/api/v1/counters/1/request-rating", json={}).status_code == 202
    prompt = keypad.wait_for(proto.CMD_PROMPT, WAIT)
    assert prompt is not None and prompt.data[0] == 30  # what is left of the window

    keypad.send_raw(encode(7, proto.CMD_KEY, b"\x09"))
    bad = keypad.wait_for(proto.CMD_REFUSE, WAIT)
    assert bad is not None and bad.data == bytes([proto.REFUSE_BAD_KEY])
    clock.advance(31)
    keypad.press(4)  # the window has closed
    late = keypad.wait_for(proto.CMD_REFUSE, WAIT)
    assert late is not None and late.data == bytes([proto.REFUSE_NOTHING_PENDING])
