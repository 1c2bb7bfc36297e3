"""Garbage in: HTTP bodies, Socket.IO events and serial frames are refused with a message, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.evaluator_keypad import CMD_KEY, EvalFrame, EvalFrameParser
from drivers.evaluator_keypad import key_frame as eval_key_frame
from drivers.keypad import Frame, FrameError, FrameParser, build_frame
from hall.web.app import MAX_BODY_BYTES
from tests.conftest import received

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)
#: What a Socket.IO client can send at all: JSON has no NaN or Infinity (the test client would fail to encode them).
socket_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)
#: The protocol's connect auth is an object (a bare number would be read as an acknowledgement id).
socket_auth = st.none() | st.dictionaries(st.sampled_from(["token", "counter", "device_token", "view", "ticket", "x"]),
                                          socket_values, max_size=4)


def refused_with_message(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert body["error"] and body["message"], body
    return body


# ---- HTTP ------------------------------------------------------------------------------

def test_oversized_body_is_refused(client):
    response = client.post("/api/v1/tickets", data=b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}",
                           content_type="application/json")
    refused_with_message(response, 413)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/xml"])
def test_wrong_content_type_is_refused(client, content_type):
    response = client.post("/api/v1/tickets", data=b"service=A01", content_type=content_type)
    assert "application/json" in refused_with_message(response, 415)["message"]


def test_unknown_fields_are_named(client):
    body = refused_with_message(client.post("/api/v1/tickets", json={"service": "A01", "sevrice": "A02"}), 400)
    assert "sevrice" in body["message"]


@pytest.mark.parametrize("raw", [b'{"service": "A\xff\xfe01"}', b"\xc3\x28", b'{"service": "\xed\xa0\x80"}',
                                 b'{"service": "A01"', b"[1, 2", b"\x00\x00"])
def test_invalid_utf8_and_broken_json_are_refused(client, raw):
    response = client.post("/api/v1/tickets", data=raw, content_type="application/json")
    refused_with_message(response, 400)


@pytest.mark.parametrize("url", ["/api/v1/tickets/99999999999999999999999", "/api/v1/counters/18446744073709551616",
                                 "/api/v1/counters/9223372036854775808/call-next"])
def test_huge_numbers_in_urls_are_refused(client, clerk, url):
    response = (clerk.post(url, json={}) if url.endswith("call-next") else clerk.get(url))
    refused_with_message(response, 400, 404)


@pytest.mark.parametrize("value", [10**30, -10**30, 1e308, float("inf"), True, "1"])
def test_huge_or_wrongly_typed_numbers_in_bodies_are_refused(app, ctx, client, clerk, value):
    client.post("/api/v1/tickets", json={"service": "A01"})
    for step in ("call-next", "start"):
        clerk.post(f"/api/v1/counters/1/{step}", json={})
    response = clerk.post("/api/v1/counters/1/transfer", json={"to_counter": value})
    refused_with_message(response, 400, 404, 409)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(payload=json_values)
def test_random_json_on_the_public_writes_never_fails_the_server(app, payload):
    client = app.test_client()
    for url in ("/api/v1/tickets", "/api/v1/login", "/api/v1/appointments/check-in", "/api/v1/kiosk/reprint",
                "/api/v1/ratings"):
        response = client.post(url, json=payload)
        assert response.status_code < 500, (url, payload, response.get_data(as_text=True)[:200])
        if response.status_code >= 400:
            assert response.get_json()["message"]


# ---- Socket.IO ---------------------------------------------------------------------------

SOCKET_EVENTS = {"/counter": ["action", "held", "confirm_priority", "snapshot_request"],
                 "/lobby": ["snapshot_request"], "/console": ["snapshot_request"]}


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(payload=socket_values, action=st.sampled_from(["call-next", "call", "transfer", "pause", "bogus", None, 5]))
def test_socket_handlers_answer_garbage_without_crashing(app, ctx, clerk, payload, action):
    from hall.web.extensions import socketio

    panel = socketio.test_client(app, namespace="/counter", flask_test_client=clerk, auth={"counter": 1})
    lobby = socketio.test_client(app, namespace="/lobby")
    try:
        assert panel.is_connected("/counter")
        data = dict(payload, action=action) if isinstance(payload, dict) else payload
        answer = panel.emit("action", data, namespace="/counter", callback=True)
        assert isinstance(answer, dict)
        if "error" in answer:
            assert answer["message"]
        for event in SOCKET_EVENTS["/counter"][1:]:
            panel.emit(event, payload, namespace="/counter", callback=True)
        lobby.emit("snapshot_request", payload, namespace="/lobby")
        assert lobby.is_connected("/lobby") and panel.is_connected("/counter")
        assert received(lobby, "/lobby", ctx, "snapshot")
    finally:
        panel.disconnect(namespace="/counter")
        lobby.disconnect(namespace="/lobby")


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(auth=socket_auth)
def test_socket_connect_with_garbage_auth_is_refused_or_harmless(app, auth):
    from hall.web.extensions import socketio

    for namespace in ("/counter", "/console", "/evaluator", "/screen", "/status"):
        sio = socketio.test_client(app, namespace=namespace, auth=auth)
        if sio.is_connected(namespace):
            assert namespace in ("/screen",), (namespace, auth)
            sio.disconnect(namespace=namespace)


# ---- serial frames -----------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(noise=st.binary(max_size=200), cut=st.integers(min_value=0, max_value=12), chunk=st.integers(1, 16))
def test_caller_keypad_parser_survives_noise_and_truncated_frames(noise, cut, chunk):
    good = build_frame(3, 0x21)
    stream = noise + good[: len(good) - cut] + good
    parser = FrameParser()
    results = []
    for i in range(0, len(stream), chunk):
        results += parser.feed(stream[i:i + chunk])
    results += parser.flush()
    assert all(isinstance(r, (Frame, FrameError)) for r in results)
    assert Frame(3, 0x21, b"") in results, "the good frame after the garbage is still read"
    assert parser.pending == 0


@settings(max_examples=300, deadline=None)
@given(noise=st.binary(max_size=200), cut=st.integers(min_value=0, max_value=8), chunk=st.integers(1, 16))
def test_evaluator_keypad_parser_survives_noise_and_truncated_frames(noise, cut, chunk):
    good = eval_key_frame(2, 4)
    stream = noise + good[: max(0, len(good) - cut)] + good
    parser = EvalFrameParser()
    frames = []
    for i in range(0, len(stream), chunk):
        frames += parser.feed(stream[i:i + chunk])
    frames += parser.flush()  # the line goes quiet, as the reader thread reports
    assert EvalFrame(2, CMD_KEY, bytes([4])) in frames, "the good frame after the garbage is still read"
    assert parser.pending == 0


@pytest.mark.parametrize("raw", [b"[" * 40000 + b"]" * 40000, b'{"service": "\\ud800"}'])
def test_deep_nesting_and_escaped_surrogates_are_refused(client, raw):
    response = client.post("/api/v1/tickets", data=raw, content_type="application/json")
    refused_with_message(response, 400, 413)
