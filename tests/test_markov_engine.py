"""The Markov engine on a model trained here from real music (tests/test_markov_support.py)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from test_markov_support import tiny_dataset_path, tiny_model_path
from tools import need, needs

from bridge.music.clip import Clip, Note
from bridge.data.dataset import Dataset
from bridge.engines.registry import load_model
from bridge.errors import BadRequest
from bridge.music.theory import Key, parse_key
from bridge.music.request import parse_request


# Without mma the tiny dataset has no drums and no rock, swing or waltz clips: the tests that ask
# for them skip, naming the package, instead of failing on a model that never saw them.
GROOVES = "the tiny dataset's drums and its rock, swing and waltz clips are rendered from MMA grooves"


@pytest.fixture
def grooves():
    need("mma", why=GROOVES)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return load_model(tiny_model_path(tmp_path_factory))


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return Dataset.load(tiny_dataset_path(tmp_path_factory))


def run(engine, op, args, clip=None, **fields):
    req = parse_request(op, list(args), engine.info.styles)
    for k, v in fields.items():
        setattr(req, k, v)
    return engine.run(req, clip, lambda f: None)


def wire(clip):
    return [n.as_wire() for n in clip.notes]


def real_clip(ds, role, split="test"):
    return ds.clip(next(i for i in ds.indices(split) if ds.labels(i)["role"] == role))


def assert_exact(clip, bars, meter="4/4"):
    clip.validate()
    assert str(clip.meter) == meter
    assert clip.length == pytest.approx(bars * clip.meter.beats_per_bar)
    assert clip.notes, "an empty clip"
    for n in clip.notes:
        assert 0 <= n.start < clip.length and n.end <= clip.length + 1e-9


def test_loads_fast_and_describes_itself(tmp_path_factory, grooves):
    folder = tiny_model_path(tmp_path_factory)
    config = json.loads((folder / "config.json").read_text())
    t0 = time.perf_counter()
    eng = load_model(folder)
    assert time.perf_counter() - t0 < 0.5
    assert config["engine"] == "markov" and eng.info.engine == "markov"
    assert eng.info.device == "cpu" and eng.info.quantization == "none"
    assert {"melody", "bass", "chords", "drums"} <= set(eng.info.roles)
    assert {"baroque-chorale", "irish-folk", "rock"} <= set(eng.info.styles)
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.pt"))
    assert all(p.stat().st_size <= 16 * 2**20 for p in folder.iterdir())


@pytest.mark.parametrize("role,meter,bars", [
    ("melody", "4/4", 8), ("melody", "3/4", 4), ("melody", "6/8", 3), ("bass", "5/4", 2),
    ("chords", "4/4", 4), pytest.param("drums", "4/4", 2, marks=needs("mma", why=GROOVES)),
    pytest.param("drums", "3/4", 4, marks=needs("mma", why=GROOVES)), ("chords", "7/8", 3),
])
def test_generate_honours_bars_and_meter(engine, role, meter, bars):
    out = run(engine, "generate", ["role", role, "meter", meter, "bars", bars, "seed", 7, "variations", 3])
    assert len(out) == 3
    for clip in out:
        assert_exact(clip, bars, meter)
        assert clip.drums == (role == "drums")


def test_seed_reproduces_and_variations_differ(engine):
    args = ["bars", 4, "style", "irish-folk", "seed", 42, "variations", 3]
    a, b = run(engine, "generate", args), run(engine, "generate", args)
    assert [wire(c) for c in a] == [wire(c) for c in b]
    assert len({tuple(wire(c)) for c in a}) == 3
    c = run(engine, "generate", ["bars", 4, "style", "irish-folk", "seed", 43])
    assert wire(c[0]) != wire(a[0])
    unseeded = run(engine, "generate", ["bars", 2])
    assert_exact(unseeded[0], 2)


@pytest.mark.parametrize("role", ["melody", "bass", "chords"])
@pytest.mark.parametrize("key", ["C major", "F# minor", "Eb major", "B minor"])
def test_scale_lock_is_a_hard_mask(engine, role, key):
    k = parse_key(key)
    out = run(engine, "generate", ["role", role, "key", key, "scale_lock", 1, "bars", 4, "seed", 3,
                                   "variations", 2, "temperature", 2.0])
    for clip in out:
        assert clip.key == k
        assert all(n.pitch % 12 in k.pitch_classes for n in clip.notes)


@pytest.mark.parametrize("role,low,high", [("melody", 60, 67), ("bass", 36, 48), ("chords", 55, 79), ("melody", 90, 100)])
def test_pitch_range(engine, role, low, high):
    out = run(engine, "generate", ["role", role, "pitch_low", low, "pitch_high", high, "bars", 4, "seed", 1,
                                   "variations", 2])
    for clip in out:
        assert all(low <= n.pitch <= high for n in clip.notes)


def test_impossible_range_is_a_bad_request(engine):
    with pytest.raises(BadRequest, match="pitch_low"):
        run(engine, "generate", ["key", "C major", "scale_lock", 1, "pitch_low", 61, "pitch_high", 61, "seed", 1])


def test_velocities_are_modelled_not_fixed(engine, grooves):
    for role in ("melody", "drums"):
        clip = run(engine, "generate", ["role", role, "bars", 4, "seed", 5])[0]
        vels = [n.velocity for n in clip.notes]
        assert len(set(vels)) > 3 and all(1 <= v <= 127 for v in vels)


def test_density_knob_moves_the_note_count(engine):
    def count(d):
        return sum(len(c.notes) for c in run(engine, "generate", ["bars", 4, "density", d, "seed", 2, "variations", 6]))
    assert count(1.0) > 1.5 * count(0.0)


def test_defaults_when_conditions_are_missing(engine, grooves):
    clip = run(engine, "generate", ["role", "drums", "seed", 9])[0]
    assert_exact(clip, 4)
    assert clip.key is None
    melody = run(engine, "generate", ["mood", "sad", "seed", 9])[0]
    assert melody.key is not None and melody.key.mode == "minor"


def test_bad_conditions(engine):
    with pytest.raises(BadRequest, match="baroque-chorale"):
        run(engine, "generate", ["seed", 1], style="polka")
    with pytest.raises(BadRequest, match="roles"):
        run(engine, "generate", ["role", "keys", "seed", 1])


def test_continue_starts_at_zero_in_the_clips_key(engine, ds):
    src = real_clip(ds, "melody")
    out = run(engine, "continue", ["bars", 4, "seed", 3, "variations", 2], clip=src)
    for clip in out:
        assert_exact(clip, 4)
        assert clip.key == src.key
    other = run(engine, "continue", ["bars", 2, "seed", 3, "key", "Ab major", "scale_lock", 1], clip=src)[0]
    assert other.key == Key(8, "major") and all(n.pitch % 12 in other.key.pitch_classes for n in other.notes)
    waltz = Clip([Note(0.0, 60, 1.0), Note(1.0, 64, 1.0), Note(2.0, 67, 1.0)], 3.0, parse_meter_("3/4"))
    assert_exact(run(engine, "continue", ["seed", 1, "bars", 2], clip=waltz)[0], 2, "3/4")


def parse_meter_(text):
    from bridge.music.theory import parse_meter

    return parse_meter(text)


@pytest.mark.parametrize("role", ["melody", "chords", "drums"])
def test_restyle_keeps_every_onset_and_duration(engine, ds, role, grooves):
    split = "val" if role == "drums" else "test"
    src = real_clip(ds, role, split)
    rhythm = sorted((n.start, n.duration) for n in src.notes)
    out = run(engine, "restyle", ["strength", 1.0, "seed", 4, "style", "swing", "key", "F major", "scale_lock", 1],
              clip=src)[0]
    assert sorted((n.start, n.duration) for n in out.notes) == rhythm
    assert out.length == src.length
    if role != "drums":
        assert all(n.pitch % 12 in Key(5).pitch_classes for n in out.notes)
        assert sorted(n.pitch for n in out.notes) != sorted(n.pitch for n in src.notes)


def test_restyle_strength_is_the_share_of_notes_redrawn(engine, ds):
    src = real_clip(ds, "melody")
    same = run(engine, "restyle", ["strength", 0.0, "seed", 4], clip=src)[0]
    assert wire(same) == wire(src)
    changed = []
    for strength in (0.25, 1.0):
        outs = run(engine, "restyle", ["strength", strength, "seed", 4, "variations", 4], clip=src)
        diffs = [sum(a.pitch != b.pitch for a, b in zip(sorted(src.notes), sorted(o.notes))) for o in outs]
        changed.append(np.mean(diffs) / len(src.notes))
    assert changed[0] <= 0.3 and changed[1] > changed[0]


def test_restyle_preserve_contour(engine, ds):
    src = real_clip(ds, "melody")
    out = run(engine, "restyle", ["strength", 1.0, "seed", 8, "preserve", "contour"], clip=src)[0]
    a, b = sorted(src.notes), sorted(out.notes)
    assert [np.sign(y.pitch - x.pitch) for x, y in zip(a, a[1:])] == [np.sign(y.pitch - x.pitch) for x, y in zip(b, b[1:])]


def test_restyle_preserve_none_regenerates_bars(engine, ds):
    src = real_clip(ds, "melody")
    out = run(engine, "restyle", ["strength", 1.0, "seed", 8, "preserve", "none"], clip=src)[0]
    assert_exact(out, 4)
    assert wire(out) != wire(src)


def test_infill_regenerates_only_the_asked_bars(engine, ds):
    src = real_clip(ds, "melody")
    outs = run(engine, "infill", ["seed", 6, "variations", 3], clip=src, start_bar=1, end_bar=3)
    lo, hi = 4.0, 12.0
    keep = [n.as_wire() for n in src.notes if n.start >= hi]
    for out in outs:
        assert_exact(out, 4)
        before = [n for n in out.notes if n.start < lo]
        assert [(n.pitch, n.start) for n in before] == [(n.pitch, n.start) for n in src.notes if n.start < lo]
        assert all(n.end <= lo + 1e-9 for n in before)
        assert [n.as_wire() for n in out.notes if n.start >= hi] == keep
    middles = {tuple(n.as_wire() for n in o.notes if lo <= n.start < hi) for o in outs}
    assert len(middles) == 3 and all(middles)
    with pytest.raises(BadRequest, match="start_bar"):
        run(engine, "infill", ["seed", 6], clip=src, start_bar=3, end_bar=3)


def test_validation_loss_is_finite(engine, ds):
    vl = engine.validation_loss(ds)
    assert vl["split"] == "val" and vl["events"] > 100
    assert 0 < vl["loss"] < 20


def test_generating_eight_bars_takes_milliseconds(engine):
    run(engine, "generate", ["bars", 8, "seed", 0])
    t0 = time.perf_counter()
    for seed in range(10):
        run(engine, "generate", ["bars", 8, "seed", seed])
    assert (time.perf_counter() - t0) / 10 < 0.05


def test_restyle_and_infill_need_a_clip(engine):
    from bridge.errors import NoClip

    for op in ("restyle", "infill"):
        with pytest.raises(NoClip):
            run(engine, op, ["seed", 1], clip=None, start_bar=0, end_bar=1)
    assert_exact(run(engine, "continue", ["seed", 1, "bars", 2], clip=None)[0], 2)


def test_an_uploaded_drum_clip_without_a_flag_is_taken_as_drums(engine, grooves):
    hits = [Note(b * 0.5, p, 0.1, 90) for b in range(16) for p in ((36, 42) if b % 4 == 0 else (38, 42) if b % 4 == 2 else (42,))]
    clip = Clip(hits, 8.0)  # drums=False, as a clip arrives over OSC
    out = run(engine, "infill", ["seed", 2], clip=clip, start_bar=0, end_bar=1)[0]
    assert out.drums and out.key is None
    assert all(n.duration <= 0.5 for n in out.notes)
