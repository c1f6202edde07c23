"""Pure measures of the VAE's answers, over tick arrays [n, 4] (start, duration, pitch, velocity):
what scripts/vae_measure.py reports and the tests hold the shipped model to.

note_f1: note-level F1 with a note matched when onset tick and pitch are equal (the tokens put
every onset on the 12-ticks-a-beat grid, so "equal" is mir_eval's onset-only transcription match
with a tolerance under one tick; each note matches at most once). Two empty clips score 1.
"""

from __future__ import annotations

import numpy as np


def note_f1(ref: np.ndarray, est: np.ndarray) -> float:
    r = {(int(s), int(p)) for s, _, p, _ in np.asarray(ref).reshape(-1, 4)}
    e = {(int(s), int(p)) for s, _, p, _ in np.asarray(est).reshape(-1, 4)}
    if not r and not e:
        return 1.0
    hit = len(r & e)
    return 0.0 if hit == 0 else 2 * hit / (len(r) + len(e))


def onset_f1(ref: np.ndarray, est: np.ndarray) -> float:
    """The same F1 over onset ticks alone (pitch ignored): how much of the rhythm survives."""
    r = {int(s) for s in np.asarray(ref).reshape(-1, 4)[:, 0]}
    e = {int(s) for s in np.asarray(est).reshape(-1, 4)[:, 0]}
    if not r and not e:
        return 1.0
    hit = len(r & e)
    return 0.0 if hit == 0 else 2 * hit / (len(r) + len(e))


def pitch_histogram(notes: np.ndarray) -> np.ndarray:
    """The 12 pitch classes' share of notes ([12], sums to 1; zeros for an empty clip)."""
    pcs = np.asarray(notes).reshape(-1, 4)[:, 2] % 12
    h = np.bincount(pcs.astype(np.int64), minlength=12).astype(np.float64)
    return h / h.sum() if h.sum() else h


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Half the L1 distance of the pitch-class histograms: 0 same distribution, 1 disjoint."""
    return 0.5 * float(np.abs(pitch_histogram(a) - pitch_histogram(b)).sum())


def monotone_share(values: list[float], rising: bool) -> float:
    """Share of consecutive pairs that move the asked way (ties count as moving it): 1 is monotone."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) < 2:
        return 1.0
    d = np.diff(v)
    return float(np.mean(d >= 0 if rising else d <= 0))


def spearman(x, y) -> float:
    """Rank correlation (ties by average rank); 0 when either side is constant."""
    def ranks(a):
        a = np.asarray(a, dtype=np.float64)
        order = a.argsort(kind="stable")
        r = np.empty(len(a))
        r[order] = np.arange(len(a))
        for v in np.unique(a):  # average ties
            m = a == v
            r[m] = r[m].mean()
        return r
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])
