"""`cadenza render` and `--png/--wav` on the generating commands: a real daemon, real MIDI files,
real FluidSynth with Debian's General MIDI soundfont."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import wave
import zlib

import numpy as np
import pytest
from tools import GM_SOUNDFONT, needs

from bridge.cli.render import DRUM_ROW_PX, LANE_GAP, MARGIN, PITCH_PAD, PX_PER_BEAT, ROW_PX, render_png
from bridge.music.clip import Clip, Note, clip_to_midi
from bridge.music.theory import Meter

needs_fluidsynth = needs("fluidsynth", str(GM_SOUNDFONT), why="the WAV preview is rendered by FluidSynth")


def cadenza(*args, env=None):
    return subprocess.run([sys.executable, "-m", "bridge.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


def read_png(path) -> np.ndarray:
    """Decode the PNGs we write (8-bit RGB, filter 0): img [height, width, 3]."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", None, None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 2)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, 3)


def melody(beats=8.0, tempo=120.0):
    return Clip([Note(i * 0.5, 60 + i % 8, 0.5, 40 + 5 * i) for i in range(int(beats * 2))], beats, Meter(4, 4),
                tempo)


def drums(beats=8.0):
    return Clip([Note(i * 0.5, 36 if i % 4 == 0 else 38 if i % 4 == 2 else 42, 0.1, 100)
                 for i in range(int(beats * 2))], beats, Meter(4, 4), 120.0, drums=True)


def test_png_has_the_right_size_lanes_and_bar_lines(tmp_path):
    path = tmp_path / "roll.png"
    w, h = render_png([melody(), drums()], path)
    img = read_png(path)
    lane1 = (67 - 60 + 1 + 2 * PITCH_PAD) * ROW_PX  # pitches 60-67
    lane2 = 3 * DRUM_ROW_PX  # three drum sounds: one row each
    assert (w, h) == (8 * PX_PER_BEAT + 2 * MARGIN, lane1 + LANE_GAP + lane2 + 2 * MARGIN) == img.shape[1::-1]
    # not blank: both lanes carry their own colour
    colours = {tuple(c) for c in img.reshape(-1, 3)}
    assert len(colours) > 10
    top = img[MARGIN:MARGIN + lane1]
    bottom = img[MARGIN + lane1 + LANE_GAP:MARGIN + lane1 + LANE_GAP + lane2]
    blueish = lambda a: (a[..., 2].astype(int) - a[..., 0] > 60).sum()  # lane 1's colour
    orange = lambda a: (a[..., 0].astype(int) - a[..., 2] > 60).sum()  # lane 2's colour
    assert blueish(top) > 100 and orange(top) == 0
    assert orange(bottom) > 50 and blueish(bottom) == 0
    # bar lines at beats 0 and 4 are brighter than the beat line at beat 1
    col = lambda beat: int(top[:, MARGIN + beat * PX_PER_BEAT].astype(int).sum())
    assert col(4) > col(1) and col(0) > col(1)


def test_a_blank_picture_fails_the_check(tmp_path):
    """The colour check above can fail: an empty clip draws no lane colour."""
    path = tmp_path / "empty.png"
    render_png([Clip([], 8.0)], path)
    img = read_png(path)
    assert (img[..., 2].astype(int) - img[..., 0] > 60).sum() == 0


@needs_fluidsynth
def test_render_a_midi_file_to_png_and_wav_of_its_length(tmp_path):
    mid = tmp_path / "in.mid"
    clip_to_midi([melody(8.0, 96.0), drums(8.0)], mid)  # 8 beats at 96 BPM: 5 s
    r = cadenza("render", mid, "--png", tmp_path / "roll.png", "--wav", tmp_path / "preview.wav")
    assert r.returncode == 0, r.stderr
    with wave.open(str(tmp_path / "preview.wav")) as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(5.0, abs=1e-3)
        audio = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    assert np.abs(audio).max() > 1000  # sound, not silence
    assert read_png(tmp_path / "roll.png").shape[1] == 8 * PX_PER_BEAT + 2 * MARGIN


@needs_fluidsynth
def test_generate_writes_png_and_wav_beside_the_midi(daemon, tmp_path):
    r = cadenza("generate", "--port", daemon.port, "--bars", 2, "--tempo", 120, "-n", 2, "--seed", 3,
                "--out", tmp_path / "o.mid", "--png", tmp_path / "o.png", "--wav", tmp_path / "o.wav")
    assert r.returncode == 0, r.stderr
    with wave.open(str(tmp_path / "o.wav")) as w:  # two 2-bar variations in turn: 16 beats at 120 BPM
        assert w.getnframes() / w.getframerate() == pytest.approx(8.0, abs=1e-3)
    img = read_png(tmp_path / "o.png")
    assert img.shape[1] == 8 * PX_PER_BEAT + 2 * MARGIN
    assert "wrote" in r.stderr and "piano roll" in r.stderr


def test_wav_without_fluidsynth_is_one_line_naming_the_packages(tmp_path):
    mid = tmp_path / "in.mid"
    clip_to_midi(melody(), mid)
    env = dict(os.environ, PATH=str(tmp_path))  # no fluidsynth on this PATH
    r = cadenza("render", mid, "--wav", tmp_path / "p.wav", env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip() == ("cadenza: cannot write a WAV: fluidsynth is missing (Debian: apt-get install "
                                "fluidsynth fluid-soundfont-gm)")
    env = dict(os.environ, CADENZA_SOUNDFONT=str(tmp_path / "none.sf2"))
    r = cadenza("render", mid, "--wav", tmp_path / "p.wav", env=env)
    if shutil.which("fluidsynth"):
        assert r.returncode == 1 and "no General MIDI soundfont at" in r.stderr and "fluid-soundfont-gm" in r.stderr
    assert not (tmp_path / "p.wav").exists()


def test_render_needs_something_to_write_and_a_known_file(tmp_path):
    mid = tmp_path / "in.mid"
    clip_to_midi(melody(), mid)
    r = cadenza("render", mid)
    assert r.returncode == 2 and "--png FILE.png and/or --wav FILE.wav" in r.stderr
    r = cadenza("render", mid, "--png", tmp_path / "x.jpg")
    assert r.returncode == 2 and "must end in .png" in r.stderr
