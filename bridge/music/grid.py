"""The rhythmic grid Cadenza writes on: sixteenths and eighth-note triplets, as DAWs quantise.

One rule, used by the corpus cleaner (bridge/data/clean.py) and by the decoders' constraints, so
what models learn and what they may answer agree.
"""

from __future__ import annotations

import numpy as np

from bridge.music.theory import TICKS_PER_BEAT

GRID = (0, 3, 4, 6, 8, 9, 12)  # ticks inside a beat: sixteenths (0, 3, 6, 9) and eighth triplets (4, 8)
DRUM_TICKS = 3  # every drum hit lasts a sixteenth: drum samples ignore note length, DAWs draw them so
MIN_TICKS = 3  # shortest pitched note: a sixteenth

# nearest grid point for each tick inside a beat; a tie goes to the sixteenth grid (listed first)
_SNAP = np.array([min(sorted(GRID, key=lambda g: (g % 3 != 0, g)), key=lambda g: abs(g - t))
                  for t in range(TICKS_PER_BEAT)])


def on_grid(tick: int) -> bool:
    return int(tick) % TICKS_PER_BEAT in GRID


def snap(ticks: np.ndarray) -> np.ndarray:
    """Ticks moved to the nearest sixteenth or eighth-triplet grid point."""
    ticks = np.asarray(ticks, dtype=np.int64)
    beat, inner = np.divmod(ticks, TICKS_PER_BEAT)
    return beat * TICKS_PER_BEAT + _SNAP[inner]


# Swing: the off-beat of each pair of equal notes moves toward the triplet point, at swing 1.0
# two thirds of the way through the pair (2:1). Eighths pair within a beat (the off-beat at tick 6
# moves to 8); a part moving in sixteenths pairs sixteenths within each half beat (3 -> 4, 9 -> 10).
SWING_EIGHTHS = {6: 2.0}  # tick inside the beat -> ticks it moves at swing 1.0
SWING_SIXTEENTHS = {3: 1.0, 9: 1.0}


def moves_in_sixteenths(ticks: np.ndarray) -> bool:
    """A part moves in sixteenths when any of its grid onsets is an off-beat sixteenth (tick 3 or 9)."""
    inner = np.asarray(ticks, dtype=np.int64) % TICKS_PER_BEAT
    return bool(np.isin(inner, list(SWING_SIXTEENTHS)).any())


def swing_shift(ticks: np.ndarray, swing: float, sixteenths: bool | None = None) -> np.ndarray:
    """Beats each grid onset moves at `swing` (0-1): the off-beat eighths (or, for a part moving
    in sixteenths, the off-beat sixteenths) toward the triplet point, the rest not at all."""
    ticks = np.asarray(ticks, dtype=np.int64)
    table = SWING_SIXTEENTHS if (moves_in_sixteenths(ticks) if sixteenths is None else sixteenths) else SWING_EIGHTHS
    inner = ticks % TICKS_PER_BEAT
    move = np.zeros(len(ticks))
    for tick, by in table.items():
        move[inner == tick] = by
    return swing * move / TICKS_PER_BEAT


def swing_ratio(starts_beats: np.ndarray, sixteenths: bool = False) -> float | None:
    """The long-to-short ratio of the played pairs: for each onset near an off-beat eighth (or
    sixteenth), (onset - pair start) / (pair end - onset), averaged; 1.0 is straight, 2.0 triplet
    swing. None when no onset is near an off-beat."""
    span = 0.5 if sixteenths else 1.0  # the pair's length in beats: two sixteenths, two eighths
    s = np.asarray(starts_beats, dtype=np.float64)
    pos = np.mod(s, span)
    near = np.abs(pos - span / 2) < span / 4  # within a quarter pair of the straight off-beat
    if not near.any():
        return None
    p = pos[near]
    return float(np.mean(p / (span - p)))
