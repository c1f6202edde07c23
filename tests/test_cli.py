"""The CLI as users and the REAPER scripts run it: real processes, a real daemon."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pretty_midi
import pytest

from bridge.music.clip import Clip, Note, clip_to_midi


def cadenza(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "bridge.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_help_is_fast_and_imports_nothing_heavy():
    code = (
        "import sys, runpy; sys.argv=['cadenza','generate','--help'];\n"
        "try:\n    runpy.run_module('bridge.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('torch','music21','pretty_midi','numpy','onnxruntime') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert "--bars" in out.stdout
    assert "HEAVY []" in out.stdout, out.stdout


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_daemon_down_is_one_clean_line(tmp_path):
    port = _closed_port()
    out_json = tmp_path / "r.json"
    r = cadenza("generate", "--port", port, "--bars", 2, "--out", out_json)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"cadenza: Cadenza daemon not running on 127.0.0.1:{port}: start it with `cadenza serve`"
    ]
    assert "Traceback" not in r.stderr + r.stdout
    err = json.loads(out_json.read_text())
    assert err == {"ok": False, "error": {"code": "unavailable", "message": r.stderr.strip()[len("cadenza: "):]}}
    r = cadenza("ping", "--port", port, "--udp")
    assert r.returncode == 1 and "cadenza serve" in r.stderr and "Traceback" not in r.stderr


def test_generate_to_midi_and_json(daemon, tmp_path):
    mid = tmp_path / "out.mid"
    r = cadenza("generate", "--port", daemon.port, "--bars", 4, "--meter", "3/4", "--seed", 7, "-n", 2,
                "--key", "D minor", "--scale-lock", "--style", "swing", "--out", mid)
    assert r.returncode == 0, r.stderr
    pm = pretty_midi.PrettyMIDI(str(mid))
    assert len(pm.instruments) == 2 and all(i.notes for i in pm.instruments)
    assert (pm.time_signature_changes[0].numerator, pm.time_signature_changes[0].denominator) == (3, 4)
    r = cadenza("generate", "--port", daemon.port, "--bars", 4, "--meter", "3/4", "--seed", 7, "-n", 2,
                "--key", "D minor", "--scale-lock", "--style", "swing", "--json")
    res = json.loads(r.stdout)
    assert res["ok"] and res["seed"] == 7 and res["key"] == "D minor" and len(res["variations"]) == 2
    d_minor = {2, 4, 5, 7, 9, 10, 0}
    for var in res["variations"]:
        assert var["length_beats"] == 12.0
        assert all(p % 12 in d_minor for p, s, d, v in var["notes"])
        # swing's training melodies are all played (none at one velocity), so neither is this
        assert len({v for *_, v in var["notes"]}) > 1, "velocities of a played style must not be fixed"
    # the MIDI file holds the same notes as the JSON answer
    first = sorted((n.pitch, round(n.start * 2, 2)) for n in pm.instruments[0].notes)  # 120 BPM: 0.5 s a beat
    assert first == sorted((p, round(s, 2)) for p, s, d, v in res["variations"][0]["notes"])


def test_continue_restyle_infill_from_files(daemon, tmp_path):
    src = Clip([Note(i * 0.5, 60 + (i * 5) % 12, 0.5, 70 + i % 30) for i in range(32)], 16.0)
    clip_to_midi(src, tmp_path / "in.mid")
    (tmp_path / "in.json").write_text(json.dumps(src.to_dict()))
    for op, extra in (("continue", ["--bars", 2]), ("restyle", ["--strength", 1.0, "--preserve", "rhythm"]),
                      ("infill", ["--start-bar", 1, "--end-bar", 3])):
        for fmt in ("mid", "json"):
            r = cadenza(op, "--port", daemon.port, "--in", tmp_path / f"in.{fmt}", *extra, "--seed", 3,
                        "--out", tmp_path / f"{op}.json")
            assert r.returncode == 0, (op, fmt, r.stderr)
            res = json.loads((tmp_path / f"{op}.json").read_text())
            notes = res["variations"][0]["notes"]
            assert notes
            if op == "continue":
                assert res["variations"][0]["length_beats"] == 8.0
            if op == "restyle":
                assert sorted((s, d) for _, s, d, _ in notes) == sorted((n.start, n.duration) for n in src.notes)


def test_bad_request_is_one_line_naming_allowed_values(daemon):
    r = cadenza("generate", "--port", daemon.port, "--bars", 0)
    assert r.returncode == 1
    assert r.stderr.strip() == "cadenza: bad_request: bars must be an integer from 1 to 64, got 0"
    r = cadenza("generate", "--port", daemon.port, "--style", "polka-from-mars")
    assert r.returncode == 1 and "this model knows" in r.stderr


def test_usage_errors_also_land_in_the_json_answer_file(tmp_path):
    out = tmp_path / "answer.json"
    r = cadenza("generate", "--no-such-flag", "1", "--out", out)
    assert r.returncode == 2 and "No such option" in r.stderr
    err = json.loads(out.read_text())
    assert err["ok"] is False and err["error"]["code"] == "usage" and "--no-such-flag" in err["error"]["message"]


def test_guidance_reaches_the_daemon(daemon):
    """--guidance is the protocol's `guidance` key: out of range it is refused with the range, in
    range it answers (a model trained without guidance ignores it)."""
    r = cadenza("generate", "--port", daemon.port, "--bars", 1, "--guidance", 7)
    assert r.returncode == 1
    assert r.stderr.strip() == "cadenza: bad_request: guidance must be from 0 to 5 (1: plain conditioning), got 7.0"
    r = cadenza("generate", "--port", daemon.port, "--bars", 1, "--guidance", 1.5, "--seed", 2, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ok"]
