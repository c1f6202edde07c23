"""`/cadenza/accompany`, context slots c1..c8 on clip/begin and context on infill and continue,
through a real daemon on loopback: python-osc clients over UDP, the project's client over TCP and
liblo's `oscsend`. The answering model is the accomp test family (tests/accomp_engine.py), a
protocol fixture until the real accompany model lands; its bass rule is known by hand, so every
answer below is predicted. The daemon's default is the shipped Markov model, which cannot accompany."""

from __future__ import annotations

import subprocess

import pytest
from oscutil import UdpProbe
from test_accompany_support import (BASS_UNDER_CHORDS, BASS_UNDER_MELODY, CHORDS, DRUMS, MELODY, accomp_daemon,
                                    flat, with_velocity)
from test_interpolate_support import OscPeer, variations
from tools import need

from bridge.music.clip import Clip, Note
from bridge.server.client import Client, RemoteError


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with accomp_daemon(tmp_path_factory.mktemp("accomp")) as d:
        yield d


@pytest.fixture()
def peer(served):
    p = OscPeer(served.port)
    yield p
    p.close()


def upload(peer: OscPeer, req_id: int, slot: str | None, clip: Clip, role: str | None = None, **opts) -> None:
    """clip/begin (with slot, role and any other key) and the notes, from the peer's one port."""
    extra = [x for k, v in opts.items() for x in (k, v)]
    extra += (["slot", slot] if slot else []) + (["role", role] if role else [])
    peer.send("/cadenza/clip/begin", req_id, float(clip.length), *extra, "reply_port", peer.reply_port)
    peer.send("/cadenza/clip/notes", req_id, *([slot] if slot else []), *flat(clip))


def accompany(peer: OscPeer, req_id: int, *keys) -> list:
    peer.send("/cadenza/accompany", req_id, *keys, "reply_port", peer.reply_port)
    return peer.until_terminal(req_id)


def info_of(replies: list) -> dict:
    args = next(g for a, g in replies if a == "/cadenza/info")
    return dict(zip(args[1::2], args[2::2]))


def good(peer: OscPeer, req_id: int) -> list:
    """A request that works: the daemon is still serving accompany."""
    upload(peer, req_id, "c1", MELODY, "melody")
    got = accompany(peer, req_id, "role", "bass")
    assert got[-1][0] == "/cadenza/done", got[-1]
    return got


def test_accompany_over_udp_writes_the_bass_under_three_context_tracks(peer):
    upload(peer, 7, "c1", MELODY, "melody", key="A minor")
    upload(peer, 7, "c2", CHORDS, "chords")
    upload(peer, 7, "c3", DRUMS, "drums")
    got = accompany(peer, 7, "role", "bass", "variations", 2, "seed", 5)
    addresses = [a for a, _ in got if a != "/cadenza/progress"]
    assert addresses[0] == "/cadenza/accepted" and addresses[1] == "/cadenza/info" and addresses[-1] == "/cadenza/done"
    info = info_of(got)
    assert (info["model"], info["role"], info["bars"], info["seed"]) == ("accomp", "bass", 2, 5)
    assert info["context"] == "melody,chords,drums" and info["key"] == "A minor" and info["meter"] == "4/4"
    vs = variations(got)
    assert sorted(vs) == [0, 1]
    for v in (0, 1):
        assert vs[v]["ended"] and vs[v]["begin"] == [4, 8.0]  # over the context's two bars
        assert vs[v]["notes"] == with_velocity(BASS_UNDER_CHORDS, 80 + v)  # chords sound lowest; drums are not pitched
    assert all(36 <= n[0] <= 47 for n in vs[0]["notes"])  # octave 2
    assert peer.serving()


