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


def top_line(rows: np.ndarray) -> np.ndarray:
    """Pitches of the highest note at each onset of [n, 4] ticks, in time order (the melody of a
    polyphonic part)."""
    a = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    a = a[np.lexsort((a[:, 2], a[:, 0]))]
    _, idx = np.unique(a[:, 0], return_index=True)
    return np.maximum.reduceat(a[:, 2], idx)


def repeats(rows: np.ndarray) -> tuple[int, int]:
    """(consecutive top-line notes repeating the previous pitch, consecutive pairs) of [n, 4] ticks:
    the one definition of a repeated note, for the eval's column and the decoder's repeat prior."""
    top = top_line(rows)
    return int(np.sum(top[1:] == top[:-1])), max(0, len(top) - 1)
