"""`/cadenza/interpolate` through a real daemon on loopback, with python-osc clients over UDP and
the project's client over TCP. The answering model is the interp test family (tests/interp_engine.py),
a protocol fixture until the VAE engine lands; the daemon's default is the shipped Markov model,
which cannot interpolate."""

from __future__ import annotations

import pytest
from test_interpolate_support import CLIP_A, CLIP_B, OscPeer, interp_daemon, notes_of, variations

from bridge.music.clip import Clip, Note
from bridge.server.client import Client, RemoteError


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with interp_daemon(tmp_path_factory.mktemp("interp"), slow=True) as d:
        yield d


@pytest.fixture()
def peer(served):
    p = OscPeer(served.port)
    yield p
    p.close()


def _good(peer: OscPeer, req_id: int, *keys) -> list:
    peer.upload(req_id, "a", CLIP_A)
    peer.upload(req_id, "b", CLIP_B)
    peer.send("/cadenza/interpolate", req_id, *keys, "reply_port", peer.reply_port)
    return peer.until_terminal(req_id)


def test_interpolate_over_udp_returns_steps_in_order_from_a_to_b(peer):
    got = _good(peer, 9, "steps", 5, "seed", 3)
    addresses = [a for a, _ in got]
    assert addresses[0] == "/cadenza/accepted" and addresses[-1] == "/cadenza/done"
    got = [(a, g) for a, g in got if a != "/cadenza/progress"]
    assert got[1][0] == "/cadenza/info"  # after accepted, before any result
    info = dict(zip(got[1][1][1::2], got[1][1][2::2]))
    assert (info["model"], info["role"], info["bars"], info["steps"], info["seed"]) == ("interp", "melody", 2, 5, 3)
    begins = [args[1] for a, args in got if a == "/cadenza/result/begin"]
    ends = [args[1] for a, args in got if a == "/cadenza/result/end"]
    assert begins == ends == [0, 1, 2, 3, 4]
    order = [args[1] for a, args in got if a.startswith("/cadenza/result/")]
    assert order == sorted(order)  # each step's begin, notes and end before the next step's
    vs = variations(got)
    assert all(v["ended"] and v["begin"] == [len(v["notes"]), 8.0] for v in vs.values())
    assert vs[0]["notes"] == notes_of(CLIP_A)  # step 0 is clip a
    assert vs[4]["notes"] == notes_of(CLIP_B, 8.0)  # the last is clip b, repeated to the 2 bars
    middle = {tuple(n) for n in vs[2]["notes"]}
    assert middle <= {tuple(n) for n in notes_of(CLIP_A) + notes_of(CLIP_B, 8.0)}
    assert peer.serving()


def test_interpolate_over_tcp_is_seeded_and_takes_bars_and_steps(served):
    slots = {"a": CLIP_A.to_dict(), "b": CLIP_B.to_dict()}
    with Client("127.0.0.1", served.port, "tcp") as c:
        one = c.request("interpolate", {"steps": 16, "seed": 11, "bars": 1}, slots=slots)
        two = c.request("interpolate", {"steps": 16, "seed": 11, "bars": 1}, slots=slots)
        other = c.request("interpolate", {"steps": 16, "seed": 12, "bars": 1, "model": "interp"}, slots=slots)
    assert sorted(one.variations) == list(range(16)) and one.info["steps"] == 16 and one.info["bars"] == 1
    assert one.variations == two.variations  # the same seed, the same morph
    assert one.variations != other.variations
    assert one.variations[0]["notes"] == notes_of(CLIP_A, 4.0)  # cut to the one bar asked for
    assert one.variations[15]["notes"] == notes_of(CLIP_B)
    assert all(v["length_beats"] == 4.0 for v in one.variations.values())


def test_role_drums_is_asked_for_and_reported(served):
    kick = Clip([Note(float(i), 36, 0.25, 100) for i in range(4)], 4.0)
    with Client("127.0.0.1", served.port, "tcp") as c:
        res = c.request("interpolate", {"steps": 2, "role": "drums"},
                        slots={"a": kick.to_dict(), "b": CLIP_B.to_dict()})
    assert res.info["role"] == "drums" and res.info["bars"] == 1