def test_accompany_over_tcp_picks_the_model_that_can_and_takes_bars(served):
    with Client("127.0.0.1", served.port, "tcp") as c:
        whole = c.request("accompany", {"role": "bass", "seed": 1}, context=[("melody", MELODY.to_dict())])
        first = c.request("accompany", {"role": "bass", "bars": 1}, context=[("melody", MELODY.to_dict())])
    assert whole.info["model"] == "accomp"  # the default (markov) cannot accompany: the first that can
    assert whole.info["context"] == "melody" and whole.info["bars"] == 2
    assert whole.variations[0]["notes"] == BASS_UNDER_MELODY and whole.variations[0]["length_beats"] == 8.0
    assert first.info["bars"] == 1 and first.variations[0]["length_beats"] == 4.0
    assert first.variations[0]["notes"] == BASS_UNDER_MELODY[:2]  # the first bar of the context


def test_the_model_reply_lists_accompany(served):
    with Client("127.0.0.1", served.port, "tcp") as c:
        rows = {args[0]: dict(zip(args[4::2], args[5::2])) for _, args in c.query("models")}
    assert rows["accomp"]["operations"] == "accompany,continue,infill"
    assert "accompany" not in rows["markov"]["operations"]


def test_context_is_used_up_and_missing_context_is_no_clip(peer):
    good(peer, 10)
    got = accompany(peer, 10, "role", "bass")  # the context of id 10 was taken by the first request
    code, message = got[-1][1][1:3]
    assert got[-1][0] == "/cadenza/error" and code == "no_clip" and 'slot "c1" role "melody"' in message
    upload(peer, 11, None, MELODY)  # a clip without a slot is not context
    code, message = accompany(peer, 11, "role", "bass")[-1][1][1:3]
    assert code == "no_clip" and "without a slot is not context" in message
    good(peer, 12)


@pytest.mark.parametrize("begin, words", [
    (("slot", "c1"), 'context slot "c1" needs role R on clip/begin'),
    (("slot", "c2", "role", "tuba"), "role must be one of melody, bass, chords, keys, drums, got 'tuba'"),
    (("slot", "a", "role", "melody"), 'role is only for context slots "c1" ... "c8"'),
    (("role", "melody"), "this upload has no slot"),
    (("slot", "c9", "role", "melody"), "context tracks, at most 8), got 'c9'"),
])
def test_bad_context_uploads_are_refused(peer, begin, words):
    peer.send("/cadenza/clip/begin", 20, 8.0, *begin, "reply_port", peer.reply_port)
    code, message = peer.error(20)
    assert (code, words in message) == ("bad_request", True), message
    good(peer, 21)


def test_notes_for_a_slot_past_c8_are_refused(peer):
    upload(peer, 22, "c8", MELODY, "melody")  # the last context slot works
    peer.send("/cadenza/clip/notes", 22, "c9", 60, 0.0, 1.0, 90, "reply_port", peer.reply_port)
    code, message = peer.error(22)
    assert code == "bad_request" and "'c9'" in message
    got = accompany(peer, 22, "role", "bass")
    assert variations(got)[0]["notes"] == BASS_UNDER_MELODY


def test_context_clips_of_different_meters_or_bars_are_refused_naming_both(peer):
    waltz = Clip([Note(float(i), 62, 1.0, 90) for i in range(6)], 6.0)
    upload(peer, 30, "c1", MELODY, "melody")
    upload(peer, 30, "c2", waltz, "chords", meter="3/4")
    code, message = accompany(peer, 30, "role", "bass")[-1][1][1:3]
    assert code == "bad_request" and "slot c1 is in 4/4, slot c2 in 3/4" in message
    one_bar = Clip(CHORDS.notes[:3], 4.0)
    upload(peer, 31, "c1", MELODY, "melody")
    upload(peer, 31, "c3", one_bar, "chords")
    code, message = accompany(peer, 31, "role", "bass")[-1][1][1:3]
    assert code == "bad_request" and "slot c1 has 2, slot c3 has 1" in message
    good(peer, 32)


