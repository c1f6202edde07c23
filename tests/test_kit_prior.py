"""The kit prior (plan.kit_table): a drum part written alone picks its kit pieces at each onset
the way its style's training bars play them at that tick (trainkit.kit_profile). Answers known by
hand, then the shipped Transformer asked for rock drums with the prior off and on."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bridge.engines.decoding.constraints import role_weights
from bridge.engines.decoding.plan import kit_table
from bridge.engines.registry import load_model
from bridge.engines.trainkit import kit_profile
from bridge.music.request import Request
from bridge.music.theory import Meter

from made_data import made_dataset

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "transformer"
KICK, SNARE, HAT = 36, 38, 42


def test_the_next_piece_is_the_one_that_plays_with_every_piece_between_skipped():
    # at beat 2 (tick 12) every bar plays the snare and 0.9 the hat, 0.2 the kick
    prof = {"4/4": {str(KICK): [0.2] * 48, str(SNARE): [0.0] * 12 + [1.0] + [0.0] * 35, str(HAT): [0.9] * 48}}
    t = kit_table(prof, Meter(4, 4), 1.0)
    assert t.shape == (48, 128) and t.dtype == np.float32
    lg = lambda p: math.log(p)  # noqa: E731
    # after the kick, the hat comes next only if the snare (share 0.99, the floor's top) is skipped,
    # and keys 39 to 41, which no bar plays (share 0.01, the floor)
    assert t[12, SNARE] - t[12, HAT] == pytest.approx(lg(0.99) - (lg(0.9) + lg(0.01) + 3 * lg(0.99)), rel=1e-5)
    # at tick 6 no bar plays the snare: the hat is the piece after the kick
    assert t[6, HAT] > t[6, SNARE] + 3
    # a piece the style never plays sits at the floor, below each of its own
    assert t[12, 49] < t[12, HAT] and t[0, 49] < t[0, KICK]
    assert np.allclose(kit_table(prof, Meter(4, 4), 2.0), 2 * t)
    assert kit_table(prof, Meter(3, 4), 1.0) is None and kit_table(None, Meter(4, 4), 1.0) is None
    assert kit_table(prof, Meter(4, 4), 0.0) is None


def test_the_profile_is_the_share_of_bars_playing_each_piece_at_each_tick():
    # 80 rock bars: kick on 1 and 3, snare on 2 and 4, a hat on every eighth, and a crash on the
    # first bar only (1 of 80: under the 0.02 a piece needs); a 10-bar march is under the 64 bars
    bar = [(t, 1, KICK, 100) for t in (0, 24)] + [(t, 1, SNARE, 100) for t in (12, 36)]
    bar += [(t, 1, HAT, 80) for t in range(0, 48, 6)]
    rock = [(48 * b + t, d, p, v) for b in range(80) for t, d, p, v in bar] + [(0, 1, 49, 110)]
    march = [(48 * b, 1, SNARE, 90) for b in range(10)]
    ds = made_dataset([({"role": "drums", "style": 1, "meter_num": 4, "meter_den": 4, "bars": 80}, rock),
                       ({"role": "drums", "style": 0, "meter_num": 4, "meter_den": 4, "bars": 10}, march)],
                      ["march", "rock"])
    prof = kit_profile(ds, np.arange(2))
    assert list(prof) == ["rock"] and list(prof["rock"]) == ["4/4"]
    kit = prof["rock"]["4/4"]
    assert sorted(kit) == [str(KICK), str(SNARE), str(HAT)]
    assert kit[str(SNARE)][12] == 1.0 and kit[str(SNARE)][0] == 0.0 and kit[str(KICK)][24] == 1.0
    assert kit[str(HAT)][6] == 1.0 and kit[str(HAT)][3] == 0.0


def _backbeat(clips) -> float:
    hits = []
    for c in clips:
        snares = {round(n.start * 12) for n in c.notes if n.pitch in (37, 38, 39, 40)}
        hits += [all(48 * b + t in snares for t in (12, 36)) for b in range(round(c.length / 4))]
    return float(np.mean(hits))


def test_weights_are_checked_when_the_model_loads():
    assert role_weights("kit_prior", {"drums": 2.0, "bass": 0}) == {"drums": 2.0}
    with pytest.raises(ValueError, match="kit_prior drums must be from 0 to 4"):
        role_weights("kit_prior", {"drums": -1})


@pytest.mark.skipif(not (SHIPPED / "config.json").is_file(), reason="no shipped transformer")
def test_the_shipped_transformer_keeps_a_funk_backbeat_with_the_prior_and_fit_0_turns_it_off():
    engine = load_model(SHIPPED)
    c = engine.composer
    assert "funk" in c.kit_profile  # written from the training data

    def drums(weights, **asked):
        c.kit_w = role_weights("kit_prior", weights)
        req = Request(operation="generate", role="drums", style="funk", bars=4, seed=2, variations=8,
                      given={"style", "bars", "seed", "variations", *asked}, **asked)
        return engine.run(req, None, lambda f: None)

    off, on = drums(None), drums({"drums": 2.0})
    assert all(len(x.notes) and x.length == 16 for x in off + on)
    assert _backbeat(on) >= _backbeat(off) + 0.15, (_backbeat(on), _backbeat(off))
    assert [x.notes for x in drums({"drums": 2.0}, fit=0.0)] == [x.notes for x in off]
