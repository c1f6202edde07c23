"""How well a part fits the other parts of its window: pure functions over tick arrays.

Notes are int arrays [n, 4] of (start_tick, duration_tick, pitch, velocity) at 12 ticks a beat,
all parts of one window on one time line. Each function returns a number, or None where it does
not apply (no kick to land on, no melody to harmonise, no moves to count). docs/EVAL.md names the
rules; each is tested on made-up clips with hand-known answers (tests/test_accompany_eval.py).

- kick_share: share of bass onsets on a kick onset (GM 35/36), within ONSET_TOLERANCE ticks.
- root_share: share of downbeat bass notes on the bar's chord root: the root (music21's
  Chord.root) of the pitched context sounding in the bar's first beat when it holds two or more
  pitch classes, else the melody's implied triad (implied_root).
- melody_chord_tones: share of the melody's on-beat notes whose pitch class the part sounds.
- harmony_fit: share of the part's on-beat notes whose pitch class the pitched context sounds.
- parallels_per_100: parallel fifths and octaves per 100 voice-pair moves (monophonic lines).
- range_fit: share of the part's notes inside the real part's range, RANGE_SLACK either side.
- crossing_share: share of beats where the part is on the other side of a context voice than
  the real part is on average.
- accent_hits: share of the context's accents (two or more parts starting together, or any
  part starting on a bar line) with a drum onset.
"""

from __future__ import annotations

import numpy as np

from bridge.music.theory import TICKS_PER_BEAT, Key, implied_triad

KICKS = (35, 36)  # GM acoustic and bass drum 1
ONSET_TOLERANCE = 1  # ticks (a 48th note) two onsets may differ and still coincide
RANGE_SLACK = 2  # semitones outside the real part's range still counted inside
PERFECT = (0, 7)  # interval classes of octaves/unisons and fifths


MONO_SLACK = 0.1  # share of notes that may share an onset with another in a "monophonic" line


def _arr(notes) -> np.ndarray:
    return np.asarray(notes, dtype=np.int64).reshape(-1, 4)


def monophonic(notes) -> bool:
    """A single line: at most MONO_SLACK of its notes share an onset with another note."""
    n = _arr(notes)
    return len(n) > 0 and len(n) - len(np.unique(n[:, 0])) <= MONO_SLACK * len(n)


def beat_ticks(meter_num: int, meter_den: int) -> int:
    """Ticks of one counted beat: a dotted quarter in compound x/8 (6/8, 9/8, 12/8), else the
    denominator's note (a quarter in x/4, an eighth in other x/8, a half in x/2)."""
    if meter_den == 8 and meter_num % 3 == 0 and meter_num > 3:
        return 3 * TICKS_PER_BEAT // 2
    return TICKS_PER_BEAT * 4 // meter_den


