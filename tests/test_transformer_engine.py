"""The Transformer engine called directly: every constraint holds, for the shipped model and for an
untrained one (the masks, not the training, guarantee bars, meter, key, range and grammar)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from bridge.music.clip import Clip, Note
from bridge.engines.registry import load_model
from bridge.engines.transformer.model import ModelConfig, MusicTransformer
from bridge.engines.decoding.tokenizer import TokenizerConfig
from bridge.engines.transformer.weights import save_weights
import bridge.engines.decoding.vocab as V
from bridge.errors import BadRequest, Cancelled, NoClip
from bridge.music.theory import parse_key
from bridge.music.request import parse_request

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "transformer"


def _untrained(folder: Path, runtime: str = "torch-int8") -> Path:
    torch.manual_seed(0)
    m = MusicTransformer(ModelConfig(vocab_size=V.VOCAB_SIZE, d_model=64, n_layers=2, n_heads=2, d_ff=128, max_len=1024))
    weights = save_weights(m, folder)
    TokenizerConfig(styles=["baroque-chorale", "irish-folk"]).save(folder / "tokenizer.json")
    config = {"engine": "transformer", "name": "untrained", "model": m.cfg.to_dict(), "weights": weights,
              "cpu_runtime": runtime}
    if runtime == "onnx-int8":
        from bridge.engines.transformer.tools.export import export_onnx

        export_onnx(m, folder / "model-int8.onnx", int8=True)
        config["onnx"] = "model-int8.onnx"
    (folder / "config.json").write_text(json.dumps(config))
    return folder


@pytest.fixture(scope="module", params=["untrained", "untrained-onnx", "shipped"])
def engine(request, tmp_path_factory):
    if request.param == "shipped":
        if not (SHIPPED / "config.json").is_file():
            pytest.skip("models/transformer is not there yet (the shipped model has not been trained)")
        return load_model(SHIPPED)
    if request.param == "untrained-onnx":
        pytest.importorskip("onnxruntime")
        eng = load_model(_untrained(tmp_path_factory.mktemp("untrained-onnx"), "onnx-int8"))
        assert eng.info.extra["runtime"] == "onnx-int8"
        return eng
    return load_model(_untrained(tmp_path_factory.mktemp("untrained")))


def run(engine, op, args, clip=None, **fields):
    req = parse_request(op, args, engine.info.styles)
    for k, v in fields.items():
        setattr(req, k, v)
    return engine.run(req, clip, lambda f: None)


def _check(clip: Clip, bars: int, bpb: float):
    clip.validate()
    assert clip.length == pytest.approx(bars * bpb)
    for n in clip.notes:
        assert 0 <= n.start < clip.length and n.end <= clip.length + 1e-9


@pytest.mark.parametrize("meter,bars", [("4/4", 4), ("3/4", 3), ("6/8", 5), ("7/8", 2)])
def test_generate_lasts_exactly_the_bars_of_the_meter(engine, meter, bars):
    clips = run(engine, "generate", ["bars", bars, "meter", meter, "seed", 3, "variations", 2])
    assert len(clips) == 2
    bpb = {"4/4": 4.0, "3/4": 3.0, "6/8": 3.0, "7/8": 3.5}[meter]
    for c in clips:
        _check(c, bars, bpb)
        assert str(c.meter) == meter


def test_hard_key_and_pitch_range(engine):
    clips = run(engine, "generate", ["bars", 4, "key", "D minor", "scale_lock", 1, "pitch_low", 60,
                                     "pitch_high", 72, "seed", 9, "variations", 3])
    scale = parse_key("D minor").pitch_classes
    for c in clips:
        assert c.notes, "a 4-bar melody with no notes"
        assert all(n.pitch % 12 in scale and 60 <= n.pitch <= 72 for n in c.notes)
        assert c.key == parse_key("D minor")


def test_same_seed_same_notes_and_variations_differ(engine):
    a = run(engine, "generate", ["bars", 4, "seed", 42, "variations", 3])
    b = run(engine, "generate", ["bars", 4, "seed", 42, "variations", 3])
    assert [c.notes for c in a] == [c.notes for c in b]
    assert len({tuple(c.notes) for c in a}) > 1
    assert run(engine, "generate", ["bars", 4, "seed", 43])[0].notes != a[0].notes


def test_long_requests_are_generated_in_segments(engine):
    c = run(engine, "generate", ["bars", 24, "seed", 1, "pitch_low", 48, "pitch_high", 84])[0]
    _check(c, 24, 4.0)
    assert all(48 <= n.pitch <= 84 for n in c.notes)


def test_drums(engine):
    c = run(engine, "generate", ["role", "drums", "bars", 2, "seed", 1])[0]
    _check(c, 2, 4.0)
    assert c.drums and c.key is None


SRC = Clip([Note(i * 0.5, [62, 64, 65, 67, 69, 67, 65, 64][i % 8], 0.5, 90) for i in range(32)], 16.0,
           key=parse_key("D minor"))


def test_continue_returns_the_continuation_alone(engine):
    clips = run(engine, "continue", ["bars", 2, "seed", 4, "variations", 2], SRC)
    for c in clips:
        _check(c, 2, 4.0)
        assert c.key == SRC.key  # the clip's key unless the request says otherwise


def test_infill_changes_only_the_asked_bars(engine):
    c = run(engine, "infill", ["seed", 5], SRC, start_bar=1, end_bar=3)[0]
    _check(c, 4, 4.0)
    outside = lambda clip: [n for n in clip.notes if n.start < 4.0 or n.start >= 12.0]  # noqa: E731
    assert outside(c) == outside(SRC)
    with pytest.raises(BadRequest, match="0 <= start_bar < end_bar <= 4"):
        run(engine, "infill", ["seed", 5], SRC, start_bar=3, end_bar=9)


def test_restyle_preserve_rhythm_keeps_onsets_and_durations(engine):
    c = run(engine, "restyle", ["strength", 1.0, "preserve", "rhythm", "seed", 6, "style", engine.info.styles[-1]], SRC)[0]
    _check(c, 4, 4.0)
    assert [(n.start, n.duration) for n in c.notes] == [(n.start, n.duration) for n in SRC.notes]
    assert [n.pitch for n in c.notes] != [n.pitch for n in SRC.notes]


def test_restyle_preserve_contour_keeps_the_shape(engine):
    c = run(engine, "restyle", ["strength", 1.0, "preserve", "contour", "seed", 7], SRC)[0]
    sign = lambda ps: [(b > a) - (b < a) for a, b in zip(ps, ps[1:])]  # noqa: E731
    assert sign([n.pitch for n in c.notes]) == sign([n.pitch for n in SRC.notes])


def test_restyle_strength_is_the_share_of_bars(engine):
    same = run(engine, "restyle", ["strength", 0.0, "seed", 1], SRC)[0]
    assert same.notes == SRC.notes
    half = run(engine, "restyle", ["strength", 0.5, "preserve", "none", "seed", 1], SRC)[0]
    _check(half, 4, 4.0)
    by_bar = lambda clip, b: [n for n in clip.notes if b * 4 <= n.start < b * 4 + 4]  # noqa: E731
    kept = sum(by_bar(half, b) == by_bar(SRC, b) for b in range(4))
    assert kept >= 2  # two of four bars regenerated, the others untouched


def test_bad_conditions_are_bad_requests(engine):
    with pytest.raises(BadRequest, match="this model knows"):
        engine.run(parse_request("generate", ["style", "dubstep"]), None, lambda f: None)
    with pytest.raises(NoClip):
        run(engine, "continue", ["bars", 2])
    with pytest.raises(BadRequest, match="meter 3/32 is not supported"):
        run(engine, "generate", ["meter", "3/32"])


def test_progress_is_reported_and_cancel_propagates(engine):
    seen = []
    engine.run(parse_request("generate", ["bars", 8, "seed", 1]), None, seen.append)
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)

    def cancel(f):
        raise Cancelled("cancelled by the client")

    with pytest.raises(Cancelled):
        engine.run(parse_request("generate", ["bars", 8, "seed", 1]), None, cancel)


def test_velocities_are_shaped_inside_their_bins(engine):
    import numpy as np

    from bridge.engines.decoding.velocity import accent

    rows = np.array([[t, 6, 60, V.vel_value(b)] for b in range(V.N_VEL) for t in (0, 12, 18, 21)])
    shaped = accent(rows, 48)
    assert [V.vel_bin(v) for v in shaped[:, 3]] == [V.vel_bin(v) for v in rows[:, 3]]
    assert len(set(shaped[:4, 3])) == 4  # bar line, beat, eighth, sixteenth differ
    c = run(engine, "generate", ["bars", 4, "seed", 11, "key", "C major", *_played(engine, "melody")])[0]
    onsets = {round(n.start * 12) % 48 for n in c.notes}
    if len(onsets) > 1 and any(o % 12 for o in onsets):
        assert len({n.velocity for n in c.notes}) > 1


def _played(engine, role: str) -> list:
    """["style", S] for a style whose training clips of `role` were all played (none at one
    velocity), where the model's folder says so; else [] (a model without the profile accents all)."""
    flat = engine.config.get("flat_velocity", {}).get(role, {})
    return ["style", min(flat, key=lambda s: (flat[s], s))] if flat else []


