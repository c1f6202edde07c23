"""The shape every set of context tracks shares: one meter and one number of bars.

One rule for the daemon's admission (which names the upload slots that differ) and the engines'
own check (which names the tracks' roles), so a client and an in-process caller are told the same
thing in the same words.
"""

from __future__ import annotations

from bridge.errors import BadRequest
from bridge.music.clip import Clip
from bridge.music.theory import Meter


def context_shape(tracks: list[tuple[str, Clip]]) -> tuple[Meter, int]:
    """(meter, bars) of context tracks given as (label, clip) pairs; a BadRequest naming the first
    two labels whose meter or bar count differ."""
    (first, clip), *rest = tracks
    meter, bars = clip.meter, clip.meter.nominal_bars(clip.length)
    for label, c in rest:
        if c.meter != meter:
            raise BadRequest(f"context clips must share one meter: {first} is in {meter}, {label} in {c.meter}")
        n = c.meter.nominal_bars(c.length)
        if n != bars:
            raise BadRequest(f"context clips must have the same number of bars: {first} has {bars}, {label} has {n}")
    return meter, bars
