"""The harmony prior of accompany (constraints.harmony_prior): a soft pull of the written part
toward the pitch classes its context sounds at each onset, and the chord's bass for a bass line.
Unit answers known by hand, then the decode loop on a tiny context-trained model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bridge.engines.decoding.harmony import harmony_prior, harmony_weights
from bridge.engines.registry import load_model
from bridge.evaluation import accompany_metrics as AM
from bridge.music.request import Request
from bridge.music.ticks import clip_ticks
from tests.test_accompany_engine import _window, tiny_acc, tiny_ds  # noqa: F401 (fixtures)

TPB = 48  # a 4/4 bar at 12 ticks a beat


def _chord(start: int, length: int, pitches) -> list:
    return [(start, length, p, 80) for p in pitches]


def test_each_tick_carries_the_sounding_pitch_classes_and_the_lowest_as_root():
    chords = np.array(_chord(0, TPB, (48, 52, 55)) + _chord(TPB, TPB, (57, 60, 64)))  # C major | A minor
    melody = np.array([(0, 12, 74, 90)])  # D5 over beat 1 of bar 1 only
    kick = np.array([(0, 3, 36, 100)])  # a drum note sounds no harmony
    h = harmony_prior([(False, chords), (False, melody), (True, kick)], TPB, 2, tone=1.0, root=2.0)
    assert h.shape == (2, TPB, 12) and h.dtype == np.float32
    assert {pc: float(h[0, 0, pc]) for pc in np.flatnonzero(h[0, 0])} == {0: 3.0, 2: 1.0, 4: 1.0, 7: 1.0}
    assert set(np.flatnonzero(h[0, 12])) == {0, 4, 7}  # the melody note has ended
    assert {pc: float(h[1, 5, pc]) for pc in np.flatnonzero(h[1, 5])} == {9: 3.0, 0: 1.0, 4: 1.0}
    assert h[0, 0, 1] == 0 and h[0, 0, 11] == 0  # nothing else is pulled


def test_chord_root_finds_triads_in_any_inversion_as_music21_does():
    from music21 import chord

    from bridge.music.theory import chord_root
    for tonic in range(12):
        for third in (3, 4):
            for lowest in (0, third, 7):
                pcs = np.zeros(12)
                pcs[[tonic, (tonic + third) % 12, (tonic + 7) % 12]] = 1
                want = chord.Chord([60 + tonic, 60 + tonic + third, 60 + tonic + 7]).root().pitchClass
                assert chord_root(pcs, (tonic + lowest) % 12) == want == tonic
    assert chord_root(np.eye(12)[5]) == 5 and chord_root(np.zeros(12)) is None


def test_a_lone_melody_implies_the_keys_triad_of_its_bar():
    from bridge.music.theory import Key
    melody = np.array([(0, 24, 69, 90), (24, 24, 72, 90), (TPB, TPB, 67, 90)])  # A C | G, in C major
    h = harmony_prior([(False, melody)], TPB, 2, tone=1.0, root=2.0, key=Key(0, "major"))
    # bar 1 weighs A and C: IV (F A C) and vi (A C E) hold both; IV comes first -> F major
    assert {pc: float(h[0, 5, pc]) for pc in np.flatnonzero(h[0, 5])} == {5: 3.0, 9: 1.0, 0: 1.0}
    # bar 2, G alone: I (C E G) holds it first
    assert {pc: float(h[1, 0, pc]) for pc in np.flatnonzero(h[1, 0])} == {0: 3.0, 4: 1.0, 7: 1.0}
    no_key = harmony_prior([(False, melody)], TPB, 2, tone=1.0, root=2.0)  # without a key: the note itself
    assert {pc: float(no_key[1, 0, pc]) for pc in np.flatnonzero(no_key[1, 0])} == {7: 3.0}


def test_silence_drums_alone_and_zero_weights_give_no_prior():
    chords = np.array(_chord(0, TPB, (48, 52, 55)))
    assert harmony_prior([(True, np.array([(0, 3, 36, 100)]))], TPB, 1, 1.0, 1.0) is None
    assert harmony_prior([(False, chords)], TPB, 1, 0.0, 0.0) is None
    assert harmony_prior([(False, np.zeros((0, 4)))], TPB, 1, 1.0, 1.0) is None
    h = harmony_prior([(False, chords)], TPB, 2, 1.0, 0.0)  # the second bar is silent
    assert h[0].any() and not h[1].any()


def test_weights_per_role_drums_never_and_out_of_range_refused():
    w = harmony_weights({"tone": 1.0, "bass": {"tone": 0.5, "root": 2.0}})
    assert w["melody"] == (1.0, 0.0, 0.0, 0.0, 0.0) and w["bass"] == (0.5, 2.0, 0.0, 0.0, 0.0)
    assert w["drums"] == (0.0,) * 5
    assert all(v == (0.0,) * 5 for v in harmony_weights(None).values())
    assert harmony_weights({"parallels": 3, "crossing": 2, "kick": 1})["bass"] == (0.0, 0.0, 3.0, 2.0, 1.0)
    with pytest.raises(ValueError, match="harmony_prior root must be from 0 to 10"):
        harmony_weights({"root": 11})


def _fit(engine, clips, weights) -> tuple[float, float]:
    """(harmony fit, downbeat root share) of 4 bass variations over melody + chords, prior `weights`."""
    from bridge.music.theory import Key
    engine.composer.harmony = harmony_weights(weights)
    ctx = [("melody", clips["melody"]), ("chords", clips["chords"])]
    out = engine.run(Request(operation="accompany", role="bass", context=ctx, seed=21, variations=4), None,
                     lambda f: None)
    pitched = [clip_ticks(c) for _, c in ctx]
    meter = clips["melody"].meter
    bar, beat = meter.ticks_per_bar, AM.beat_ticks(meter.numerator, meter.denominator)
    fits = [AM.harmony_fit(clip_ticks(c), pitched, beat) for c in out]
    roots = [AM.root_share(clip_ticks(c), pitched, clip_ticks(clips["melody"]), Key(0, "major"), bar, 4, beat)
             for c in out]
    return (float(np.mean([f for f in fits if f is not None])), float(np.mean([r for r in roots if r is not None])))


def test_the_prior_pulls_a_bass_onto_the_context_chords(tiny_acc, tiny_ds):  # noqa: F811
    engine = load_model(tiny_acc[0])
    _, clips = _window(tiny_ds, {"melody", "bass", "chords"})
    off = _fit(engine, clips, None)
    on = _fit(engine, clips, {"tone": 6.0, "bass": {"tone": 6.0, "root": 6.0}})
    assert on[0] > off[0] + 0.25 and on[0] >= 0.75, (on, off)  # onsets on sounding pitch classes
    assert on[1] > off[1] + 0.2, (on, off)  # bar lines on the chord's root


def test_harmonise_a_soprano_with_the_transformer_each_part_over_the_ones_before(tiny_acc, tiny_ds):  # noqa: F811
    engine = load_model(tiny_acc[0])
    _, clips = _window(tiny_ds, {"melody", "bass", "chords"})
    soprano = clips["melody"]
    req = Request(operation="accompany", role="band", parts=("bass", "chords"), context=[("melody", soprano)],
                  seed=8, variations=2, given={"roles", "seed", "variations"})
    out = engine.run(req, None, lambda f: None)
    assert len(out) == 4 and req.parts == ("bass", "chords")
    for c in out:
        assert c.meter == soprano.meter and c.length == soprano.length and not c.drums
    again = engine.run(replace(req, given=set(req.given)), None, lambda f: None)
    assert [c.notes for c in again] == [c.notes for c in out]  # a seed reproduces every part
    alone = engine.run(Request(operation="accompany", role="chords", context=[("melody", soprano)], seed=8,
                               given={"role", "seed"}), None, lambda f: None)[0]
    assert alone.notes != out[1].notes  # the chords of take 0 heard its bass: not the chords of the melody alone


def test_the_prior_moves_mass_among_pitches_only_and_only_near_the_models_best():
    import bridge.engines.decoding.vocab as V
    from bridge.engines.decoding.constraints import RegionSpec
    from bridge.engines.decoding.harmony import HARMONY_MARGIN, harmony_bias as _harmony_at

    class At:  # a row at bar 1, tick 0
        bars_done, pos = 1, 0

    h = harmony_prior([(False, np.array(_chord(0, TPB, (48, 52, 55))))], TPB, 1, tone=2.0, root=2.0)
    ids = np.array([V.POS_OFFSET + 12, V.PITCH_OFFSET + 36, V.PITCH_OFFSET + 38, V.PITCH_OFFSET + 72], dtype=np.int64)
    x = np.array([1.0, 0.0, 0.5, -HARMONY_MARGIN - 1.0], dtype=np.float32)  # C2, D2 near; C5 far below the best
    spec = RegionSpec(bars=1, tpb=TPB, pitches=np.ones(V.VOCAB_SIZE, bool), bias=np.zeros(V.VOCAB_SIZE, np.float32),
                      note_cap=8, bar_token_budget=64, harmony=h)
    b = _harmony_at(spec, At(), ids, x, None, -1)
    p0, p1 = np.exp(x) / np.exp(x).sum(), np.exp(x + b) / np.exp(x + b).sum()
    assert b[0] == 0 and p1[0] == pytest.approx(p0[0], rel=1e-5)  # moving on: as likely as the model said
    assert p1[1] > p0[1] and p1[2] < p0[2]  # C (the root) gains on D
    assert p1[3] < p0[3]  # the far C5 gets no pull (and gives up its share)


def test_parallel_fifths_and_octaves_with_a_context_line_are_penalised():
    from bridge.engines.decoding.harmony import context_lines, parallel_penalty
    soprano = np.array([(0, 12, 67, 80), (12, 12, 69, 80)])  # G4 -> A4
    chords = np.array(_chord(0, 24, (55, 59, 62)))  # a block chord: not a line
    lines = context_lines([(False, soprano), (False, chords), (True, np.array([(0, 3, 36, 99)]))], TPB, 1)
    assert lines.shape == (1, TPB) and lines[0, 0] == 67 and lines[0, 12] == 69 and lines[0, 30] == -1
    cand = np.array([43, 45, 41, 38, 50])  # from C3 (a fifth under G4): G2, A2, F2, D2, D3
    pen = parallel_penalty(lines, 48, 0, 12, cand, 3.0)  # C3 -> D3 under G4 -> A4 is fifths in parallel
    assert pen.tolist() == [0.0, 0.0, 0.0, 0.0, -3.0]  # D3 keeps the fifth moving up with it; D2 goes down
    assert parallel_penalty(lines, 48, 0, 12, cand, 0.0).tolist() == [0.0] * 5
    assert not parallel_penalty(lines, 52, 0, 12, cand, 3.0).any()  # E3 under G4: a third, free
    oct_ = parallel_penalty(lines, 55, 0, 12, np.array([57, 45, 53]), 2.0)  # G3 under G4: octaves to A
    assert oct_.tolist() == [-2.0, 0.0, 0.0]  # A3 follows in octaves; A2 goes down (contrary), F3 too


def test_a_bass_above_a_line_or_a_melody_below_one_is_penalised():
    from bridge.engines.decoding.harmony import context_lines, crossing_penalty
    lines = context_lines([(False, np.array([(0, 48, 60, 80)])), (False, np.array([(0, 24, 72, 80)]))], TPB, 1)
    cand = np.array([55, 60, 64, 76])
    assert crossing_penalty(lines, 0, cand, "bass", 2.0).tolist() == [0.0, 0.0, -2.0, -2.0]  # above C4
    assert crossing_penalty(lines, 0, cand, "melody", 2.0).tolist() == [-2.0, -2.0, -2.0, 0.0]  # under C5
    assert crossing_penalty(lines, 30, cand, "melody", 2.0).tolist() == [-2.0, 0.0, 0.0, 0.0]  # C5 has ended
    assert not crossing_penalty(lines, 0, cand, "chords", 2.0).any()


def test_kick_onsets_move_where_a_bass_starts_not_how_often():
    import bridge.engines.decoding.vocab as V
    from bridge.engines.decoding.constraints import RegionSpec
    from bridge.engines.decoding.harmony import kick_onsets
    from bridge.engines.decoding.harmony import onset_bias as _onsets_at

    beat = np.array([(0, 3, 36, 100), (6, 3, 42, 80), (24, 3, 35, 100), (12, 3, 38, 90)])
    k = kick_onsets([(True, beat), (False, np.array([(0, 12, 60, 80)]))], TPB, 1, 2.0)
    assert np.flatnonzero(k[0]).tolist() == [0, 24] and k[0, 0] == 2.0
    assert kick_onsets([(False, np.array([(0, 12, 36, 80)]))], TPB, 1, 2.0) is None  # a pitched C2 is no kick

    class At:
        bars_done, pos = 1, 12

    spec = RegionSpec(bars=1, tpb=TPB, pitches=np.ones(V.VOCAB_SIZE, bool), bias=np.zeros(V.VOCAB_SIZE, np.float32),
                      note_cap=8, bar_token_budget=64, onsets=k)
    ids = np.array([V.BAR, V.POS_OFFSET + 18, V.POS_OFFSET + 24, V.PITCH_OFFSET + 40], dtype=np.int64)
    x = np.array([0.5, 0.2, 0.0, -1.0], dtype=np.float32)
    b = _onsets_at(spec, At(), ids, x)
    p0, p1 = np.exp(x) / np.exp(x).sum(), np.exp(x + b) / np.exp(x + b).sum()
    assert p1[0] == pytest.approx(p0[0], rel=1e-5) and p1[3] == pytest.approx(p0[3], rel=1e-5)
    assert p1[2] > p0[2] and p1[1] < p0[1]  # the kick's tick gains on the one beside it


def test_fit_scales_the_prior_and_fit_0_is_the_model_alone(tiny_acc, tiny_ds):  # noqa: F811
    engine = load_model(tiny_acc[0])
    _, clips = _window(tiny_ds, {"melody", "bass", "chords"})
    ctx = [("melody", clips["melody"]), ("chords", clips["chords"])]

    def bass(weights, **kw):
        engine.composer.harmony = harmony_weights(weights)
        req = Request(operation="accompany", role="bass", context=ctx, seed=31, variations=2, **kw)
        return [c.notes for c in engine.run(req, None, lambda f: None)]

    strong = {"tone": 4.0, "bass": {"tone": 4.0, "root": 4.0, "parallels": 3.0, "crossing": 3.0, "kick": 2.0}}
    assert bass(strong, fit=0.0) == bass(None)  # no pull at all
    assert bass(strong, fit=1.0) != bass(None) and bass(strong, fit=2.0) != bass(strong, fit=1.0)