@pytest.mark.parametrize("role", ["melody", "drums"])
def test_velocities_spread_as_played(engine, role):
    """Eight bars of a played style hold many velocities, not the three or four of the bin centres
    and accents, and a seed reproduces them."""
    args = ["role", role, "bars", 8, "seed", 21, *_played(engine, role)]
    c = run(engine, "generate", args)[0]
    assert len(c.notes) >= 16
    assert len({n.velocity for n in c.notes}) >= 8, sorted({n.velocity for n in c.notes})
    assert [n.velocity for n in run(engine, "generate", args)[0].notes] == [n.velocity for n in c.notes]


def test_a_notated_style_keeps_the_one_velocity_of_its_sources(engine):
    """Where every training clip of a style was at one velocity (notation), so is every clip of it."""
    flat = engine.config.get("flat_velocity", {}).get("melody", {})
    style = next((s for s, x in sorted(flat.items()) if x == 1.0), None)
    if style is None:
        pytest.skip("this model's folder has no flat_velocity profile")
    for seed in (1, 2, 3):
        c = run(engine, "generate", ["role", "melody", "bars", 4, "seed", seed, "style", style])[0]
        assert len(c.notes) >= 4 and len({n.velocity for n in c.notes}) == 1, (style, seed)


@pytest.mark.parametrize("role,meter", [("melody", "4/4"), ("chords", "3/4"), ("drums", "4/4"), ("bass", "6/8")])
def test_onsets_on_the_grid_and_lengths_at_least_a_sixteenth(engine, role, meter):
    from bridge.music.grid import DRUM_TICKS, MIN_TICKS, on_grid

    c = run(engine, "generate", ["role", role, "meter", meter, "bars", 4, "seed", 2, "variations", 2])
    for clip in c:
        assert clip.notes
        onsets = sorted({round(n.start * 12) for n in clip.notes})
        for n in clip.notes:
            start, dur, end = round(n.start * 12), round(n.duration * 12), round(clip.length * 12)
            assert abs(n.start * 12 - start) < 1e-6 and on_grid(start), n
            if role in ("melody", "bass"):  # a line is cut at its next onset (legato), never shorter
                end = min([o for o in onsets if o > start] + [end])
            shortest = min(DRUM_TICKS if role == "drums" else MIN_TICKS, end - start)
            assert dur == shortest if role == "drums" else dur >= shortest, n