def _near(ticks: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """bool per tick: within ONSET_TOLERANCE of some target tick."""
    if not len(targets) or not len(ticks):
        return np.zeros(len(ticks), dtype=bool)
    return (np.abs(ticks[:, None] - np.unique(targets)[None, :]) <= ONSET_TOLERANCE).any(1)


def sounding(notes, tick: int) -> np.ndarray:
    """Pitches sounding at `tick` (onset <= tick < end)."""
    n = _arr(notes)
    return n[(n[:, 0] <= tick) & (n[:, 0] + n[:, 1] > tick), 2]


def kick_share(bass, drums) -> float | None:
    b, d = _arr(bass), _arr(drums)
    kicks = d[np.isin(d[:, 2], KICKS), 0]
    if not len(kicks) or not len(b):
        return None
    return float(_near(np.unique(b[:, 0]), kicks).mean())


def implied_root(melody, start: int, end: int, key: Key) -> int | None:
    """The root pitch class of the key's diatonic triad holding the most melody duration in
    [start, end) (theory.implied_triad: ties go to I, V, IV, vi, ii, iii, vii). None without melody."""
    m = _arr(melody)
    m = m[(m[:, 0] < end) & (m[:, 0] + m[:, 1] > start)]
    if not len(m):
        return None
    weight = np.zeros(12)
    for s, d, p, _ in m:
        weight[p % 12] += min(s + d, end) - max(s, start)
    got = implied_triad(weight, key)
    return None if got is None else got[0]


def chord_root(pitches) -> int | None:
    """music21's root of a pitch set (two or more pitch classes), as a pitch class."""
    pcs = sorted({int(p) % 12 for p in pitches})
    if len(pcs) < 2:
        return None
    from music21 import chord

    return int(chord.Chord([60 + pc for pc in pcs]).root().pitchClass)


def root_share(bass, context_pitched: list, melody, key: Key | None, bar: int, bars: int, beat: int) -> float | None:
    """Downbeat bass notes (onset on a bar line) on the chord root of their bar."""
    b = _arr(bass)
    hits, total = 0, 0
    for k in range(bars):
        t0 = k * bar
        if not (b[:, 0] == t0).any():
            continue
        ctx = np.concatenate([_arr(c) for c in context_pitched]) if context_pitched else _arr([])
        ctx = ctx[(ctx[:, 0] < t0 + beat) & (ctx[:, 0] + ctx[:, 1] > t0)]
        root = chord_root(ctx[:, 2])
        if root is None and key is not None and melody is not None:
            root = implied_root(melody, t0, t0 + bar, key)
        if root is None:
            continue
        total += 1
        hits += int(any(p % 12 == root for p in b[b[:, 0] == t0, 2]))
    return hits / total if total else None


def _on_beat(notes, beat: int) -> np.ndarray:
    n = _arr(notes)
    return n[n[:, 0] % beat == 0]


def melody_chord_tones(melody, part, beat: int) -> float | None:
    m = _on_beat(melody, beat)
    if not len(m):
        return None
    return float(np.mean([p % 12 in {int(x) % 12 for x in sounding(part, s)} for s, _, p, _ in m]))


def harmony_fit(part, context_pitched: list, beat: int) -> float | None:
    ctx = np.concatenate([_arr(c) for c in context_pitched]) if context_pitched else _arr([])
    hits = []
    for s, _, p, _ in _on_beat(part, beat):
        pcs = {int(x) % 12 for x in sounding(ctx, s)}
        if pcs:
            hits.append(p % 12 in pcs)
    return float(np.mean(hits)) if hits else None


def voice_line(notes, total: int, beat: int) -> np.ndarray:
    """The voice's pitch at every beat (the highest sounding; -1 where silent)."""
    out = np.full(total // beat, -1, dtype=np.int64)
    for k in range(len(out)):
        s = sounding(notes, k * beat)
        if len(s):
            out[k] = s.max()
    return out


def parallel_counts(a, b, total: int, beat: int) -> tuple[int, int]:
    """(parallel fifths/octaves, voice-pair moves) between two voices sampled on beats: a move is
    two consecutive sounding beats where a voice changes pitch; a parallel is a move where both
    voices go the same way and stay a perfect fifth or octave (or unison) apart."""
    x, y = voice_line(a, total, beat), voice_line(b, total, beat)
    par = moves = 0
    for k in range(1, len(x)):
        if min(x[k - 1], x[k], y[k - 1], y[k]) < 0 or (x[k] == x[k - 1] and y[k] == y[k - 1]):
            continue
        moves += 1
        dx, dy = np.sign(x[k] - x[k - 1]), np.sign(y[k] - y[k - 1])
        i0, i1 = abs(x[k - 1] - y[k - 1]) % 12, abs(x[k] - y[k]) % 12
        if dx == dy != 0 and i0 == i1 and i1 in PERFECT:
            par += 1
    return par, moves


def parallels_per_100(part, voices: list, total: int, beat: int) -> float | None:
    par = moves = 0
    for v in voices:
        p, m = parallel_counts(part, v, total, beat)
        par, moves = par + p, moves + m
    return 100.0 * par / moves if moves else None


def range_fit(part, real) -> float | None:
    p, r = _arr(part), _arr(real)
    if not len(p) or not len(r):
        return None
    lo, hi = r[:, 2].min() - RANGE_SLACK, r[:, 2].max() + RANGE_SLACK
    return float(((p[:, 2] >= lo) & (p[:, 2] <= hi)).mean())


def crossing_share(part, real, voices: list, total: int, beat: int) -> float | None:
    g, r = voice_line(part, total, beat), voice_line(real, total, beat)
    crossed, seen = 0, 0
    for v in voices:
        w = voice_line(v, total, beat)
        both = (r >= 0) & (w >= 0)
        if not both.any():
            continue
        side = np.sign(np.mean(r[both] - w[both]))
        if side == 0:
            continue
        ok = (g >= 0) & (w >= 0)
        seen += int(ok.sum())
        crossed += int((np.sign(g[ok] - w[ok]) == -side).sum())
    return crossed / seen if seen else None


def accents(context: list, bar: int) -> np.ndarray:
    """Accent ticks: where notes of two or more context parts start together, or where any part
    starts a note on a bar line."""
    starts = [np.unique(_arr(c)[:, 0]) for c in context if len(_arr(c))]
    if not starts:
        return np.zeros(0, dtype=np.int64)
    ticks, counts = np.unique(np.concatenate(starts), return_counts=True)
    return ticks[(counts >= 2) | (ticks % bar == 0)]


def accent_hits(drums, context: list, bar: int) -> float | None:
    acc = accents(context, bar)
    if not len(acc):
        return None
    return float(_near(acc, _arr(drums)[:, 0]).mean())
