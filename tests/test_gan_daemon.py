"""Band generate through a real daemon on loopback (python-osc over UDP, the project's client over
TCP) serving the shipped Markov model (the default, which cannot write a band) and the shipped
band GAN: role band, a roles subset, result/begin's `role R take v` pairs and numbering, info's
roles, and the errors (unknown part, a repeat, a part the model lacks, a model without band)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_interpolate_support import OscPeer, variations

from bridge.server.client import Client
from bridge.server.config import ServerConfig
from bridge.server.daemon import Daemon

REPO = Path(__file__).resolve().parent.parent
GAN = REPO / "models" / "gan"
PARTS = ["drums", "bass", "chords", "melody"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("band") / "models"
    folder.mkdir()
    (folder / "markov").symlink_to(REPO / "models" / "markov")
    (folder / "gan").symlink_to(GAN)
    d = Daemon(ServerConfig(host="127.0.0.1", port=0, models_dir=folder)).start()
    try:
        yield d
    finally:
        d.stop()


@pytest.fixture()
def peer(served):
    p = OscPeer(served.port)
    yield p
    p.close()


def ask(peer, req_id, *keys):
    peer.send("/cadenza/generate", req_id, *keys, "reply_port", peer.reply_port)
    return [(a, g) for a, g in peer.until_terminal(req_id) if a != "/cadenza/progress"]


def info_of(got):
    args = next(g for a, g in got if a == "/cadenza/info")
    return dict(zip(args[1::2], args[2::2]))


def test_role_band_goes_to_the_gan_and_labels_every_clip(peer):
    got = ask(peer, 31, "role", "band", "style", "rock", "bars", 2, "seed", 4)
    assert [a for a, _ in got][:2] == ["/cadenza/accepted", "/cadenza/info"] and got[-1][0] == "/cadenza/done"
    info = info_of(got)
    assert (info["model"], info["role"], info["roles"], info["bars"], info["seed"]) == \
        ("gan", "band", ",".join(PARTS), 2, 4)  # the default (markov) cannot: the gan answers
    assert info["meter"] == "4/4" and "key" in info
    begins = [g for a, g in got if a == "/cadenza/result/begin"]
    assert [b[1] for b in begins] == [0, 1, 2, 3]
    assert [b[4:] for b in begins] == [["role", r, "take", 0] for r in PARTS]
    assert all(b[3] == 8.0 for b in begins)
    vs = variations(got)
    assert all(v["ended"] and len(v["notes"]) == v["begin"][0] for v in vs.values())
    assert all(27 <= n[0] <= 87 for n in vs[0]["notes"])  # the drums part: GM keys
    assert peer.serving()


def test_roles_subset_in_order_with_takes_numbered_v_times_p_plus_i(peer):
    got = ask(peer, 32, "roles", "bass,drums", "variations", 3, "bars", 1, "seed", 9, "model", "gan")
    assert info_of(got)["roles"] == "bass,drums"
    begins = [g for a, g in got if a == "/cadenza/result/begin"]
    assert [b[1] for b in begins] == list(range(6))
    assert [tuple(b[4:]) for b in begins] == [("role", r, "take", v) for v in range(3) for r in ("bass", "drums")]


def test_a_plain_generate_on_the_gan_has_no_pairs(peer):
    got = ask(peer, 33, "role", "melody", "model", "gan", "bars", 2, "seed", 1)
    begins = [g for a, g in got if a == "/cadenza/result/begin"]
    assert len(begins) == 1 and len(begins[0]) == 4 and "roles" not in info_of(got)


@pytest.mark.parametrize("keys, words", [
    (("roles", "drums,tuba"), "roles: unknown part 'tuba'; parts are melody, bass, chords, keys, drums"),
    (("roles", "bass,bass"), "roles names 'bass' twice"),
    (("roles", "drums,keys"), "this model's band has no keys part; its parts are drums, bass, chords, melody"),
    (("role", "band", "model", "markov"), "model 'markov' (markov engine) cannot band; band is answered by "
                                          "the gan engine; models that can: gan (gan)"),
    (("role", "band", "meter", "6/8"), "meter must be one of 4/4, 2/2, got 6/8"),
    (("role", "band", "roles", "bass", "role", "drums"), "it goes with role \"band\" or no role"),
])
def test_bad_band_requests_get_a_clear_bad_request(peer, keys, words):
    got = ask(peer, 34, *keys)
    address, args = got[-1]
    assert address == "/cadenza/error" and args[1] == "bad_request", args
    assert words in args[2]


def test_the_python_client_reads_role_and_take(served):
    with Client("127.0.0.1", served.port, "tcp") as c:
        res = c.request("generate", {"roles": "drums,bass,chords", "variations": 2, "bars": 2, "seed": 5})
        models = c.query("models")
    assert res.info["roles"] == "drums,bass,chords"
    assert [(v["role"], v["take"]) for _, v in sorted(res.variations.items())] == \
        [(r, t) for t in range(2) for r in ("drums", "bass", "chords")]
    gan = next(args for _, args in models if args[0] == "gan")
    kv = dict(zip(gan[4::2], gan[5::2]))
    assert "band" in kv["operations"].split(",") and kv["roles"] == ",".join(PARTS)


def cadenza(*args, port: int):
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("CADENZA_PORT", None)
    return subprocess.run([sys.executable, "-m", "bridge.cli", *map(str, args), "--port", str(port)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_cli_writes_a_band_as_one_multitrack_midi_and_json_with_roles(served, tmp_path):
    import json

    import pretty_midi

    mid = tmp_path / "band.mid"
    r = cadenza("generate", "--role", "band", "--bars", 2, "--seed", 3, "--out", mid, port=served.port)
    assert r.returncode == 0, r.stderr
    pm = pretty_midi.PrettyMIDI(str(mid))
    assert [i.name for i in pm.instruments] == [f"Cadenza generate {p}" for p in PARTS]
    assert [i.is_drum for i in pm.instruments] == [True, False, False, False]  # drums on channel 10
    assert [i.program for i in pm.instruments][1:] == [33, 0, 73]  # the roles' GM programs
    out = tmp_path / "band.json"
    r = cadenza("generate", "--roles", "drums,bass", "-n", 2, "--bars", 1, "--out", out, port=served.port)
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    assert res["role"] == "band" and res["roles"] == ["drums", "bass"]
    assert [(v["variation"], v["role"], v["take"]) for v in res["variations"]] == \
        [(0, "drums", 0), (1, "bass", 0), (2, "drums", 1), (3, "bass", 1)]
    r = cadenza("generate", "--roles", "drums,bass", "--bars", 1, port=served.port)
    assert r.returncode == 0 and "variation 1 (bass, take 0)" in r.stdout
    r = cadenza("generate", "--roles", "drums,oboe", port=served.port)
    assert r.returncode == 1 and "bad_request: roles: unknown part 'oboe'" in r.stderr


def test_a_band_over_the_clip_limit_is_refused_before_it_is_queued(tmp_path):
    import json

    from bridge.engines import registry
    from test_interpolate_support import OscPeer as Peer

    registry.register("band5", engine="band_engine:BandEngine")  # the one line
    try:
        folder = tmp_path / "models"
        (folder / "band5").mkdir(parents=True)
        (folder / "band5" / "config.json").write_text(json.dumps({"engine": "band5"}))
        d = Daemon(ServerConfig(host="127.0.0.1", port=0, models_dir=folder)).start()
        p = Peer(d.port)
        try:
            got = ask(p, 41, "role", "band", "variations", 7, "bars", 1)
            assert got[-1][0] == "/cadenza/error" and got[-1][1][1] == "bad_request"
            assert "at most 32 clips (variations x parts); 7 variations x 5 parts is 35" in got[-1][1][2]
            assert [a for a, _ in got] == ["/cadenza/error"]  # refused at once: nothing accepted
            ok = ask(p, 42, "roles", "keys,melody", "variations", 8, "bars", 1)
            begins = [g for a, g in ok if a == "/cadenza/result/begin"]
            assert len(begins) == 16 and begins[-1][4:] == ["role", "melody", "take", 7]
        finally:
            p.close()
            d.stop()
    finally:
        registry.FAMILIES.pop("band5", None)
