"""Pure metrics over clips: key adherence, bar/meter exactness, histograms and their overlap,
classifier features and the distinctness of variations. No model or dataset code here, so every
number in a report can be checked by hand on a made-up clip.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from bridge.music.clip import Clip
from bridge.music.theory import TICKS_PER_BEAT, Key, Meter
from bridge.music.ticks import clip_ticks

DUR_EDGES = (2, 4, 7, 10, 13, 19, 25, 37, 49)  # ticks: <32nd, 16th, ..., half, longer
MAX_IV = 12  # interval histogram bins -12..12 (clipped)


def key_adherence(clip: Clip, key: Key | None) -> float | None:
    """Share of notes whose pitch class is in `key`'s scale (natural minor for minor keys);
    None for drums, a missing key or an empty clip."""
    if key is None or clip.drums or not clip.notes:
        return None
    pcs = key.pitch_classes
    return sum(n.pitch % 12 in pcs for n in clip.notes) / len(clip.notes)


def is_exact(clip: Clip, bars: int, meter: Meter) -> bool:
    """The clip lasts exactly `bars` bars of `meter`, in that meter, with every note inside it."""
    if clip.meter != meter or abs(clip.length - bars * meter.beats_per_bar) > 1e-6:
        return False
    return all(n.start >= 0 and n.start < clip.length and n.end <= clip.length + 1e-6 for n in clip.notes)


def _ticks(clip: Clip) -> np.ndarray:
    """[n, 3] start tick, duration tick, pitch; sorted by start then pitch."""
    a = clip_ticks(clip)[:, :3]
    return a[np.lexsort((a[:, 2], a[:, 0]))] if len(a) else a


def pc_histogram(clip: Clip, key: Key | None) -> np.ndarray:
    """Note counts by pitch class relative to the key's tonic (absolute when no key): 12 bins."""
    h = np.zeros(12)
    tonic = key.tonic if key is not None else 0
    for n in clip.notes:
        h[(n.pitch - tonic) % 12] += 1
    return h


def rhythm_histogram(clip: Clip) -> np.ndarray:
    """Note counts by onset position inside the beat (12 tick bins) and by duration class
    (len(DUR_EDGES) + 1 bins), concatenated."""
    t = _ticks(clip)
    pos = np.bincount(t[:, 0] % TICKS_PER_BEAT, minlength=TICKS_PER_BEAT) if len(t) else np.zeros(TICKS_PER_BEAT)
    dur = np.bincount(np.searchsorted(DUR_EDGES, t[:, 1], side="right"), minlength=len(DUR_EDGES) + 1) if len(t) \
        else np.zeros(len(DUR_EDGES) + 1)
    return np.concatenate([pos, dur]).astype(np.float64)


def interval_histogram(clip: Clip) -> np.ndarray:
    """Steps between the top notes of consecutive onsets, clipped to +-12: 25 bins."""
    t = _ticks(clip)
    h = np.zeros(2 * MAX_IV + 1)
    if len(t) < 2:
        return h
    starts, idx = np.unique(t[:, 0], return_index=True)
    tops = np.maximum.reduceat(t[:, 2], idx)
    steps = np.clip(np.diff(tops), -MAX_IV, MAX_IV) + MAX_IV
    return np.bincount(steps, minlength=len(h)).astype(np.float64)


def overlap(p: np.ndarray, q: np.ndarray) -> float | None:
    """Histogram intersection of two count vectors after normalising each: 1.0 is identical."""
    sp, sq = float(np.sum(p)), float(np.sum(q))
    if sp <= 0 or sq <= 0:
        return None
    return float(np.minimum(np.asarray(p) / sp, np.asarray(q) / sq).sum())


def _norm(h: np.ndarray) -> np.ndarray:
    s = h.sum()
    return h / s if s > 0 else h


def features(clip: Clip, key: Key | None) -> np.ndarray:
    """The style classifier's view of a clip: key-relative pitch-class, interval, onset-position
    and duration histograms, then density, range, mean pitch, polyphony and mean duration (64 numbers)."""
    t = _ticks(clip)
    rh = rhythm_histogram(clip)
    beats = max(clip.length, 1e-9)
    onsets = len(np.unique(t[:, 0])) if len(t) else 0
    if len(t):
        extra = [len(t) / beats / 4.0, (t[:, 2].max() - t[:, 2].min()) / 36.0, t[:, 2].mean() / 127.0,
                 len(t) / max(1, onsets) / 4.0, np.log1p(t[:, 1].mean()) / 4.0]
    else:
        extra = [0.0] * 5
    return np.concatenate([
        _norm(pc_histogram(clip, key)), _norm(interval_histogram(clip)),
        _norm(rh[:TICKS_PER_BEAT]), _norm(rh[TICKS_PER_BEAT:]), np.array(extra, dtype=np.float64),
    ])


def distinctness(clips: list[Clip]) -> float | None:
    """Mean pairwise Jaccard distance between the variations' note sets (pitch, onset tick):
    0 means identical variations, 1 means they share no note."""
    sets = [{(int(p), int(s)) for s, _, p, _ in clip_ticks(c)} for c in clips]
    pairs = [(a, b) for a, b in combinations(sets, 2) if a or b]
    if not pairs:
        return None
    return float(np.mean([1.0 - len(a & b) / len(a | b) for a, b in pairs]))
