"""The onset prior (plan.onset_profile_bias): a part written alone leans its onsets toward where its
style and role's training onsets fall in the bar (trainkit.onset_profile). Answers known by hand,
then the shipped Transformer asked for a blues bass with the prior off and on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bridge.engines.decoding.constraints import role_weights
from bridge.engines.decoding.plan import onset_profile_bias
from bridge.engines.registry import load_model
from bridge.engines.trainkit import onset_profile
from bridge.music.grid import on_grid
from bridge.music.request import Request
from bridge.music.theory import Key, Meter

from made_data import made_dataset

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "transformer"


def test_the_bias_is_the_centred_log_share_on_the_ticks_played_and_nothing_elsewhere():
    shares = np.zeros(48)
    shares[[0, 12, 24, 36]] = 0.2  # the beats
    shares[[6, 18, 30, 42]] = 0.05  # the eighths between them
    b = onset_profile_bias({"4/4": list(shares)}, Meter(4, 4), 3, 2.0)
    assert b.shape == (3, 48) and b.dtype == np.float32 and np.allclose(b[0], b[2])
    lift = 2.0 * (np.log(0.2) - np.log(0.05)) / 2  # the beats sit half the log gap above the mean
    assert b[0, 0] == pytest.approx(lift) and b[0, 6] == pytest.approx(-lift)
    assert not b[0, shares == 0].any()  # a tick no training onset took: left to the grid and the model
    assert abs(b[0].sum()) < 1e-5
    assert onset_profile_bias({"4/4": list(shares)}, Meter(2, 2), 1, 2.0) is None  # no profile for 2/2 bars
    assert onset_profile_bias(None, Meter(4, 4), 1, 2.0) is None
    assert onset_profile_bias({"4/4": list(shares)}, Meter(4, 4), 1, 0.0) is None


def test_weights_are_checked_when_the_model_loads():
    assert role_weights("onset_prior", {"bass": 0.6, "drums": 0}) == {"bass": 0.6}
    with pytest.raises(ValueError, match="onset_prior bass must be from 0 to 4"):
        role_weights("onset_prior", {"bass": 4.5})


def test_the_profile_counts_each_style_and_roles_onsets_on_the_grid():
    # 300 rock bass notes on beats 1 and 3 (ticks 0, 24), 100 on the "and" of 2 (18); a chorale
    # bass of 50 notes is under the 200 a profile needs; one off-grid onset (tick 1) is not counted
    rock = [(48 * b + t, 6, 40, 80) for b in range(100) for t in (0, 18, 24)] + [(1, 3, 40, 80)]
    chorale = [(12 * j, 12, 48, 80) for j in range(50)]
    ds = made_dataset([({"role": "bass", "style": style, "meter_num": 4, "meter_den": 4}, rows)
                       for style, rows in ((1, rock), (0, chorale))], ["baroque-chorale", "rock"])
    prof = onset_profile(ds, np.arange(2))
    assert list(prof) == ["bass"] and list(prof["bass"]) == ["rock"]
    shares = np.array(prof["bass"]["rock"]["4/4"])
    grid = sum(on_grid(t) for t in range(48))  # the add-one smoothing's ticks
    near = lambda x: pytest.approx(x, rel=1e-2)  # noqa: E731 (stored to 3 significant digits)
    assert shares[0] == near(101 / (300 + grid)) and shares[18] == near(101 / (300 + grid))
    assert shares[12] == near(1 / (300 + grid)) and shares[1] == 0.0  # a grid tick never played; off the grid


def _on_beats(clips) -> float:
    starts = np.array([round(n.start * 12) for c in clips for n in c.notes])
    return float(np.mean(starts % 12 == 0))


@pytest.mark.skipif(not (SHIPPED / "config.json").is_file(), reason="no shipped transformer")
def test_the_shipped_transformer_puts_more_of_a_blues_bass_on_the_beat_and_fit_0_turns_it_off():
    engine = load_model(SHIPPED)
    c = engine.composer
    assert "blues" in c.onset_profile.get("bass", {})  # written from the training data
    c.tonal_w = {}  # the onset prior alone (fit 0 below turns the shipped tonal prior off too)

    def bass(weights, **asked):
        c.onset_w = role_weights("onset_prior", weights)
        req = Request(operation="generate", role="bass", style="blues", key=Key(9, "minor"), bars=4, seed=1,
                      variations=8, given={"style", "key", "bars", "seed", "variations", *asked}, **asked)
        return engine.run(req, None, lambda f: None)

    off, on = bass(None), bass({"bass": 2.0})
    assert all(len(x.notes) and x.length == 16 for x in off + on)
    # training blues bass lines play on the beat (0.58 of their onsets); the model alone far less
    assert _on_beats(on) >= _on_beats(off) + 0.1, (_on_beats(on), _on_beats(off))
    assert [x.notes for x in bass({"bass": 2.0}, fit=0.0)] == [x.notes for x in off]
