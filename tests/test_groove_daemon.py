"""`/cadenza/groove` and `/cadenza/drumify` through a real daemon on loopback (python-osc over UDP,
the project's client over TCP), serving the shipped groove and Markov models; the default model
(markov) cannot groove, so groove finds the groove model, and drumify is answered by the family
docs/ENGINES.md names (markov)."""

from __future__ import annotations

import pytest
from conftest import MODELS, start_daemon, stop_daemon
from test_interpolate_support import OscPeer, variations

from bridge.music.clip import Clip, Note
from bridge.server.client import Client

BEAT = Clip([Note(e / 2, 42, 0.25, 100) for e in range(16)] + [Note(float(q), 36 if q % 2 == 0 else 38, 0.25, 100)
                                                               for q in range(8)], 8.0)
TUNE = Clip([Note(0.0, 60, 1.0, 90), Note(1.0, 62, 0.5, 90), Note(1.5, 64, 0.5, 90), Note(2.0, 65, 2.0, 90),
             Note(4.0, 67, 1.0, 90), Note(5.0, 65, 1.0, 90), Note(6.5, 64, 1.5, 90)], 8.0)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("groove-daemon")
    models = root / "models"
    models.mkdir()
    for name in ("groove", "markov"):
        (models / name).symlink_to(MODELS / name)
    d = start_daemon(models, root / "daemon.log")
    yield d
    stop_daemon(d)


@pytest.fixture()
def peer(served):
    p = OscPeer(served.port)
    yield p
    p.close()


def info_of(got) -> dict:
    args = next(a for addr, a in got if addr == "/cadenza/info")
    return dict(zip(args[1::2], args[2::2]))


def test_groove_over_udp_keeps_the_notes_and_moves_their_timing(peer):
    peer.upload(5, None, BEAT)
    peer.send("/cadenza/groove", 5, "role", "drums", "amount", 0.8, "swing", 0.3, "seed", 4,
              "reply_port", peer.reply_port)
    got = peer.until_terminal(5)
    assert got[0][0] == "/cadenza/accepted" and got[-1][0] == "/cadenza/done"
    info = info_of(got)
    assert (info["model"], info["role"], info["seed"]) == ("groove", "drums", 4) and info["style"]
    v = variations(got)[0]
    assert v["ended"] and v["begin"] == [len(BEAT.notes), 8.0]
    assert sorted(n[0] for n in v["notes"]) == sorted(n.pitch for n in BEAT.notes)
    starts = sorted(n[1] for n in v["notes"])
    assert starts != sorted(n.start for n in BEAT.notes) and min(starts) >= 0 and max(starts) < 8.0
    assert peer.serving()


def test_models_lists_groove_for_the_groove_engine(served):
    with Client("127.0.0.1", served.port, "tcp") as c:
        models = {args[0]: dict(zip(args[4::2], args[5::2])) for _, args in c.query("models")}
    assert models["groove"]["operations"] == "groove" and "groove" not in models["markov"]["operations"]
    assert "drums" in models["groove"]["roles"].split(",")


def test_drumify_over_tcp_is_answered_by_markov_on_the_clips_onsets(served):
    with Client("127.0.0.1", served.port, "tcp") as c:
        res = c.request("drumify", {"seed": 2}, clip=TUNE.to_dict())
        again = c.request("restyle", {"seed": 2, "role": "drums", "preserve": "rhythm"}, clip=TUNE.to_dict())
    assert res.info["model"] == "markov" and res.info["role"] == "drums"
    notes = res.variations[0]["notes"]
    assert all(27 <= p <= 87 for p, *_ in notes)
    assert {s for _, s, *_ in notes} == {n.start for n in TUNE.notes}  # every hit on an onset of the tune, every onset hit
    kicks_on_downbeats = {s for p, s, *_ in notes if p in (35, 36) and s % 4 == 0}
    assert kicks_on_downbeats == {0.0, 4.0}
    assert again.variations == res.variations  # restyle role drums on a pitched clip is the same request


@pytest.mark.parametrize("op, keys, code, words", [
    ("groove", ("amount", 3), "bad_request", "amount must be from 0 (the clip as sent) to 1"),
    ("groove", ("bars", 4), "bad_request", "unknown key 'bars' for groove"),
    ("groove", ("model", "markov"), "bad_request", "model 'markov' (markov engine) cannot groove"),
    ("groove", ("style", "polka-metal"), "bad_request", "unknown style 'polka-metal'"),
    ("drumify", ("model", "groove"), "bad_request", "model 'groove' (groove engine) cannot drumify"),
    ("drumify", ("role", "bass"), "bad_request", "drumify writes role drums"),
    ("generate", ("model", "groove"), "bad_request", "'generate' is not one of groove"),
])
def test_bad_requests_get_a_clear_error_and_the_daemon_keeps_serving(peer, op, keys, code, words):
    peer.upload(21, None, BEAT)
    peer.send(f"/cadenza/{op}", 21, *keys, "reply_port", peer.reply_port)
    got_code, message = peer.error(21)
    assert got_code == code and words in message, message
    assert peer.serving()


@pytest.mark.parametrize("op", ["groove", "drumify"])
def test_no_clip_is_no_clip(peer, op):
    peer.send(f"/cadenza/{op}", 31, "reply_port", peer.reply_port)
    code, message = peer.error(31)
    assert code == "no_clip" and f"{op} needs a clip" in message


def test_the_cli_grooves_and_drumifies_midi_files(served, tmp_path):
    import json
    import subprocess
    import sys

    from bridge.music.clip import clip_to_midi, read_clip

    beat, tune = tmp_path / "beat.mid", tmp_path / "tune.mid"
    clip_to_midi(BEAT, beat, role="drums")
    clip_to_midi(TUNE, tune, role="melody")
    cli = lambda *a: subprocess.run([sys.executable, "-m", "bridge.cli", *a, "--port", str(served.port)],  # noqa: E731
                                    capture_output=True, text=True, timeout=60)
    r = cli("groove", "--in", beat, "--amount", "0.8", "--swing", "0.3", "--seed", "2", "--out", tmp_path / "played.mid")
    assert r.returncode == 0, r.stderr
    played = read_clip(tmp_path / "played.mid")
    assert sorted(n.pitch for n in played.notes) == sorted(n.pitch for n in BEAT.notes) and played.length == 8.0
    r = cli("drumify", "--in", tune, "--seed", "2", "--out", tmp_path / "drums.json")
    assert r.returncode == 0, r.stderr
    out = json.loads((tmp_path / "drums.json").read_text())
    assert out["model"] == "markov" and out["role"] == "drums" and out["variations"][0]["notes"]
    r = cli("groove", "--in", beat, "--amount", "3", "--out", tmp_path / "bad.json")
    assert r.returncode == 1 and "amount must be from 0" in r.stderr


def test_a_stream_on_the_groove_model_is_refused_at_once(peer):
    peer.send("/cadenza/stream/start", 41, "model", "groove", "reply_port", peer.reply_port)
    code, message = peer.error(41)
    assert code == "bad_request" and "model 'groove' (groove engine) cannot generate, so it cannot stream" in message
    assert peer.serving()