@pytest.mark.parametrize("keys, code, words", [
    (("role", "bass", "bars", 3), "bad_request", "bars 3 is longer than the context (2 bars)"),
    (("role", "bass", "bars", 65), "bad_request", "bars must be an integer from 1 to 64"),
    (("role", "bass", "meter", "3/4"), "bad_request", "meter 3/4 differs from the context's 4/4"),
    (("role", "bass", "model", "markov"), "bad_request", "model 'markov' (markov engine) cannot accompany"),
    (("role", "bass", "model", "nope"), "unknown_model", "unknown model 'nope'"),
    ((), "bad_request", "accompany needs role R, the part to write"),
    (("role", "melody"), "bad_request", "every context track already plays melody"),
    (("role", "bass", "steps", 3), "bad_request", "unknown key 'steps' for accompany"),
    (("role", "bass", "fit", 3.0), "bad_request", "fit must be from 0 (the model alone) to 2"),
])
def test_bad_accompany_requests_get_a_clear_error_and_the_daemon_keeps_serving(peer, keys, code, words):
    upload(peer, 40, "c1", MELODY, "melody")
    got_code, message = accompany(peer, 40, *keys)[-1][1][1:3]
    assert (got_code, words in message) == (code, True), message
    if "markov" in keys:
        assert "models that can: accomp (accomp)" in message  # the models that can, by name and engine
    good(peer, 41)


def test_infill_with_context_rewrites_the_bars_over_the_context(peer):
    line = Clip([Note(float(i), 50 + i, 1.0, 70) for i in range(8)], 8.0)  # the bass to fix: bar 1 is rewritten
    upload(peer, 50, None, line)
    upload(peer, 50, "c1", CHORDS, "chords")
    peer.send("/cadenza/infill", 50, 1, 2, "role", "bass", "reply_port", peer.reply_port)
    got = peer.until_terminal(50)
    assert got[-1][0] == "/cadenza/done", got[-1]
    assert info_of(got)["context"] == "chords" and info_of(got)["model"] == "accomp"  # chosen for the context
    kept = [[50 + i, float(i), 1.0, 70] for i in range(4)]
    assert variations(got)[0]["notes"] == kept + BASS_UNDER_CHORDS[2:]  # bar 0 kept, bar 1 from the G chord
    upload(peer, 51, None, line)
    upload(peer, 51, "c1", Clip(CHORDS.notes[:3], 4.0), "chords")
    peer.send("/cadenza/infill", 51, 0, 1, "role", "bass", "reply_port", peer.reply_port)
    code, message = peer.error(51)
    assert code == "bad_request" and "the context has 1 bars and the clip to infill 2" in message
    upload(peer, 52, None, line)
    upload(peer, 52, "c1", CHORDS, "chords")
    peer.send("/cadenza/infill", 52, 0, 1, "model", "markov", "reply_port", peer.reply_port)
    code, message = peer.error(52)
    assert code == "bad_request" and "cannot accompany (this infill has context tracks in slots c1" in message
    assert "accomp (accomp)" in message
    good(peer, 53)


def test_continue_with_context_continues_over_the_context(peer):
    upload(peer, 60, None, Clip([Note(0.0, 45, 4.0, 80)], 4.0))  # one bar to continue
    upload(peer, 60, "c1", MELODY, "melody")
    upload(peer, 60, "c2", DRUMS, "drums")
    peer.send("/cadenza/continue", 60, "role", "bass", "reply_port", peer.reply_port)
    got = peer.until_terminal(60)
    assert got[-1][0] == "/cadenza/done", got[-1]
    info = info_of(got)
    assert (info["context"], info["bars"], info["model"]) == ("melody,drums", 2, "accomp")
    assert variations(got)[0]["notes"] == BASS_UNDER_MELODY  # the continuation's two bars, over the context
    upload(peer, 61, None, Clip([Note(0.0, 45, 4.0, 80)], 4.0))
    upload(peer, 61, "c1", MELODY, "melody")
    peer.send("/cadenza/continue", 61, "role", "bass", "bars", 4, "reply_port", peer.reply_port)
    code, message = peer.error(61)
    assert code == "bad_request" and "bars 4 is longer than the context (2 bars)" in message
    # without context, continue is the plain request it always was (the default model answers)
    upload(peer, 62, None, MELODY)
    peer.send("/cadenza/continue", 62, "bars", 1, "seed", 1, "reply_port", peer.reply_port)
    got = peer.until_terminal(62)
    assert got[-1][0] == "/cadenza/done" and info_of(got)["model"] == "markov" and "context" not in info_of(got)
    good(peer, 63)


