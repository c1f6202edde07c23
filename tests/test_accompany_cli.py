"""`cadenza accompany` and `--context ROLE=FILE` on `cadenza infill` and `cadenza continue`, run as the
front ends run them (a subprocess, real MIDI and JSON files in and out) against a real daemon on
loopback serving the accomp test family (tests/accomp_engine.py, a protocol fixture until the real
accompany model lands; its bass rule is known by hand)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import mido
import pytest
from test_accompany_support import (BASS_UNDER_CHORDS, BASS_UNDER_MELODY, CHORDS, DRUMS, MELODY, REPO, accomp_daemon,
                                    with_velocity)

from bridge.music.clip import Clip, Note, clip_to_midi, read_clip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with accomp_daemon(tmp_path_factory.mktemp("accomp-cli")) as d:
        yield d


@pytest.fixture(scope="module")
def tracks(tmp_path_factory):
    """The melody as a real MIDI file, the chords and drums as JSON clip files."""
    folder = tmp_path_factory.mktemp("tracks")
    clip_to_midi(MELODY, folder / "melody.mid")
    (folder / "chords.json").write_text(json.dumps(CHORDS.to_dict()))
    (folder / "drums.json").write_text(json.dumps(DRUMS.to_dict()))
    return {name: folder / f"{name}.{'mid' if name == 'melody' else 'json'}" for name in ("melody", "chords", "drums")}


def cadenza(*args, port: int) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("CADENZA_PORT", None)
    return subprocess.run([sys.executable, "-m", "bridge.cli", *map(str, args), "--port", str(port)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_accompany_writes_the_bass_for_a_midi_melody(served, tracks, tmp_path):
    assert read_clip(tracks["melody"]).notes == MELODY.notes  # the MIDI file holds the melody exactly
    out = tmp_path / "bass.json"
    r = cadenza("accompany", "--context", f"melody={tracks['melody']}", "--role", "bass", "--seed", 4,
                "--out", out, port=served.port)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "1 variation(s), 4 notes, seed 4" in r.stdout
    res = json.loads(out.read_text())
    assert res["ok"] and res["operation"] == "accompany" and res["model"] == "accomp"
    assert (res["role"], res["bars"], res["meter"], res["seed"], res["context"]) == ("bass", 2, "4/4", 4, ["melody"])
    assert res["variations"] == [{"variation": 0, "length_beats": 8.0, "notes": BASS_UNDER_MELODY}]


def test_three_context_tracks_variations_json_on_stdout_over_udp(served, tracks):
    r = cadenza("accompany", "--context", f"melody={tracks['melody']}", "--context", f"chords={tracks['chords']}",
                "--context", f"drums={tracks['drums']}", "--role", "bass", "-n", 3, "--udp", "--json", port=served.port)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["context"] == ["melody", "chords", "drums"]
    assert [v["notes"] for v in res["variations"]] == [with_velocity(BASS_UNDER_CHORDS, 80 + v) for v in range(3)]


def test_accompany_writes_a_midi_file_with_a_bass_track(served, tracks, tmp_path):
    mid = tmp_path / "bass.mid"
    r = cadenza("accompany", "--context", f"chords={tracks['chords']}", "--role", "bass", "--bars", 1,
                "--out", mid, port=served.port)
    assert r.returncode == 0, r.stderr
    midi = mido.MidiFile(mid)
    programs = [m.program for t in midi.tracks for m in t if m.type == "program_change"]
    assert programs == [33]  # one track, General MIDI's bass
    back = read_clip(mid)
    assert [[n.pitch, n.start, n.duration] for n in back.notes] == [n[:3] for n in BASS_UNDER_CHORDS[:2]]


def test_infill_and_continue_take_context(served, tracks, tmp_path):
    line = tmp_path / "line.json"
    line.write_text(json.dumps(Clip([Note(float(i), 50 + i, 1.0, 70) for i in range(8)], 8.0).to_dict()))
    r = cadenza("infill", "--in", line, "--start-bar", 1, "--end-bar", 2, "--context", f"chords={tracks['chords']}",
                "--role", "bass", "--json", port=served.port)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["context"] == ["chords"] and res["model"] == "accomp"
    assert res["variations"][0]["notes"] == [[50 + i, float(i), 1.0, 70] for i in range(4)] + BASS_UNDER_CHORDS[2:]
    first = tmp_path / "first.json"
    first.write_text(json.dumps(Clip([Note(0.0, 45, 4.0, 80)], 4.0).to_dict()))
    r = cadenza("continue", "--in", first, "--context", f"melody={tracks['melody']}", "--role", "bass", "--json",
                port=served.port)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["bars"] == 2 and res["variations"][0]["notes"] == BASS_UNDER_MELODY
    r = cadenza("continue", "--in", first, "--bars", 1, "--seed", 1, "--json", port=served.port)  # no context
    assert r.returncode == 0 and "context" not in json.loads(r.stdout), r.stderr


def test_progress_file_and_cancel_file(served, tracks, tmp_path):
    progress, stop, out = tmp_path / "progress", tmp_path / "stop", tmp_path / "answer.json"
    r = cadenza("accompany", "--context", f"melody={tracks['melody']}", "--role", "bass", "-n", 2,
                "--progress", progress, "--out", out, port=served.port)
    assert r.returncode == 0, r.stderr
    assert float(progress.read_text()) == 0.5  # the fixture reports after each of its two variations
    stop.write_text("")
    r = cadenza("accompany", "--context", f"melody={tracks['melody']}", "--role", "bass", "--cancel-file", stop,
                "--out", out, port=served.port)
    assert r.returncode == 1 and "cancelled" in r.stderr
    assert json.loads(out.read_text())["error"]["code"] == "cancelled"


@pytest.mark.parametrize("args, code, words", [
    (("--role", "bass", "--model", "markov"), 1, "cannot accompany"),
    (("--role", "bass", "--bars", 3), 1, "bars 3 is longer than the context (2 bars)"),
    (("--role", "melody"), 1, "every context track already plays melody"),
    ((), 2, "accompany needs --role"),
])
def test_daemon_and_usage_errors_are_one_clean_line_and_land_in_the_answer_file(served, tracks, tmp_path,
                                                                                  args, code, words):
    out = tmp_path / "err.json"
    r = cadenza("accompany", "--context", f"melody={tracks['melody']}", *args, "--out", out, port=served.port)
    assert (r.returncode, words in r.stderr) == (code, True), r.stderr
    assert "Traceback" not in r.stderr
    err = json.loads(out.read_text())
    assert err["ok"] is False and err["error"]["code"] == ("usage" if code == 2 else "bad_request")
    if "markov" in args:
        assert "models that can: accomp (accomp)" in r.stderr


@pytest.mark.parametrize("context, words", [
    (["melody"], "'melody' must be ROLE=FILE"),
    (["tuba={melody}"], "role 'tuba'"),
    (["melody=/nowhere/lead.mid"], "does not exist"),
    (["melody={melody}"] * 9, "at most 8 context tracks"),
    ([], "at least one --context"),
])
def test_bad_context_options_are_usage_errors(served, tracks, context, words):
    flags = [x for c in context for x in ("--context", c.format(**tracks))]
    r = cadenza("accompany", *flags, "--role", "bass", port=served.port)
    assert (r.returncode, words in r.stderr) == (2, True), r.stderr


def test_a_corrupt_context_file_is_a_clean_error(served, tmp_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06garbage")
    r = cadenza("accompany", "--context", f"melody={bad}", "--role", "bass", port=served.port)
    assert r.returncode == 1 and r.stderr.startswith("cadenza: ") and "Traceback" not in r.stderr, r.stderr


def test_the_daemon_not_running_is_one_line(tracks):
    r = cadenza("accompany", "--context", f"melody={tracks['melody']}", "--role", "bass", port=1)
    assert r.returncode == 1 and "start it with `cadenza serve`" in r.stderr


def test_roles_write_a_harmonisation_one_track_a_part(served, tracks, tmp_path):
    out = tmp_path / "satb.mid"
    r = cadenza("accompany", "--context", f"melody={tracks['melody']}", "--context", f"chords={tracks['chords']}",
                "--roles", "bass,keys", "--seed", 2, "--out", out, port=served.port)
    assert r.returncode == 0, r.stderr
    names = [t.name for t in mido.MidiFile(str(out)).tracks if any(m.type == "note_on" for m in t)]
    assert len(names) == 2 and "bass" in names[0].lower() and "keys" in names[1].lower(), names
    js = cadenza("accompany", "--context", f"melody={tracks['melody']}", "--roles", "bass,keys", "--json",
                 port=served.port)
    res = json.loads(js.stdout)
    assert res["roles"] == ["bass", "keys"] and [v["role"] for v in res["variations"]] == ["bass", "keys"]
    assert res["variations"][0]["notes"] == BASS_UNDER_MELODY
    both = cadenza("accompany", "--context", f"melody={tracks['melody']}", "--roles", "bass", "--role", "bass",
                   port=served.port)
    assert both.returncode == 2 and "give --role (one part) or --roles (several), not both" in both.stderr
