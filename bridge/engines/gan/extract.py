"""Reading notes off a generated roll: pure numpy, the rules that make a roll a clean part.

    roll [2, steps, N_PITCH] of one track (HOLD, ONSET probabilities, pitches in C) -> [n, 4] ticks

- A note starts where the ONSET probability passes the track's threshold (calibrated at training
  so the note rate matches the data's); it lasts while HOLD stays above `hold` and no new onset of
  that pitch (melody, bass: of any pitch) comes; never shorter than a sixteenth (one step, 3 ticks:
  MIN_TICKS), so there are no 1-tick fragments, and never past the clip's end.
- melody and bass are single lines: a step whose most likely onset passes the threshold starts a
  note, on the pitch most likely once a leap from the line's last note is damped (LEAP); chords keep at most
  MAX_CHORD_NOTES onsets a step; drums are hits of DRUM_TICKS on GM percussion keys, at most
  MAX_DRUM_HITS a step.
- Pitches: the roll is in C; `shift` moves it to the asked key; `allowed` (the shared pitch_mask:
  range, scale lock, GM keys for drums) is honoured by moving a pitch by octaves into the range, or
  dropping it when no octave of its pitch class is allowed; out-of-key pitch classes are damped by
  SOFT_KEY (the soft key) and pitches outside the track's training register (the 5th-95th
  percentile of its training notes, config "registers") by OUT_OF_REGISTER, before the choice.
- A present track whose notes would fall below one a bar takes its most likely onsets instead, so
  a band never answers with a silent part.
"""

from __future__ import annotations

import numpy as np

from bridge.music.grid import DRUM_TICKS, MIN_TICKS
from bridge.engines.gan.roll import HOLD, N_PITCH, ONSET, PITCH_LOW, STEPS_PER_BAR, TICKS_PER_STEP

MAX_CHORD_NOTES = 5  # onsets a step in the chords part
MAX_DRUM_HITS = 4  # hits a step in the drums part
SOFT_KEY = 0.5  # out-of-key pitches' probabilities are multiplied by this (scale_lock: 0)
LEAP = 0.5  # melody, bass: a candidate an octave from the last note counts half as likely
OUT_OF_REGISTER = 0.1  # pitches outside the track's training register (config "registers") count a tenth
MONO = ("melody", "bass")

assert MIN_TICKS == TICKS_PER_STEP  # a step is the shortest note


def pitch_map(allowed: np.ndarray, shift: int, drums: bool) -> np.ndarray:
    """int [N_PITCH]: the output pitch of each roll pitch (-1: not allowed). `allowed` is bool [128]
    over MIDI pitches. Pitched roll pitches move by `shift`, then by octaves to the nearest allowed
    pitch of their class; drums keep their key or are dropped."""
    out = np.full(N_PITCH, -1, dtype=np.int64)
    for j in range(N_PITCH):
        p = PITCH_LOW + j + (0 if drums else shift)
        if 0 <= p < 128 and allowed[p]:
            out[j] = p
        elif not drums:
            cands = [q for q in range(p % 12, 128, 12) if allowed[q]]
            if cands:
                out[j] = min(cands, key=lambda q: abs(q - p))
    return out


def key_weights(key_pcs: frozenset | None, shift: int) -> np.ndarray:
    """float [N_PITCH]: 1 for roll pitches whose output pitch class is in the key, SOFT_KEY else."""
    w = np.ones(N_PITCH, dtype=np.float32)
    if key_pcs is None:
        return w
    for j in range(N_PITCH):
        if (PITCH_LOW + j + shift) % 12 not in key_pcs:
            w[j] = SOFT_KEY
    return w


