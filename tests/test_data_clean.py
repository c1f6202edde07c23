"""The corpus cleaner: grid onsets, drum hits of one length, no sub-sixteenth fragments."""

import numpy as np

from bridge.data.clean import clean_notes
from bridge.music.grid import DRUM_TICKS, MIN_TICKS, snap


def test_snap_moves_humanised_onsets_to_the_nearest_grid_point():
    # 1 -> 0 (a late downbeat), 2 -> 3 (an early sixteenth), 5 and 7 -> 6 (a tie goes to the
    # sixteenth grid), 10 -> 9, 11 -> 12 (the next beat)
    assert snap(np.array([0, 1, 2, 5, 7, 10, 11, 13])).tolist() == [0, 0, 3, 6, 6, 9, 12, 12]


def test_grid_points_stay_where_they_are():
    grid = np.array([0, 3, 4, 6, 8, 9, 12, 15, 16, 18, 20, 21])
    assert snap(grid).tolist() == grid.tolist()


def test_drum_hits_all_last_a_sixteenth():
    notes = np.array([[0, 1, 36, 100], [8, 1, 42, 60], [13, 40, 38, 90]])
    out = clean_notes(notes, drum=True)
    assert out[:, 1].tolist() == [DRUM_TICKS] * 3
    assert out[:, 0].tolist() == [0, 8, 12]


def test_pitched_fragments_grow_to_a_sixteenth_and_ends_snap():
    notes = np.array([[0, 1, 40, 80], [12, 11, 43, 80], [24, 2, 45, 70]])
    out = clean_notes(notes, drum=False)
    assert out[:, 1].tolist() == [MIN_TICKS, 12, MIN_TICKS]
    assert out[:, 3].tolist() == [80, 80, 70]  # velocities as played


def test_a_repeated_note_is_not_stretched_over_its_repeat():
    # two sixteenth-apart E2s with one-tick durations: each lasts up to the next
    notes = np.array([[0, 1, 40, 80], [3, 1, 40, 80], [4, 1, 40, 80]])
    out = clean_notes(notes, drum=False)
    assert out[:, 0].tolist() == [0, 3, 4]
    assert out[:, 1].tolist() == [3, 1, 3]
    assert all(s + d <= n for (s, d), n in zip(out[:-1, :2], out[1:, 0]))


def test_two_notes_snapped_onto_one_onset_become_one():
    notes = np.array([[0, 6, 60, 80], [1, 12, 60, 90]])  # a strummed double hit of one pitch
    out = clean_notes(notes, drum=False)
    assert len(out) == 1 and out[0, 1] == 12
