"""A parsed piece before labelling: parts of notes on the 12-ticks-a-beat grid, plus facts.

Readers (music21, MIDI, MMA) produce `Piece`s; the labeller cuts them into clips (the parse
cache stores the clips, not the pieces).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from bridge.music.theory import TICKS_PER_BEAT


@dataclass
class Part:
    name: str
    notes: np.ndarray  # int32 [n, 4]: start_tick, duration_tick, pitch, velocity; sorted by (start, pitch)
    program: int = 0  # General MIDI program, 0 when unknown
    drum: bool = False  # channel 10 or a GM kit
    role: str | None = None  # a role the source states (MMA track names); None = infer


@dataclass
class Piece:
    id: str  # unique, stable: "<source>/<path inside the source>[#tune]"
    title: str
    source: str  # "music21", "freedoom", "simutrans-data", "openttd-openmsx", "mma", "user"
    path: str  # the file it came from
    style: str
    licence: str  # a key of catalog.LICENCES
    group: str  # split key: pieces of one group always land in the same split
    parts: list[Part]
    meters: list[tuple[int, int, int]]  # (start_tick, numerator, denominator), first at tick 0
    tempo: float | None = None  # BPM from the source; None = the style's default
    dynamics: bool = True  # False: velocities are a reader's default, not the source's
    texture: str | None = None  # "voices": top = melody, lowest = bass, all merged = chords/keys
    keys: list[tuple[int, int, str]] = field(default_factory=list)  # stated keys (tick, tonic, mode)
    signatures: list[tuple[int, int]] = field(default_factory=list)  # key signatures (tick, sharps; flats < 0)
    rights: str = ""  # the file's own rights notice, verbatim (attribution for CC-BY-SA)
    key_hint: tuple[int, str] | None = None  # the key the notation names (ABC's K: field): a hint, not a label

    def meta(self) -> dict:
        d = asdict(self)
        d["parts"] = [{k: v for k, v in p.items() if k != "notes"} for p in d["parts"]]
        return d


def quantize(starts_beats, ends_beats) -> tuple[np.ndarray, np.ndarray]:
    """Beats (float) -> grid ticks; a note shorter than a tick keeps one tick."""
    s = np.rint(np.asarray(starts_beats, dtype=np.float64) * TICKS_PER_BEAT).astype(np.int64)
    e = np.rint(np.asarray(ends_beats, dtype=np.float64) * TICKS_PER_BEAT).astype(np.int64)
    return s, np.maximum(e - s, 1)


def make_notes(starts, durs, pitches, vels) -> np.ndarray:
    """Stack into int32 [n, 4], drop exact duplicates (same start and pitch), sort by (start, pitch)."""
    arr = np.stack([np.asarray(starts), np.asarray(durs), np.asarray(pitches), np.asarray(vels)], axis=1)
    arr = arr.astype(np.int32).reshape(-1, 4)
    if not len(arr):
        return arr
    arr[:, 3] = np.clip(arr[:, 3], 1, 127)
    arr = arr[(arr[:, 2] >= 0) & (arr[:, 2] <= 127) & (arr[:, 0] >= 0)]
    order = np.lexsort((-arr[:, 1], arr[:, 2], arr[:, 0]))  # longest first among duplicates
    arr = arr[order]
    keep = np.ones(len(arr), bool)
    keep[1:] = (arr[1:, 0] != arr[:-1, 0]) | (arr[1:, 2] != arr[:-1, 2])
    return arr[keep]