def test_guidance_keeps_every_guarantee_and_scale_one_changes_nothing(engine):
    """With guidance on, each variation is decoded beside its unconditional twin: the answer still
    lasts exactly its bars, keeps the hard key and range, and a seed still reproduces it; at scale
    1 the answer is the plain conditioned one, note for note."""
    args = ["bars", 4, "style", engine.info.styles[0], "key", "D minor", "scale_lock", 1, "pitch_low", 50,
            "pitch_high", 80, "seed", 5, "variations", 3]
    saved = engine.composer.guidance
    try:
        engine.composer.guidance = None  # plain conditioning: as a model trained without guidance
        plain = run(engine, "generate", args)
        engine.composer.guidance = 2.0  # a model trained for guidance, with 2 as its default
        assert [c.notes for c in run(engine, "generate", args + ["guidance", 1.0])] == [c.notes for c in plain]
        guided = run(engine, "generate", args)
        again = run(engine, "generate", args)
    finally:
        engine.composer.guidance = saved
    assert [c.notes for c in guided] == [c.notes for c in again]
    assert [c.notes for c in guided] != [c.notes for c in plain]
    scale = parse_key("D minor").pitch_classes
    for c in guided:
        _check(c, 4, 4.0)
        assert all(n.pitch % 12 in scale and 50 <= n.pitch <= 80 for n in c.notes)


def test_a_model_without_guidance_ignores_the_key(engine):
    saved = engine.composer.guidance
    try:
        engine.composer.guidance = None
        a = run(engine, "generate", ["bars", 2, "seed", 8])
        b = run(engine, "generate", ["bars", 2, "seed", 8, "guidance", 3.0])
    finally:
        engine.composer.guidance = saved
    assert [c.notes for c in a] == [c.notes for c in b]


def test_the_model_default_temperature_applies_unless_the_request_names_one(engine):
    """config.json's `temperature` is the model's tuned default: a request that names none is
    decoded at it (the same notes as naming it), one that names a temperature gets that."""
    args = ["bars", 2, "seed", 11, "variations", 2]
    saved = engine.config.get("temperature")
    try:
        engine.config["temperature"] = 1.4
        default = run(engine, "generate", args)
        named = run(engine, "generate", args + ["temperature", 1.4])
        plain = run(engine, "generate", args + ["temperature", 1.0])
        engine.config.pop("temperature")
        unset = run(engine, "generate", args)
    finally:
        engine.config.pop("temperature", None)
        if saved is not None:
            engine.config["temperature"] = saved
    assert [c.notes for c in default] == [c.notes for c in named]
    assert [c.notes for c in unset] == [c.notes for c in plain] != [c.notes for c in default]
