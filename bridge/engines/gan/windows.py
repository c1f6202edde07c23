"""Training bands: the dataset's aligned parts of one piece and window, as 4-track piece-rolls.

The dataset cuts every part of a piece at the same bar lines (`window` column), so the clips
sharing (piece, window, bars, meter) play together. Each such group in 4/4 or 2/2 becomes one
`Band`: its parts mapped onto TRACKS (keys stand in for chords when the window has no chords
part; several parts of one track are merged), pitched parts moved to C (roll.to_c_shift), and a
presence mask saying which tracks the window has.

Missing tracks: the roll holds zeros there and the presence mask is a condition of both networks;
the generator's output is multiplied by the mask before the critic sees it, so the critic compares
like with like and the generator learns to write any subset of the band (a single part too).
Windows with two or more tracks are drawn `multi_share` of the time (they teach the fit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.data.dataset import COL, Dataset
from bridge.music.theory import MODES, ROLES, density_bucket, tempo_bucket, DENSITY_EDGES, TEMPO_EDGES, MOODS
from bridge.engines.gan.roll import PHRASE_BARS, STEPS_PER_BAR, STEPS_PER_BEAT, TRACKS, notes_to_steps, roll_of, \
    to_c_shift

TRACK_OF_ROLE = {"drums": 0, "bass": 1, "chords": 2, "keys": 2, "melody": 3}
METERS = ((4, 4), (2, 2))  # bars of four quarter notes (roll.SUPPORTED_METERS)
# condition vocabularies: the last index of each is "any"
N_MODES, N_TEMPI, N_DENSITIES, N_MOODS = len(MODES), len(TEMPO_EDGES) + 1, len(DENSITY_EDGES) + 1, len(MOODS)


@dataclass
class BandConfig:
    cond_dropout: float = 0.1  # chance each of style, mode, tempo, density, mood is "any"
    multi_share: float = 0.75  # share of drawn windows that have two or more tracks


@dataclass
class Band:
    parts: list  # per track: int32 [n, 3] (start step, steps, pitch) in C, or None
    style: int
    mode: int
    tempo: int  # tempo bucket
    mood: int
    bars: int
    split: str
    piece: int

    @property
    def presence(self) -> np.ndarray:
        return np.array([p is not None for p in self.parts], dtype=np.float32)


def bands(ds: Dataset) -> list[Band]:
    """Every 4/4 (or 2/2) window of the dataset with at least PHRASE_BARS bars, as a Band."""
    c = ds.clips
    groups: dict[tuple, list[int]] = {}
    for i in range(len(c)):
        if (int(c[i, COL["meter_num"]]), int(c[i, COL["meter_den"]])) not in METERS or c[i, COL["note_count"]] == 0:
            continue
        if c[i, COL["bars"]] < PHRASE_BARS:
            continue
        groups.setdefault((int(c[i, COL["piece"]]), int(c[i, COL["window"]]), int(c[i, COL["bars"]])), []).append(i)
    out = []
    for (piece, _, bars), members in sorted(groups.items()):
        pitched = [i for i in members if ROLES[c[i, COL["role"]]] != "drums"]
        ref = pitched[0] if pitched else members[0]
        shift = to_c_shift(int(c[ref, COL["tonic"]]))
        parts: list = [None] * len(TRACKS)
        has_chords = any(ROLES[c[i, COL["role"]]] == "chords" for i in members)
        for i in members:
            role = ROLES[c[i, COL["role"]]]
            if role == "keys" and has_chords:
                continue
            t = TRACK_OF_ROLE[role]
            steps = notes_to_steps(ds.clip_notes(i), shift, role == "drums")
            parts[t] = steps if parts[t] is None else np.concatenate([parts[t], steps])
        split = ("train", "val", "test")[int(c[ref, COL["split"]])]
        out.append(Band(parts, int(c[ref, COL["style"]]), int(c[ref, COL["mode"]]),
                        tempo_bucket(float(c[ref, COL["tempo"]])), int(c[ref, COL["mood"]]), bars, split, piece))
    return out


def density_of(parts: list, bars: int) -> int:
    """The density bucket of a band: the mean notes per beat of the tracks it has (the serving
    request's `density` names the same bucket)."""
    present = [p for p in parts if p is not None]
    if not present:
        return 0
    return density_bucket(sum(len(p) for p in present) / len(present) / (bars * STEPS_PER_BAR / STEPS_PER_BEAT))


class BandSampler:
    """Random PHRASE_BARS-bar crops of bands, as (roll, conditions, presence) batches."""

    def __init__(self, bands_: list[Band], n_styles: int, cfg: BandConfig):
        self.bands, self.n_styles, self.cfg = bands_, n_styles, cfg
        self.multi = [k for k, b in enumerate(bands_) if b.presence.sum() >= 2]
        self.single = [k for k, b in enumerate(bands_) if b.presence.sum() < 2]

    def crop(self, band: Band, bar: int) -> tuple[np.ndarray, list]:
        steps = PHRASE_BARS * STEPS_PER_BAR
        start = bar * STEPS_PER_BAR
        roll = roll_of(band.parts, steps, start)
        kept = [None if p is None else p[(p[:, 0] >= start) & (p[:, 0] < start + steps)] for p in band.parts]
        return roll, kept

    def example(self, k: int, rng: np.random.Generator | None, bar: int | None = None):
        """(roll [4, 2, T, P], cond int64 [5], presence float32 [4]); rng None: bar 0, no dropout."""
        b = self.bands[k]
        if bar is None:
            bar = 0 if rng is None else int(rng.integers(0, b.bars - PHRASE_BARS + 1))
        roll, kept = self.crop(b, bar)
        cond = np.array([b.style, b.mode, b.tempo, density_of(kept, PHRASE_BARS), b.mood], dtype=np.int64)
        if rng is not None:
            anys = np.array([self.n_styles, N_MODES, N_TEMPI, N_DENSITIES, N_MOODS])
            drop = rng.random(5) < self.cfg.cond_dropout
            cond = np.where(drop, anys, cond)
        return roll, cond, b.presence

    def batch(self, size: int, rng: np.random.Generator):
        ks = []
        for _ in range(size):
            pool = self.multi if (self.multi and (not self.single or rng.random() < self.cfg.multi_share)) else self.single
            ks.append(pool[int(rng.integers(len(pool)))])
        return stack([self.example(k, rng) for k in ks])


def stack(examples: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rolls, conds, pres = zip(*examples)
    return np.stack(rolls), np.stack(conds), np.stack(pres)
