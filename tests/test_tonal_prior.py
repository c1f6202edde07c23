"""The tonal prior (plan.tonal_harmony): a part written alone leans, at the beats, on how often its
role's training notes took each degree of their key (trainkit.tonal_profile). Answers known by
hand, then the shipped Transformer asked for a blues bass in E minor, a key its training blues bass
lines never played, with the prior off and on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bridge.engines.decoding.plan import beat_ticks, tonal_harmony, tonal_weights
from bridge.engines.registry import load_model
from bridge.engines.trainkit import tonal_profile
from bridge.music.request import Request
from bridge.music.theory import Key, Meter

from made_data import made_dataset

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "transformer"
E, B, G = 4, 11, 7
HALF = [0.5] + [0.5 / 11] * 11  # half the notes on the tonic, the rest spread evenly
FIFTH = [0.5 / 11] * 7 + [0.5] + [0.5 / 11] * 4  # half on the fifth


def test_the_downbeat_leans_on_the_downbeat_profile_the_beats_on_theirs_and_between_is_free():
    h = tonal_harmony(Key(E, "minor"), Meter(4, 4), 2, 2.0, {"minor": {"down": HALF, "beat": FIFTH}})
    assert h.shape == (2, 48, 12) and h.dtype == np.float32
    lift = 2.0 * (np.log(0.5) - np.log(0.5 / 11)) * 11 / 12  # 2 x (log p - mean log p) at the favoured degree
    assert h[0, 0, E] == pytest.approx(lift, rel=1e-5) and h[0, 0].argmax() == E
    assert h[0, 12, B] == pytest.approx(lift, rel=1e-5) and h[0, 12].argmax() == B  # beats 2-4: the fifth
    assert np.allclose(h[0, 24], h[0, 12]) and np.allclose(h[1], h[0])
    assert abs(h[0, 0].sum()) < 1e-4  # centred: the prior reorders the pitches, it adds nothing
    off_beat = np.ones(48, dtype=bool)
    off_beat[::12] = False
    assert not h[:, off_beat].any()  # eighths and sixteenths between the beats: free
    assert tonal_harmony(Key(E, "major"), Meter(4, 4), 2, 2.0, {"minor": {"down": HALF, "beat": FIFTH}}) is None


def test_compound_and_cut_time_lean_on_their_own_beats():
    assert (beat_ticks(Meter(6, 8)), beat_ticks(Meter(2, 2)), beat_ticks(Meter(3, 4)), beat_ticks(Meter(7, 8))) == (18, 24, 12, 6)
    six = tonal_harmony(Key(2), Meter(6, 8), 1, 1.0, {"major": {"down": HALF, "beat": FIFTH}})
    assert six.shape == (1, 36, 12) and six[0, 18].argmax() == 9 and not six[0, 12].any() and not six[0, 6].any()


def test_no_key_weight_or_profile_is_no_prior_and_weights_are_checked_when_the_model_loads():
    prof = {"major": {"down": HALF, "beat": HALF}}
    assert tonal_harmony(None, Meter(4, 4), 4, 2.0, prof) is None
    assert tonal_harmony(Key(0), Meter(4, 4), 4, 0.0, prof) is None
    assert tonal_harmony(Key(0), Meter(4, 4), 4, 2.0, None) is None
    assert tonal_weights({"bass": 1.5, "melody": 0}) == {"bass": 1.5}
    assert tonal_weights(None) == {}
    for bad in (-0.5, 5):
        with pytest.raises(ValueError, match="tonal_prior bass must be from 0 to 4"):
            tonal_weights({"bass": bad})


def test_the_profile_counts_each_roles_degrees_at_the_downbeat_and_the_beats():
    # an E minor bass: bar lines on E, beats 2-4 on B, an eighth off the beat on G (not counted);
    # a D major melody in 6/8: its downbeat on D, its second beat (tick 18) on A; drums skipped
    bass = [(48 * b + t, 6, p, 80) for b in range(4) for t, p in ((0, 40), (12, 47), (24, 47), (36, 47), (42, 43))]
    tune = [(36 * b + t, 6, p, 80) for b in range(2) for t, p in ((0, 62), (12, 66), (18, 69))]
    made = [("bass", E, "minor", (4, 4), bass), ("melody", 2, "major", (6, 8), tune),
            ("drums", 0, "major", (4, 4), [(0, 3, 36, 90)])]
    ds = made_dataset([({"role": role, "tonic": tonic, "mode": mode, "meter_num": num, "meter_den": den}, rows)
                       for role, tonic, mode, (num, den), rows in made], ["rock"])
    prof = tonal_profile(ds, np.arange(len(made)))
    near = lambda x: pytest.approx(x, rel=1e-3)  # noqa: E731 (stored to 4 significant digits)
    assert set(prof) == {"bass", "melody"} and set(prof["bass"]) == {"minor"}
    down, beat = np.array(prof["bass"]["minor"]["down"]), np.array(prof["bass"]["minor"]["beat"])
    assert down[0] == near(5 / 16) and down[1] == near(1 / 16)  # 4 tonics, add-one smoothed
    assert beat[7] == near(13 / 24) and beat[3] == near(1 / 24)  # 12 fifths; the off-beat G not counted
    tune_beat = np.array(prof["melody"]["major"]["beat"])
    assert tune_beat[7] == near(3 / 14) and tune_beat[4] == near(1 / 14)  # A at tick 18; F# at 12 is no beat


def _downbeat_tonic_or_fifth(clips, key: Key) -> float:
    pcs = {key.tonic, (key.tonic + 7) % 12}
    down = [n.pitch % 12 in pcs for c in clips for n in c.notes if n.start % 4 == 0]
    return float(np.mean(down)) if down else 0.0


@pytest.mark.skipif(not (SHIPPED / "config.json").is_file(), reason="no shipped transformer")
def test_the_shipped_transformer_puts_a_blues_bass_in_e_minor_on_e_and_b():
    engine = load_model(SHIPPED)
    c = engine.composer
    assert set(c.tonal_profile) == {"bass", "chords", "keys", "melody"}  # written from the training data
    key = Key(E, "minor")  # the training blues bass lines are all in major keys: the model drifts to G
    c.onset_w = {}  # the tonal prior alone (fit 0 below turns the shipped onset prior off too)

    def bass(weights, **asked):
        c.tonal_w = tonal_weights(weights)
        req = Request(operation="generate", role="bass", style="blues", key=key, bars=4, seed=3, variations=6,
                      given={"style", "key", "bars", "seed", "variations", *asked}, **asked)
        return engine.run(req, None, lambda f: None)

    off, on = bass(None), bass({"bass": 2.0})
    assert all(len(x.notes) and x.length == 16 for x in off + on)
    assert _downbeat_tonic_or_fifth(on, key) >= _downbeat_tonic_or_fifth(off, key) + 0.15, \
        (_downbeat_tonic_or_fifth(on, key), _downbeat_tonic_or_fifth(off, key))
    # fit 0 on generate writes the part without it: the same notes as with the prior off
    assert [x.notes for x in bass({"bass": 2.0}, fit=0.0)] == [x.notes for x in off]
