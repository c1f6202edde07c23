"""Real-time streams against a real daemon on loopback: order and time tags, `set` at the next
bar, stop, cancel, the vanished-client rule, shutdown, two streams at once, TCP, bad input.

Streams run at fast tempi (240 BPM: a bar a second) for a few seconds each. Timing assertions
are about order, gaps and arrival before the time tag, with generous margins; the tight numbers
are the benchmark's job (bridge/bench_stream.py).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from pathlib import Path

import pytest

from bridge.cli.bench_stream import StreamReceiver, timing_stats
from bridge.server.osc import SlipDecoder, decode_packet, encode_message, slip_encode
from tests.conftest import shipped_models, start_daemon, stop_daemon

C_MAJOR = {0, 2, 4, 5, 7, 9, 11}
FS_MAJOR = {6, 8, 10, 11, 1, 3, 5}


def models_dir() -> Path:
    """The shipped models; CADENZA_TEST_MODELS points elsewhere while models are being trained."""
    env = os.environ.get("CADENZA_TEST_MODELS")
    return Path(env) if env else shipped_models()


@pytest.fixture(scope="module")
def sd(request, tmp_path_factory):
    """A daemon for the stream tests: the session daemon, or one on CADENZA_TEST_MODELS."""
    if not os.environ.get("CADENZA_TEST_MODELS"):
        yield request.getfixturevalue("daemon")
        return
    d = start_daemon(models_dir(), tmp_path_factory.mktemp("streamd") / "daemon.log")
    yield d
    stop_daemon(d)


@pytest.fixture
def rx(sd):
    r = StreamReceiver(sd.host, sd.port)
    yield r
    r.close()


def start(rx: StreamReceiver, req_id: int, *opts):
    rx.send("/cadenza/stream/start", req_id, *opts)
    rec = rx.until(lambda a, g: g[:1] == [req_id] and a in ("/cadenza/accepted", "/cadenza/error"), 10)
    assert rec is not None, "no answer to stream/start"
    assert rec[2][0] == ("/cadenza/accepted", [req_id, 0]), rec[2]


def stop(rx: StreamReceiver, req_id: int):
    rx.send("/cadenza/stream/stop", req_id)
    end = terminal(rx, req_id)
    assert end[0] == "/cadenza/done", end
    return end


def terminal(rx: StreamReceiver, req_id: int, timeout: float = 10):
    rec = rx.until(lambda a, g: g[:1] == [req_id] and a in ("/cadenza/done", "/cadenza/error"), timeout)
    assert rec is not None, f"no terminal reply for stream {req_id}"
    return next((a, g) for a, g in rec[2] if a in ("/cadenza/done", "/cadenza/error"))


def messages(rx: StreamReceiver, req_id: int, address: str | None = None):
    """(arrival, tag, address, args) of every message of stream `req_id`, in arrival order."""
    return [(arr, tag, a, g) for arr, tag, msgs, _ in rx.packets for a, g in msgs
            if g[:1] == [req_id] and (address is None or a == address)]


def check_beats(beats, bpb: int, spb: float):
    """Beats count up one at a time from bar 0 beat 0, one beat apart in time-tag time."""
    assert beats, "no beats"
    assert [tuple(g[1:]) for *_, g in beats] == [(i // bpb, i % bpb) for i in range(len(beats))]
    tags = [tag for _, tag, _, _ in beats]
    for a, b in zip(tags, tags[1:]):
        assert b - a == pytest.approx(spb, abs=0.002)


def test_stream_order_time_tags_and_stop(sd, rx):
    start(rx, 11, "tempo", 240.0, "seed", 7, "density", 0.8)
    rx.run_for(3.0, keepalive_id=11)
    stop(rx, 11)
    later = rx.until(lambda a, g: True, 0.4)
    assert later is None, f"the daemon kept sending after done: {later}"

    mine = messages(rx, 11)
    assert mine[0][2:] == ("/cadenza/accepted", [11, 0])
    assert mine[-1][2] == "/cadenza/done"
    assert [a for _, _, a, _ in mine].count("/cadenza/done") == 1
    tagged = [m for m in mine if m[1] is not None]
    assert {a for _, _, a, _ in tagged} <= {"/cadenza/beat", "/cadenza/note"}
    for arrival, tag, _, _ in tagged:
        assert arrival < tag, f"a bundle arrived {1000 * (arrival - tag):.1f} ms after its time tag"
    tags = [tag for _, tag, _, _ in tagged]
    assert tags == sorted(tags), "time tags went backwards"
    beats = messages(rx, 11, "/cadenza/beat")
    check_beats(beats, 4, 0.25)
    assert len(beats) >= 8, f"only {len(beats)} beats in 3 s at 240 BPM"
    notes = messages(rx, 11, "/cadenza/note")
    assert len(notes) >= 6
    for _, tag, _, (_, pitch, vel, dur) in notes:
        assert 0 <= pitch <= 127 and 1 <= vel <= 127 and dur > 0
        assert isinstance(pitch, int) and isinstance(vel, int) and isinstance(dur, float)
    note_tags = [tag for _, tag, _, _ in notes]
    assert max(b - a for a, b in zip(note_tags, note_tags[1:])) <= 1.0 + 1e-3, "a gap longer than a bar"
    stats = timing_stats(rx.packets, 11, 240.0, 50.0)
    assert stats["after_tag"] == 0 and stats["out_of_order"] == 0
    assert stats["max_bytes"] <= 1400
    assert stats["longest_gap_beats"] <= 1.0 + 1e-3  # a beat bundle at least every beat
    assert 20 < stats["median_lead_ms"] <= 50.5, stats


def test_set_takes_effect_at_the_next_bar(sd, rx):
    start(rx, 21, "tempo", 240.0, "key", "C major", "scale_lock", 1, "seed", 3, "density", 0.9)
    rx.run_for(1.3, keepalive_id=21)
    t_set = time.time()
    rx.send("/cadenza/stream/set", 21, "key", "F# major")
    applied = rx.until(lambda a, g: a == "/cadenza/stream/applied" and g[0] == 21, 5)
    assert applied is not None, "no /cadenza/stream/applied"
    rx.run_for(2.2, keepalive_id=21)
    stop(rx, 21)

    beats = messages(rx, 21, "/cadenza/beat")
    check_beats(beats, 4, 0.25)
    bar0 = beats[0][1]
    playing = int((t_set - bar0) // 1.0)  # the bar that was sounding when `set` left
    (_, tag, _, args), = messages(rx, 21, "/cadenza/stream/applied")
    bar = args[1]
    assert args[2:] == ["key", "F# major"]
    assert bar in (playing + 1, playing + 2), f"set during bar {playing} applied at bar {bar}"
    assert tag == pytest.approx(bar0 + bar * 1.0, abs=0.002), "applied is time-tagged at its bar line"
    before, after = set(), set()
    for _, t, _, g in messages(rx, 21, "/cadenza/note"):
        (before if t < bar0 + bar - 1e-3 else after).add(g[1] % 12)
    assert before and after, (before, after)
    assert before <= C_MAJOR, f"notes before bar {bar} left C major: {sorted(before - C_MAJOR)}"
    assert after <= FS_MAJOR, f"notes from bar {bar} on left F# major: {sorted(after - FS_MAJOR)}"
    assert after - C_MAJOR, "the new key never showed"


def test_cancel_bad_set_and_bad_input(sd, rx):
    start(rx, 31, "tempo", 240.0)
    rx.send("/cadenza/stream/set", 31, "bars", 3)
    bad = rx.until(lambda a, g: a == "/cadenza/stream/rejected" and g[0] == 31, 5)
    assert bad is not None
    _, code, message = next(g for a, g in bad[2] if a == "/cadenza/stream/rejected")
    assert code == "bad_request" and "style, mood, key, role, density, temperature" in message
    rx.send("/cadenza/stream/set", 31, "mood", "furious")
    assert rx.until(lambda a, g: a == "/cadenza/stream/rejected" and "mood" in g[2], 5)
    n = len(messages(rx, 31, "/cadenza/beat"))
    rx.run_for(0.8)
    assert len(messages(rx, 31, "/cadenza/beat")) > n, "a rejected set must not end the stream"
    rx.send("/cadenza/stream/start", 31, "tempo", 200.0)  # the id is taken
    assert terminal(rx, 31)[1][1] == "bad_request"
    rx.send("/cadenza/cancel", 31)
    end = terminal(rx, 31)
    assert end[0] == "/cadenza/error" and end[1][1] == "cancelled", end
    assert rx.until(lambda a, g: g[:1] == [31], 0.4) is None, "sent after the terminal reply"

    for req_id, opts, word in [
        (32, ["lookahead_ms", 0], "lookahead_ms"),
        (33, ["channel", 17], "channel"),
        (34, ["variations", 2], "variations"),
        (35, ["swing", 0.5], "unknown key"),
        (36, ["tempo", 900.0], "tempo"),
        (37, ["model", "nope"], "unknown model"),
    ]:
        rx.send("/cadenza/stream/start", req_id, *opts)
        address, args = terminal(rx, req_id)
        assert address == "/cadenza/error" and word in args[2], (opts, args)
    for address in ("/cadenza/stream/stop", "/cadenza/stream/set", "/cadenza/stream/keepalive"):
        rx.send(address, 38, *(["key", "F"] if address.endswith("set") else []))
        a, g = terminal(rx, 38)
        assert a == "/cadenza/error" and g[1] == "bad_request" and "no running stream" in g[2]


def test_two_streams_do_not_interfere(sd):
    a, b = StreamReceiver(sd.host, sd.port), StreamReceiver(sd.host, sd.port)
    try:
        start(a, 41, "tempo", 240.0, "role", "melody")
        start(b, 42, "tempo", 180.0, "role", "bass", "channel", 2, "meter", "3/4")
        t_end = time.monotonic() + 2.5
        while time.monotonic() < t_end:
            a.run_for(0.05, keepalive_id=41)
            b.run_for(0.05, keepalive_id=42)
        stop(a, 41)
        n_b = len(messages(b, 42, "/cadenza/beat"))
        b.run_for(1.0)
        assert len(messages(b, 42, "/cadenza/beat")) >= n_b + 2, "stopping one stream stopped the other"
        stop(b, 42)
    finally:
        a.close()
        b.close()
    assert all(g[:1] == [41] for _, _, msgs, _ in a.packets for _, g in msgs), "a got another stream's replies"
    assert all(g[:1] == [42] for _, _, msgs, _ in b.packets for _, g in msgs), "b got another stream's replies"
    check_beats(messages(a, 41, "/cadenza/beat"), 4, 0.25)
    check_beats(messages(b, 42, "/cadenza/beat"), 3, 1 / 3)
    assert all(len(g) == 4 for *_, g in messages(a, 41, "/cadenza/note"))
    bass = messages(b, 42, "/cadenza/note")
    assert bass and all(len(g) == 5 and g[4] == 2 for *_, g in bass), "channel 2 rides on every note"
    for r, i in ((a, 41), (b, 42)):
        tagged = [t for _, t, _, _ in messages(r, i) if t is not None]
        assert tagged == sorted(tagged)


def test_finite_stream_plays_its_bars_then_ends(sd, rx):
    start(rx, 51, "tempo", 300.0, "bars", 2)
    end = terminal(rx, 51, timeout=10)
    assert end[0] == "/cadenza/done"
    beats = messages(rx, 51, "/cadenza/beat")
    check_beats(beats, 4, 0.2)
    assert len(beats) == 8
    done_at = messages(rx, 51, "/cadenza/done")[0][0]
    assert done_at >= beats[-1][1] + 0.2 - 0.01, "done came before the last bar was over"


def test_vanished_client_and_keepalive(tmp_path):
    d = start_daemon(models_dir(), tmp_path / "idle.log", {"CADENZA_STREAM_IDLE": "1.5"})
    rx = StreamReceiver(d.host, d.port)
    try:
        start(rx, 61, "tempo", 240.0)
        t_end = time.monotonic() + 2.5
        while time.monotonic() < t_end:
            rx.send("/cadenza/stream/keepalive", 61)
            rx.run_for(0.5)
        assert not messages(rx, 61, "/cadenza/done"), "keepalives did not keep the stream"
        silent_from = time.time()
        end = terminal(rx, 61, timeout=6)
        waited = messages(rx, 61, "/cadenza/done")[0][0] - silent_from
        assert end[0] == "/cadenza/done"
        assert 1.4 <= waited <= 3.5, f"the stream of a silent client ended after {waited:.2f} s"
        assert rx.until(lambda a, g: g[:1] == [61], 0.5) is None
        assert "sent nothing for 1.5 s" in d.log()
    finally:
        rx.close()
        stop_daemon(d)


def test_daemon_shutdown_ends_streams(tmp_path):
    d = start_daemon(models_dir(), tmp_path / "shutdown.log")
    rx = StreamReceiver(d.host, d.port)
    try:
        start(rx, 71, "tempo", 240.0)
        start(rx, 72, "tempo", 200.0, "role", "bass")
        rx.run_for(0.8)
        d.proc.terminate()
        ends = {}  # either stream's terminal reply may come first

        def both(a, g):
            if a in ("/cadenza/done", "/cadenza/error") and g[:1] in ([71], [72]):
                ends[g[0]] = a
            return len(ends) == 2

        rx.until(both, 10)
        assert ends == {71: "/cadenza/done", 72: "/cadenza/done"}
        d.proc.wait(10)
        assert d.proc.returncode == 0, d.log()
    finally:
        rx.close()
        stop_daemon(d)


def test_stream_over_tcp_ends_when_the_connection_closes(sd):
    conn = socket.create_connection((sd.host, sd.port))
    dec, got = SlipDecoder(), []
    try:
        conn.sendall(slip_encode(encode_message("/cadenza/stream/start", 81, "tempo", 240.0)))
        conn.settimeout(0.2)
        t_end = time.monotonic() + 1.5
        while time.monotonic() < t_end:
            try:
                data = conn.recv(65536)
            except socket.timeout:
                continue
            for packet in dec.feed(data):
                got += [(a, g, w) for a, g, w in decode_packet(packet)]
    finally:
        conn.close()
    assert got[0][:2] == ("/cadenza/accepted", [81, 0])
    beats = [g for a, g, w in got if a == "/cadenza/beat"]
    assert len(beats) >= 3 and all(w is not None for a, _, w in got if a in ("/cadenza/beat", "/cadenza/note"))
    probe = StreamReceiver(sd.host, sd.port)
    try:
        for _ in range(40):
            probe.send("/cadenza/status", 82)
            rec = probe.until(lambda a, g: a == "/cadenza/status", 5)
            status = dict(zip(rec[2][0][1][1::2], rec[2][0][1][2::2]))
            if status["streams"] == 0:
                break
            time.sleep(0.1)
        assert status["streams"] == 0, "the stream of a closed TCP connection kept running"
    finally:
        probe.close()


def test_engine_failure_ends_the_stream_with_an_error(sd, rx):
    # No pitch of C major lies in 61..61, so the engine refuses the first bars.
    start(rx, 91, "model", "markov", "key", "C major", "scale_lock", 1, "pitch_low", 61, "pitch_high", 61)
    address, args = terminal(rx, 91)
    assert address == "/cadenza/error" and args[1] == "bad_request" and "pitch" in args[2], args
    rx.send("/cadenza/status", 92)
    rec = rx.until(lambda a, g: a == "/cadenza/status", 5)
    status = dict(zip(rec[2][0][1][1::2], rec[2][0][1][2::2]))
    assert status["streams"] == 0


def test_a_set_the_engine_refuses_leaves_the_stream_as_it_was(sd, rx):
    # Only middle C may sound: C major allows it, F# major has no C, so the engine refuses the set.
    start(rx, 95, "model", "markov", "tempo", 240.0, "key", "C major", "scale_lock", 1,
          "pitch_low", 60, "pitch_high", 60)
    rx.run_for(0.6)
    rx.send("/cadenza/stream/set", 95, "key", "F# major")
    rec = rx.until(lambda a, g: a == "/cadenza/stream/rejected" and g[0] == 95, 5)
    assert rec is not None, "the refused set was not reported"
    n = len(messages(rx, 95, "/cadenza/beat"))
    rx.run_for(1.2, keepalive_id=95)
    assert len(messages(rx, 95, "/cadenza/beat")) >= n + 3, "the stream stopped after a refused set"
    stop(rx, 95)
    assert not messages(rx, 95, "/cadenza/stream/applied")
    assert {g[1] for *_, g in messages(rx, 95, "/cadenza/note")} == {60}


def test_stream_survives_the_send_process_dying(tmp_path):
    d = start_daemon(models_dir(), tmp_path / "sender.log")
    rx = StreamReceiver(d.host, d.port)
    try:
        start(rx, 97, "tempo", 240.0)
        rx.run_for(1.0)
        pid = int(re.search(r"stream send process (\d+) serves", d.log()).group(1))
        os.kill(pid, signal.SIGKILL)
        t_kill = time.time()
        rx.run_for(1.5)
        stop(rx, 97)
        assert "send process is gone" in d.log()
    finally:
        rx.close()
        stop_daemon(d)
    beats = messages(rx, 97, "/cadenza/beat")
    assert len(beats) >= 8
    # Bundles the dead process held may be lost, but the clock goes on, in order and on time.
    tags = [t for _, t, _, _ in beats]
    assert tags == sorted(tags) and beats[-1][1] - beats[0][1] >= 2.0
    assert all(arrival < tag for arrival, tag, _, _ in beats)
    leads = [(tag - arrival) * 1000 for arrival, tag, _, _ in beats if arrival > t_kill + 0.1]
    assert len(leads) >= 4 and all(20 < x < 60 for x in leads), leads  # sent by the daemon itself, 50 ms ahead
