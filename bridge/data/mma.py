"""MMA grooves rendered over standard chord progressions: drums, bass and chord parts.

Each groove (a `DefGroove` in the MMA library) plays four 16-bar progressions, each in a key
drawn from the groove's name, so the keys are known (stated, not guessed) and every 16-bar
window holds one progression in one key. The style comes from the groove file's name
(catalog.MMA_STYLES); the roles from MMA's track names (Drum-*, Bass-*, Walk-*, Chord-*).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from bridge.music.theory import TICKS_PER_BEAT
from bridge.data.catalog import (MMA_LIBRARIES, MMA_MAX_GROOVES_PER_FILE, MMA_SKIP_WORDS, MMA_STYLES,
                      MMA_TEMPO)
from bridge.data.piece import Piece
from bridge.data.readers import read_midi

MMA_LIB = Path("/usr/share/mma/lib")
BARS_PER_PROGRESSION = 16
PROGRESSIONS_PER_GROOVE = 4
MMA_SEED = 1

# name -> (mode, 16 bars of chords in C major or A minor)
PROGRESSIONS = {
    "pop": ("major", "C G Am F " * 4),
    "jazz": ("major", "Dm7 G7 Cmaj7 Cmaj7 Em7 A7 Dm7 G7 Cmaj7 C7 Fmaj7 Fm7 Em7 A7 Dm7 G7"),
    "blues": ("major", "C7 F7 C7 C7 F7 F7 C7 C7 G7 F7 C7 G7 C7 F7 C7 G7"),
    "folk": ("major", "C F C G C F G C " * 2),
    "minor": ("minor", "Am Am Dm Dm E7 E7 Am Am F G C Am Dm E7 Am Am"),
    "aeolian": ("minor", "Am F C G " * 4),
}
_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_ROOT = re.compile(r"^([A-G])(#|b)?(.*)$")
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
ROLE_BY_TRACK = (("drum", "drums"), ("bass", "bass"), ("walk", "bass"), ("chord", "chords"),
                 ("plectrum", "chords"), ("solo", "melody"), ("melody", "melody"))
BASS_PROGRAMS = frozenset(range(32, 40)) | {43, 58, 70}  # GM basses, contrabass, tuba, bassoon
BASS_MEDIAN = 48  # C3: a Bass track on another instrument that sits this low still plays the bass line


def transpose_chord(chord: str, semitones: int) -> str:
    m = _ROOT.match(chord)
    if not m:
        raise ValueError(f"cannot read chord {chord!r}")
    pc = (_LETTER[m.group(1)] + {"#": 1, "b": -1}.get(m.group(2) or "", 0) + semitones) % 12
    return _NAMES[pc] + m.group(3)


def _seed(name: str) -> int:
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "big")


def groove_plan(groove: str) -> list[tuple[str, int]]:
    """(progression name, transposition) for each 16-bar section, deterministic per groove."""
    names = sorted(PROGRESSIONS)
    seed = _seed(groove)
    chosen = [names[(seed + 2 * i) % len(names)] for i in range(PROGRESSIONS_PER_GROOVE)]
    return [(p, (seed >> (3 * i)) % 12) for i, p in enumerate(chosen)]


def list_grooves(lib: Path = MMA_LIB) -> list[dict]:
    """Tasks for the grooves of the libraries in MMA_LIBRARIES whose file maps to a style."""
    tasks = []
    for libname in MMA_LIBRARIES:
        for f in sorted((lib / libname).glob("*.mma")):
            style = MMA_STYLES.get(f.stem.lower())
            if style is None:
                continue
            text = f.read_text(errors="replace")
            names = re.findall(r"^\s*defgroove\s+(\S+)", text, flags=re.I | re.M)
            names = [n for n in names if not any(w in n.lower() for w in MMA_SKIP_WORDS)]
            for name in names[:MMA_MAX_GROOVES_PER_FILE]:
                tasks.append({"kind": "mma", "path": str(f), "groove": name, "id": f"mma/{libname}/{name}",
                              "source": "mma", "style": style, "licence": "GPL-2.0-or-later",
                              "group": f"mma/{libname}/{f.stem}", "stamp": f"{name}-{_plan_text(name)}-seed{MMA_SEED}"})
    return tasks


def _plan_text(groove: str) -> str:
    return ",".join(f"{p}+{t}" for p, t in groove_plan(groove))


def groove_tempo(style: str, stem: str) -> int:
    tempo = MMA_TEMPO[style]
    stem = stem.lower()
    if "slow" in stem or "ballad" in stem:
        tempo *= 0.75
    elif "fast" in stem:
        tempo *= 1.25
    return int(round(tempo))


def _eighth_factor(task: dict) -> int:
    """2 for grooves whose MMA beat is an eighth (TimeSig x 8 with Time equal to x), else 1."""
    text = Path(task["path"]).read_text(errors="replace")
    sig = re.search(r"^\s*timesig\s+(\d+)\s+8\b", text, flags=re.I | re.M)
    time_ = re.search(r"^\s*time\s+(\d+)", text, flags=re.I | re.M)
    return 2 if sig and time_ and sig.group(1) == time_.group(1) else 1


def mma_script(task: dict) -> tuple[str, list[tuple[int, str]]]:
    """The .mma text for a task, and the stated key (bar, "C major") of each section."""
    stem = Path(task["path"]).stem
    # Tempo is doubled for eighth-note grooves in _fit_meter's halving; state quarter tempo here.
    # MMA humanises (random velocity and timing offsets): a fixed seed makes a rebuild repeat it.
    lines = [f"RndSeed {MMA_SEED}", f"Use {task['path']}", f"Tempo {groove_tempo(task['style'], stem) * _eighth_factor(task)}", f"Groove {task['groove']}"]
    bar, keys = 1, []
    for prog, shift in groove_plan(task["groove"]):
        mode, chords = PROGRESSIONS[prog]
        tonic = (0 if mode == "major" else 9) + shift
        keys.append((bar - 1, tonic % 12, mode))
        for chord in chords.split():
            lines.append(f"{bar} {transpose_chord(chord, shift)}")
            bar += 1
    return "\n".join(lines) + "\n", keys


def _fit_meter(piece: Piece, bars: int) -> None:
    """Make the meter agree with the bars MMA actually rendered.

    MMA counts "beats" per bar with `Time N` and writes MIDI quarter notes for them, whatever
    its `TimeSig` says: a 6/8 groove with `Time 6` plays six MIDI quarters a bar. Such a groove
    is halved in time (and tempo), so one eighth is an eighth; a groove without a `TimeSig`
    gets N/4.
    """
    end = max(int((p.notes[:, 0] + p.notes[:, 1]).max()) for p in piece.parts)
    beats = round(2 * end / TICKS_PER_BEAT / bars) / 2  # rendered quarters per bar, to 0.5
    _, num, den = piece.meters[0]
    stated = num * 4 / den
    if abs(beats - stated) < 0.26:
        return
    if den == 8 and abs(beats - 2 * stated) < 0.26:
        for part in piece.parts:
            part.notes[:, 0] = part.notes[:, 0] // 2
            part.notes[:, 1] = np.maximum(part.notes[:, 1] // 2, 1)
        piece.tempo = piece.tempo / 2 if piece.tempo else None
        return
    piece.meters = [(0, max(1, int(round(beats))), 4)]


def render_midi(task: dict) -> tuple[bytes, list[tuple[int, int, str]]]:
    """The MIDI bytes MMA renders for a task (humanised, at MMA's own resolution) and the stated
    keys of its sections; the corpus reads them onto the grid, the groove pairs read them as played."""
    exe = shutil.which("mma")
    if exe is None:
        raise RuntimeError("mma is not installed (Debian package `mma`)")
    script, keys = mma_script(task)
    with tempfile.TemporaryDirectory(prefix="cadenza-mma-") as tmp:
        src, out = Path(tmp) / "groove.mma", Path(tmp) / "groove.mid"
        src.write_text(script)
        res = subprocess.run([exe, str(src), "-f", str(out)], capture_output=True, text=True, timeout=120)
        if not out.exists():
            msg = (res.stdout + res.stderr).strip().splitlines()
            raise RuntimeError(f"mma could not render {task['groove']}: {msg[-1] if msg else res.returncode}")
        return out.read_bytes(), keys


def track_role(name: str, drum: bool, program: int, pitches) -> str | None:
    """The role MMA's track name states (Drum-*, Bass-*, Walk-*, Chord-*), None when it states none.

    MMA's grooves also use Bass tracks for riffs on other instruments (BVFunkHorns' Bass-Sus on
    brass, Rock1's Bass-7 on a guitar, Tango's Bass-Violin): a Bass or Walk track is a bass part
    only on a bass's GM program (BASS_PROGRAMS) or in the bass register (median pitch at most
    BASS_MEDIAN); otherwise it states no role and labels.infer_role reads it like any part. Taken
    as bass, they were a quarter of the pop, funk, rock and techno bass clips, at a median of E4."""
    low = name.lower()
    role = "drums" if drum else next((r for w, r in ROLE_BY_TRACK if low.startswith(w)), None)
    if role == "bass" and program not in BASS_PROGRAMS and len(pitches) and float(np.median(pitches)) > BASS_MEDIAN:
        return None
    return role


def render_groove(task: dict) -> list[Piece]:
    data, keys = render_midi(task)
    pieces = read_midi(task["path"], piece_id=task["id"], source="mma", style=task["style"],
                       licence=task["licence"], group=task["group"], title=task["groove"], data=data)
    for piece in pieces:
        piece.path = f"{task['path']}#{task['groove']}"
        for part in piece.parts:
            part.role = track_role(part.name, part.drum, part.program, part.notes[:, 2])
        _fit_meter(piece, len(keys) * BARS_PER_PROGRESSION)
        bar_ticks = piece.meters[0][1] * 4 * TICKS_PER_BEAT // piece.meters[0][2]
        piece.keys = [(b * bar_ticks, tonic, mode) for b, tonic, mode in keys]
    return pieces
