"""Hostile input: every bad request gets the right error (or a log line when it cannot be
addressed) and the daemon keeps serving. Real daemon subprocess, real UDP and TCP sockets."""

from __future__ import annotations

import math
import socket
import struct
import time

import pytest

from bridge.server.osc import encode_message, slip_encode
from tests.oscutil import UdpProbe


@pytest.fixture
def probe(daemon):
    p = UdpProbe(daemon.host, daemon.port)
    yield p
    p.close()


def test_malformed_datagrams_are_logged_and_ignored(daemon, probe):
    garbage = [
        b"",
        b"\x00\x01\x02\x03",
        b"hello world",
        b"/cadenza/ping\x00\x00\x00,i\x00\x00",  # promises an int, carries none
        b"/cadenza/generate\x00\x00\x00,s\x00\x00abc",  # unterminated string
        b"#bundle\x00" + b"\x00" * 8 + struct.pack(">i", 9999) + b"/x",  # element longer than packet
        bytes(range(256)) * 4,
    ]
    for g in garbage:
        probe.send_raw(g)
    assert probe.quiet(0.3) == []
    assert probe.ping_ok()
    assert "malformed" in daemon.log()


@pytest.mark.parametrize(
    "args,code,fragment",
    [
        (["bars", -3], "bad_request", "bars must be an integer from 1 to 64, got -3"),
        (["bars", 1000], "bad_request", "from 1 to 64"),
        (["bars", "four"], "bad_request", "bars must be a number"),
        (["bars", 2.5], "bad_request", "integer"),
        (["temperature", float("nan")], "bad_request", "finite"),
        (["temperature", float("inf")], "bad_request", "finite"),
        (["tempo", 1e9], "bad_request", "from 20 to 300"),
        (["variations", 100], "bad_request", "from 1 to 8"),
        (["pitch_low", 90, "pitch_high", 20], "bad_request", "pitch_low"),
        (["pitch_high", 300], "bad_request", "0 to 127"),
        (["colour", "red"], "bad_request", "unknown key 'colour'"),
        (["bars"], "bad_request", "key/value pairs"),
        ([5, 5], "bad_request", "keys must be strings"),
        (["key", "H# lydian"], "bad_request", "key must look like"),
        (["meter", "4/5"], "bad_request", "power of two"),
        (["role", "vocals"], "bad_request", "melody, bass, chords, keys, drums"),
        (["mood", "purple"], "bad_request", "happy, tense, sad, calm"),
        (["style", "no-such-style"], "bad_request", "this model knows"),
        (["model", "nope"], "unknown_model", "unknown model 'nope'"),
        (["seed", 2**40], "bad_request", "seed"),
    ],
)
def test_bad_generate_options(probe, args, code, fragment):
    probe.send("/cadenza/generate", 11, *args)
    got_code, message = probe.error_for(11)
    assert got_code == code
    assert fragment in message, message
    assert probe.ping_ok()


def test_bad_ids_and_addresses(probe):
    probe.send("/cadenza/generate", "seven", "bars", 2)
    code, message = probe.error_for(-1)
    assert code == "bad_request" and "int32 request id" in message
    probe.send("/cadenza/generate")
    assert probe.error_for(-1)[0] == "bad_request"
    probe.send("/cadenza/explode", 5)
    code, message = probe.error_for(5)
    assert code == "unknown_address" and "/cadenza/generate" in message
    probe.send("/cadenza/restyle", 6, "strength", 2.0)
    code, message = probe.error_for(6)
    assert code == "bad_request" and "strength" in message and "from 0" in message
    assert probe.ping_ok()


def test_uploads_without_begin_and_bad_notes(probe):
    probe.send("/cadenza/clip/notes", 21, 60, 0.0, 1.0, 90)
    assert probe.error_for(21)[0] == "no_clip"
    probe.send("/cadenza/continue", 22, "bars", 2)
    assert probe.error_for(22)[0] == "no_clip"
    probe.send("/cadenza/clip/begin", 23, 8.0)
    for bad, fragment in [
        ((200, 0.0, 1.0, 90), "pitch"),
        ((60, -1.0, 1.0, 90), "start"),
        ((60, 0.0, 0.0, 90), "duration"),
        ((60, 0.0, 1.0, 0), "velocity"),
        ((60, float("nan"), 1.0, 90), "start"),
        ((60, 0.0, float("inf"), 90), "duration"),
        ((60, 0.0, 1.0), "groups of 4"),
        ((60.5, 0.0, 1.0, 90), "pitch"),
    ]:
        probe.send("/cadenza/clip/notes", 23, *bad)
        code, message = probe.error_for(23)
        assert code == "bad_request" and fragment in message, (bad, message)
    probe.send("/cadenza/clip/begin", 24, 1e12)
    assert probe.error_for(24)[0] == "too_large"
    probe.send("/cadenza/clip/begin", 25, -4.0)
    assert probe.error_for(25)[0] == "bad_request"
    assert probe.ping_ok()


