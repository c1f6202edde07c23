"""The VAE's measures and attribute arithmetic on made-up notes whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.engines.vae.attributes import shift
from bridge.engines.vae.quality import histogram_distance, monotone_share, note_f1, onset_f1, spearman


def notes(*pairs):
    """(onset tick, pitch) pairs -> tick rows."""
    return np.array([[s, 6, p, 80] for s, p in pairs], dtype=np.int64).reshape(-1, 4)


def test_note_f1_matches_onset_and_pitch_exactly():
    scale = notes((0, 60), (12, 62), (24, 64), (36, 65))
    assert note_f1(scale, scale) == 1.0
    assert note_f1(scale, notes((0, 60), (12, 62))) == pytest.approx(2 * 2 / 6)  # precision 1, recall 1/2
    assert note_f1(scale, notes((1, 60), (12, 61))) == 0.0  # one tick late, one semitone off
    assert note_f1(notes(), notes()) == 1.0 and note_f1(scale, notes()) == 0.0
    repeated = notes(*[(12 * k, 60) for k in range(4)])  # one repeated note: only its first onset is right
    assert note_f1(scale, repeated) == pytest.approx(2 * 1 / 8)
    assert onset_f1(scale, repeated) == 1.0  # the rhythm is all there


def test_histogram_distance_and_monotonicity():
    c_major = notes(*[(12 * k, p) for k, p in enumerate((60, 62, 64, 65, 67, 69, 71))])
    assert histogram_distance(c_major, c_major) == 0.0
    assert histogram_distance(c_major, notes((0, 61), (12, 63))) == pytest.approx(1.0)  # disjoint pitch classes
    assert monotone_share([1.0, 0.8, 0.8, 0.1], rising=False) == 1.0
    assert monotone_share([1.0, 0.2, 0.9, 0.1], rising=False) == pytest.approx(2 / 3)
    assert spearman(range(5), [9, 7, 5, 3, 1]) == pytest.approx(-1.0)
    assert spearman(range(4), [1, 1, 1, 1]) == 0.0


def test_attribute_moves_follow_the_documented_arithmetic():
    attrs = {"mood.sad": np.array([1.0, 0.0], np.float32), "density": np.array([0.0, 2.0], np.float32)}
    assert shift(attrs, None, None, 0.5) is None
    np.testing.assert_allclose(shift(attrs, "sad", None, 0.5), [1.0, 0.0])  # 2 x strength x vector
    np.testing.assert_allclose(shift(attrs, None, 0.5, 1.0), [0.0, 0.0])  # density 0.5 moves nothing
    np.testing.assert_allclose(shift(attrs, "sad", 1.0, 0.5), [1.0, 1.0])  # strength x (2d - 1) x vector
    assert shift(attrs, "happy", None, 0.5) is None  # no vector for it: nothing moves
