"""The accompany metrics on made-up parts whose answers are known by hand, and the eval section on
the tiny real dataset (Bach chorales and MMA grooves) with a context-trained tiny model."""

from __future__ import annotations

import numpy as np
import pytest

import bridge.evaluation.accompany_metrics as AM
from bridge.evaluation.accompany import held_out_windows, score_part, section, summarize
from bridge.music.theory import Key, Meter

Q = 12  # ticks a quarter
BAR = 4 * Q


def notes(*rows):
    """(start_beats, dur_beats, pitch) -> tick rows with velocity 90."""
    return np.array([(round(s * Q), round(d * Q), p, 90) for s, d, p in rows], dtype=np.int64).reshape(-1, 4)


FOUR_ON_THE_FLOOR = notes(*[(b, 0.25, 36) for b in range(8)], *[(b + 0.5, 0.25, 42) for b in range(8)])


def test_bass_on_every_kick_scores_one_and_offbeat_bass_zero():
    assert AM.kick_share(notes(*[(b, 1, 36 + 12) for b in range(8)]), FOUR_ON_THE_FLOOR) == 1.0
    assert AM.kick_share(notes(*[(b + 0.5, 0.5, 40) for b in range(8)]), FOUR_ON_THE_FLOOR) == 0.0
    half = notes(*[(b, 0.5, 40) for b in range(4)], *[(b + 0.5, 0.5, 40) for b in range(4, 8)])
    assert AM.kick_share(half, FOUR_ON_THE_FLOOR) == 0.5
    assert AM.kick_share(half, notes((0, 0.25, 42))) is None  # no kick: does not apply


def test_root_share_reads_the_chord_root_or_the_melodys_implied_triad():
    chords = notes((0, 4, 60), (0, 4, 64), (0, 4, 67), (4, 4, 65), (4, 4, 69), (4, 4, 72))  # C, then F
    on_roots = notes((0, 2, 36), (4, 2, 41))
    on_thirds = notes((0, 2, 40), (4, 2, 45))
    key = Key(0, "major")
    assert AM.root_share(on_roots, [chords], None, key, BAR, 2, Q) == 1.0
    assert AM.root_share(on_thirds, [chords], None, key, BAR, 2, Q) == 0.0
    # a melody alone: bar 1 outlines G (G B D), bar 2 A minor (A C E)
    melody = notes((0, 1, 67), (1, 1, 71), (2, 2, 74), (4, 1, 69), (5, 1, 72), (6, 2, 76))
    assert AM.implied_root(melody, 0, BAR, key) == 7 and AM.implied_root(melody, BAR, 2 * BAR, key) == 9
    assert AM.root_share(notes((0, 4, 43), (4, 4, 45)), [melody], melody, key, BAR, 2, Q) == 1.0
    assert AM.root_share(notes((0.5, 4, 43)), [melody], melody, key, BAR, 2, Q) is None  # no downbeat bass


def test_melody_chord_tones_and_harmony_fit():
    melody = notes((0, 1, 72), (1, 1, 74), (2, 1, 76), (3, 1, 71))  # C D E B on the beats
    c_major = notes((0, 4, 48), (0, 4, 52), (0, 4, 55))  # C E G for the bar
    assert AM.melody_chord_tones(melody, c_major, Q) == 0.5  # C and E are chord tones, D and B not
    assert AM.harmony_fit(c_major, [melody], Q) == pytest.approx(1 / 3)  # at beat 1 only C sounds above
    assert AM.melody_chord_tones(notes((0.5, 1, 72)), c_major, Q) is None  # nothing on a beat


