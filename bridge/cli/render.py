"""See and hear a clip: a piano-roll PNG and a WAV preview.

The PNG is drawn with numpy and written with zlib (no plotting library): one lane per variation or
track, each in its own colour, bar lines and beat lines, black-key rows shaded, drums as a grid
(one row per drum sound, a square per hit). The WAV is rendered by FluidSynth (Debian's
`fluidsynth`) with a General MIDI soundfont (Debian's `fluid-soundfont-gm`) and cut or padded to
the music's exact length. Variations of one answer play one after another; the tracks of a MIDI
file play together.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import wave
import zlib
from pathlib import Path

import numpy as np

from bridge.errors import BadRequest, CadenzaError
from bridge.music.clip import Clip, clip_to_midi

PX_PER_BEAT = 24  # horizontal scale of the roll
ROW_PX = 4  # height of one semitone row
DRUM_ROW_PX = 8  # height of one drum-sound row
PITCH_PAD = 2  # empty semitone rows above and below a lane's notes
LANE_GAP = 6  # pixels between lanes
MARGIN = 8  # pixels around the picture
BACKGROUND = (32, 32, 36)
BLACK_KEY_ROW = (24, 24, 27)
BEAT_LINE = (48, 48, 54)
BAR_LINE = (110, 110, 120)
# One colour per lane (variation or track), cycled.
PALETTE = [(86, 180, 233), (230, 159, 0), (0, 158, 115), (240, 228, 66), (204, 121, 167), (213, 94, 0),
           (0, 114, 178), (170, 220, 120)]
BLACK_KEYS = {1, 3, 6, 8, 10}

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")  # Debian: fluid-soundfont-gm
SAMPLE_RATE = 44100


class RenderError(CadenzaError):
    code = "render"


def _lane_rows(clip: Clip) -> tuple[list[int], int]:
    """(pitches shown top to bottom, row height): drums one row per sound, pitched a semitone range."""
    if clip.drums:
        return sorted({n.pitch for n in clip.notes}, reverse=True) or [36], DRUM_ROW_PX
    pitches = [n.pitch for n in clip.notes] or [60]
    lo, hi = max(0, min(pitches) - PITCH_PAD), min(127, max(pitches) + PITCH_PAD)
    return list(range(hi, lo - 1, -1)), ROW_PX


def roll_size(clips: list[Clip]) -> tuple[int, int]:
    """(width, height) in pixels of the roll of `clips`."""
    length = max(c.length for c in clips)
    width = int(np.ceil(length * PX_PER_BEAT)) + 2 * MARGIN
    heights = [len(rows) * px for rows, px in map(_lane_rows, clips)]
    return width, sum(heights) + LANE_GAP * (len(clips) - 1) + 2 * MARGIN


def piano_roll(clips: list[Clip]) -> np.ndarray:
    """The picture as an RGB array: img [height, width, 3] uint8."""
    width, height = roll_size(clips)
    img = np.empty((height, width, 3), np.uint8)
    img[:] = BACKGROUND
    x0, y = MARGIN, MARGIN
    for lane, clip in enumerate(clips):
        rows, px = _lane_rows(clip)
        index = {p: i for i, p in enumerate(rows)}
        top, bottom = y, y + len(rows) * px
        right = x0 + int(np.ceil(clip.length * PX_PER_BEAT))
        if not clip.drums:
            for i, p in enumerate(rows):
                if p % 12 in BLACK_KEYS:
                    img[top + i * px: top + (i + 1) * px, x0:right] = BLACK_KEY_ROW
        beats_per_bar = clip.meter.beats_per_bar
        beat = 4.0 / clip.meter.denominator  # one beat line per counted beat (eighths in 6/8)
        for k in range(int(np.floor(clip.length / beat)) + 1):
            t = k * beat
            x = min(right - 1, x0 + int(round(t * PX_PER_BEAT)))
            on_bar = abs(t / beats_per_bar - round(t / beats_per_bar)) < 1e-6
            img[top:bottom, x] = BAR_LINE if on_bar else BEAT_LINE
        colour = np.array(PALETTE[lane % len(PALETTE)], np.uint8)
        for n in clip.notes:
            r = index.get(n.pitch)
            if r is None:
                continue
            a = x0 + int(round(n.start * PX_PER_BEAT))
            # drums: a square per hit (the grid), pitched: the note's length
            b = a + (px - 2 if clip.drums else max(2, int(round(n.duration * PX_PER_BEAT))))
            b = min(b, right)
            shade = (colour * (0.45 + 0.55 * n.velocity / 127)).astype(np.uint8)
            img[top + r * px + 1: top + (r + 1) * px, a:max(a + 1, b - 1)] = shade
        y = bottom + LANE_GAP
    return img


def write_png(img: np.ndarray, path: str | Path) -> None:
    """An 8-bit RGB PNG (signature, IHDR, one IDAT, IEND) from img [height, width, 3]."""
    h, w, _ = img.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + img[row].tobytes() for row in range(h))  # filter 0 on every row
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def render_png(clips: list[Clip], path: str | Path) -> tuple[int, int]:
    if not clips:
        raise BadRequest("nothing to draw: no clip")
    img = piano_roll(clips)
    write_png(img, path)
    return img.shape[1], img.shape[0]


def soundfont() -> Path:
    """$CADENZA_SOUNDFONT, else Debian's General MIDI soundfont."""
    return Path(os.environ.get("CADENZA_SOUNDFONT") or SOUNDFONT)


