"""`cadenza interpolate` and `cadenza models`, run as the front ends run them (a subprocess, files
in and out) against a real daemon on loopback serving the interp test family (tests/interp_engine.py,
a protocol fixture until the VAE engine lands)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import mido
import pytest
from test_interpolate_support import CLIP_A, CLIP_B, REPO, interp_daemon, notes_of

from bridge.music.clip import clip_to_midi, read_clip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with interp_daemon(tmp_path_factory.mktemp("interp-cli"), slow=True) as d:
        yield d


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Clip a as a real MIDI file, clip b as a JSON clip file (--a/--b take either, as --in does)."""
    folder = tmp_path_factory.mktemp("clips")
    clip_to_midi(CLIP_A, folder / "a.mid")
    (folder / "b.json").write_text(json.dumps(CLIP_B.to_dict()))
    return folder / "a.mid", folder / "b.json"


def cadenza(*args, port: int) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("CADENZA_PORT", None)
    return subprocess.run([sys.executable, "-m", "bridge.cli", *map(str, args), "--port", str(port)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_interpolate_writes_one_variation_per_step_from_a_to_b(served, clips, tmp_path):
    a, b = clips
    out = tmp_path / "morph.json"
    r = cadenza("interpolate", "--a", a, "--b", b, "--steps", 4, "--seed", 5, "--out", out, port=served.port)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "4 variation(s)" in r.stdout
    res = json.loads(out.read_text())
    assert res["ok"] and res["operation"] == "interpolate" and res["model"] == "interp"
    assert (res["bars"], res["seed"], res["meter"], res["role"]) == (2, 5, "4/4", "melody")
    assert [v["variation"] for v in res["variations"]] == [0, 1, 2, 3]
    assert res["variations"][0]["notes"] == notes_of(read_clip(a))  # the MIDI file's notes, step 0
    assert res["variations"][3]["notes"] == notes_of(CLIP_B, 8.0)
    assert all(v["length_beats"] == 8.0 for v in res["variations"])


def test_json_on_stdout_over_udp_and_a_midi_file(served, clips, tmp_path):
    a, b = clips
    r = cadenza("interpolate", "--a", a, "--b", b, "--steps", 3, "--bars", 1, "--udp", "--json", port=served.port)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert len(res["variations"]) == 3 and res["bars"] == 1
    assert res["variations"][0]["notes"] == notes_of(read_clip(a), 4.0)
    mid = tmp_path / "morph.mid"
    r = cadenza("interpolate", "--a", a, "--b", b, "--steps", 3, "--out", mid, port=served.port)
    assert r.returncode == 0, r.stderr
    tracks = [t for t in mido.MidiFile(mid).tracks if any(m.type == "note_on" for m in t)]
    assert len(tracks) == 3  # one track per step


def test_bad_input_is_a_clean_error_in_the_answer_file(served, clips, tmp_path):
    a, b = clips
    out = tmp_path / "err.json"
    r = cadenza("interpolate", "--a", a, "--b", b, "--steps", 17, "--out", out, port=served.port)
    assert r.returncode == 1 and "steps must be an integer from 2 to 16, got 17" in r.stderr
    err = json.loads(out.read_text())
    assert err["ok"] is False and err["error"]["code"] == "bad_request"
    r = cadenza("interpolate", "--a", a, "--b", b, "--model", "markov", "--out", out, port=served.port)
    assert r.returncode == 1 and "cannot interpolate" in r.stderr and "vae" in r.stderr
    r = cadenza("interpolate", "--a", a, "--b", b, "--variations", 2, "--out", out, port=served.port)
    assert r.returncode == 2 and "--variations" in r.stderr  # not an option of interpolate
    assert json.loads(out.read_text())["error"]["code"] == "usage"
    r = cadenza("interpolate", "--a", a, "--out", out, port=served.port)
    assert r.returncode == 2 and "--b" in r.stderr


def test_cancel_file_and_progress_file(served, clips, tmp_path):
    a, b = clips
    stop, progress, out = tmp_path / "stop", tmp_path / "progress", tmp_path / "cancelled.json"
    stop.write_text("")
    r = cadenza("interpolate", "--a", a, "--b", b, "--model", "interp-slow", "--steps", 16, "--cancel-file", stop,
                "--progress", progress, "--out", out, port=served.port)
    assert r.returncode == 1
    assert json.loads(out.read_text())["error"]["code"] == "cancelled"
    r = cadenza("interpolate", "--a", a, "--b", b, "--model", "interp-slow", "--steps", 3, "--progress", progress,
                "--out", out, port=served.port)
    assert r.returncode == 0, r.stderr
    assert 0 < float(progress.read_text()) < 1  # the fraction after step 1 or 2 of 3


def test_models_lists_each_models_operations(served):
    r = cadenza("models", port=served.port)
    assert r.returncode == 0, r.stderr
    assert "operations: interpolate" in r.stdout and "operations: generate,continue,restyle,infill" in r.stdout
    rows = {row["name"]: row for row in json.loads(cadenza("models", "--json", port=served.port).stdout)}
    assert rows["interp"]["operations"] == "interpolate" and "interpolate" not in rows["markov"]["operations"]