def test_an_error_over_tcp_names_the_code(served):
    with Client("127.0.0.1", served.port, "tcp") as c:
        with pytest.raises(RemoteError) as exc:
            c.request("accompany", {"role": "bass"})
        assert exc.value.code == "no_clip"
        assert c.request("accompany", {"role": "bass"}, context=[("chords", CHORDS.to_dict())]).variations[0][
            "notes"] == BASS_UNDER_CHORDS


def test_oscsend_uploads_a_melody_and_gets_a_bass(served):
    need("oscsend")
    probe = UdpProbe("127.0.0.1", served.port)
    rp = str(probe.port)

    def oscsend(address, types, *args):
        subprocess.run(["oscsend", "127.0.0.1", str(served.port), address, types + "si",
                        *map(str, args), "reply_port", rp], check=True, timeout=10)

    try:
        oscsend("/cadenza/clip/begin", "ifssss", 5, MELODY.length, "slot", "c1", "role", "melody")
        oscsend("/cadenza/clip/notes", "is" + "iffi" * len(MELODY.notes), 5, "c1", *flat(MELODY))
        oscsend("/cadenza/accompany", "iss", 5, "role", "bass")
        assert probe.terminal(5)[0] == "/cadenza/done"
        notes = [g[2:] for a, g in probe.replies if a == "/cadenza/result/notes" and g[0] == 5]
        got = [[f[i], round(f[i + 1], 4), round(f[i + 2], 4), f[i + 3]] for f in notes for i in range(0, len(f), 4)]
        assert got == BASS_UNDER_MELODY
        oscsend("/cadenza/clip/begin", "ifss", 6, MELODY.length, "slot", "c1")  # no role
        code, message = probe.error_for(6)
        assert code == "bad_request" and "needs role R" in message
        assert probe.ping_ok()
    finally:
        probe.close()


def test_a_context_clip_over_64_bars_is_too_large(peer):
    peer.send("/cadenza/clip/begin", 70, 65 * 4.0, "slot", "c1", "role", "melody", "reply_port", peer.reply_port)
    code, message = peer.error(70)
    assert code == "too_large" and "at most 64 bars" in message
    upload(peer, 71, "c1", Clip([Note(float(i), 60 + i % 12, 1.0, 90) for i in range(256)], 256.0), "melody")
    got = accompany(peer, 71, "role", "bass")  # exactly 64 bars is fine
    assert got[-1][0] == "/cadenza/done" and info_of(got)["bars"] == 64


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    with accomp_daemon(tmp_path_factory.mktemp("accomp-limits"), max_uploads_per_client=2, upload_ttl=0.5) as d:
        yield d


def test_each_context_slot_counts_as_an_upload_and_expires_on_its_own(small):
    p = OscPeer(small.port)
    try:
        upload(p, 80, "c1", MELODY, "melody")
        upload(p, 80, "c2", CHORDS, "chords")
        p.send("/cadenza/clip/begin", 80, 8.0, "slot", "c3", "role", "drums", "reply_port", p.reply_port)
        code, message = p.error(80)
        assert code == "too_large" and "at most 2 unfinished uploads per client (each slot counts)" in message
        got = accompany(p, 80, "role", "bass")  # c1 and c2 are still there, and are used up
        assert info_of(got)["context"] == "melody,chords"
        upload(p, 81, "c5", MELODY, "melody")  # never asked for: it expires with an error naming its slot
        code, message = p.error(81)
        assert code == "timeout" and 'id 81 slot "c5"' in message and "an accompany, infill or continue" in message
        assert p.serving()
    finally:
        p.close()