@pytest.mark.parametrize("keys, code, words", [
    (("steps", 0), "bad_request", "steps must be an integer from 2 to 16, got 0"),
    (("steps", 17), "bad_request", "steps must be an integer from 2 to 16, got 17"),
    (("variations", 2), "bad_request", "variations is not a key of interpolate"),
    (("bars", 17), "bad_request", "bars must be an integer from 1 to 16"),
    (("model", "markov"), "bad_request", "model 'markov' (markov engine) cannot interpolate"),
    (("model", "nope"), "unknown_model", "unknown model 'nope'"),
    (("meter", "3/4"), "bad_request", "meter 3/4 differs from the clips' 4/4"),
    (("style", "rock"), "bad_request", "unknown style 'rock'"),
])
def test_bad_interpolate_requests_get_a_clear_error_and_the_daemon_keeps_serving(peer, keys, code, words):
    peer.upload(21, "a", CLIP_A)
    peer.upload(21, "b", CLIP_B)
    peer.send("/cadenza/interpolate", 21, *keys, "reply_port", peer.reply_port)
    got_code, message = peer.error(21)
    assert (got_code, words in message) == (code, True), message
    if keys[1] == "markov":
        assert "vae" in message and "interp (interp)" in message  # the engines and models that can
    assert _good(peer, 22)[-1][0] == "/cadenza/done"


def test_one_slot_missing_is_no_clip(peer):
    peer.upload(31, "a", CLIP_A)
    peer.send("/cadenza/interpolate", 31, "reply_port", peer.reply_port)
    code, message = peer.error(31)
    assert code == "no_clip" and "missing: b" in message and 'slot "a"' in message
    # the request used up slot a too: asking again finds neither
    peer.send("/cadenza/interpolate", 31, "reply_port", peer.reply_port)
    code, message = peer.error(31)
    assert code == "no_clip" and "missing: a and b" in message
    # an upload without a slot is not a slot
    peer.upload(32, None, CLIP_A)
    peer.upload(32, "b", CLIP_B)
    peer.send("/cadenza/interpolate", 32, "reply_port", peer.reply_port)
    assert peer.error(32)[0] == "no_clip"
    assert _good(peer, 33)[-1][0] == "/cadenza/done"


def test_clips_of_different_meters_are_refused(peer):
    waltz = Clip([Note(float(i), 62, 1.0, 90) for i in range(6)], 6.0)
    peer.upload(41, "a", CLIP_A)
    peer.upload(41, "b", waltz, meter="3/4")
    peer.send("/cadenza/interpolate", 41, "reply_port", peer.reply_port)
    code, message = peer.error(41)
    assert code == "bad_request" and "slot a is in 4/4, slot b in 3/4" in message
    assert _good(peer, 42)[-1][0] == "/cadenza/done"


def test_a_clip_longer_than_16_bars_needs_bars(peer):
    long = Clip([Note(float(i), 60 + i % 12, 1.0, 90) for i in range(80)], 80.0)  # 20 bars
    peer.upload(45, "a", long)
    peer.upload(45, "b", CLIP_B)
    peer.send("/cadenza/interpolate", 45, "reply_port", peer.reply_port)
    code, message = peer.error(45)
    assert code == "bad_request" and "at most 16 bars and the longer clip has 20" in message
    peer.upload(46, "a", long)
    peer.upload(46, "b", CLIP_B)
    peer.send("/cadenza/interpolate", 46, "bars", 16, "steps", 2, "reply_port", peer.reply_port)
    got = peer.until_terminal(46)
    assert got[-1][0] == "/cadenza/done" and variations(got)[0]["begin"] == [64, 64.0]


def test_bad_slots_on_begin_and_notes(peer):
    rp = peer.reply_port
    peer.send("/cadenza/clip/begin", 51, 8.0, "slot", "c", "reply_port", rp)
    code, message = peer.error(51)
    assert code == "bad_request" and 'slot must be "a" or "b"' in message and "'c'" in message
    peer.send("/cadenza/clip/begin", 52, 8.0, "slot", "a", "reply_port", rp)
    peer.send("/cadenza/clip/notes", 52, "c", 60, 0.0, 1.0, 90, "reply_port", rp)
    code, message = peer.error(52)
    assert code == "bad_request" and 'slot must be "a" or "b"' in message
    peer.send("/cadenza/clip/notes", 52, "b", 60, 0.0, 1.0, 90, "reply_port", rp)
    code, message = peer.error(52)
    assert code == "no_clip" and 'no clip upload open for id 52 slot "b"' in message
    assert peer.serving()


