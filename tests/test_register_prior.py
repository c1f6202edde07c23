"""The register prior (constraints.register_bias): a new part whose request leaves the range open
leans toward its style's register in training (trainkit.register_band). Answers known by hand,
then the shipped Transformer asked for a country bass with the prior off and on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.constraints import register_bias, register_weights
from bridge.engines.registry import load_model
from bridge.engines.trainkit import register_band
from bridge.music.request import Request
from bridge.music.theory import Key

from made_data import made_dataset

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "transformer"


def test_the_bias_grows_a_semitone_at_a_time_outside_the_band_and_touches_only_pitches():
    b = register_bias([40, 50], 0.5)
    assert b.shape == (V.VOCAB_SIZE,) and b.dtype == np.float32
    at = {p: float(b[V.PITCH_OFFSET + p]) for p in (36, 39, 40, 45, 50, 52, 62)}
    assert at == {36: -2.0, 39: -0.5, 40: 0.0, 45: 0.0, 50: 0.0, 52: -1.0, 62: -6.0}
    outside = np.ones(V.VOCAB_SIZE, dtype=bool)
    outside[V.PITCH_OFFSET:V.PITCH_OFFSET + 128] = False
    assert not b[outside].any()  # BAR, POS, DUR, VEL untouched
    assert not register_bias(None, 0.5).any() and not register_bias([40, 50], 0.0).any()


def test_weights_are_checked_when_the_model_loads():
    assert register_weights({"bass": 0.5, "melody": 0}) == {"bass": 0.5}
    assert register_weights(None) == {}
    for bad in (-0.1, 5):
        with pytest.raises(ValueError, match="register_prior bass must be from 0 to 4"):
            register_weights({"bass": bad})


def test_the_band_is_each_style_and_roles_pooled_pitch_quantiles():
    # rock bass: 100 notes from E1 (28) to G3 (55) evenly; a chorale melody of 60 notes at C5 (72); drums skipped
    made = [("bass", 1, list(np.linspace(28, 55, 100).round().astype(int))), ("melody", 0, [72] * 60),
            ("drums", 1, [36, 38] * 40), ("bass", 0, [40] * 10)]  # 10 notes: too few for a band
    ds = made_dataset([({"role": role, "style": style}, [(12 * j, 12, int(p), 80) for j, p in enumerate(pitches)])
                       for role, style, pitches in made], ["baroque-chorale", "rock"])
    bands = register_band(ds, np.arange(len(made)), share=0.1)
    assert bands == {"bass": {"rock": [31, 52]}, "melody": {"baroque-chorale": [72, 72]}}


def _outside(clips, band) -> float:
    p = np.array([n.pitch for c in clips for n in c.notes])
    return float(((p < band[0]) | (p > band[1])).mean())


@pytest.mark.skipif(not (SHIPPED / "config.json").is_file(), reason="no shipped transformer")
def test_the_shipped_transformer_keeps_a_country_bass_in_the_styles_register():
    engine = load_model(SHIPPED)
    c = engine.composer
    band = [31, 49]  # country bass in training: G1 to C#3 (3% of notes either side)
    c.register_band = {"bass": {"country": band}}

    def bass(weights, **asked):
        c.register_w = register_weights(weights)
        req = Request(operation="generate", role="bass", style="country", key=Key(7, "major"), bars=4, seed=2,
                      variations=6, given={"style", "key", "bars", "seed", "variations", *asked}, **asked)
        return engine.run(req, None, lambda f: None)

    off, on = bass(None), bass({"bass": 1.0})
    assert all(len(x.notes) and x.length == 16 for x in off + on)
    assert _outside(on, band) <= _outside(off, band) - 0.15, (_outside(on, band), _outside(off, band))
    # a range the client asked for is the client's: the hard mask alone, as with the prior off
    ranged = dict(pitch_low=50, pitch_high=67)
    assert [x.notes for x in bass({"bass": 1.0}, **ranged)] == [x.notes for x in bass(None, **ranged)]
