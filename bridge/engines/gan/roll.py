"""The GAN's piano-roll: the layout its generator writes and its critic reads, named once.

    roll: float32 [tracks=4, channels=2, steps, pitches=84]
      tracks   TRACKS (drums, bass, chords, melody), the band's parts in the order `role band` answers
      channels HOLD (the note sounds at this step) and ONSET (a note starts here; ONSET <= HOLD)
      steps    sixteenths, STEPS_PER_BAR a bar of 4/4 (3 of the corpus's 12 ticks a beat each)
      pitches  PITCH_LOW .. PITCH_LOW + N_PITCH - 1 (C1 .. B7); drums use their GM keys (27-87) on the
               same axis, so one tensor holds the whole band

Pitched parts are stored with the key's tonic moved to C (the shortest way, -5..+6 semitones),
and served by moving C back to the asked tonic: one rule for both directions, `to_c_shift`.
Pure numpy (serving has no torch); training builds its rolls through `roll_of`.
"""

from __future__ import annotations

import numpy as np

from bridge.music.grid import DRUM_TICKS
from bridge.music.theory import TICKS_PER_BEAT

TRACKS = ("drums", "bass", "chords", "melody")  # the band's parts, in answer order
HOLD, ONSET = 0, 1  # channels
TICKS_PER_STEP = DRUM_TICKS  # a step is a sixteenth: 3 ticks of the 12-a-beat grid
STEPS_PER_BEAT = TICKS_PER_BEAT // TICKS_PER_STEP  # 4
BEATS_PER_BAR = 4  # the GAN writes 4/4 (and 2/2, the same bar): SUPPORTED_METERS
STEPS_PER_BAR = STEPS_PER_BEAT * BEATS_PER_BAR  # 16
PHRASE_BARS = 4  # bars one forward pass writes; shorter answers are cut, longer ones chain phrases
PITCH_LOW, N_PITCH = 24, 84  # C1 .. B7: 7 octaves
SUPPORTED_METERS = ("4/4", "2/2")  # a bar of four quarter notes; anything else is a bad_request

assert TICKS_PER_BEAT % TICKS_PER_STEP == 0 and N_PITCH % 12 == 0 and PITCH_LOW % 12 == 0


def to_c_shift(tonic: int) -> int:
    """Semitones that move `tonic` to C by the shortest way (-5..+6); serving moves back by minus it."""
    s = (-int(tonic)) % 12
    return s - 12 if s > 6 else s


def fold(pitch: int) -> int:
    """A pitch moved by octaves into the roll's range."""
    while pitch < PITCH_LOW:
        pitch += 12
    while pitch >= PITCH_LOW + N_PITCH:
        pitch -= 12
    return pitch


def notes_to_steps(notes: np.ndarray, shift: int, drums: bool) -> np.ndarray:
    """Dataset ticks [n, 4] (start, duration, pitch, velocity) -> int32 [n, 3] (start step,
    steps, pitch), onsets rounded to the nearest sixteenth, every note at least one step; pitched
    notes shifted by `shift` and folded into range, drums unshifted (outside the roll: dropped)."""
    out = []
    for s, d, p, _ in np.asarray(notes).reshape(-1, 4):
        start = int(round(s / TICKS_PER_STEP))
        steps = 1 if drums else max(1, int(round((s + d) / TICKS_PER_STEP)) - start)
        pitch = int(p) if drums else fold(int(p) + shift)
        if PITCH_LOW <= pitch < PITCH_LOW + N_PITCH:
            out.append((start, steps, pitch))
    return np.array(out, dtype=np.int32).reshape(-1, 3)


def roll_of(parts: list, steps: int, start: int = 0) -> np.ndarray:
    """float32 [4, 2, steps, N_PITCH] of `parts` (one [n, 3] step array per track, or None for a
    track the window lacks: an all-zero track), the window's steps from `start`."""
    roll = np.zeros((len(TRACKS), 2, steps, N_PITCH), dtype=np.float32)
    for t, notes in enumerate(parts):
        if notes is None or not len(notes):
            continue
        for s, n, p in notes:
            a, b = s - start, min(s + n, start + steps) - start
            if b <= 0 or a >= steps:
                continue
            if a >= 0:
                roll[t, ONSET, a, p - PITCH_LOW] = 1.0
            roll[t, HOLD, max(a, 0) : b, p - PITCH_LOW] = 1.0
    return roll
