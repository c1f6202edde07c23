"""The context representation: units round-trip over real multi-part windows (Bach chorales and MMA
grooves of the tiny dataset), decoding forces every context run and returns only the written part,
and a request without context decodes bit-identically to the code before context existed (digests
recorded from commit 6b414f2 with the same deterministic stepper, seeds and requests)."""

from __future__ import annotations

import numpy as np
import pytest

import bridge.engines.decoding.vocab as V
from bridge.data.dataset import COL, Dataset
from bridge.engines.decoding.constraints import RegionSpec, grid_positions, key_bias, pitch_mask
from bridge.engines.decoding.sampling import decode_region
from bridge.engines.decoding.tokenizer import (canonical, context_run, context_units, decode,
                                               encode_bars, target_bars)
from bridge.engines.transformer.examples import ExampleConfig, ExampleMaker, collate, forced_positions
from bridge.music.theory import ROLES, Meter
from tests.accompany_golden import BEFORE, TableStepper, _no_context_digests
from tests.test_markov_support import tiny_dataset_path


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return Dataset.load(tiny_dataset_path(tmp_path_factory))


def _windows(ds):
    """(target, [partners]) for every multi-part window of the tiny dataset."""
    maker = ExampleMaker(ds, ExampleConfig(seq_len=384, context_rate=0.5), list(ds.styles))
    return maker, sorted(maker.partners.items())


def test_no_context_request_decodes_as_before(tmp_path_factory):
    got = _no_context_digests(tiny_dataset_path(tmp_path_factory))
    assert got == BEFORE


def test_tiny_dataset_has_aligned_multi_part_windows(ds):
    maker, wins = _windows(ds)
    assert len(wins) >= 20
    roles = {ROLES[ds.clips[i][COL["role"]]] for i, _ in wins}
    assert {"melody", "bass", "chords", "drums"} <= roles
    for i, mates in wins:
        for j in mates:  # same piece, window, bars and meter
            for col in ("piece", "window", "bars", "meter_num", "meter_den"):
                assert ds.clips[i][COL[col]] == ds.clips[j][COL[col]]


def test_context_units_round_trip_over_real_windows(ds):
    maker, wins = _windows(ds)
    for i, mates in wins:
        tpb = Meter(int(ds.clips[i][COL["meter_num"]]), int(ds.clips[i][COL["meter_den"]])).ticks_per_bar
        n = int(ds.clips[i][COL["bars"]])
        canon = [canonical(ds.clip_notes(j), tpb, n) for j in [i] + mates]
        bars = [encode_bars(c, tpb, n) for c in canon]
        ctx = [(ROLES[ds.clips[j][COL["role"]]], b) for j, b in zip(mates, bars[1:])]
        role = ROLES[ds.clips[i][COL["role"]]]
        units = context_units(bars[0], ctx, role)
        assert len(units) == n
        assert np.array_equal(decode([t for b in target_bars(units) for t in b], tpb), canon[0])
        flat = [t for u in units for t in u]
        assert flat.count(V.CTX) == n * len(mates) and flat.count(V.BAR) == n
        assert all(u[u.index(V.BAR) - 1] == V.role_token(role) for u in units)  # the part is named where it starts
        for k, (role, _) in enumerate(ctx):  # each track's runs, given their BARs back, decode to it
            mine = [[V.BAR] + _track_run(context_run(ctx, b, role), k) for b in range(n)]
            assert np.array_equal(decode([t for b in mine for t in b], tpb), canon[k + 1])


def _track_run(run: list[int], k: int) -> list[int]:
    """Track k's events inside one bar's context run (CTX ROLE events, repeated, then the target's ROLE)."""
    starts = [i for i, t in enumerate(run) if t == V.CTX] + [len(run) - 1]
    return run[starts[k] + 2: starts[k + 1]]


