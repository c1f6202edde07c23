"""Groove pairs, swing and the drumify accent rule on made-up parts whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import pytest
from groove_support import EARLY, LATE, LOUD, SOFT, played_folder

from bridge.data.groove_pairs import (NCOL, PCOL, GroovePairs, RawPart, build_pairs, is_played, part_pairs,
                                      quantise, timing_facts)
from bridge.data.sources import user_tasks
from bridge.errors import BadRequest
from bridge.music.clip import Clip, Note
from bridge.music.drumify import KICK, SNARE, accent_of, backbeats, follow_accents
from bridge.music.grid import swing_ratio, swing_shift
from bridge.music.request import parse_request
from bridge.music.theory import ROLES, Meter


def test_quantise_pairs_each_onset_with_its_grid_point_by_clean_rule():
    # 0.04 late of beat 0 -> grid 0; 0.47 -> tick 6 (the eighth) 0.03 early; 0.70 -> tick 8 (the triplet)
    start, dur, off = quantise(np.array([0.04, 0.47, 0.70, 1.26]), np.array([0.25] * 4), drum=True)
    assert start.tolist() == [0, 6, 8, 15] and dur.tolist() == [3, 3, 3, 3]
    assert np.allclose(off, [0.04, 0.47 - 0.5, 0.70 - 8 / 12, 1.26 - 1.25])


def test_a_part_is_played_only_off_the_grid_and_near_it():
    on_grid = np.zeros(64)
    assert not is_played(on_grid)
    felt = np.tile([0.0, 0.03, -0.02, 0.04], 16)
    assert is_played(felt) and timing_facts(felt)["off_share"] == pytest.approx(0.75)
    wrong_resolution = np.random.default_rng(0).uniform(-0.125, 0.125, 64)  # onsets anywhere: no feel
    assert not is_played(wrong_resolution)
    assert not is_played(felt[:16])  # too few notes


def test_two_hits_of_one_pitch_on_one_grid_point_keep_the_nearer():
    part = RawPart("kit", np.array([0.0, 0.02, 0.5]), np.array([0.1] * 3), np.array([36, 36, 42]),
                   np.array([100, 90, 80]), True)
    rows = part_pairs(part)
    assert rows[:, NCOL["tick"]].tolist() == [0, 6] and rows[:, NCOL["velocity"]].tolist() == [100, 80]


def test_pairs_from_a_made_up_played_folder_hold_the_known_offsets(tmp_path):
    folder = played_folder(tmp_path / "played", files=3, bars=4)
    pairs = build_pairs(user_tasks(folder, "test"), log=lambda m: None)
    assert len(pairs.parts) == 3  # the drum part of each file; the pitched lead is on the grid
    assert all(ROLES[r[PCOL["role"]]] == "drums" and r[PCOL["has_velocity"]] for r in pairs.parts)
    notes = pairs.part_notes(0)
    tick, off, vel = notes[:, NCOL["tick"]].astype(int), notes[:, NCOL["offset"]], notes[:, NCOL["velocity"]]
    hats = notes[:, NCOL["pitch"]] == 42
    offbeat = hats & (tick % 12 == 6)
    assert np.allclose(off[offbeat], LATE, atol=2.5 / 480)  # every off-beat eighth late by LATE (+-2 ticks jitter)
    downbeat_hats = hats & (tick % 12 == 0) & (tick % 48 != 0)
    assert np.allclose(off[downbeat_hats], EARLY, atol=2.5 / 480)
    assert set(vel[offbeat]) == {SOFT} and set(vel[hats & (tick % 12 == 0)]) == {LOUD}
    s = pairs.manifest["summary"]
    assert s["parts"] == 3 and s["by"]["role drums"]["parts"] == 3 and s["by"]["source user"]["notes"] == len(pairs.notes)
    again = GroovePairs.load(pairs.save(tmp_path / "pairs"))
    assert np.array_equal(again.notes, pairs.notes) and np.array_equal(again.parts, pairs.parts)
    assert (tmp_path / "pairs" / "pairs.npz").is_file()  # numpy arrays only: np.load(allow_pickle=False) reads it


def test_swing_moves_off_beat_eighths_or_sixteenths_to_the_triplet_point():
    eighths = np.arange(8) * 6  # ticks of straight eighths over 4 beats
    assert np.allclose(swing_shift(eighths, 1.0), [0, 1 / 6] * 4)
    assert np.allclose(swing_shift(eighths, 0.5), [0, 1 / 12] * 4)
    sixteenths = np.arange(16) * 3
    assert np.allclose(swing_shift(sixteenths, 1.0), [0, 1 / 12, 0, 1 / 12] * 4)
    straight = np.arange(8) / 2
    assert swing_ratio(straight) == pytest.approx(1.0)
    assert swing_ratio(straight + swing_shift(eighths, 1.0)) == pytest.approx(2.0)
    assert swing_ratio(np.arange(4.0)) is None  # no off-beats


def test_drumify_accents_downbeats_long_notes_and_the_backbeat():
    m = Meter(4, 4)
    assert backbeats(m) == (1.0, 3.0) and backbeats(Meter(3, 4)) == (1.0, 2.0) and backbeats(Meter(6, 8)) == (1.5,)
    assert accent_of(0.0, 0.5, m) == KICK and accent_of(4.0, 0.25, m) == KICK
    assert accent_of(1.0, 0.5, m) == SNARE and accent_of(3.0, 0.5, m) == SNARE
    assert accent_of(2.0, 2.0, m) == KICK and accent_of(2.0, 0.5, m) is None  # long notes are accents
    assert accent_of(0.5, 2.0, m) is None  # off the beat: the engine's choice
    src = Clip([Note(0.0, 60, 1.0), Note(0.5, 62, 0.5), Note(1.0, 64, 0.5), Note(2.0, 65, 2.0)], 4.0)
    drums = Clip([Note(0.0, 42, 0.25), Note(0.5, 42, 0.25), Note(1.0, 42, 0.25), Note(2.0, 46, 0.25)], 4.0, drums=True)
    out = follow_accents(drums, src)
    assert [(n.start, n.pitch) for n in out.notes] == [(0.0, KICK), (0.0, 42), (0.5, 42), (1.0, SNARE), (1.0, 42),
                                                        (2.0, KICK), (2.0, 46)]  # accents beside the engine's hats
    clash = follow_accents(Clip([Note(0.0, 38, 0.25), Note(1.0, 36, 0.25)], 4.0, drums=True), src)
    assert [n.pitch for n in clash.notes] == [KICK, SNARE]  # a snare on the downbeat becomes the kick


@pytest.mark.parametrize("args, words", [
    (["amount", 3], "amount must be from 0 (the clip as sent) to 1"),
    (["swing", -0.1], "swing must be from 0 (straight) to 1"),
    (["bars", 4], "unknown key 'bars' for groove; allowed: amount, model, reply_port, role, seed, style, swing"),
    (["amount", "lots"], "amount must be a number"),
])
def test_groove_keys_are_validated_with_what_is_allowed(args, words):
    with pytest.raises(BadRequest, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_request("groove", args)


def test_groove_defaults_and_drumify_is_restyle_drums_rhythm():
    req = parse_request("groove", ["amount", 0.5])
    assert (req.role, req.amount, req.swing, req.operation) == ("drums", 0.5, 0.0, "groove")
    assert parse_request("groove", ["role", "bass"]).role == "bass"
    d = parse_request("drumify", ["style", "rock"])
    assert (d.operation, d.role, d.preserve) == ("restyle", "drums", "rhythm")
    with pytest.raises(BadRequest, match="drumify writes role drums"):
        parse_request("drumify", ["role", "bass"])
    with pytest.raises(BadRequest, match="drumify preserves the clip's rhythm"):
        parse_request("drumify", ["preserve", "none"])
