"""Musical metrics on made-up clips whose answers are known by hand (STYLE.md habit 15)."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.evaluation import musical as MU
from bridge.evaluation import musical_compare as MC
from bridge.evaluation.metrics import overlap
from bridge.evaluation.musical import ClipArray
from bridge.music.clip import Clip, Note
from bridge.music.theory import Key, Meter
from bridge.music.ticks import repeats, top_line

pytest.importorskip("muspy")

C_MAJOR, D_MAJOR, E_MINOR = Key(0, "major"), Key(2, "major"), Key(4, "minor")
BAR = 48  # ticks in a 4/4 bar


def arr(notes, bars=4, meter=Meter(), key=C_MAJOR, drums=False):
    """notes: (start tick, duration tick, pitch[, velocity])."""
    rows = [tuple(n) + (90,) * (4 - len(n)) for n in notes]
    return ClipArray.from_ticks(np.array(rows).reshape(-1, 4), meter, bars, None if drums else key, drums)


def melody(pitches, step=12, **kw):
    return arr([(i * step, step, p) for i, p in enumerate(pitches)], **kw)


SCALE = melody([60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60, 60])
ONE_NOTE = melody([60] * 16)


def beat(kick=True, snare=True, hats=True, bars=4):
    """Four on the floor, snare on 2 and 4, eighth-note closed hats."""
    notes = []
    for b in range(bars):
        o = b * BAR
        notes += [(o + t, 1, 36, 110) for t in (0, 12, 24, 36) if kick]
        notes += [(o + t, 1, 38, 100) for t in (12, 36) if snare]
        notes += [(o + t, 1, 42, 70 + (t % 12)) for t in range(0, BAR, 6) if hats]
    return arr(notes, bars=bars, drums=True)


def test_clip_array_from_clip_matches_ticks():
    clip = Clip([Note(0.25, 64, 0.5, 80), Note(0.0, 60, 1.0, 100)], 8.0, Meter(), key=D_MAJOR)
    ca = ClipArray.of(clip)
    assert ca.notes.tolist() == [[0, 12, 60, 100], [3, 6, 64, 80]]
    assert ca.bars == 2 and ca.key == D_MAJOR
    assert ClipArray.of(clip, C_MAJOR).key == C_MAJOR  # the asked key wins
    back = ca.clip()
    assert back.length == 8.0 and [n.pitch for n in back.notes] == [60, 64]


def test_tonality_one_note_scores_clearly_worse_than_a_scale():
    r_scale, match_scale = MU.tonality(SCALE)
    r_one, match_one = MU.tonality(ONE_NOTE)
    assert r_scale > 0.85 and match_scale
    # a lone tonic fits C major and C minor equally well: worse correlation and no single best key
    assert r_one < r_scale - 0.2 and not match_one
    r_off, match_off = MU.tonality(melody([62] * 16))  # one repeated non-tonic note
    assert abs(r_off) < 0.05 and not match_off
    # the same scale asked in a far key correlates badly
    r_far, match_far = MU.tonality(SCALE, Key(6, "major"))
    assert r_far < 0 and not match_far
    assert MU.tonality(beat()) == (None, None)


def test_pitch_variety_one_note_vs_scale():
    assert MU.pitch_class_entropy(ONE_NOTE) == 0.0
    assert MU.pitch_class_entropy(SCALE) > 2.5
    assert MU.n_pitches_used(ONE_NOTE) == 1 and MU.n_pitches_used(SCALE) == 8
    assert MU.pitch_range(ONE_NOTE) == 0 and MU.pitch_range(SCALE) == 12
    assert MU.repeated_note_share(ONE_NOTE) == 1.0
    assert MU.repeated_note_share(SCALE) == pytest.approx(1 / 15)  # only the final 60, 60
    assert MU.scale_consistency(SCALE) == 1.0


def test_repeated_notes_follow_the_top_line_of_chords():
    chords = arr([(0, 12, 48), (0, 12, 64), (12, 12, 50), (12, 12, 64), (24, 12, 52), (24, 12, 67)])
    assert top_line(chords.notes).tolist() == [64, 64, 67]
    assert repeats(chords.notes) == (1, 2)
    assert MU.repeated_note_share(chords) == 0.5


def test_overlap_identical_and_disjoint():
    h = np.array([1.0, 2.0, 3.0, 0.0])
    assert overlap(h, 3 * h) == pytest.approx(1.0)
    assert overlap(h, np.array([0.0, 0.0, 0.0, 5.0])) == 0.0
    assert MC.value_overlap([0.1, 0.2], [0.1, 0.2], MC.BINS["repeated_notes"]) == pytest.approx(1.0)
    assert MC.value_overlap([0.0, 0.05], [0.95, 1.0], MC.BINS["repeated_notes"]) == 0.0
    assert MC.value_overlap([], [0.5], MC.BINS["repeated_notes"]) is None


def test_grid_share_counts_off_grid_onsets():
    on = arr([(0, 3, 60), (3, 3, 62), (4, 4, 64), (8, 4, 65), (9, 3, 67)])
    assert MU.on_grid(on) == (5, 5)
    off = arr([(1, 3, 60), (5, 3, 62), (6, 3, 64), (7, 2, 65), (10, 1, 67), (11, 1, 69)])
    assert MU.on_grid(off) == (1, 6)  # only tick 6 (an eighth) is on the grid


def test_onset_and_duration_histograms():
    h = MU.onset_histogram(arr([(0, 12, 60), (48, 12, 62), (60, 6, 64)]))
    assert len(h) == 48 and h[0] == 2 and h[12] == 1 and h.sum() == 3
    assert len(MU.onset_histogram(arr([(0, 12, 60)], meter=Meter(3, 4)))) == 36
    d = MU.duration_histogram(arr([(0, 3, 60), (3, 3, 62), (12, 24, 64)]))
    assert d.sum() == 3 and d.max() == 2


def test_empty_beats_and_groove_on_known_clips():
    # quarter notes on every other beat: half the beats are silent (MusPy 0.5.0 would say 0.0)
    sparse = arr([(t, 12, 60) for t in range(0, 4 * BAR, 24)])
    assert MU.empty_beat_rate(sparse) == 0.5
    assert MU.empty_beat_rate(arr([(0, 4 * BAR, 60)])) == 0.0
    assert MU.groove_consistency(SCALE) == 1.0  # every bar: onsets 0, 12, 24, 36
    moved = arr([(0, 12, 60), (BAR + 6, 12, 62)], bars=2)
    assert MU.groove_consistency(moved) == pytest.approx(1 - 2 / 48)


def test_groove_consistency_agrees_with_muspy_where_muspy_sizes_the_clip_right():
    import muspy

    ca = arr([(0, 6, 60), (12, 6, 62), (BAR, 6, 64), (BAR + 18, 6, 65), (2 * BAR + 3, 6, 67)], bars=3)
    assert MU.groove_consistency(ca) == pytest.approx(muspy.groove_consistency(MU.to_muspy(ca), BAR))


def test_backbeat_beat_and_hats_only():
    assert MU.backbeat_share(beat()) == 1.0
    assert MU.backbeat_share(beat(kick=False, snare=False)) == 0.0
    half = arr([(t, 1, 38) for t in (12, 36)] + [(BAR + 12, 1, 38)], bars=2, drums=True)
    assert MU.backbeat_share(half) == 0.5  # bar 2 lacks beat 4
    assert MU.backbeat_share(arr([(12, 1, 38)], meter=Meter(3, 4), drums=True)) is None
    assert MU.drum_pattern_consistency(beat()) == 1.0
    hists = MU.drum_onset_histograms(beat())
    assert hists["kick"][[0, 12, 24, 36]].tolist() == [4, 4, 4, 4] and hists["kick"].sum() == 16
    assert hists["snare"][[12, 36]].tolist() == [4, 4] and hists["toms"].sum() == 0


def test_bass_root_and_fifth_vs_second_degree():
    root_fifth = arr([(b * BAR, 24, p) for b, p in enumerate([40, 47, 40, 47])]
                     + [(b * BAR + 24, 24, 43) for b in range(4)], key=E_MINOR)
    assert MU.downbeat_roots(root_fifth) == (4, 4)
    second = arr([(b * BAR, 48, 42) for b in range(4)], key=E_MINOR)  # F#: the second degree
    assert MU.downbeat_roots(second) == (0, 4)
    late = arr([(b * BAR + 6, 24, 40) for b in range(4)], key=E_MINOR)  # no note at tick 0 of any bar
    assert MU.downbeat_roots(late) == (0, 0)


def test_structure_one_bar_four_times():
    bar = [(0, 12, 60), (12, 12, 64), (24, 12, 67), (36, 12, 64)]
    four = arr([(s + b * BAR, d, p) for b in range(4) for s, d, p in bar])
    assert MU.bar_repetition(four) == (0.75, 0.0)
    varied = arr(bar + [(s + BAR, d, p if s else 62) for s, d, p in bar])  # bar 2: 3 of 4 notes shared
    assert MU.bar_repetition(varied) == (0.0, 0.5)  # Jaccard 3/5 >= 0.5
    assert MU.bar_repetition(SCALE) == (0.0, 0.0)
    assert MU.bar_repetition(arr([], bars=4)) is None


def test_velocity_spread_and_values():
    flat = melody([60, 62, 64, 65])
    assert MU.velocity_spread(flat) == 0.0 and MU.velocity_values(flat) == 1
    lively = arr([(0, 12, 60, 60), (12, 12, 62, 100), (24, 12, 64, 60), (36, 12, 65, 100)])
    assert MU.velocity_spread(lively) == 20.0 and MU.velocity_values(lively) == 2


def test_compare_scores_monotony_below_real_and_real_at_ceiling():
    real = MC.profile([SCALE, melody([64, 65, 67, 69, 67, 65, 64, 62] * 2), melody([60, 64, 67, 72] * 4)])
    same = MC.profile([SCALE, melody([64, 65, 67, 69, 67, 65, 64, 62] * 2), melody([60, 64, 67, 72] * 4)])
    mono = MC.profile([ONE_NOTE, melody([60] * 16), melody([67] * 16)])
    good = MC.compare(same, real, "folk", "melody")
    bad = MC.compare(mono, real, "folk", "melody")
    assert good["pc_entropy"] == pytest.approx(1.0) and good["pitches_used"] == pytest.approx(1.0)
    assert bad["pc_entropy"] == 0.0 and bad["pitches_used"] == 0.0 and bad["repeated_notes"] == 0.0
    assert bad["tonality"] < good["tonality"] and bad["key_match"] == 0.0
    assert "bass_root" not in good and "drum_kit" not in good and "backbeat" not in good
    ceil = MC.ceiling(same, real, "folk", "melody")
    r_good, r_bad = MC.ratios(good, ceil), MC.ratios(bad, ceil)
    assert all(v == pytest.approx(1.0) for v in r_good.values() if v is not None)
    assert MC.summary_score(r_good) == pytest.approx(1.0)
    # same rhythm as real, so only the pitch columns fail: still far below the ceiling
    assert MC.summary_score(r_bad) < 0.65
    assert max(r_bad[k] for k in ("key_match", "pc_entropy", "pitches_used", "pitch_range", "repeated_notes")) == 0.0


def test_drum_columns_on_beats():
    real = MC.profile([beat(), beat()])
    hats_only = MC.profile([beat(kick=False, snare=False)] * 2)
    good = MC.compare(MC.profile([beat()]), real, "rock", "drums")
    bad = MC.compare(hats_only, real, "rock", "drums")
    assert good["drum_kit"] == pytest.approx(1.0) and good["backbeat"] == 1.0
    assert bad["backbeat"] == 0.0
    assert bad["drum_kit"] == pytest.approx(1 / 3)  # kick and snare missing, hats exact
    assert "backbeat" not in MC.compare(hats_only, real, "irish-folk", "drums")
    assert "tonality" not in good and "duration" not in good


def test_verdict_counts_columns():
    a = {"tonality": 0.9, "pc_entropy": 0.8, "structure": 0.5}
    b = {"tonality": 0.5, "pc_entropy": 0.805, "structure": 0.9, "groove": None}
    v = MC.verdict("flagship", a, "markov", b)
    assert v["wins"] == {"flagship": ["tonality"], "markov": ["structure"]} and v["ties"] == ["pc_entropy"]
    assert v["winner"] is None  # 1 column each and summary scores 0.733 vs 0.735: a tie
    v1 = MC.verdict("flagship", {**a, "tonality": 1.0}, "markov", b)  # still 1 - 1, scores 0.77 vs 0.74
    assert v1["winner"] == "flagship"
    v2 = MC.verdict("flagship", {"tonality": 0.2, "groove": 0.3}, "markov", {"tonality": 0.9, "groove": 0.8})
    assert v2["winner"] == "markov" and v2["line"].startswith("markov is better: flagship wins 0 of 2 columns, markov 2")
    agg = MC.aggregate([({"tonality": 1.0}, 3), ({"tonality": 0.0}, 1), ({"tonality": None}, 5)])
    assert agg["tonality"] == 0.75 and agg["groove"] is None


def test_first_bars_cuts_a_long_clip_to_the_generated_length():
    from bridge.evaluation.musical import ClipArray, bar_repetition
    from bridge.music.theory import Meter

    one_bar = [(0, 12, 60, 90), (12, 12, 64, 90), (24, 12, 67, 90), (36, 24, 72, 90)]  # the last rings past the bar
    notes = [(s + 48 * b, d, p, v) for b in range(16) for s, d, p, v in one_bar]
    long = ClipArray.from_ticks(notes, Meter(4, 4), 16)
    four = long.first_bars(4)
    assert four.bars == 4 and len(four.notes) == 16 and four.notes[:, 0].max() == 3 * 48 + 36
    assert (four.notes[:, 0] + four.notes[:, 1]).max() == 4 * 48  # cut at the last bar line
    assert bar_repetition(long)[0] == 15 / 16 and bar_repetition(four)[0] == 3 / 4  # what a 4-bar clip can reach
    assert long.first_bars(16) is long and long.first_bars(20) is long
