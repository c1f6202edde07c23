"""Krumhansl-Kessler key estimation: the one rule the training labels and served answers share.

A key is the major or minor profile that correlates best with a duration-weighted pitch-class
histogram. The data builder labels its windows with `estimate_key` (adding a key signature and
bonuses for the piece's key); engines estimate the key of an uploaded clip with the same
function through `key_of_ticks` / `key_of_notes`, so a clip labelled "D minor" in training is
also "D minor" when a client uploads it.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from bridge.music.clip import Note
from bridge.music.theory import MODES, Key
from bridge.music.ticks import notes_to_ticks

# Krumhansl & Kessler (1982) probe-tone profiles, C major and C minor.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_PROFILES = np.stack([np.roll(KK_MAJOR, t) for t in range(12)] + [np.roll(KK_MINOR, t) for t in range(12)])
_PROFILES = (_PROFILES - _PROFILES.mean(1, keepdims=True)) / _PROFILES.std(1, keepdims=True)


def pc_histogram(notes: np.ndarray) -> np.ndarray:
    """Duration-weighted pitch-class histogram [12] of int [n, 4] tick notes."""
    notes = np.asarray(notes).reshape(-1, 4)
    if not len(notes):
        return np.zeros(12)
    return np.bincount(notes[:, 2] % 12, weights=notes[:, 1].astype(np.float64), minlength=12)


def key_scores(hist: np.ndarray) -> np.ndarray:
    """Correlation [24] of a pitch-class histogram with each key: 0-11 major, 12-23 minor
    (all zero for an empty or flat histogram, which names no key)."""
    h = np.asarray(hist, dtype=np.float64)
    if h.sum() <= 0 or h.std() == 0:
        return np.zeros(24)
    z = (h - h.mean()) / h.std()
    return _PROFILES @ z / 12.0


def estimate_key(hist: np.ndarray, sharps: int | None = None, bonus: np.ndarray | None = None) -> tuple[int, str]:
    """Best (tonic, mode) of a histogram; ties go to the first key in C..B major, C..B minor.
    With a key signature (sharps; flats negative) the choice is between its major key and the
    relative minor: the notation states the scale, the notes decide the mode. `bonus` [24] is
    added to the scores (a final note, the piece's key)."""
    r = key_scores(hist) + (bonus if bonus is not None else 0.0)
    if sharps is not None:
        major = (7 * sharps) % 12
        cands = [major, 12 + (major + 9) % 12]
        best = max(cands, key=lambda k: r[k])
    else:
        best = int(np.argmax(r))
    return best % 12, MODES[best // 12]


def key_of_ticks(notes: np.ndarray) -> Key | None:
    """The key of [n, 4] tick notes; None when they name none (no notes, or every pitch class
    equally heard)."""
    hist = pc_histogram(notes)
    if not key_scores(hist).any():
        return None
    return Key(*estimate_key(hist))


def key_of_notes(notes: Iterable[Note]) -> Key | None:
    """The key of `Note`s in beats (see `key_of_ticks`)."""
    return key_of_ticks(notes_to_ticks(notes))
