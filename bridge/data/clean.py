"""Clean a parsed piece before it is cut into clips: onsets and note ends on the musical grid,
drum hits of one length, no fragments shorter than a sixteenth.

Why (docs/MODEL.md, "What the model copied"): the v5 corpus fed the Transformer what the sources
hold, and it learned the artefacts, not the music. MMA humanises timing and strums chords, so 12%
of its chord onsets and 9% of its drum onsets fell between grid points; 100% of MMA drum hits and
a quarter of MMA bass and chord notes lasted one or two ticks (a 48th of a whole note or less);
the model answered with one-tick bass fragments and hi-hats on a one-tick grid. A producer's
clips are quantised: the grid here is the one DAWs quantise to, sixteenths and eighth-note
triplets (ticks 0, 3, 4, 6, 8, 9 of each 12-tick beat: bridge/music/grid.py).

Velocities are left as played: they are the one humanised value that a clip should keep.
"""

from __future__ import annotations

import numpy as np

from bridge.data.piece import Piece, make_notes
from bridge.music.grid import DRUM_TICKS, MIN_TICKS, snap


def clean_notes(notes: np.ndarray, drum: bool) -> np.ndarray:
    """[n, 4] (start, duration, pitch, velocity) ticks -> the same on the grid.

    Onsets snap to the grid. Drum hits last DRUM_TICKS. A pitched note's end snaps to the grid
    too, and a note is at least MIN_TICKS long, but never made to run past the next onset of the
    same pitch (a repeated note stays repeated). Two notes of one pitch snapped onto one onset
    become one (the longer)."""
    notes = np.asarray(notes, dtype=np.int64).reshape(-1, 4)
    if not len(notes):
        return notes.astype(np.int32)
    start = snap(notes[:, 0])
    if drum:
        dur = np.full(len(notes), DRUM_TICKS)
    else:
        end = snap(notes[:, 0] + notes[:, 1])
        dur = np.maximum(end - start, MIN_TICKS)
    out = make_notes(start, dur, notes[:, 2], notes[:, 3]).astype(np.int64)
    if not drum and len(out):
        # the next onset of the same pitch bounds the note (sorted by start, then pitch)
        order = np.lexsort((out[:, 0], out[:, 2]))
        same = out[order]
        nxt = np.full(len(same), np.iinfo(np.int64).max)
        follow = same[1:, 2] == same[:-1, 2]
        nxt[:-1][follow] = same[1:, 0][follow]
        same[:, 1] = np.minimum(same[:, 1], nxt - same[:, 0])
        out[order] = same
    return out.astype(np.int32)


def clean_piece(piece: Piece) -> Piece:
    """Every part of `piece` on the grid (in place; returned for chaining)."""
    for part in piece.parts:
        part.notes = clean_notes(part.notes, part.drum)
    return piece
