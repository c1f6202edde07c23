"""Stream parts on their own: the send process (real sockets, real subprocess) and the packing of
simultaneous notes into datagram-sized bundles."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from bridge.cli.bench_stream import StreamReceiver
from bridge.server.osc import MAX_DATAGRAM, decode_packet, encode_message
from bridge.stream.part import _bundles
from bridge.stream.sender import decode, encode


def test_sender_record_round_trip():
    packet = encode_message("/cadenza/note", 1, 60, 90, 1.0)
    assert decode(encode(12.5, "127.0.0.1", 7501, packet)) == (12.5, "127.0.0.1", 7501, packet)
    assert decode(encode(1.0, "::1", 9, b"x")) == (1.0, "::1", 9, b"x")


def test_send_process_sends_on_time_in_order_and_drains_on_eof():
    rx = StreamReceiver("127.0.0.1", 9)  # only its receiving side is used
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    fds = (theirs.fileno(), udp.fileno())
    proc = subprocess.Popen([sys.executable, "-m", "bridge.stream.sender", *map(str, fds)], pass_fds=fds,
                            stderr=subprocess.PIPE, text=True)
    theirs.close()
    try:
        mine.send(b"ready?")
        mine.settimeout(10)
        assert mine.recv(16) == b"ready"
        offset = time.time() - time.monotonic()  # monotonic -> wall, to compare with arrivals
        t0 = time.monotonic() + 0.15
        plan = [t0 + 0.02 * i for i in range(20)]
        for i, at in reversed(list(enumerate(plan))):  # handed over out of order on purpose
            mine.send(encode(at, "127.0.0.1", rx.port, encode_message("/t", i)))
        mine.close()  # EOF: the process must still send everything it holds, then exit
        got = []
        while len(got) < 20 and (rec := rx.receive(2.0)) is not None:
            got.append(rec)
        assert proc.wait(5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        udp.close()
        rx.close()
    assert [r[2][0][1][0] for r in got] == list(range(20)), "datagrams out of order or missing"
    late_ms = [(arrival - (at + offset)) * 1000 for (arrival, *_), at in zip(got, plan)]
    assert all(-1.0 < x < 20.0 for x in late_ms), late_ms
    assert "cadenza stream sender" in proc.stderr.read()


def test_simultaneous_notes_split_into_datagram_sized_bundles():
    messages = [encode_message("/cadenza/beat", 7, 3, 0)]
    messages += [encode_message("/cadenza/note", 7, 30 + i, 80, 0.5) for i in range(60)]
    bundles = _bundles(1_800_000_000.25, messages)
    assert len(bundles) > 1 and all(len(b) <= MAX_DATAGRAM for b in bundles)
    decoded = [m for b in bundles for m in decode_packet(b)]
    assert [(a, g) for a, g, _ in decoded] == [(a, g) for a, g, _ in (decode_packet(m)[0] for m in messages)]
    assert {round(w, 6) for _, _, w in decoded} == {1_800_000_000.25}
    assert decoded[0][0] == "/cadenza/beat", "the beat leads the bundle"
