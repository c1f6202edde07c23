"""Velocities as played: what a token engine's clips do with the velocity bins the model decodes.

Velocity tokens are 16 wide; inside its bin a generated note is shaped by its metric position (bar
line, beat, eighth, finer), then strays a little as a player's would (seeded: a seed still
reproduces its velocities). A style whose training clips are flat (notation: one velocity) stays as
flat as they were, as often as they were (the model's `flat_velocity`, trainkit.flat_velocity;
Composer.flat draws it).
"""

from __future__ import annotations

import numpy as np

import bridge.engines.decoding.vocab as V
from bridge.music.clip import Clip

ACCENTS = (7, 3, -3, -6)
HUMANIZE = 3  # most velocity steps a note strays from its metric accent, either way


def accent(notes: np.ndarray, tpb: int, rng: np.random.Generator | None = None, flat: bool = False) -> np.ndarray:
    """Shape decoded velocities (bin centres) as played: by metric level, then with `rng` a stray
    of up to HUMANIZE either way; a note never leaves its bin. `flat`: left as decoded."""
    out = np.asarray(notes).copy().reshape(-1, 4)
    if not len(out) or flat:
        return out
    pos = out[:, 0] % tpb
    level = np.where(pos == 0, 0, np.where(pos % 12 == 0, 1, np.where(pos % 6 == 0, 2, 3)))
    vel = out[:, 3] + np.asarray(ACCENTS)[level]
    if rng is not None:
        vel = vel + rng.integers(-HUMANIZE, HUMANIZE + 1, size=len(out))
    low = V.vel_bins(out[:, 3]) * 16 + 1  # the bin's softest velocity
    out[:, 3] = np.clip(vel, low, np.minimum(low + 15, 127))
    return out


def one_velocity(clip: Clip) -> int | None:
    """The velocity every note of a clip of two notes or more shares (drawn in, or notation), else None."""
    vels = {n.velocity for n in clip.notes}
    return vels.pop() if len(clip.notes) >= 2 and len(vels) == 1 else None


def at_velocity(notes: np.ndarray, velocity: int) -> np.ndarray:
    """A gap filled into a clip of one velocity: its notes in that velocity's bin take it exactly
    (a clip drawn at 100 gets 100, not the bin's 104); a louder or softer bin the model chose stays."""
    notes[V.vel_bins(notes[:, 3]) == V.vel_bin(velocity), 3] = velocity
    return notes
