"""Chord plans (decoding/plan.py): the bar-by-bar chart a bass or chord part written alone follows.
Answers known by hand on made-up chord parts, then the shipped Transformer with a hand-made plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bridge.engines.decoding.plan import (PLAN_BARS, bar_chords, count_windows, draw_plan, plan_harmony,
                                          plan_weights)
from bridge.engines.registry import load_model
from bridge.music.request import Request
from bridge.music.theory import Key

TPB = 48  # a 4/4 bar at 12 ticks a beat
SHIPPED = Path(__file__).resolve().parent.parent / "models" / "transformer"


def _bits(*pcs) -> int:
    return sum(1 << p for p in pcs)


def _block(bar: int, pitches, length: int = TPB) -> list:
    return [(bar * TPB, length, p, 80) for p in pitches]


def test_each_bar_is_its_chord_relative_to_the_tonic_with_its_root():
    # in D major: D (root position) | G over B (first inversion) | A7 | silence | E minor + a short passing F#
    notes = np.array(_block(0, (62, 66, 69)) + _block(1, (59, 62, 67)) + _block(2, (57, 61, 64, 67))
                     + _block(4, (64, 67, 71)) + [(4 * TPB, 3, 66, 80)])
    chart = bar_chords(notes, TPB, 5, tonic=2)
    assert chart[0] == (0, _bits(0, 4, 7))  # I
    assert chart[1] == (5, _bits(9, 0, 5))  # IV: G is the root, though B is lowest
    assert chart[2] == (7, _bits(7, 11, 2, 5))  # V7: four tones kept
    assert chart[3] is None
    assert chart[4] == (2, _bits(2, 5, 9))  # ii: the passing F# (3 ticks of 48) is no chord tone


def test_windows_are_counted_per_phrase_most_frequent_first_and_rare_ones_dropped():
    pop = [(0, 1), (7, 2), (9, 3), (5, 4)] * 4  # 16 bars of one 4-bar loop (masks made up)
    other = [(0, 1)] * 16
    once = [(2, 5)] * 8
    wins = count_windows([pop, pop, other, once], top=10, min_count=2)
    counts = [c for c, _ in wins]
    assert counts == sorted(counts, reverse=True) and all(len(w) == PLAN_BARS for _, w in wins)
    assert wins[0] == [6, [list(x) for x in pop[:8]]]  # 2 clips x 3 windows (bars 1, 5, 9) of one chart
    assert [[2, 5]] * 8 not in [w for _, w in wins]  # seen once: not kept
    assert count_windows([pop[:7]]) == []  # shorter than a window
    chorale = [[(i, 1)] * 8 for i in range(9)] + [once, once]  # 11 windows, the 2 kept are under a quarter
    assert count_windows(chorale) == [] and count_windows(chorale, coverage=0.1) == [[2, [[2, 5]] * 8]]
    assert count_windows([[(0, 1)] * 3 + [None] + [(0, 1)] * 8], min_count=1) == [[1, [[0, 1]] * 8]]


def test_a_drawn_plan_is_in_the_asked_key_and_mode_and_covers_the_bars():
    plans = {"pop": {"major": [[3, [[0, _bits(0, 4, 7)], [7, _bits(7, 11, 2)]] * 4]],
                     "minor": [[1, [[0, _bits(0, 3, 7)]] * 8]]}}
    gen = np.random.default_rng(1)
    chart = draw_plan(plans, "pop", Key(2, "major"), 12, gen)  # D major: D | A | D | A ...
    assert len(chart) == 12
    assert chart[0] == (2, _bits(2, 6, 9)) and chart[1] == (9, _bits(9, 1, 4)) and chart[8] == chart[0]
    assert draw_plan(plans, "pop", Key(9, "minor"), 2, gen) == [(9, _bits(9, 0, 4))] * 2  # A minor
    assert draw_plan(plans, "pop", None, 4, gen) is None
    assert draw_plan(plans, "rock", Key(0, "major"), 4, gen) is None
    assert draw_plan({"pop": {"major": plans["pop"]["major"]}}, "pop", Key(0, "minor"), 4, gen) is None


def test_the_harmony_of_a_plan_pulls_chord_tones_and_the_root_more():
    h = plan_harmony([(0, _bits(0, 4, 7)), (9, _bits(9, 0, 4))], TPB, tone=1.5, root=2.0)
    assert h.shape == (2, TPB, 12) and h.dtype == np.float32
    assert {int(pc): float(h[0, 0, pc]) for pc in np.flatnonzero(h[0, 0])} == {0: 3.5, 4: 1.5, 7: 1.5}
    assert {int(pc): float(h[1, 0, pc]) for pc in np.flatnonzero(h[1, 0])} == {9: 3.5, 0: 1.5, 4: 1.5}
    assert {int(pc): float(h[1, 40, pc]) for pc in np.flatnonzero(h[1, 40])} == {9: 1.5, 0: 1.5, 4: 1.5}
    assert plan_weights({"bass": {"tone": 2, "root": 1}}) == {"bass": (2.0, 1.0)}
    assert plan_weights(None) == {}
    with pytest.raises(ValueError, match="plan_prior chords root must be from 0 to 10"):
        plan_weights({"chords": {"root": -1}})


def _downbeat_on_root(clips, chart) -> float:
    hits = total = 0
    for c in clips:
        for n in c.notes:
            if abs(n.start % 4) < 1e-9:
                total += 1
                hits += n.pitch % 12 == chart[int(n.start // 4)][0]
    return hits / total


@pytest.mark.skipif(not (SHIPPED / "config.json").is_file(), reason="no shipped transformer")
def test_the_shipped_transformer_plays_a_bass_over_a_plan_it_is_given():
    engine = load_model(SHIPPED)
    c = engine.composer
    # an 8-bar chart the model would not choose alone in C major: vi | ii | V | iii, twice
    window = [[9, _bits(9, 0, 4)], [2, _bits(2, 5, 9)], [7, _bits(7, 11, 2)], [4, _bits(4, 7, 11)]] * 2
    c.plans = {"rock": {"major": [[1, window]]}}
    # The plan alone: the shipped repeat prior pulls a bass back onto its last note at a chord change
    # (downbeats on the chart's roots with the plan 0.31 beside it, 0.58 without; docs/MODEL.md, ninth session).
    c.repeat_pulls = {}
    c.tonal_w = {}  # nor the shipped tonal prior, which the part without a chart leans on: the chart's pull alone
    c.onset_w = {}  # (and fit 0 below turns the shipped onset prior off too)
    chart = [tuple(x) for x in window]

    def bass(weights):
        c.plan_weights = plan_weights(weights)
        req = Request(operation="generate", role="bass", style="rock", key=Key(0, "major"), bars=8, seed=5,
                      variations=4, given={"style", "key", "bars", "seed", "variations"})
        return engine.run(req, None, lambda f: None)

    off, on = bass(None), bass({"bass": {"tone": 2.0, "root": 2.0}})
    assert all(len(x.notes) and x.length == 32 for x in off + on)
    assert _downbeat_on_root(on, chart) >= _downbeat_on_root(off, chart) + 0.3, \
        (_downbeat_on_root(on, chart), _downbeat_on_root(off, chart))
    zero = engine.run(Request(operation="generate", role="bass", style="rock", key=Key(0, "major"), bars=8, seed=5,
                              variations=4, fit=0.0, given={"style", "key", "bars", "seed", "variations", "fit"}),
                      None, lambda f: None)
    assert [x.notes for x in zero] == [x.notes for x in off]  # fit 0: the model alone, nothing drawn


def test_generate_takes_fit_on_the_wire_within_its_range():
    from bridge.errors import BadRequest
    from bridge.music.request import parse_request

    req = parse_request("generate", ["role", "bass", "style", "rock", "key", "C major", "fit", 0.5], ("rock",))
    assert req.fit == 0.5 and "fit" in req.given
    with pytest.raises(BadRequest, match="fit must be from 0 \\(the model alone\\) to 2"):
        parse_request("generate", ["role", "bass", "fit", 3.0], ("rock",))