@pytest.mark.parametrize("operation, positional", [("infill", (0, 1)), ("continue", ())])
def test_context_in_another_meter_than_the_clip_is_refused(peer, operation, positional):
    waltz = Clip([Note(float(i), 62, 1.0, 90) for i in range(6)], 6.0)
    upload(peer, 90, None, waltz, meter="3/4")
    upload(peer, 90, "c1", MELODY, "melody")
    peer.send(f"/cadenza/{operation}", 90, *positional, "role", "bass", "reply_port", peer.reply_port)
    code, message = peer.error(90)
    assert code == "bad_request" and f"the context is in 4/4 and the clip to {operation} in 3/4" in message
    good(peer, 91)


def test_harmonise_writes_each_part_over_the_context_and_the_parts_before(peer):
    """roles "bass,chords": the fixture's rule plays the lowest sounding pitched note, so the
    bass follows the chords, and the second part, written over the context and that bass,
    plays the bass's own notes (the bass now sounds lowest): proof it heard the part before."""
    upload(peer, 50, "c1", MELODY, "melody", key="A minor")
    upload(peer, 50, "c2", CHORDS, "chords")
    got = accompany(peer, 50, "roles", "bass,keys", "variations", 2, "seed", 9)
    assert got[-1][0] == "/cadenza/done", got[-1]
    info = info_of(got)
    assert (info["role"], info["roles"], info["context"], info["seed"]) == ("band", "bass,keys", "melody,chords", 9)
    vs = variations(got)
    assert sorted(vs) == [0, 1, 2, 3]
    labels = [vs[n]["begin"][2:] for n in range(4)]
    assert labels == [["role", "bass", "take", 0], ["role", "keys", "take", 0],
                      ["role", "bass", "take", 1], ["role", "keys", "take", 1]]
    for n in range(4):
        assert vs[n]["begin"][:2] == [4, 8.0] and vs[n]["ended"]
    assert vs[0]["notes"] == with_velocity(BASS_UNDER_CHORDS, 80)  # variation 0 of a one-take sub-request
    assert [x[:3] for x in vs[1]["notes"]] == [x[:3] for x in vs[0]["notes"]]  # over the bass just written
    assert peer.serving()


@pytest.mark.parametrize("keys, words", [
    (("role", "bass", "roles", "bass,keys"), "accompany takes role (one part) or roles (several"),
    (("roles", "bass,lute"), "roles: unknown part 'lute'"),
    (("roles", "bass,bass"), "roles names 'bass' twice"),
    (("roles", "melody,bass"), "every context track already plays melody"),
    (("roles", "bass,keys", "variations", 8, "model", "accomp"), None),  # 16 clips: within the band limit
])
def test_bad_harmonise_requests_are_refused_clearly(peer, keys, words):
    upload(peer, 51, "c1", MELODY, "melody")
    last = accompany(peer, 51, *keys)[-1]
    if words is None:
        assert last[0] == "/cadenza/done", last
    else:
        assert last[0] == "/cadenza/error" and last[1][1] == "bad_request" and words in last[1][2], last
    good(peer, 52)


def test_harmonise_counts_the_parts_toward_the_eight_context_tracks(peer):
    for k in range(1, 8):
        upload(peer, 53, f"c{k}", MELODY, "melody")
    code, message = accompany(peer, 53, "roles", "bass,keys,chords")[-1][1][1:3]
    assert code == "bad_request" and "7 context tracks and 3 parts" in message and "at most 8" in message
    good(peer, 54)
