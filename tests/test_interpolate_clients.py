"""Interpolate from clients outside the project: the python-osc example in examples/python/ run as
a user runs it, and liblo's `oscsend` (each message from a new port, so each names reply_port),
against a real daemon serving the interp test family (tests/interp_engine.py, a protocol fixture
until the VAE engine lands)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from oscutil import UdpProbe
from test_interpolate_support import CLIP_A, CLIP_B, REPO, flat, interp_daemon, notes_of
from tools import need

EXAMPLE = REPO / "examples" / "python" / "cadenza_interpolate.py"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with interp_daemon(tmp_path_factory.mktemp("interp-clients")) as d:
        yield d


def run_example(*args, port: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLE), *map(str, args), "--port", str(port)],
                          capture_output=True, text=True, timeout=120)


def test_the_python_osc_example_prints_the_morph(served, tmp_path):
    r = run_example(port=served.port)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"step {k}" for k in range(5)]
    assert lines[0] == "step 0: 8 notes, 8 beats: 60@0 64@1 67@2 72@3 67@4 64@5 60@6 55@7"
    (tmp_path / "a.json").write_text(json.dumps(CLIP_A.to_dict()))
    (tmp_path / "b.json").write_text(json.dumps(CLIP_B.to_dict()))
    r = run_example(tmp_path / "a.json", tmp_path / "b.json", "--steps", 3, "--json", port=served.port)
    assert r.returncode == 0, r.stderr
    morph = json.loads(r.stdout)
    assert [s["step"] for s in morph] == [0, 1, 2]
    assert [[round(x, 4) for x in n] for n in morph[0]["notes"]] == notes_of(CLIP_A)
    assert [[round(x, 4) for x in n] for n in morph[2]["notes"]] == notes_of(CLIP_B, 8.0)


def test_the_example_reports_the_daemons_error(served):
    r = run_example("--model", "markov", port=served.port)
    assert r.returncode == 1 and "bad_request" in r.stderr and "vae" in r.stderr


def test_oscsend_uploads_two_slots_and_gets_the_morph(served):
    need("oscsend")
    probe = UdpProbe("127.0.0.1", served.port)
    rp = str(probe.port)

    def oscsend(address, types, *args):
        subprocess.run(["oscsend", "127.0.0.1", str(served.port), address, types + "si",
                        *map(str, args), "reply_port", rp], check=True, timeout=10)

    try:
        for slot, clip in (("a", CLIP_A), ("b", CLIP_B)):
            oscsend("/cadenza/clip/begin", "ifss", 5, clip.length, "slot", slot)
            oscsend("/cadenza/clip/notes", "is" + "iffi" * len(clip.notes), 5, slot, *flat(clip))
        oscsend("/cadenza/interpolate", "isi", 5, "steps", 2)
        probe.terminal(5)
        begins = [g[1:3] for a, g in probe.replies if a == "/cadenza/result/begin" and g[0] == 5]
        assert begins == [[0, len(CLIP_A.notes)], [1, len(notes_of(CLIP_B, 8.0))]], probe.replies[-5:]
        oscsend("/cadenza/interpolate", "isi", 6, "steps", 2)  # nothing uploaded under 6
        code, message = probe.error_for(6)
        assert code == "no_clip" and "missing: a and b" in message
        assert probe.ping_ok()
    finally:
        probe.close()
