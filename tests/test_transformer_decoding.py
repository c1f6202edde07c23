"""The decode loop's pieces on made-up inputs whose answer is known by hand: nucleus sampling on a
seeded numpy Generator, the grammar's candidates built once a state, and the masks they stand for."""

from __future__ import annotations

import numpy as np
import pytest

import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.constraints import (RegionSpec, RowState, contour_mask, grid_positions, key_bias,
                                                 pitch_mask)
from bridge.engines.decoding.sampling import decode_region, repeat_odds, repeat_pulls, repeat_target, top_p_sample
from bridge.errors import BadRequest
from bridge.music.grid import on_grid
from bridge.music.theory import parse_key


def _draws(logits, temperature=1.0, top_p=1.0, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    x = np.asarray(logits, dtype=np.float32)
    return [top_p_sample(x, temperature, top_p, rng) for _ in range(n)]


def test_top_p_keeps_the_smallest_head_that_reaches_the_mass():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    logits = np.log(p)
    assert set(_draws(logits, top_p=0.5)) == {0}  # the top token alone holds 0.5
    assert set(_draws(logits, top_p=0.7)) == {0, 1}  # 0.5 before token 1 is under 0.7: it stays
    assert set(_draws(logits, top_p=0.9)) == {0, 1, 2}
    assert set(_draws(logits, top_p=1.0)) == {0, 1, 2, 3}


def test_sampling_follows_the_distribution_and_the_seed():
    p = np.array([0.6, 0.3, 0.1])
    d = np.bincount(_draws(np.log(p), n=20000), minlength=3) / 20000
    assert np.abs(d - p).max() < 0.02
    assert _draws(np.log(p), seed=5) == _draws(np.log(p), seed=5)
    assert _draws(np.log(p), seed=5) != _draws(np.log(p), seed=6)


def test_temperature_sharpens_and_zero_probability_is_never_drawn():
    logits = np.array([2.0, 1.0, -1e4, 0.0], dtype=np.float32)
    assert set(_draws(logits, temperature=0.05)) == {0}
    assert 2 not in set(_draws(logits, temperature=3.0, n=5000))


def _spec(bars=2, tpb=48, drums=False, key=None, scale_lock=False, low=0, high=127):
    return RegionSpec(bars=bars, tpb=tpb, pitches=pitch_mask(low, high, key, scale_lock, drums),
                      bias=key_bias(key, scale_lock, drums), note_cap=16, bar_token_budget=120, drums=drums,
                      grid=grid_positions(tpb))


def test_candidates_are_the_mask_and_built_once_a_state():
    spec = _spec()
    a, b = RowState(spec), RowState(spec)
    for t in (V.BAR, V.pos_token(0), V.VEL_OFFSET + 4):
        assert np.array_equal(np.flatnonzero(a.allowed()), a.candidates()[0])
        a.push(t), b.push(t)
    ids, bias = a.candidates()
    assert ids is b.candidates()[0]  # a second row in the same state reuses the built array
    assert list(ids) == [V.pitch_token(p) for p in range(128)] and not bias.any()
    a.push(V.pitch_token(60))
    durs = a.candidates()[0] - V.DUR_OFFSET
    assert min(V.DURATIONS[i] for i in durs) == 3  # at least a sixteenth
    a.push(V.dur_token(12))
    ids = a.candidates()[0]
    pos = [t - V.POS_OFFSET for t in ids if V.POS_OFFSET <= t < V.PITCH_OFFSET]
    assert pos and min(pos) == 3  # the next grid point after the bar line
    assert all(on_grid(t) and 0 < t < 48 for t in pos)  # later onsets inside the bar, on the grid
    assert all(t > V.pitch_token(60) for t in ids if V.PITCH_OFFSET <= t < V.DUR_OFFSET)  # chords ascend
    assert V.BAR in ids and V.EOS not in ids  # one more bar to go


def test_drums_last_a_sixteenth_and_the_last_bar_closes_with_eos():
    spec = _spec(bars=1, drums=True)
    st = RowState(spec)
    for t in (V.BAR, V.pos_token(45), V.VEL_OFFSET + 7, V.pitch_token(36)):
        st.push(t)
    assert list(st.candidates()[0]) == [V.dur_token(3)]
    st.push(V.dur_token(3))
    assert V.EOS in st.candidates()[0] and V.BAR not in st.candidates()[0]


def test_soft_key_bias_and_scale_lock():
    key = parse_key("D minor")
    soft = _spec(key=key)
    st = RowState(soft)
    for t in (V.BAR, V.pos_token(0), V.VEL_OFFSET + 4):
        st.push(t)
    ids, bias = st.candidates()
    out = [t - V.PITCH_OFFSET for t, b in zip(ids, bias) if b < 0]
    assert out and all(p % 12 not in key.pitch_classes for p in out)
    locked = RowState(_spec(key=key, scale_lock=True, low=60, high=72))
    for t in (V.BAR, V.pos_token(0), V.VEL_OFFSET + 4):
        locked.push(t)
    ps = [t - V.PITCH_OFFSET for t in locked.candidates()[0]]
    assert ps == [p for p in range(60, 73) if p % 12 in key.pitch_classes]


def test_contour_mask_moves_the_asked_way_or_starts_near():
    pitches = pitch_mask(40, 90, None, False, False)
    up = np.flatnonzero(contour_mask(pitches, 60, +1, 2)) - V.PITCH_OFFSET
    assert up.min() == 61 and up.max() == 67
    near = np.flatnonzero(contour_mask(pitches, 60, 0, 0, near=True)) - V.PITCH_OFFSET
    assert near.min() == 55 and near.max() == 65
    top = pitch_mask(60, 60, None, False, False)
    assert np.array_equal(contour_mask(top, 60, +1, 2), top)  # nothing higher is allowed: fall back


def test_drum_pitches_stay_on_the_gm_kit():
    kit = np.flatnonzero(pitch_mask(0, 127, None, False, True)) - V.PITCH_OFFSET
    assert kit.min() == 27 and kit.max() == 87 and len(kit) == 61
    assert pitch_mask(0, 127, None, False, False)[V.PITCH_OFFSET + 20]  # pitched parts keep 0..127
    with pytest.raises(BadRequest, match="drums: GM keys 27-87"):
        pitch_mask(90, 100, None, False, True)


class _FlatModel:
    """Equal logits for every token: only the constraints shape what comes out."""

    def prefill(self, prompt, rows):
        return np.zeros((rows, V.VOCAB_SIZE), dtype=np.float32)

    def prefill_groups(self, prompts, rows):
        return np.zeros((len(prompts) * rows, V.VOCAB_SIZE), dtype=np.float32)

    def step(self, tokens, pos):
        assert tokens.dtype == np.int64 and tokens.ndim == 1
        return np.zeros((len(tokens), V.VOCAB_SIZE), dtype=np.float32)


@pytest.mark.parametrize("tpb,drums", [(48, False), (36, False), (42, True)])
def test_decode_region_keeps_the_grammar_with_a_flat_model(tpb, drums):
    from bridge.engines.decoding.tokenizer import decode

    spec = _spec(bars=3, tpb=tpb, drums=drums)
    out = decode_region(_FlatModel(), [V.BOS], 4, spec, 1.0, 0.95, np.random.default_rng(3), 1024)
    assert len(out) == 4 and len({tuple(r) for r in out}) > 1
    for toks in out:
        assert toks.count(V.BAR) == 3 and V.EOS not in toks
        notes = decode(toks, tpb)
        assert len(notes)
        assert all(on_grid(s % tpb) for s in notes[:, 0])
        assert (notes[:, 0] + notes[:, 1] <= 3 * tpb).all()  # nothing runs past the region
        room = np.minimum(3, 3 * tpb - notes[:, 0])  # a sixteenth, unless the region ends sooner
        assert (notes[:, 1] == room).all() if drums else (notes[:, 1] >= room).all()


def test_measure_loop_reports_loop_bare_and_python_columns():
    """The measuring tool runs (numbers go in docs/BENCH.md; none is asserted here)."""
    from pathlib import Path

    from bridge.engines.transformer.tools.measure import measure_loop

    shipped = Path(__file__).resolve().parent.parent / "models" / "transformer"
    if not (shipped / "model-int8.onnx").is_file():
        pytest.skip("the shipped transformer has no ONNX graph")
    res = measure_loop(shipped, runs=1, bars=2, rows_list=(2,))
    row = res["2_rows"]
    assert row["steps_a_run"] > 2 * 2  # at least a BAR and a note a bar
    assert {"loop_ms_a_step", "bare_ms_a_step", "python_ms_a_step", "loop_over_bare"} <= set(row)
    assert all(row[k] > 0 for k in ("loop_ms_a_step", "bare_ms_a_step", "python_ms_a_step"))


class _PitchLeaningModel(_FlatModel):
    """Flat, except one pitch is a little likelier than every other everywhere."""

    def _lean(self, rows):
        x = np.zeros((rows, V.VOCAB_SIZE), dtype=np.float32)
        x[:, V.PITCH_OFFSET + 64] = 1.0
        return x

    def prefill(self, prompt, rows):
        return self._lean(rows)

    def step(self, tokens, pos):
        return self._lean(len(tokens))


def test_family_temperatures_scale_only_the_named_families():
    from bridge.engines.decoding.constraints import family_temperatures

    assert family_temperatures(None) is None and family_temperatures({}) is None
    t = family_temperatures({"pitch": 1.2, "pos": 0.5})
    assert t[V.PITCH_OFFSET + 60] == pytest.approx(1.2) and t[V.POS_OFFSET + 3] == 0.5
    assert t[V.DUR_OFFSET] == 1.0 and t[V.BAR] == 1.0
    with pytest.raises(ValueError, match="families are special"):
        family_temperatures({"pitches": 1.1})
    with pytest.raises(ValueError, match="from 0.05 to 5.0"):
        family_temperatures({"pitch": 0.0})


def test_role_temperatures_let_a_role_keep_its_own_families():
    from bridge.engines.decoding.constraints import role_temperatures

    t = role_temperatures({"pitch": 1.1, "drums": {"pos": 0.9}, "chords": {}})
    assert t["melody"][V.PITCH_OFFSET + 60] == pytest.approx(1.1) and t["bass"][V.POS_OFFSET] == 1.0
    assert t["drums"][V.POS_OFFSET] == pytest.approx(0.9) and t["drums"][V.PITCH_OFFSET + 36] == 1.0
    assert t["chords"] is None  # an empty dict: plain temperature for that role
    assert all(v is None for v in role_temperatures(None).values())


def test_a_cold_pitch_family_picks_the_likeliest_pitch_and_leaves_rhythm_free():
    from bridge.engines.decoding.constraints import family_temperatures
    from bridge.engines.decoding.tokenizer import decode

    def lowest_and_onsets(temp_scale):
        """The lowest pitch at each onset (notes at one onset ascend, so 64 can lead only once) and
        each row's onsets."""
        spec = _spec(bars=2, tpb=48)
        spec.temp_scale = temp_scale
        out = decode_region(_PitchLeaningModel(), [V.BOS], 4, spec, 1.0, 1.0, np.random.default_rng(5), 1024)
        rows = [decode(t, 48) for t in out]
        lowest = [n[n[:, 0] == s, 2].min() for n in rows for s in np.unique(n[:, 0])]
        return np.array(lowest), {tuple(n[:, 0]) for n in rows}

    plain, _ = lowest_and_onsets(None)
    cold, cold_onsets = lowest_and_onsets(family_temperatures({"pitch": 0.05}))
    assert (plain != 64).mean() > 0.5  # a logit of 1 over 127 rivals: mostly other pitches
    assert (cold == 64).all()  # at a twentieth of the temperature the lean decides every first pitch
    assert len(cold_onsets) > 1  # rhythm still sampled at temperature 1: the rows differ


def test_bar_copier_follows_an_earlier_bar_through_velocities_and_picks_up_after_a_fill():
    from bridge.engines.decoding.constraints import BarCopier

    pos, pitch, dur, vel = (lambda k: V.POS_OFFSET + k), (lambda p: V.PITCH_OFFSET + p), V.DUR_OFFSET, V.VEL_OFFSET
    bar = [pos(0), vel + 6, pitch(36), dur, pos(12), pitch(38), dur]
    c = BarCopier()
    assert c.suggestions() == set()
    c.push(V.BAR)
    for t in bar:
        assert c.suggestions() == set()  # nothing earlier to copy in the first bar
        c.push(t)
    c.push(V.BAR)
    assert c.suggestions() == {pos(0)}
    for t in (pos(0), vel + 2, pitch(36)):  # another velocity neither counts nor breaks the copy
        c.push(t)
    assert c.suggestions() == {dur}
    c.push(dur)
    c.push(pos(6))  # a fill: an onset the earlier bar does not have
    assert c.suggestions() == set()
    for t in (pitch(42), dur, pos(12)):  # back on an onset the bar has: the copy goes on from there
        c.push(t)
    assert c.suggestions() == {pitch(38)}
    c.push(pitch(38))
    c.push(dur)
    assert c.suggestions() == {V.BAR, V.EOS}  # the earlier bar ended here


def test_copy_bias_makes_a_flat_model_repeat_its_bars():
    from bridge.engines.decoding.tokenizer import decode

    def repeats(bias):
        spec = _spec(bars=4, tpb=48, drums=True)
        spec.copy_bias = bias
        out = decode_region(_FlatModel(), [V.BOS], 8, spec, 1.0, 1.0, np.random.default_rng(2), 1024)
        count = 0
        for toks in out:
            notes = decode(toks, 48)
            bars = [frozenset((int(s) % 48, int(p)) for s, _, p, _ in notes if s // 48 == b) for b in range(4)]
            count += sum(bars[b] in bars[:b] for b in range(1, 4))
        return count / (3 * len(out))

    assert repeats(0.0) == 0.0  # flat logits over dozens of tokens: a bar never comes back by chance
    assert repeats(8.0) > 0.8  # a strong prior: nearly every bar plays an earlier one again


def test_role_guidance_sets_a_roles_default_and_the_request_still_wins():
    from bridge.engines.decoding.composer import Composer
    from bridge.engines.decoding.tokenizer import TokenizerConfig
    from bridge.music.request import parse_request

    tok = TokenizerConfig(styles=["rock", "blues"])
    c = Composer(None, tok, 1024, {}, guidance=2.0, role_guidance={"drums": 1.25})
    plain = parse_request("generate", ["style", "rock", "role", "drums"], tok.styles)
    asked = parse_request("generate", ["style", "rock", "role", "drums", "guidance", 3], tok.styles)
    assert c.guidance_scale(plain, "drums") == 1.25
    assert c.guidance_scale(plain, "bass") == 2.0
    assert c.guidance_scale(asked, "drums") == 3.0
    unguided = Composer(None, tok, 1024, {}, guidance=None, role_guidance={"drums": 1.25})
    assert unguided.guidance_scale(asked, "drums") == 1.0


def test_role_guidance_can_name_the_operations_it_sets():
    """{"bass": {"generate": 2.5}}: a bass written alone at 2.5, accompany's bass at the model's 2."""
    import pytest

    from bridge.engines.decoding.composer import Composer
    from bridge.engines.decoding.tokenizer import TokenizerConfig
    from bridge.music.request import parse_request

    tok = TokenizerConfig(styles=["rock", "blues"])
    c = Composer(None, tok, 1024, {}, guidance=2.0, role_guidance={"bass": {"generate": 2.5}})
    gen = parse_request("generate", ["style", "rock", "role", "bass"], tok.styles)
    cont = parse_request("continue", ["style", "rock", "role", "bass"], tok.styles)
    assert c.guidance_scale(gen, "bass") == 2.5
    assert c.guidance_scale(cont, "bass") == 2.0
    assert c.guidance_scale(gen, "chords") == 2.0
    with pytest.raises(ValueError, match="role_guidance bass generate must be from 0 to 5"):
        Composer(None, tok, 1024, {}, guidance=2.0, role_guidance={"bass": {"generate": 9}})
    with pytest.raises(ValueError, match="role_guidance bass names 'generat'; operations: generate, continue"):
        Composer(None, tok, 1024, {}, guidance=2.0, role_guidance={"bass": {"generat": 2.5}})


def test_flat_velocity_is_the_share_of_one_velocity_clips_per_style_and_role():
    from bridge.engines.trainkit import flat_velocity
    from made_data import made_dataset

    # (role, style, velocities): chorale melodies at one velocity, rock bass three played and one flat
    made = [("melody", 0, [80, 80, 80]), ("melody", 0, [80, 80]), ("bass", 1, [90, 70, 100]),
            ("bass", 1, [64, 64, 64, 64]), ("bass", 1, [100, 80]), ("bass", 1, [96, 97]),
            ("bass", 1, [50])]  # one note says nothing about dynamics: not counted
    ds = made_dataset([({"role": role, "style": style}, [(12 * j, 12, 60, v) for j, v in enumerate(vels)])
                       for role, style, vels in made], ["baroque-chorale", "rock"])
    assert flat_velocity(ds, np.arange(len(made))) == {"bass": {"rock": 0.25}, "melody": {"baroque-chorale": 1.0}}


def test_accent_shapes_velocities_inside_their_bin_unless_the_clip_stays_flat():
    from bridge.engines.decoding.velocity import accent

    notes = np.array([(0, 12, 60, 72), (12, 12, 62, 72), (18, 6, 64, 72), (21, 3, 65, 72)])
    shaped = accent(notes, 48, np.random.default_rng(0))
    assert len(set(shaped[:, 3])) > 1 and all(65 <= v <= 80 for v in shaped[:, 3])  # bin 4 is 65-80
    assert shaped[0, 3] > shaped[3, 3]  # the bar line is accented over a sixteenth's off-beat
    assert (accent(notes, 48, np.random.default_rng(0), flat=True) == notes).all()


def test_composer_leaves_the_share_of_flat_styles_clips_flat_and_draws_nothing_without_a_profile():
    from bridge.engines.decoding.composer import Composer
    from bridge.engines.decoding.tokenizer import Conditions, TokenizerConfig
    from bridge.music.theory import Meter

    tok = TokenizerConfig(styles=["baroque-chorale", "rock", "blues"])
    c = Composer(None, tok, 1024, {}, flat_velocity={"bass": {"baroque-chorale": 1.0, "rock": 0.25}})
    cond = lambda style: Conditions(role="bass", style_slot=tok.style_slot(style), mood=None, key=None,  # noqa: E731
                                    meter=Meter(4, 4), tempo_bucket=None, density_bucket=None, bars=1)
    gen = np.random.default_rng(1)
    assert all(c.flat(cond("baroque-chorale"), gen) for _ in range(50))
    share = np.mean([c.flat(cond("rock"), gen) for _ in range(2000)])
    assert 0.2 < share < 0.3
    before = gen.bit_generator.state
    assert not c.flat(cond("blues"), gen) and gen.bit_generator.state == before  # no profile for blues: no draw


def test_a_gap_in_a_one_velocity_clip_takes_that_velocity_where_the_model_kept_its_bin():
    from bridge.engines.decoding.velocity import at_velocity, one_velocity
    from bridge.music.clip import Clip, Note
    from bridge.music.theory import Meter

    drawn = Clip([Note(0.0, 60, 1.0, 100), Note(1.0, 62, 1.0, 100)], 4.0, Meter(4, 4), 120.0)
    played = Clip([Note(0.0, 60, 1.0, 100), Note(1.0, 62, 1.0, 90)], 4.0, Meter(4, 4), 120.0)
    lone = Clip([Note(0.0, 60, 1.0, 100)], 4.0, Meter(4, 4), 120.0)
    assert (one_velocity(drawn), one_velocity(played), one_velocity(lone)) == (100, None, None)
    gap = np.array([(48, 12, 64, 104), (60, 12, 65, 40)])  # bin 6 (97-112) like 100, and a soft bin
    assert at_velocity(gap.copy(), 100)[:, 3].tolist() == [100, 40]


def _repeat_prob(x: np.ndarray, ids: np.ndarray, at: int, temperature: float) -> float:
    pitch = (ids >= V.PITCH_OFFSET) & (ids < V.DUR_OFFSET)
    z = x[pitch] / temperature
    p = np.exp(z - z.max())
    return float(p[np.flatnonzero(ids[pitch] == at)[0]] / p.sum())


def test_repeat_odds_moves_the_repeat_toward_the_style_share_in_log_odds():
    ids = np.array([V.PITCH_OFFSET + p for p in (40, 43, 45, 47)] + [V.VEL_OFFSET])
    x = np.array([np.log(9.0 * 3), 0.0, 0.0, 0.0, 5.0], dtype=np.float32)  # 40 repeats: p 0.9 among the pitches
    rep = V.PITCH_OFFSET + 40
    assert _repeat_prob(x, ids, rep, 1.0) == pytest.approx(0.9, abs=1e-5)
    assert _repeat_prob(repeat_odds(x, ids, rep, 1.0, 0.1, 1.0), ids, rep, 1.0) == pytest.approx(0.1, abs=1e-5)
    assert _repeat_prob(repeat_odds(x, ids, rep, 1.0, 0.1, 0.5), ids, rep, 1.0) == pytest.approx(0.5, abs=1e-5)
    for t in (0.7, 1.3):  # the share holds at the temperature the row is sampled at
        assert _repeat_prob(repeat_odds(x, ids, rep, t, 0.25, 1.0), ids, rep, t) == pytest.approx(0.25, abs=1e-5)
    moved = repeat_odds(x, ids, rep, 1.0, 0.1, 1.0)
    assert np.array_equal(moved[1:], x[1:])  # only the repeat's logit moves
    assert np.array_equal(repeat_odds(x, ids, V.PITCH_OFFSET + 50, 1.0, 0.1, 1.0), x)  # not allowed: unchanged


def test_repeat_target_needs_a_share_and_a_pull():
    shares = {"bass": {"funk": 0.6, "gospel": 0.1}}
    pulls = repeat_pulls({"bass": 0.5, "melody": 0})
    assert pulls == {"bass": 0.5}  # a role at 0 has no prior
    assert repeat_target(shares, pulls, "bass", "gospel") == (0.1, 0.5)
    assert repeat_target(shares, pulls, "bass", "rock") is None  # no share for the style
    assert repeat_target(shares, repeat_pulls(None), "bass", "funk") is None  # no prior for the role
    for bad in (1.5, -0.2):  # refused when the model loads, not per request
        with pytest.raises(ValueError, match="repeat_prior bass must be above 0 and at most 1"):
            repeat_pulls({"bass": bad})
    from bridge.engines.decoding.composer import Composer
    from bridge.engines.decoding.tokenizer import TokenizerConfig

    with pytest.raises(ValueError, match="repeat_prior bass must be above 0 and at most 1"):
        Composer(None, TokenizerConfig(styles=["funk"]), 1024, {}, repeat_share=shares, repeat_prior={"bass": 2})
