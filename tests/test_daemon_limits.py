"""Limits that keep one client from costing the others (issue 17, defects 4, 7, 8, 9, 11, 12):
upload memory, idle connections, log and reply amplification, one worker per model, MIDI files
checked before parsing, float32 bounds, the listen backlog. Real daemons, real sockets."""

from __future__ import annotations

import shutil
import subprocess
import struct
import sys
import time

import mido
import pytest

from bridge.music.clip import MAX_MIDI_BYTES, read_clip
from bridge.errors import BadRequest, TooLarge
from bridge.server.osc import encode_bundle, encode_message
from tests.oscutil import UdpProbe
from tests.test_daemon_faults import TcpProbe


def notes(n, start=0):
    flat = []
    for i in range(n):
        flat += [60 + i % 12, ((start + i) % 32) * 0.25, 0.25, 90]
    return flat


# -- defect 4: memory held in uploads and by idle connections -----------------------------------
def test_upload_memory_is_capped_and_freed_with_its_connection(daemon_factory):
    d = daemon_factory({"CADENZA_MAX_UPLOAD_NOTES": "100"})
    first = TcpProbe(d.host, d.port)
    first.send("/cadenza/clip/begin", 1, 8.0)
    first.send("/cadenza/clip/notes", 1, *notes(64))
    first.send("/cadenza/clip/notes", 1, *notes(64, 64))  # 128 > 100
    _, args = first.collect(lambda a, g: a == "/cadenza/error" and g[0] == 1)
    assert args[1] == "busy" and "max_upload_notes" in args[2] and "100" in args[2]
    first.close()  # its 64 notes are freed with it
    second = TcpProbe(d.host, d.port)
    try:
        deadline = time.monotonic() + 10
        while True:
            second.send("/cadenza/clip/begin", 2, 8.0)
            second.send("/cadenza/clip/notes", 2, *notes(64))
            second.send("/cadenza/ping", 3)
            second.collect(lambda a, g: a == "/cadenza/pong" and g[:1] == [3])
            if not any(a == "/cadenza/error" and g[0] == 2 for a, g in second.replies):
                break
            assert time.monotonic() < deadline, second.replies
            second.replies.clear()
            time.sleep(0.2)
    finally:
        second.close()
    assert "freed 1 upload" in d.log()


def test_idle_tcp_connections_are_closed(daemon_factory):
    d = daemon_factory({"CADENZA_TCP_IDLE": "1"})
    t = TcpProbe(d.host, d.port)
    try:
        t.sock.settimeout(15)
        assert t.sock.recv(100) == b""  # the daemon hung up
    finally:
        t.close()
    assert "nothing received for 1 s" in d.log()


# -- defect 7: log amplification ----------------------------------------------------------------
def test_malformed_packets_do_not_flood_the_log(daemon_factory):
    d = daemon_factory()
    p = UdpProbe(d.host, d.port)
    try:
        before = len(d.log())
        p.send_raw(b"/cadenza/ping\0\0\0," + b"Z" * 65000 + b"\0\0\0")  # 65,000 unknown type tags
        for _ in range(300):
            p.send_raw(b"not osc")
        assert p.ping_ok()
        grown = d.log()[before:]
        assert len(grown) < 20_000, f"{len(grown)} bytes of log from 301 bad datagrams"
        assert grown.count("dropped a malformed packet") <= 12
    finally:
        p.close()


# -- defect 8: reply amplification --------------------------------------------------------------
def test_one_datagram_cannot_ask_for_megabytes(daemon):
    p = UdpProbe(daemon.host, daemon.port)
    try:
        request = encode_bundle(None, [encode_message("/cadenza/models", i) for i in range(2300)])
        assert len(request) < 65_000
        p.send_raw(request)
        assert p.quiet(0.5) == []  # more than 32 messages: refused as a whole
        # 32 is the most a bundle may hold; /status answers two datagrams each: the /models answers of
        # five resident models (192 datagrams) did not all arrive within the 1 s window on a loaded
        # 2-core machine, which is timing, not the rule under test
        p.send_raw(encode_bundle(None, [encode_message("/cadenza/status", i) for i in range(32)]))
        got = p.quiet(1.0)
        assert sum(1 for a, _ in got if a == "/cadenza/done") == 32
        p.send("/cadenza/" + "x" * 2000, 5)
        code, message = p.error_for(5)
        assert code == "unknown_address" and len(message.encode()) <= 512
    finally:
        p.close()


def test_replies_to_one_address_are_rate_limited(daemon_factory):
    d = daemon_factory({"CADENZA_REPLY_BYTES_PER_S": "2000", "CADENZA_LIMIT_LOOPBACK": "1"})
    p = UdpProbe(d.host, d.port)
    try:
        t0 = time.monotonic()
        for i in range(200):
            p.send("/cadenza/models", i)
        got = p.quiet(1.0)
        elapsed = time.monotonic() - t0
        received = sum(len(encode_message(a, *g)) for a, g in got)
        assert 0 < received <= 4 * 2000 + 2000 * elapsed + 1400
        assert "reply limit" in d.log()
    finally:
        p.close()


