"""The shipped groove model (models/groove): the answer keeps pitches, note count and length and
moves only onsets and velocities; amount 0 returns the clip; swing 1 puts off-beat eighths on the
triplet point; seeds reproduce; no note leaves the clip; other operations are refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MODELS

from bridge.errors import BadRequest, NoClip
from bridge.engines.groove.engine import MIN_DURATION
from bridge.engines.groove.runtime import OrtBackend
from bridge.engines.registry import load_model
from bridge.music.clip import Clip, Note
from bridge.music.grid import swing_ratio
from bridge.music.request import parse_request


@pytest.fixture(scope="module")
def engine():
    return load_model(MODELS / "groove")


def beat(bars=8) -> Clip:
    """An 8-bar rock beat: eighth hats, kick on 1 and 3, snare on 2 and 4, all at velocity 100."""
    notes = []
    for b in range(bars):
        notes += [Note(4 * b + e / 2, 42, 0.25, 100) for e in range(8)]
        notes += [Note(4 * b + q, 36 if q % 2 == 0 else 38, 0.25, 100) for q in range(4)]
    return Clip(notes, 4.0 * bars)


def run(engine, clip, *args):
    req = parse_request("groove", list(args), styles=engine.info.styles)
    req.seed = req.seed if req.seed is not None else 5
    return engine.run(req, clip, lambda f: None)


def test_serves_onnx_without_torch_and_advertises_groove(engine):
    assert isinstance(engine.backend, OrtBackend) and engine.operations == ("groove",)
    assert "drums" in engine.info.roles and engine.info.extra["default_style"] in engine.info.styles


def test_the_answer_keeps_pitches_count_and_length_and_moves_only_timing_and_velocity(engine):
    clip = beat()
    out = run(engine, clip, "seed", 3)[0]
    assert len(out.notes) == len(clip.notes) and out.length == clip.length and out.meter == clip.meter
    assert sorted(n.pitch for n in out.notes) == sorted(n.pitch for n in clip.notes)
    moved = sorted(out.notes, key=lambda n: (round(n.start * 4), n.pitch))
    for a, b in zip(sorted(clip.notes, key=lambda n: (n.start, n.pitch)), moved):
        assert a.pitch == b.pitch and abs(a.start - b.start) < 0.125 and b.duration == pytest.approx(a.duration)
    assert any(abs(a.start - b.start) > 1e-4 for a, b in zip(sorted(clip.notes), moved))  # it does move notes
    vels = {n.velocity for n in out.notes}
    assert len(vels) > 3  # a flat beat comes back with dynamics
    assert np.mean([n.velocity for n in out.notes if n.pitch == 42]) < np.mean(
        [n.velocity for n in out.notes if n.pitch == 36])  # hats softer than kicks


def test_amount_zero_returns_the_clip_as_sent(engine):
    clip = beat(2)
    out = run(engine, clip, "amount", 0.0)[0]
    assert out.notes == sorted(clip.notes, key=lambda n: (n.start, n.pitch)) or out.notes == clip.notes


def test_swing_one_puts_off_beat_eighths_on_the_triplet_point(engine):
    clip = beat(2)
    only_swing = run(engine, clip, "amount", 0.0, "swing", 1.0)[0]
    hats = sorted(n.start for n in only_swing.notes if n.pitch == 42)
    assert hats[:4] == pytest.approx([0.0, 2 / 3, 1.0, 1 + 2 / 3])
    assert swing_ratio(hats) == pytest.approx(2.0)
    grooved = [sorted(n.start for n in run(engine, clip, "swing", s, "temperature", 0.05)[0].notes if n.pitch == 42)
               for s in (0.0, 1.0)]
    assert swing_ratio(grooved[1]) > swing_ratio(grooved[0]) + 0.5  # the model's feel does not undo the swing


def test_seeds_reproduce_and_differ(engine):
    clip = beat(2)
    a, b, c = (run(engine, clip, "seed", s)[0].notes for s in (7, 7, 8))
    assert a == b and a != c
    near = [run(engine, clip, "seed", s, "temperature", 0.05)[0].notes for s in (1, 2)]
    assert max(abs(x.start - y.start) for x, y in zip(*near)) < 0.01  # low temperature: near the mean
    assert len(run(engine, clip, "variations", 3)) == 3


def test_no_note_starts_before_zero_runs_past_the_end_or_shrinks_below_a_64th(engine):
    clip = Clip([Note(0.0, 36, 0.25, 100), Note(0.0, 42, 0.25, 100), Note(3.75, 42, 0.25, 100),
                 Note(3.9375, 46, 0.0625, 100)], 4.0)
    for seed in range(12):
        for n in run(engine, clip, "seed", seed, "temperature", 3.0)[0].notes:
            assert n.start >= 0 and n.end <= 4.0 + 1e-9 and n.duration >= MIN_DURATION - 1e-9


def test_other_operations_roles_and_styles_are_refused_clearly(engine):
    with pytest.raises(BadRequest, match="not one of groove: the groove engine only re-times"):
        engine.run(parse_request("generate", []), None, lambda f: None)
    with pytest.raises(NoClip, match="groove needs an uploaded clip with notes"):
        engine.run(parse_request("groove", []), Clip([], 4.0), lambda f: None)
    missing = next((r for r in ("melody", "bass", "chords", "keys") if r not in engine.info.roles), None)
    if missing:
        with pytest.raises(BadRequest, match="roles this groove model learnt"):
            run(engine, beat(1), "role", missing)
    with pytest.raises(BadRequest, match="unknown style 'polka-metal'"):
        run(engine, beat(1), "style", "polka-metal")