def test_parallel_fifths_counted_right_on_two_voices():
    # upper C D E F, lower F G A Bb: fifths throughout -> three parallel moves of three
    upper = notes((0, 1, 72), (1, 1, 74), (2, 1, 76), (3, 1, 77))
    lower = notes((0, 1, 65), (1, 1, 67), (2, 1, 69), (3, 1, 70))
    assert AM.parallel_counts(upper, lower, BAR, Q) == (3, 3)
    assert AM.parallels_per_100(upper, [lower], BAR, Q) == 100.0
    # contrary motion (fifth, octave, third, fifth): no parallels, three moves
    contrary = notes((0, 1, 65), (1, 1, 62), (2, 1, 60), (3, 1, 58))
    assert AM.parallel_counts(upper, contrary, BAR, Q) == (0, 3)
    # parallel octaves count too; oblique motion (one voice holds) is a move, not a parallel
    octaves = notes((0, 1, 60), (1, 1, 62), (2, 2, 64))
    assert AM.parallel_counts(notes((0, 1, 72), (1, 1, 74), (2, 1, 76), (3, 1, 77)), octaves, BAR, Q) == (2, 3)


def test_range_fit_and_crossings():
    real = notes((0, 1, 60), (1, 1, 64), (2, 1, 67))
    assert AM.range_fit(notes((0, 1, 58), (1, 1, 70)), real) == 0.5  # 58 within 2 below, 70 out
    bass = notes((0, 4, 48))
    assert AM.crossing_share(notes((0, 4, 72)), real, [bass], BAR, Q) == 0.0
    assert AM.crossing_share(notes((0, 2, 72), (2, 2, 40)), real, [bass], BAR, Q) == 0.5


def test_accent_hits():
    parts = [notes((0, 1, 60), (1, 1, 62), (2, 1, 64)), notes((0, 2, 48), (2, 2, 43))]
    assert list(AM.accents(parts, BAR)) == [0, 24]  # the bar line, and beat 3 where both start
    assert AM.accent_hits(notes((0, 0.25, 36), (2, 0.25, 38)), parts, BAR) == 1.0
    assert AM.accent_hits(notes((1, 0.25, 36), (3, 0.25, 38)), parts, BAR) == 0.0
    assert AM.accent_hits(notes((0, 0.25, 36)), [], BAR) is None


def test_monophonic_and_beats():
    assert AM.monophonic(notes((0, 1, 60), (1, 1, 62))) and not AM.monophonic(notes((0, 1, 60), (0, 1, 64)))
    assert AM.beat_ticks(6, 8) == 18 and AM.beat_ticks(3, 4) == 12 and AM.beat_ticks(7, 8) == 6


def test_score_part_applies_each_metric_where_it_belongs():
    ctx = [("melody", notes((0, 1, 72), (1, 1, 74), (2, 1, 76), (3, 1, 71))), ("drums", FOUR_ON_THE_FLOOR)]
    bass = notes(*[(b, 1, 36) for b in range(4)])
    got = score_part("bass", bass, bass, ctx, Key(0, "major"), Meter(4, 4), 1)
    assert got["kick_share"] == 1.0 and "root_share" in got and "parallels_per_100" not in got  # drums: no voices
    got = score_part("drums", FOUR_ON_THE_FLOOR, FOUR_ON_THE_FLOOR, ctx[:1], None, Meter(4, 4), 1)
    assert set(got) == {"accent_hits"}
    lines = [("melody", notes((0, 1, 72), (1, 1, 74), (2, 1, 76), (3, 1, 77)))]
    got = score_part("bass", notes((0, 1, 65), (1, 1, 67), (2, 1, 69), (3, 1, 70)), bass, lines, Key(0, "major"),
                     Meter(4, 4), 1)
    assert got["parallels_per_100"] == 100.0


def test_summarize_says_whether_context_came_closer():
    rows = [{"real": {"kick_share": 0.9}, "with": {"kick_share": 0.8}, "without": {"kick_share": 0.3}},
            {"real": {"kick_share": 0.7}, "with": {"kick_share": 0.6}, "without": {"kick_share": None}}]
    got = summarize(rows)["kick_share"]
    assert got["parts"] == 1 and got["closer"] and got["gap_with"] == pytest.approx(0.1)
    rows[0]["with"]["kick_share"] = 0.1
    assert not summarize(rows)["kick_share"]["closer"]
    text = "\n".join(section({"parts": 1, "windows": 1, "bars": 4, "ms_per_part": {"with": 1, "without": 1},
                              "metrics": summarize(rows)}, "m"))
    assert "| kick_share | 1 |" in text and "**no**" in text
