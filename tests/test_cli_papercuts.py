"""Small things a new user trips over, each fixed: --out's extension, GM programs and track names
on export, files with the user's umask, rounded uptime, a header on `cadenza models`, and a prompt
that reports what it did not use. Real processes against a real daemon."""

from __future__ import annotations

import json
from pathlib import Path
import os
import subprocess
import sys

import pretty_midi
import pytest

from bridge.data.labels import infer_role
from bridge.data.readers import read_midi
from bridge.music.clip import GM_PROGRAMS, Clip, Note, clip_to_midi
from bridge.music.prompt import parse_prompt
from bridge.music.limits import MAX_BARS


def cadenza(*args, env=None):
    return subprocess.run([sys.executable, "-m", "bridge.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.mark.parametrize("name,hint", [("out.wav", "for audio use --wav FILE.wav"),
                                       ("out.png", "for a picture use --png FILE.png"), ("out.txt", "")])
def test_out_refuses_what_it_cannot_write(tmp_path, name, hint):
    r = cadenza("generate", "--port", 1, "--out", tmp_path / name)  # refused before any connection
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "must end in .mid or .midi or .json" in r.stderr and hint in r.stderr
    assert not (tmp_path / name).exists()


def test_export_programs_and_track_names_by_role(daemon, tmp_path):
    for role in ("bass", "melody", "chords", "drums"):
        mid = tmp_path / f"{role}.mid"
        r = cadenza("generate", "--port", daemon.port, "--role", role, "--bars", 2, "--seed", 1, "-n", 2,
                    "--out", mid)
        assert r.returncode == 0, r.stderr
        pm = pretty_midi.PrettyMIDI(str(mid))
        assert [i.name for i in pm.instruments] == [f"Cadenza generate {role} 1", f"Cadenza generate {role} 2"]
        for inst in pm.instruments:
            assert inst.is_drum == (role == "drums")
            assert inst.program == (0 if role == "drums" else GM_PROGRAMS[role])
    assert GM_PROGRAMS == {"melody": 73, "bass": 33, "chords": 0, "keys": 0}
    r = cadenza("generate", "--port", daemon.port, "--role", "melody", "--bars", 1, "--program", 40,
                "--out", tmp_path / "violin.mid")
    assert r.returncode == 0 and pretty_midi.PrettyMIDI(str(tmp_path / "violin.mid")).instruments[0].program == 40


def test_a_reimported_cadenza_bass_reads_as_bass(tmp_path):
    """The corpus labeller (bridge.data.labels) on our own export: a high bass line would be called
    melody by its register, but the GM bass program says bass."""
    line = Clip([Note(i * 1.0, 67 + (i % 3), 1.0, 90) for i in range(8)], 8.0)
    for role, expected in (("bass", "bass"), ("melody", "melody")):
        clip_to_midi(line, tmp_path / f"{role}.mid", role=role)
        [piece] = read_midi(tmp_path / f"{role}.mid", piece_id=role, source="test", style="pop", licence="test")
        assert [infer_role(p) for p in piece.parts] == [expected]


def test_files_follow_the_umask(daemon, tmp_path):
    for mask in (0o022, 0o002):
        out = tmp_path / f"u{mask:o}.json"
        r = subprocess.run(f"umask {mask:03o} && {sys.executable} -m bridge.cli generate --port {daemon.port} "
                           f"--bars 1 --out {out}", shell=True, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_status_rounds_the_uptime_and_models_has_a_header(daemon):
    r = cadenza("status", "--port", daemon.port)
    assert r.returncode == 0, r.stderr
    uptime = next(line for line in r.stdout.splitlines() if line.strip().startswith("uptime:"))
    value = uptime.split(":", 1)[1].strip()
    assert value.endswith(" s") or " min " in value or " h " in value, uptime
    assert "." not in value
    status = json.loads(cadenza("status", "--port", daemon.port, "--json").stdout)
    assert status["uptime"] == round(status["uptime"], 1)
    r = cadenza("models", "--port", daemon.port)
    lines = r.stdout.splitlines()
    assert lines[0].split()[:5] == ["name", "engine", "device", "quant", "eval"]
    assert any(line.startswith("* transformer") for line in lines)
    rows = {r["name"]: r for r in json.loads(cadenza("models", "--port", daemon.port, "--json").stdout)}
    shipped = json.loads((Path(__file__).resolve().parent.parent / "models" / "transformer" / "config.json").read_text())
    assert rows["transformer"]["guidance"] == shipped["guidance"]  # the model's defaults, as the docs promise
    assert rows["transformer"].get("temperature") == shipped.get("temperature")
    assert "guidance" not in rows["markov"]


@pytest.mark.parametrize("text,used,unused", [
    ("120 bars of calm folk", {"mood": "calm", "style": "irish-folk"}, ["120 bars"]),
    ("0 bars", {}, ["0 bars"]),
    (f"{MAX_BARS} bars", {"bars": MAX_BARS}, []),
    ("jazz waltz", {"style": "swing"}, ["waltz"]),
    ("a 500 bpm beat", {"role": "drums"}, ["500 bpm"]),
    ("happy sad tune played 3 times", {"mood": "happy", "role": "melody"}, ["sad", "played", "3", "times"]),
    ("cheerful happy folk tune", {"mood": "happy", "style": "irish-folk", "role": "melody"}, []),
])
def test_the_prompt_reports_every_word_and_number_it_did_not_use(text, used, unused):
    found, unknown = parse_prompt(text, ["irish-folk", "swing", "waltz", "rock"])
    assert found == used and unknown == unused


def test_the_cli_prints_what_the_prompt_did_not_use(daemon, tmp_path):
    r = cadenza("generate", "--port", daemon.port, "--prompt", "120 bars jazz waltz", "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["bars"] != 120 and "120" in res["unknown_words"] and "waltz" in res["unknown_words"]
    assert "prompt words not used:" in r.stderr and "120 bars" in r.stderr
