"""The RNN served by a real daemon on loopback: generate over TCP (the project's client) and UDP
(python-osc), bad input answered with an error while the daemon keeps serving, and an endless
stream (`stream/start ... model rnn`) played from it. Each runs against the tiny model trained here
and against the shipped models/rnn in the session daemon."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bridge.cli.bench_stream import StreamReceiver, timing_stats
from bridge.engines.rnn.train import train_rnn
from bridge.engines.transformer.devdata import build
from bridge.server.client import Client, RemoteError
from tests.conftest import MODELS, start_daemon, stop_daemon

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "configs" / "rnn-tiny.toml"


@pytest.fixture(scope="module")
def tiny_daemon(tmp_path_factory):
    pytest.importorskip("music21")
    root = tmp_path_factory.mktemp("rnn-daemon")
    ds = build(root / "ds", chorales=3)
    models = root / "models"
    train_rnn(TINY, ds, models / "rnn", log=lambda *a: None)
    shutil.rmtree(models / "rnn" / "checkpoints")
    d = start_daemon(models, root / "daemon.log")
    yield d
    stop_daemon(d)


@pytest.fixture(scope="module", params=["tiny", "shipped"])
def served(request):
    """(daemon, model name): the tiny rnn alone, or the shipped one beside the other shipped models."""
    if request.param == "tiny":
        return request.getfixturevalue("tiny_daemon"), "rnn"
    if not (MODELS / "rnn" / "config.json").is_file():
        pytest.fail(f"{MODELS / 'rnn'} is missing: the shipped rnn model is part of the repository")
    return request.getfixturevalue("daemon"), "rnn"


@pytest.mark.parametrize("role,meter,bars", [("melody", "4/4", 8), ("bass", "3/4", 4), ("drums", "4/4", 2)])
def test_generate_over_tcp_exact_bars_valid_notes(served, role, meter, bars):
    d, model = served
    with Client(d.host, d.port) as c:
        res = c.request("generate", {"model": model, "role": role, "meter": meter, "bars": bars,
                                     "key": "G major", "scale_lock": 1, "variations": 2, "seed": 9})
    assert res.info["model"] == model
    num = int(meter.split("/")[0]) * (4 / int(meter.split("/")[1]))
    assert sorted(res.variations) == [0, 1]
    for v in res.variations.values():
        assert v["length_beats"] == pytest.approx(bars * num)
        assert v["notes"], "an empty clip"
        for pitch, start, dur, vel in v["notes"]:
            assert 0 <= pitch <= 127 and 1 <= vel <= 127 and dur > 0
            assert 0 <= start < v["length_beats"] and start + dur <= v["length_beats"] + 1e-3
            if role != "drums":
                assert pitch % 12 in {7, 9, 11, 0, 2, 4, 6}


def test_same_seed_same_notes_through_the_daemon(served):
    d, model = served
    with Client(d.host, d.port) as c:
        a, b = (c.request("generate", {"model": model, "bars": 4, "seed": 41}) for _ in range(2))
    assert a.variations[0]["notes"] == b.variations[0]["notes"]


def test_generate_over_udp_with_python_osc(served):
    from pythonosc.udp_client import SimpleUDPClient

    d, model = served
    rx = StreamReceiver(d.host, d.port)  # a bound UDP socket: the daemon answers the sender's port
    try:
        rx.send("/cadenza/generate", 501, "model", model, "role", "bass", "bars", 2, "seed", 3)
        rec = rx.until(lambda a, g: g[:1] == [501] and a in ("/cadenza/done", "/cadenza/error"), 30)
    finally:
        rx.close()
    assert rec is not None
    replies = [(a, g) for _, _, msgs, _ in rx.packets for a, g in msgs if g[:1] == [501]]
    assert ("/cadenza/done" in [a for a, _ in replies]), replies
    begin = next(g for a, g in replies if a == "/cadenza/result/begin")
    assert begin[3] == pytest.approx(8.0)
    SimpleUDPClient(d.host, d.port).send_message("/cadenza/ping", [])  # python-osc speaks to it too


def test_bad_input_is_an_error_and_the_daemon_keeps_serving(served):
    d, model = served
    with Client(d.host, d.port) as c:
        with pytest.raises(RemoteError, match="bars") as e:
            c.request("generate", {"model": model, "bars": 0})
        assert e.value.code == "bad_request"
        with pytest.raises(RemoteError, match="style"):
            c.request("generate", {"model": model, "style": "no-such-style"})
        assert c.request("generate", {"model": model, "bars": 1, "seed": 1}).variations[0]["length_beats"] == 4.0


def test_stream_plays_from_the_rnn(served):
    d, model = served
    rx = StreamReceiver(d.host, d.port)
    try:
        rx.send("/cadenza/stream/start", 77, "model", model, "tempo", 240.0, "role", "melody", "seed", 5)
        rec = rx.until(lambda a, g: g[:1] == [77] and a in ("/cadenza/accepted", "/cadenza/error"), 20)
        assert rec is not None and rec[2][0] == ("/cadenza/accepted", [77, 0]), rec
        rx.run_for(4.0, keepalive_id=77)
        rx.send("/cadenza/stream/stop", 77)
        end = rx.until(lambda a, g: g[:1] == [77] and a in ("/cadenza/done", "/cadenza/error"), 10)
    finally:
        rx.close()
    assert end is not None and any(a == "/cadenza/done" for a, _ in end[2]), end
    notes = [(tag, g) for _, tag, msgs, _ in rx.packets for a, g in msgs if a == "/cadenza/note" and g[0] == 77]
    assert len(notes) >= 6, f"only {len(notes)} notes in 4 s at 240 BPM"
    assert len({g[1] for _, g in notes}) >= 3, "the stream repeats one or two pitches"
    for tag, (_, pitch, vel, dur) in notes:
        assert 0 <= pitch <= 127 and 1 <= vel <= 127 and dur > 0
    stats = timing_stats(rx.packets, 77, 240.0, 50.0)
    assert stats["after_tag"] == 0 and stats["out_of_order"] == 0, stats
    assert stats["longest_gap_beats"] <= 1.0 + 1e-3
