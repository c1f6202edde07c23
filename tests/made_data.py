"""Made-up datasets for tests whose answers are known by hand (trainkit's data profiles)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bridge.data.dataset import CLIP_COLUMNS, COL, Dataset
from bridge.music.theory import MODES, ROLES


def made_dataset(clips: list[tuple[dict, list]], styles: list[str]) -> Dataset:
    """A Dataset of `clips`, each (labels, note rows): labels by CLIP_COLUMNS name (a role or mode
    by name; columns not named stay 0), rows (start tick, duration, pitch, velocity)."""
    notes: list = []
    table = np.zeros((len(clips), len(CLIP_COLUMNS)), dtype=np.int64)
    for i, (labels, rows) in enumerate(clips):
        table[i, COL["note_offset"]], table[i, COL["note_count"]] = len(notes), len(rows)
        for name, value in labels.items():
            table[i, COL[name]] = {"role": ROLES, "mode": MODES}[name].index(value) if isinstance(value, str) else value
        notes += rows
    return Dataset(Path("."), np.array(notes, dtype=np.int32).reshape(-1, 4), table, {"styles": list(styles)})