def test_too_many_notes_is_too_large(probe):
    probe.send("/cadenza/clip/begin", 31, 256.0)
    for start in range(0, 10_064, 64):
        flat = []
        for i in range(64):
            flat += [60, ((start + i) % 1000) * 0.25, 0.25, 90]
        probe.send("/cadenza/clip/notes", 31, *flat)
        time.sleep(0.0005)
    code, message = probe.error_for(31)
    assert code == "too_large" and "10000" in message
    assert probe.ping_ok()


def test_uploads_expire_and_are_limited(daemon_factory):
    d = daemon_factory({"CADENZA_UPLOAD_TTL": "1", "CADENZA_MAX_UPLOADS": "4"})
    p = UdpProbe(d.host, d.port)
    try:
        for i in range(4):
            p.send("/cadenza/clip/begin", 100 + i, 4.0, "reply_port", p.port)
        p.send("/cadenza/clip/begin", 104, 4.0)
        code, message = p.error_for(104)
        assert code == "too_large" and "at most 4 unfinished uploads" in message
        code, message = p.error_for(100, timeout=5)
        assert code == "timeout" and "expired" in message
        assert p.ping_ok()
        assert "expired" in d.log()
    finally:
        p.close()


def test_tcp_garbage_and_oversized_frames_keep_serving(daemon, probe):
    with socket.create_connection((daemon.host, daemon.port), timeout=5) as s:
        s.sendall(slip_encode(b"not osc at all") + slip_encode(b"/cadenza/ping\x00\x00\x00,i"))
        s.sendall(slip_encode(encode_message("/cadenza/ping", 77)))
        buf = s.recv(4096)
        assert b"/cadenza/pong" in buf
    with socket.create_connection((daemon.host, daemon.port), timeout=5) as s:
        try:
            s.sendall(b"\x01" * (1 << 21))  # a 2 MiB frame with no end: the daemon hangs up
        except OSError:
            pass
    assert probe.ping_ok()


def test_ping_forms(probe):
    probe.send("/cadenza/ping")
    probe.collect(lambda a, g: a == "/cadenza/pong" and len(g) == 1 and isinstance(g[0], str))
    probe.send("/cadenza/ping", 5.0)  # Pd sends every number as a float
    probe.collect(lambda a, g: a == "/cadenza/pong" and g[0] == 5)
    assert math.isfinite(probe.replies[-1][1][0])


def test_immediate_errors_go_to_the_reply_port(daemon):
    """Max and TouchDesigner listen only on their reply port: refusals must reach it."""
    sender, listener = UdpProbe(daemon.host, daemon.port), UdpProbe(daemon.host, daemon.port)
    try:
        sender.send("/cadenza/generate", 41, "bars", 0, "reply_port", listener.port)
        code, message = listener.error_for(41)
        assert code == "bad_request" and "bars" in message
        sender.send("/cadenza/clip/begin", 42, 8.0, "reply_port", listener.port)
        sender.send("/cadenza/clip/notes", 42, 300, 0.0, 1.0, 90)  # no reply_port: the upload's is used
        assert listener.error_for(42)[0] == "bad_request"
        sender.send("/cadenza/generate", 43, "style", "nope", "reply_port", listener.port)
        assert listener.error_for(43)[0] == "bad_request"
        assert sender.quiet(0.2) == []
    finally:
        sender.close()
        listener.close()


def test_a_huge_prompt_is_answered_within_the_datagram_limit(probe):
    words = " ".join(f"zzword{i}" for i in range(2000))
    probe.send("/cadenza/generate", 51, "prompt", "calm tune " + words, "bars", 1)
    address, args = probe.terminal(51, timeout=30)
    assert address == "/cadenza/done", args
    info = next(g for a, g in probe.replies if a == "/cadenza/info" and g[0] == 51)
    assert "zzword0" in info[info.index("unknown") + 1]
