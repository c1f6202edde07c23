"""Unit tests of the packet checks and limits (bridge/server/osc.py, bridge/server/guard.py):
golden bytes for the bundle checks, UTF-8 cutting, the log and reply limits, UDP client ports."""

from __future__ import annotations

import logging
import struct

import pytest

from bridge.server.guard import ClientPorts, LogLimiter, ReplyLimiter
from bridge.server.osc import (MAX_MESSAGES_PER_PACKET, OscDecodeError, cut_utf8, decode_packet, encode_bundle,
                               encode_fitted, encode_message)

HEAD = b"#bundle\0" + struct.pack(">Q", 1)


@pytest.mark.parametrize("packet,fragment", [
    (HEAD + struct.pack(">I", 0xFFFFFFFC) + b"/x\0\0", "bundle element size -4"),
    (HEAD + struct.pack(">i", 0), "bundle element size 0"),
    (HEAD + struct.pack(">i", 6) + b"/x\0\0,\0\0\0", "bundle element size 6"),
    (HEAD + struct.pack(">i", 64) + b"/x\0\0", "at most the 4 bytes left"),
    (HEAD + b"\0\0", "stray bytes"),
    (b"#bundle\0\0\0", "no time tag"),
    (b"/x\0\0,iZq\0\0\0\0" + b"\0" * 4, "unknown type tag(s) 'Zq'"),
    (encode_bundle(None, [encode_message("/a")] * (MAX_MESSAGES_PER_PACKET + 1)), "more than 32 messages"),
])
def test_hostile_packets_are_refused_before_python_osc(packet, fragment):
    with pytest.raises(OscDecodeError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        decode_packet(packet)


def test_deep_bundles_are_refused_and_good_ones_decode():
    inner = encode_message("/a", 1)
    for _ in range(9):
        inner = encode_bundle(None, [inner])
    with pytest.raises(OscDecodeError, match="nested deeper"):
        decode_packet(inner)
    ok = encode_bundle(1_800_000_000.5, [encode_message("/a", 1), encode_bundle(None, [encode_message("/b", "x")])])
    assert [(a, g) for a, g, _ in decode_packet(ok)] == [("/a", [1]), ("/b", ["x"])]
    assert all(abs(t - 1_800_000_000.5) < 1e-3 for _, _, t in decode_packet(ok))


def test_strings_are_cut_by_utf8_bytes():
    assert cut_utf8("\u97f3" * 10, 9) == "\u97f3\u97f3..."  # 2 characters of 3 bytes, then "..."
    assert cut_utf8("abc", 3) == "abc"
    packet = encode_fitted("/cadenza/error", 1, "bad_request", "\U0001f3b5" * 2000)
    assert len(packet) <= 1400
    (_, args, _), = decode_packet(packet)
    assert args[2].endswith("...") and args[2][0] == "\U0001f3b5"
    short = encode_message("/cadenza/pong", 1, "0.1")
    assert encode_fitted("/cadenza/pong", 1, "0.1") == short


def test_log_limiter_counts_instead_of_logging(caplog):
    lim = LogLimiter("bad things", lines=3, interval=0.05)
    log = logging.getLogger("test.guard")
    with caplog.at_level(logging.WARNING, "test.guard"):
        for i in range(100):
            lim.warn(log, "bad %d", i)
        import time
        time.sleep(0.06)
        lim.warn(log, "bad again")
    lines = [r.getMessage() for r in caplog.records]
    assert lines[:3] == ["bad 0", "bad 1", "bad 2"]
    assert lines[3].startswith("97 more bad things") and lines[4] == "bad again" and len(lines) == 5


def test_reply_limiter_is_per_address_and_spares_loopback():
    lim = ReplyLimiter(1000)  # 1000 B/s, bursts of 4000
    assert all(lim.allow("127.0.0.1", 1400) for _ in range(100))
    sent = sum(1400 for _ in range(10) if lim.allow("192.0.2.1", 1400))
    assert sent == 2800  # the burst, then nothing
    assert lim.allow("192.0.2.2", 1400)  # another address has its own budget
    assert not ReplyLimiter(1000, limit_loopback=True).allow("127.0.0.1", 5000)


def test_client_ports_make_max_and_oscsend_one_client_each():
    ports = ClientPorts()
    assert ports.resolve("127.0.0.1", 50000, None) == 50000  # a plain client: its source port
    assert ports.resolve("127.0.0.1", 50001, 7501) == 7501  # Max: names its reply port ...
    assert ports.resolve("127.0.0.1", 50001, None) == 7501  # ... and its later messages join it
    assert ports.resolve("127.0.0.2", 50001, None) == 50001  # another address is another client
    assert ports.resolve("127.0.0.1", 50001, 50001) == 50001  # naming its own port resets it
    assert ports.resolve("127.0.0.1", 50001, None) == 50001
