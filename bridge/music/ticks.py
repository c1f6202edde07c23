"""Notes in beats <-> int arrays on the 12-ticks-a-beat grid, the dataset's layout.

Every engine, metric and the data builder meet clips as [n, 4] int arrays of (start_tick,
duration_tick, pitch, velocity); this is the one place a beat becomes a tick, so an onset
rounds the same way in training data, in a served answer and in an evaluation report.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from bridge.music.clip import Clip, Note
from bridge.music.theory import TICKS_PER_BEAT


def notes_to_ticks(notes: Iterable[Note]) -> np.ndarray:
    """int64 [n, 4] (start, duration, pitch, velocity) in ticks, in the notes' order. Onsets
    round to the nearest tick; a duration shorter than a tick keeps one tick."""
    rows = [(round(n.start * TICKS_PER_BEAT), max(1, round(n.duration * TICKS_PER_BEAT)), n.pitch, n.velocity)
            for n in notes]
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


def clip_ticks(clip: Clip) -> np.ndarray:
    """A clip's notes as [n, 4] ticks (see `notes_to_ticks`)."""
    return notes_to_ticks(clip.notes)


def ticks_to_notes(rows: np.ndarray) -> list[Note]:
    """[n, 4] ticks back to `Note`s in beats (velocity clamped to 1..127), in the rows' order."""
    return [Note(int(s) / TICKS_PER_BEAT, int(p), int(d) / TICKS_PER_BEAT, int(max(1, min(127, v))))
            for s, d, p, v in np.asarray(rows).reshape(-1, 4)]