def render_wav(clips: list[Clip], path: str | Path, together: bool = False) -> float:
    """Render `clips` through FluidSynth into a WAV of exactly their length; returns seconds.
    together: play them at once (the tracks of one file); else one after another (variations)."""
    fluidsynth = shutil.which("fluidsynth")
    if fluidsynth is None:
        raise RenderError("cannot write a WAV: fluidsynth is missing (Debian: apt-get install fluidsynth "
                          "fluid-soundfont-gm)")
    sf2 = soundfont()
    if not sf2.is_file():
        raise RenderError(f"cannot write a WAV: no General MIDI soundfont at {sf2} (Debian: apt-get install "
                          "fluid-soundfont-gm, or set CADENZA_SOUNDFONT to a .sf2 file)")
    if not clips:
        raise BadRequest("nothing to play: no clip")
    tempo = clips[0].tempo
    if together:
        beats = max(c.length for c in clips)
        tracks = clips
    else:  # one after another: shift each variation behind the one before
        tracks, offset = [], 0.0
        for c in clips:
            tracks.append(Clip([n.__class__(n.start + offset, n.pitch, n.duration, n.velocity) for n in c.notes],
                               offset + c.length, c.meter, tempo, c.key, c.drums))
            offset += c.length
        beats = offset
    seconds = beats * 60.0 / tempo
    with tempfile.TemporaryDirectory(prefix="cadenza-render-") as tmp:
        mid, raw = Path(tmp) / "in.mid", Path(tmp) / "out.wav"
        clip_to_midi(tracks, mid, name="Cadenza preview")
        r = subprocess.run([fluidsynth, "-ni", "-q", "-g", "0.8", "-r", str(SAMPLE_RATE), "-T", "wav",
                            "-F", str(raw), str(sf2), str(mid)], capture_output=True, text=True, timeout=600)
        if r.returncode != 0 or not raw.is_file():
            raise RenderError(f"fluidsynth failed (exit {r.returncode}): {(r.stderr or r.stdout).strip()[-300:]}")
        with wave.open(str(raw), "rb") as src:
            params = src.getparams()
            frames = src.readframes(src.getnframes())
    want = int(round(seconds * params.framerate))
    frame_bytes = params.sampwidth * params.nchannels
    frames = frames[: want * frame_bytes].ljust(want * frame_bytes, b"\x00")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(params.nchannels)
        out.setsampwidth(params.sampwidth)
        out.setframerate(params.framerate)
        out.writeframes(frames)
    return seconds
