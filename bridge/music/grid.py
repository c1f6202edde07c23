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