# -- defect 9: a slow model does not block a fast one -------------------------------------------
def test_a_slow_model_does_not_block_a_fast_one(daemon):
    p = UdpProbe(daemon.host, daemon.port)
    try:
        p.send("/cadenza/generate", 91, "model", "transformer", "bars", 32, "variations", 4, "seed", 1)
        p.collect(lambda a, g: a == "/cadenza/accepted" and g[0] == 91)
        p.send("/cadenza/generate", 92, "model", "markov", "bars", 1, "seed", 1)
        _, accepted = p.collect(lambda a, g: a == "/cadenza/accepted" and g[0] == 92)[-1]
        assert accepted[1] == 0  # nothing ahead of it: the transformer job is another worker's
        assert p.terminal(92, timeout=60)[0] == "/cadenza/done"
        assert not any(a in ("/cadenza/done", "/cadenza/error") and g[0] == 91 for a, g in p.replies), \
            "the markov request waited for the transformer job"
        p.send("/cadenza/cancel", 91)
        assert p.terminal(91, timeout=60)[0] == "/cadenza/error"
    finally:
        p.close()


# -- defect 11: MIDI files checked before parsing -----------------------------------------------
def _midi(path, count, channel=0):
    mf = mido.MidiFile()
    tr = mido.MidiTrack()
    mf.tracks.append(tr)
    for i in range(count):
        tr.append(mido.Message("note_on", note=60 + i % 12, velocity=90, time=0, channel=channel))
        tr.append(mido.Message("note_off", note=60 + i % 12, velocity=0, time=120, channel=channel))
    mf.save(path)
    return path


def test_midi_files_are_checked_before_parsing(tmp_path):
    (tmp_path / "zero.mid").write_bytes(b"")
    with pytest.raises(BadRequest, match="cannot read MIDI file zero.mid: the file is empty"):
        read_clip(tmp_path / "zero.mid")
    (tmp_path / "text.mid").write_text("hello")
    with pytest.raises(BadRequest, match="not a standard MIDI file"):
        read_clip(tmp_path / "text.mid")
    whole = _midi(tmp_path / "whole.mid", 10).read_bytes()
    (tmp_path / "cut.mid").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(BadRequest, match="cut.mid"):
        read_clip(tmp_path / "cut.mid")
    mido.MidiFile().save(tmp_path / "none.mid")
    with pytest.raises(BadRequest, match="holds no tracks"):
        read_clip(tmp_path / "none.mid")
    with pytest.raises(TooLarge, match="holds 10001 notes; a clip holds at most 10000"):
        read_clip(_midi(tmp_path / "many.mid", 10_001))
    assert len(read_clip(_midi(tmp_path / "ok.mid", 50)).notes) == 50
    big = tmp_path / "big.mid"
    with open(big, "wb") as f:  # a valid header, then far more than the limit
        f.write(whole[:14] + b"MTrk" + struct.pack(">I", MAX_MIDI_BYTES + 16) + b"\0\x90\x3c\x40" * (MAX_MIDI_BYTES // 4 + 4))
    with pytest.raises(TooLarge, match=r"at most 4 MiB"):
        read_clip(big)


def test_the_cli_says_what_is_wrong_with_a_midi_file(tmp_path):
    (tmp_path / "zero.mid").write_bytes(b"")
    r = subprocess.run([sys.executable, "-m", "bridge.cli", "continue", "--in", tmp_path / "zero.mid", "--port", "9"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "cannot read MIDI file zero.mid: the file is empty" in r.stderr
    assert "Traceback" not in r.stderr


# -- defect 12: float32 bounds and the backlog --------------------------------------------------
def test_a_float32_bound_is_accepted(daemon):
    p = UdpProbe(daemon.host, daemon.port)
    try:
        p.send("/cadenza/generate", 93, "timeout", 0.01, "bars", 1, "model", "markov")  # float32: 0.0099999998
        address, args = p.terminal(93, timeout=30)
        assert address == "/cadenza/done" or args[1] == "timeout", args
        p.send("/cadenza/generate", 94, "timeout", 0.005)
        code, message = p.error_for(94)
        assert code == "bad_request" and "from 0.01 to 300" in message
    finally:
        p.close()


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
def test_the_listen_backlog_is_large(daemon):
    out = subprocess.run(["ss", "-ltnH", f"sport = :{daemon.port}"], capture_output=True, text=True).stdout
    backlog = int(out.split()[2])  # Send-Q of a listening socket is its backlog
    with open("/proc/sys/net/core/somaxconn") as f:
        assert backlog >= min(512, int(f.read()))