def test_context_examples_are_well_formed(ds):
    maker, wins = _windows(ds)
    rng = np.random.default_rng(0)
    for i, mates in wins[:30]:
        seq = maker.context_example(i, rng)
        assert seq[0] == V.BOS and seq[1] == V.role_token(ROLES[ds.clips[i][COL["role"]]])
        assert all(0 <= t < V.VOCAB_SIZE for t in seq) and len(seq) <= 384
        ctx_roles = [seq[k + 1] for k, t in enumerate(seq) if t == V.CTX]
        assert ctx_roles and all(V.family(t) == "role" for t in ctx_roles)
        assert V.CTX not in seq[: V.PREFIX_LEN]
    # the mix: about context_rate of examples carry context
    seqs = [maker.example(int(i), rng) for i in maker.usable["train"][:200]]
    share = np.mean([V.CTX in s for s in seqs])
    assert 0.3 < share < 0.7


def test_forced_decoding_feeds_every_context_run_and_returns_the_part():
    st = TableStepper()
    tpb = 48
    spec = RegionSpec(bars=3, tpb=tpb, pitches=pitch_mask(36, 60, None, False, False),
                      bias=key_bias(None, False, False), note_cap=8, bar_token_budget=60,
                      grid=grid_positions(tpb))
    runs = [[V.CTX, V.role_token("melody"), V.pos_token(0), V.vel_token(80), V.pitch_token(72 + b), V.dur_token(12)]
            for b in range(3)]
    prompt = [V.BOS, V.role_token("bass"), V.STYLE_ANY, V.MOOD_ANY, V.KEY_ANY, V.meter_token("4/4"),
              V.TEMPO_ANY, V.DENSITY_ANY, V.bars_token(3)]
    out = decode_region(st, prompt, 2, spec, 1.0, 0.95, np.random.default_rng(0), 1024, forced=runs)
    for r in range(2):
        fed = [int(f[r]) for f in st.fed[1:]]
        assert V.CTX not in out[r] and out[r].count(V.BAR) == 3
        starts = [k for k, t in enumerate(fed) if t == V.CTX]
        assert len(starts) == 3
        for b, k in enumerate(starts):  # each run is fed whole, then that bar's BAR
            assert fed[k: k + len(runs[b]) + 1] == runs[b] + [V.BAR]
        notes = decode(out[r], tpb)
        assert len(notes) == 0 or (notes[:, 2].min() >= 36 and notes[:, 2].max() <= 60)


def test_context_examples_train_on_the_part_not_on_the_forced_context(ds):
    maker, wins = _windows(ds)
    rng = np.random.default_rng(1)
    seqs = [maker.context_example(i, rng) for i, _ in wins[:12]]
    plain = [maker.example(int(i), np.random.default_rng(0)) for i in maker.usable["train"][:4]]
    plain = [q for q in plain if V.CTX not in q]
    x, y = collate(seqs + plain)
    for r, q in enumerate(seqs):
        forced = forced_positions(q)
        assert forced.any() and not forced[: V.PREFIX_LEN].any()
        kept = [q[k + 1] for k in range(len(q) - 1) if y[r, k] != V.PAD]
        assert V.BAR in kept and V.CTX in kept or q.count(V.BAR) == 1  # bar ends stay the model's choice
        assert all(y[r, k] == V.PAD for k in range(len(q) - 1) if forced[k + 1])
        for k in range(len(q) - 1):  # every event inside a context run is forced
            if not forced[k + 1] and y[r, k] != V.PAD and V.family(q[k + 1]) in ("pos", "pitch", "dur", "vel"):
                j = max(m for m in range(k + 1) if q[m] in (V.BAR, V.CTX, V.MID, V.PRE, V.SUF) or m == 0)
                assert q[j] != V.CTX, (k, j)
    for r, q in enumerate(plain, start=len(seqs)):  # no context: only the prefix is left out, as before
        assert (y[r, : V.PREFIX_LEN - 1] == V.PAD).all()
        assert list(y[r, V.PREFIX_LEN - 1 : len(q) - 1]) == q[V.PREFIX_LEN:]