def extract(track: np.ndarray, role: str, threshold: float, hold: float, pmap: np.ndarray,
            weights: np.ndarray, bars: int) -> np.ndarray:
    """[n, 4] int64 ticks (start, duration, pitch, velocity) of one track's roll [2, steps, P]."""
    steps = bars * STEPS_PER_BAR
    onset = track[ONSET, :steps] * weights * (pmap >= 0)  # [steps, P]
    held = track[HOLD, :steps]
    if role in MONO:
        starts = _floor_at_one_a_bar(onset.max(1), threshold, bars)
        cells, prev = [], None
        for t in np.flatnonzero(starts):  # the line's pitch: likely, and near the last one
            j = int(np.argmax(onset[t] * (1.0 if prev is None else _leap(prev, pmap))))
            cells.append((int(t), j, float(onset[t, j])))
            prev = int(pmap[j])
        ends = _mono_ends(cells, held, hold, steps)
    else:
        cap = MAX_DRUM_HITS if role == "drums" else MAX_CHORD_NOTES
        order = np.argsort(-onset, 1)[:, :cap]  # [steps, cap]
        top = np.take_along_axis(onset, order, 1)
        ok = _floor_at_one_a_bar(top, threshold, bars)
        cells = [(t, int(order[t, k]), float(top[t, k])) for t, k in zip(*np.nonzero(ok))]
        ends = [t + 1 if role == "drums" else _poly_end(t, j, onset, held, hold, threshold, steps) for t, j, _ in cells]
    rows = []
    for (t, j, p), e in zip(cells, ends):
        dur = DRUM_TICKS if role == "drums" else (e - t) * TICKS_PER_STEP
        vel = int(np.clip(round((70 if role == "drums" else 55) + 50 * p), 1, 127))
        rows.append((t * TICKS_PER_STEP, dur, int(pmap[j]), vel))
    rows.sort()
    out = np.array(_dedupe(rows), dtype=np.int64).reshape(-1, 4)
    return out


def _leap(prev: int, pmap: np.ndarray) -> np.ndarray:
    """float [N_PITCH]: LEAP per octave of distance from the line's last pitch (a line moves by
    steps and small leaps; the roll alone would let each onset pick any octave)."""
    return LEAP ** (np.abs(pmap - prev) / 12.0)


def register_weights(pmap: np.ndarray, register: tuple | None) -> np.ndarray:
    """float [N_PITCH]: 1 inside the track's training register (lo, hi), OUT_OF_REGISTER outside."""
    if register is None:
        return np.ones(len(pmap), dtype=np.float32)
    lo, hi = register
    return np.where((pmap >= lo) & (pmap <= hi), 1.0, OUT_OF_REGISTER).astype(np.float32)


def _floor_at_one_a_bar(prob: np.ndarray, threshold: float, bars: int) -> np.ndarray:
    """Cells above threshold; when fewer than one a bar pass, the `bars` most likely (nonzero) ones."""
    ok = prob > threshold
    if ok.sum() >= bars:
        return ok
    flat = prob.ravel()
    k = min(bars, int((flat > 0).sum()))
    if k == 0:
        return ok
    cut = np.sort(flat)[-k]
    return prob >= max(cut, 1e-6)


def _mono_ends(cells: list, held: np.ndarray, hold: float, steps: int) -> list[int]:
    ends = []
    for n, (t, j, _) in enumerate(cells):
        nxt = cells[n + 1][0] if n + 1 < len(cells) else steps
        e = t + 1
        while e < nxt and held[e, j] > hold:
            e += 1
        ends.append(e)
    return ends


def _poly_end(t: int, j: int, onset: np.ndarray, held: np.ndarray, hold: float, threshold: float, steps: int) -> int:
    e = t + 1
    while e < steps and held[e, j] > hold and onset[e, j] <= threshold:
        e += 1
    return e


def _dedupe(rows: list) -> list:
    """Two roll pitches can land on one output pitch (octave moves): keep the first note at a
    (start, pitch), and cut a note that would overlap the next note of its own pitch."""
    seen, out = set(), []
    for r in rows:
        if (r[0], r[2]) not in seen:
            seen.add((r[0], r[2]))
            out.append(list(r))
    last: dict = {}
    for r in out:
        prev = last.get(r[2])
        if prev is not None and prev[0] + prev[1] > r[0]:
            prev[1] = max(MIN_TICKS, r[0] - prev[0])
        last[r[2]] = r
    return [tuple(r) for r in out]