def test_notes_without_a_slot_go_to_the_slot_last_begun(peer):
    rp = peer.reply_port
    peer.send("/cadenza/clip/begin", 61, 8.0, "slot", "b", "reply_port", rp)
    peer.send("/cadenza/clip/begin", 61, 8.0, "slot", "a", "reply_port", rp)
    peer.send("/cadenza/clip/notes", 61, 60, 0.0, 1.0, 90)  # to slot a, the one last begun
    peer.send("/cadenza/clip/notes", 61, "b", 72, 0.0, 1.0, 90)
    peer.send("/cadenza/clip/notes", 61, 62, 1.0, 1.0, 90)  # still slot a
    peer.send("/cadenza/interpolate", 61, "steps", 2, "reply_port", rp)
    vs = variations(peer.until_terminal(61))
    assert vs[0]["notes"] == [[60, 0.0, 1.0, 90], [62, 1.0, 1.0, 90]] and vs[1]["notes"] == [[72, 0.0, 1.0, 90]]


def test_uploads_without_a_slot_still_serve_continue_beside_slots(peer):
    rp = peer.reply_port
    peer.upload(71, "a", CLIP_A)
    peer.upload(71, None, CLIP_A)  # the id's single upload, beside slot a
    peer.send("/cadenza/continue", 71, "model", "markov", "bars", 1, "seed", 1, "reply_port", rp)
    assert peer.until_terminal(71)[-1][0] == "/cadenza/done"
    peer.upload(71, "b", CLIP_B)  # slot a is still there: continue took only the single upload
    peer.send("/cadenza/interpolate", 71, "steps", 2, "reply_port", rp)
    got = peer.until_terminal(71)
    assert variations(got)[0]["notes"] == notes_of(CLIP_A), got


def test_cancel_ends_a_running_interpolate(peer):
    rp = peer.reply_port
    peer.upload(81, "a", CLIP_A)
    peer.upload(81, "b", CLIP_B)
    peer.send("/cadenza/interpolate", 81, "model", "interp-slow", "steps", 16, "reply_port", rp)
    while True:  # wait until it is accepted, then cancel it
        address, args = peer.replies.get(timeout=10)
        if address == "/cadenza/accepted" and args[0] == 81:
            break
    peer.send("/cadenza/cancel", 81, "reply_port", rp)
    got = peer.until_terminal(81)
    assert got[-1][0] == "/cadenza/error" and got[-1][1][1] == "cancelled"
    assert not any(a == "/cadenza/result/begin" for a, _ in got)
    assert _good(peer, 82)[-1][0] == "/cadenza/done"


def test_the_model_reply_carries_operations(served):
    with Client("127.0.0.1", served.port, "tcp") as c:
        rows = {args[0]: dict(zip(args[4::2], args[5::2])) for _, args in c.query("models")}
    assert rows["interp"]["operations"] == "interpolate"
    assert rows["markov"]["operations"] == "generate,continue,restyle,infill"
    assert rows["markov"]["default"] == 1 and rows["interp"]["default"] == 0


def test_no_resident_model_that_interpolates_names_vae(tmp_path):
    from bridge.engines.registry import load_model
    from bridge.server.config import ServerConfig
    from bridge.server.daemon import Daemon
    from test_interpolate_support import REPO

    d = Daemon(ServerConfig(host="127.0.0.1", port=0),
               models={"markov": load_model(REPO / "models" / "markov")}).start()
    try:
        with Client("127.0.0.1", d.port, "tcp") as c:
            with pytest.raises(RemoteError) as exc:
                c.request("interpolate", {}, slots={"a": CLIP_A.to_dict(), "b": CLIP_B.to_dict()})
            assert exc.value.code == "bad_request"
            assert "no resident model can interpolate" in exc.value.message and "vae" in exc.value.message
            assert c.ping()
    finally:
        d.stop()
