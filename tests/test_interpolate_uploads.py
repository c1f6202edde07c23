"""Clip slots keep every upload rule: per-client counts (each slot counts), the daemon's note limit
across all slots, expiry per slot and a TCP connection's uploads freed when it closes. Over real
sockets against a daemon with small limits, serving the interp test family (tests/interp_engine.py,
a protocol fixture until the VAE engine lands)."""

from __future__ import annotations

import socket
import time

import pytest
from test_interpolate_support import CLIP_A, CLIP_B, OscPeer, flat, interp_daemon

from bridge.server.osc import encode_message, slip_encode


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    with interp_daemon(tmp_path_factory.mktemp("interp-limits"), max_uploads_per_client=2,
                       max_upload_notes=20) as d:
        yield d


@pytest.fixture()
def peer(small):
    p = OscPeer(small.port)
    yield p
    p.close()


def test_each_slot_counts_as_an_upload(peer):
    rp = peer.reply_port
    peer.send("/cadenza/clip/begin", 1, 8.0, "slot", "a", "reply_port", rp)
    peer.send("/cadenza/clip/begin", 1, 4.0, "slot", "b", "reply_port", rp)
    peer.send("/cadenza/clip/begin", 1, 4.0, "slot", "b", "reply_port", rp)  # starting b over is no new upload
    peer.send("/cadenza/clip/begin", 2, 8.0, "reply_port", rp)  # a third upload: over the limit of 2
    code, message = peer.error(2)
    assert code == "too_large" and "at most 2 unfinished uploads per client (each slot counts)" in message
    peer.send("/cadenza/clip/notes", 1, "a", *flat(CLIP_A))
    peer.send("/cadenza/clip/notes", 1, "b", *flat(CLIP_B))
    peer.send("/cadenza/interpolate", 1, "steps", 2, "reply_port", rp)
    assert peer.until_terminal(1)[-1][0] == "/cadenza/done"
    peer.send("/cadenza/clip/begin", 2, 8.0, "reply_port", rp)  # interpolate freed both slots
    peer.send("/cadenza/clip/begin", 3, 8.0, "slot", "a", "reply_port", rp)
    peer.send("/cadenza/clip/begin", 4, 8.0, "slot", "a", "reply_port", rp)
    assert peer.error(4)[0] == "too_large"
    peer.send("/cadenza/interpolate", 3, "reply_port", rp)  # frees slot a of 3 (b is missing)
    assert peer.error(3)[0] == "no_clip"
    peer.send("/cadenza/continue", 2, "model", "markov", "bars", 1, "reply_port", rp)
    assert peer.until_terminal(2)[-1][0] == "/cadenza/done"


def test_the_note_limit_holds_across_slots(peer):
    rp = peer.reply_port
    peer.send("/cadenza/clip/begin", 11, 8.0, "slot", "a", "reply_port", rp)
    peer.send("/cadenza/clip/begin", 11, 4.0, "slot", "b", "reply_port", rp)
    peer.send("/cadenza/clip/notes", 11, "a", *flat(CLIP_A) * 2)  # 16 notes of the daemon's 20
    peer.send("/cadenza/clip/notes", 11, "b", *flat(CLIP_B))  # 8 more would be 24
    code, message = peer.error(11)
    assert code == "busy" and "max_upload_notes, is 20" in message and "hold 16 notes" in message
    peer.send("/cadenza/clip/notes", 11, "b", *flat(CLIP_B)[:16])  # 4 notes fit
    peer.send("/cadenza/interpolate", 11, "steps", 2, "bars", 2, "reply_port", rp)
    got = peer.until_terminal(11)
    assert got[-1][0] == "/cadenza/done"
    peer.send("/cadenza/clip/begin", 12, 8.0, "slot", "a", "reply_port", rp)  # the 20 notes were freed
    peer.send("/cadenza/clip/notes", 12, "a", *flat(CLIP_A) * 2)
    peer.send("/cadenza/clip/begin", 12, 4.0, "slot", "b", "reply_port", rp)
    peer.send("/cadenza/clip/notes", 12, *flat(CLIP_B)[:16])  # to b, the slot last begun
    peer.send("/cadenza/interpolate", 12, "steps", 2, "reply_port", rp)
    assert peer.until_terminal(12)[-1][0] == "/cadenza/done"


def _try_upload(peer: OscPeer, req_id: int) -> list:
    """Begin slot a of `req_id` (over again) with 16 notes; the replies up to a pong."""
    rp = peer.reply_port
    peer.send("/cadenza/clip/begin", req_id, 8.0, "slot", "a", "reply_port", rp)
    peer.send("/cadenza/clip/notes", req_id, "a", *flat(CLIP_A) * 2)
    peer.send("/cadenza/ping", 23, "reply_port", rp)
    got = []
    while not any(a == "/cadenza/pong" for a, _ in got):
        got.append(peer.replies.get(timeout=5))
    return got


def test_a_closed_tcp_connection_frees_its_slots(small, peer):
    conn = socket.create_connection(("127.0.0.1", small.port))
    for slot in ("a", "b"):
        conn.sendall(slip_encode(encode_message("/cadenza/clip/begin", 21, 8.0, "slot", slot)))
        conn.sendall(slip_encode(encode_message("/cadenza/clip/notes", 21, slot, *flat(CLIP_A))))
    conn.sendall(slip_encode(encode_message("/cadenza/ping", 20)))
    conn.settimeout(5)
    assert b"pong" in conn.recv(4096)  # the uploads before it are in: 16 of the daemon's 20 notes
    held = _try_upload(peer, 22)
    assert any(a == "/cadenza/error" and g[1] == "busy" for a, g in held), held
    conn.close()
    deadline = time.monotonic() + 10
    while any(a == "/cadenza/error" for a, _ in _try_upload(peer, 22)):  # until the daemon sees the close
        assert time.monotonic() < deadline, "the closed connection's slots were not freed"
        time.sleep(0.2)
    rp = peer.reply_port
    peer.send("/cadenza/clip/begin", 22, 4.0, "slot", "b", "reply_port", rp)
    peer.send("/cadenza/clip/notes", 22, "b", *flat(CLIP_B)[:16])
    peer.send("/cadenza/interpolate", 22, "steps", 2, "reply_port", rp)
    assert peer.until_terminal(22)[-1][0] == "/cadenza/done"


def test_each_slot_expires_on_its_own_with_a_timeout_naming_it(tmp_path):
    with interp_daemon(tmp_path, upload_ttl=0.5) as d:
        p = OscPeer(d.port)
        try:
            p.send("/cadenza/clip/begin", 31, 8.0, "slot", "b", "reply_port", p.reply_port)
            code, message = p.error(31)  # the janitor looks every second
            assert code == "timeout" and 'id 31 slot "b" expired' in message and "interpolate request" in message
            assert p.serving()
        finally:
            p.close()
