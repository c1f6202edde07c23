"""What the groove network reads about each note, and what it predicts: pure numpy, shared by
training (over groove pairs) and serving (over an uploaded clip), so the two never disagree.

A part is a sequence of note events sorted by (grid tick, pitch). Each note is described by its
place on the grid (tick inside the beat, beat inside the bar), what it is (a kit piece for drums,
the pitch for pitched parts), its grid duration, the gaps to the previous and next onsets, its
place in a chord, and the tempo. Role and style are the network's global conditions.

Targets: the onset's offset from its grid point in sixteenths (OFFSET_SCALE per beat) and the
velocity as (v - VEL_CENTER) / VEL_SCALE.
"""

from __future__ import annotations

import numpy as np

from bridge.music.theory import TICKS_PER_BEAT

# GM percussion keys grouped by how a drummer plays them, finer than the evaluation's kit classes
# (bridge/evaluation/musical.py: hats and cymbals are one class each there): a closed hat and an
# open hat, a crash and a ride are timed and accented differently.
KIT = (
    ("kick", (35, 36)),
    ("snare", (37, 38, 39, 40)),
    ("closed hat", (42, 44)),
    ("open hat", (46,)),
    ("tom", (41, 43, 45, 47, 48, 50)),
    ("crash", (49, 52, 55, 57)),
    ("ride", (51, 53, 59)),
)
KIT_OF = {p: i for i, (_, ps) in enumerate(KIT) for p in ps}
N_KIT = len(KIT) + 1  # + "other percussion"
MAX_BEATS = 8  # beat-in-bar one-hot size (later beats share the last slot)
OFFSET_SCALE = 16.0  # offsets are predicted in sixteenths of a beat
VEL_CENTER, VEL_SCALE = 80.0, 32.0
FLAT_VELOCITY = 100  # the velocity a quantised input is assumed to have (the model never reads it)
N_FEATURES = TICKS_PER_BEAT + MAX_BEATS + N_KIT + 1 + 1 + 1 + 2 + 2 + 1


def note_features(ticks: np.ndarray, durs: np.ndarray, pitches: np.ndarray, drum: bool,
                  beats_per_bar: float, tempo: float) -> np.ndarray:
    """float32 [n, N_FEATURES] for notes sorted by (tick, pitch); ticks and durs are grid ticks
    (TICKS_PER_BEAT a beat) from the part's start, which is on a bar line."""
    ticks = np.asarray(ticks, dtype=np.int64)
    n = len(ticks)
    out = np.zeros((n, N_FEATURES), dtype=np.float32)
    if not n:
        return out
    c = 0
    out[np.arange(n), c + ticks % TICKS_PER_BEAT] = 1.0
    c += TICKS_PER_BEAT
    bar_ticks = max(1, int(round(beats_per_bar * TICKS_PER_BEAT)))
    beat = np.minimum((ticks % bar_ticks) // TICKS_PER_BEAT, MAX_BEATS - 1)
    out[np.arange(n), c + beat] = 1.0
    c += MAX_BEATS
    pitches = np.asarray(pitches, dtype=np.int64)
    if drum:
        kit = np.array([KIT_OF.get(int(p), N_KIT - 1) for p in pitches])
        out[np.arange(n), c + kit] = 1.0
    c += N_KIT
    out[:, c] = 0.0 if drum else 1.0  # pitched
    out[:, c + 1] = (pitches - 60) / 24.0
    c += 2
    out[:, c] = np.log2(np.maximum(np.asarray(durs, dtype=np.float64), 1) / TICKS_PER_BEAT) / 4.0
    c += 1
    onsets, first = np.unique(ticks, return_index=True)
    k = np.searchsorted(onsets, ticks)
    prev_gap = np.where(k > 0, ticks - onsets[np.maximum(k - 1, 0)], 4 * TICKS_PER_BEAT)
    next_gap = np.where(k < len(onsets) - 1, onsets[np.minimum(k + 1, len(onsets) - 1)] - ticks, 4 * TICKS_PER_BEAT)
    out[:, c] = np.log2(1 + prev_gap / 3.0) / 4.0  # gaps in sixteenths, log-squashed
    out[:, c + 1] = np.log2(1 + next_gap / 3.0) / 4.0
    c += 2
    size = np.diff(np.append(first, n))[k]
    rank = np.arange(n) - first[k]
    out[:, c] = (size - 1) / 4.0
    out[:, c + 1] = rank / 4.0
    c += 2
    out[:, c] = (float(tempo) - 120.0) / 60.0
    c += 1
    assert c == N_FEATURES
    return out


def offset_target(offset_beats: np.ndarray) -> np.ndarray:
    return (np.asarray(offset_beats, dtype=np.float32) * OFFSET_SCALE).astype(np.float32)


def velocity_target(vel: np.ndarray) -> np.ndarray:
    return ((np.asarray(vel, dtype=np.float32) - VEL_CENTER) / VEL_SCALE).astype(np.float32)


def mixture(out: np.ndarray, k: int) -> dict:
    """The network's raw output [..., 6k] -> the offset and velocity mixtures (weights, means,
    sigmas), each [..., k], in target units."""
    def one(block):
        logits, mu, log_sigma = block[..., :k], block[..., k:2 * k], block[..., 2 * k:3 * k]
        w = np.exp(logits - logits.max(-1, keepdims=True))
        return w / w.sum(-1, keepdims=True), mu, np.exp(np.clip(log_sigma, -7.0, 3.0))
    return {"offset": one(out[..., :3 * k]), "velocity": one(out[..., 3 * k:6 * k])}


def sample_mixture(w: np.ndarray, mu: np.ndarray, sigma: np.ndarray, temperature: float,
                   rng: np.random.Generator) -> np.ndarray:
    """A value per row: mean + temperature x (draw - mean), so temperature 0 is the mixture's mean,
    1 a true draw (a component by weight, then its Gaussian) and above 1 exaggerates the spread."""
    mean = (w * mu).sum(-1)
    if temperature <= 0:
        return mean
    u = rng.random(w.shape[:-1])[..., None]
    comp = (np.cumsum(w, -1) < u).sum(-1, keepdims=True).clip(0, w.shape[-1] - 1)
    draw = np.take_along_axis(mu, comp, -1)[..., 0] + np.take_along_axis(sigma, comp, -1)[..., 0] * rng.standard_normal(mean.shape)
    return mean + temperature * (draw - mean)
