"""Originality: the longest run of notes a clip shares with any training clip.

A clip becomes a token sequence, one token per note after the first: (pitch interval from the
previous note, duration in ticks), notes ordered by onset then pitch. Intervals make the measure
transposition-proof; durations make it rhythm-aware. A run of k shared tokens is reported as k
copied notes. The index holds polynomial rolling hashes (uint64, wrapping) of the training tokens,
so the hash of any window is two array lookups; for a window length L it builds, once, the sorted
set of hashes of every window of that length that stays inside one clip. A binary search over L
then finds each query's longest shared run exactly (up to 64-bit hash collisions).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from bridge.music.clip import Clip
from bridge.music.ticks import clip_ticks

BASE = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier for the rolling hash
MAX_DUR = 4095
MAX_IV = 64
COPY_THRESHOLD = 16  # notes: a clip sharing this many consecutive notes with training data "copies"
CACHED_LENGTHS = 16  # window lengths whose hash sets are kept (16 MB each per 2M training notes)


def tokens_from_ticks(starts, durs, pitches) -> np.ndarray:
    """Tokens of one clip from parallel arrays (ticks and MIDI pitches), sorted here."""
    starts, durs, pitches = (np.asarray(a, dtype=np.int64) for a in (starts, durs, pitches))
    if len(starts) < 2:
        return np.zeros(0, dtype=np.uint64)
    order = np.lexsort((pitches, starts))
    p, d = pitches[order], np.clip(durs[order], 1, MAX_DUR)
    iv = np.clip(np.diff(p), -MAX_IV, MAX_IV) + MAX_IV
    return (iv * (MAX_DUR + 1) + d[1:] + 1).astype(np.uint64)


def clip_tokens(clip: Clip) -> np.ndarray:
    t = clip_ticks(clip)
    return tokens_from_ticks(t[:, 0], t[:, 1], t[:, 2])


def _powers(n: int, base: int = int(BASE)) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64 (numpy's uint64 products wrap)."""
    p = np.full(n, np.uint64(base), dtype=np.uint64)
    if n:
        p[0] = 1
    return np.cumprod(p, dtype=np.uint64)


_BASE_INV = pow(int(BASE), -1, 2**64)  # BASE is odd, so it is invertible modulo 2**64


def _prefix(tokens: np.ndarray) -> np.ndarray:
    """h[i] = hash of tokens[:i] = sum_j t[j] * B^(i-1-j) mod 2**64, vectorised through the
    inverse of B: h[i] = B^(i-1) * sum_{j<i} t[j] * B^-j."""
    n = len(tokens)
    h = np.zeros(n + 1, dtype=np.uint64)
    if n:
        fwd, inv = _powers(n), _powers(n, _BASE_INV)
        h[1:] = fwd * np.cumsum(np.asarray(tokens, dtype=np.uint64) * inv, dtype=np.uint64)
    return h


class NgramIndex:
    """Hashes of every token window of the training clips, by window length, built on demand."""

    def __init__(self, sequences: list[np.ndarray]):
        seqs = [np.asarray(s, dtype=np.uint64) for s in sequences]
        self.tokens = np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.uint64)
        self.clip_id = np.repeat(np.arange(len(seqs)), [len(s) for s in seqs])
        self.prefix = _prefix(self.tokens)
        self.max_len = max((len(s) for s in seqs), default=0)
        self._powers = _powers(self.max_len + 2)
        self._sets: OrderedDict[int, np.ndarray] = OrderedDict()

    def _window_hashes(self, prefix: np.ndarray, length: int, valid: np.ndarray | None = None) -> np.ndarray:
        n = len(prefix) - 1 - length + 1
        if n <= 0:
            return np.zeros(0, dtype=np.uint64)
        with np.errstate(over="ignore"):
            h = prefix[length : length + n] - prefix[:n] * self._power(length)
        return h if valid is None else h[valid]

    def _power(self, length: int) -> np.uint64:
        return self._powers[length] if length < len(self._powers) else _powers(length + 1)[length]

    def hashes(self, length: int) -> np.ndarray:
        """Sorted hashes of all training windows of `length` tokens inside one clip."""
        got = self._sets.get(length)
        if got is not None:
            self._sets.move_to_end(length)
            return got
        n = len(self.tokens) - length + 1
        if n <= 0:
            got = np.zeros(0, dtype=np.uint64)
        else:
            same = self.clip_id[:n] == self.clip_id[length - 1 :]
            got = np.sort(self._window_hashes(self.prefix, length, same))
        self._sets[length] = got
        if len(self._sets) > CACHED_LENGTHS:
            self._sets.popitem(last=False)
        return got

    def shares(self, query: np.ndarray, length: int) -> bool:
        if length > len(query) or length > self.max_len:
            return False
        qh = self._window_hashes(_prefix(np.asarray(query, dtype=np.uint64)), length)
        table = self.hashes(length)
        if not len(table):
            return False
        pos = np.minimum(np.searchsorted(table, qh), len(table) - 1)
        return bool(np.any(table[pos] == qh))

    def longest_run(self, query: np.ndarray) -> int:
        """Length in tokens (notes) of the longest window of `query` found in the training data."""
        lo, hi = 0, min(len(query), self.max_len)  # invariant: a run of lo is shared
        step = 1
        while lo < hi:  # exponential search upward (runs are usually short), then bisect
            probe = min(hi, lo + step)
            if self.shares(query, probe):
                lo, step = probe, step * 2
            else:
                hi = probe - 1
                break
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.shares(query, mid):
                lo = mid
            else:
                hi = mid - 1
        return lo
