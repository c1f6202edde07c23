"""The shipped band GAN (models/gan) as an engine: exact bars and meter, GM drums of a sixteenth,
no note shorter than a sixteenth, key / scale_lock / range honoured, seeds reproduce, a band's
clips numbered take by take; and the band rules (band_parts) on made-up parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.engines.gan.extract import MAX_CHORD_NOTES, extract, key_weights, pitch_map
from bridge.engines.gan.roll import N_PITCH, PITCH_LOW, TRACKS
from bridge.engines.registry import load_model
from bridge.errors import BadRequest
from bridge.music.limits import MAX_BAND_CLIPS
from bridge.music.request import BAND, band_parts, parse_request
from bridge.music.theory import GM_DRUM_HIGH, GM_DRUM_LOW, Key

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "models" / "gan"
EPS = 1e-9


@pytest.fixture(scope="module")
def gan():
    if not (MODEL / "config.json").is_file():
        pytest.fail("models/gan is not there: the shipped band GAN is part of the repository")
    return load_model(MODEL)


def run(engine, *args):
    req = parse_request("generate", list(args))
    return req, engine.run(req, None, lambda f: None)


def pitched(clips):
    return [n for c in clips if not c.drums for n in c.notes]


def test_serves_on_onnx_runtime_and_lists_band(gan):
    assert gan.info.extra["runtime"] == "onnx" and gan.info.roles == TRACKS
    assert gan.operations == ("generate", "band")


@pytest.mark.parametrize("bars", [1, 2, 3, 4, 5, 8])
def test_every_part_lasts_exactly_the_bars_asked_for(gan, bars):
    req, clips = run(gan, "role", "band", "bars", bars, "seed", bars)
    assert len(clips) == len(TRACKS)
    for c in clips:
        assert c.length == bars * 4 and str(c.meter) == "4/4"
        assert all(0 <= n.start and n.start + n.duration <= c.length + EPS for n in c.notes)
    assert sum(len(c.notes) for c in clips) > 0


def test_two_two_is_a_bar_of_four_quarters_and_other_meters_are_refused(gan):
    _, clips = run(gan, "roles", "bass", "meter", "2/2", "bars", 2, "seed", 1)
    assert str(clips[0].meter) == "2/2" and clips[0].length == 8.0
    with pytest.raises(BadRequest, match="meter must be one of 4/4, 2/2, got 3/4"):
        run(gan, "role", "band", "meter", "3/4")


def test_drums_are_gm_hits_of_a_sixteenth_on_channel_ten(gan):
    _, clips = run(gan, "roles", "drums", "bars", 4, "seed", 3, "variations", 4)
    notes = [n for c in clips for n in c.notes]
    assert notes and all(c.drums and c.key is None for c in clips)
    assert all(GM_DRUM_LOW <= n.pitch <= GM_DRUM_HIGH and abs(n.duration - 0.25) < EPS for n in notes)


def test_no_note_is_shorter_than_a_sixteenth_or_off_the_sixteenth_grid(gan):
    _, clips = run(gan, "role", "band", "bars", 4, "seed", 11, "variations", 3)
    for n in (n for c in clips for n in c.notes):
        assert n.duration >= 0.25 - EPS
        assert abs(n.start * 4 - round(n.start * 4)) < EPS


def test_melody_and_bass_are_single_lines_and_chords_stack_at_most_five(gan):
    _, clips = run(gan, "role", "band", "bars", 4, "seed", 5, "variations", 2)
    for c, role in zip(clips, TRACKS * 2):
        notes = sorted(c.notes, key=lambda n: n.start)
        if role in ("melody", "bass"):
            assert all(a.start + a.duration <= b.start + EPS for a, b in zip(notes, notes[1:]))
        if role == "chords":
            starts = [n.start for n in notes]
            assert all(starts.count(s) <= MAX_CHORD_NOTES for s in starts)


def test_scale_lock_keeps_every_pitched_note_in_the_key(gan):
    key = Key(4, "minor")
    _, clips = run(gan, "role", "band", "key", "E minor", "scale_lock", 1, "bars", 4, "seed", 2, "variations", 3)
    notes = pitched(clips)
    assert notes and all(n.pitch % 12 in key.pitch_classes for n in notes)
    assert all(c.key == key for c in clips if not c.drums)


def test_the_soft_key_is_mostly_in_key(gan):
    key = Key(2, "major")
    _, clips = run(gan, "roles", "bass,chords,melody", "key", "D", "bars", 4, "seed", 8, "variations", 4)
    notes = pitched(clips)
    assert sum(n.pitch % 12 in key.pitch_classes for n in notes) / len(notes) >= 0.7


def test_pitch_range_is_honoured_by_octave_moves(gan):
    _, clips = run(gan, "roles", "bass,melody", "pitch_low", 48, "pitch_high", 60, "bars", 4, "seed", 4,
                   "variations", 2)
    notes = pitched(clips)
    assert notes and all(48 <= n.pitch <= 60 for n in notes)


def test_the_same_seed_gives_the_same_band_and_another_seed_another(gan):
    _, a = run(gan, "role", "band", "style", "rock", "bars", 2, "seed", 77)
    _, b = run(gan, "role", "band", "style", "rock", "bars", 2, "seed", 77)
    _, c = run(gan, "role", "band", "style", "rock", "bars", 2, "seed", 78)
    assert [x.notes for x in a] == [x.notes for x in b]
    assert [x.notes for x in a] != [x.notes for x in c]


def test_a_band_answer_is_numbered_take_by_take(gan):
    req, clips = run(gan, "roles", "bass,drums", "variations", 3, "bars", 2, "seed", 9)
    assert req.role == BAND and req.parts == ("bass", "drums") and len(clips) == 6
    assert [c.drums for c in clips] == [False, True] * 3


def test_a_single_role_generate_writes_one_part(gan):
    _, clips = run(gan, "role", "bass", "variations", 2, "bars", 2, "seed", 1)
    assert len(clips) == 2 and not any(c.drums for c in clips)
    with pytest.raises(BadRequest, match="role must be one of drums, bass, chords, melody"):
        run(gan, "role", "keys")


def test_band_parts_rules_on_made_up_parts():
    have = ("drums", "bass", "chords", "melody", "pad")
    assert band_parts(parse_request("generate", ["role", "band"]), have[:4]) == have[:4]
    with pytest.raises(BadRequest, match="this model's band has no keys part; its parts are drums, bass"):
        band_parts(parse_request("generate", ["roles", "drums,keys"]), have[:4])
    req = parse_request("generate", ["role", "band", "variations", 8])
    with pytest.raises(BadRequest, match=f"at most {MAX_BAND_CLIPS} clips .* 8 variations x 5 parts is 40"):
        band_parts(req, have)
    with pytest.raises(BadRequest, match="roles names 'bass' twice"):
        parse_request("generate", ["roles", "bass,drums,bass"])
    with pytest.raises(BadRequest, match="roles: unknown part 'tuba'"):
        parse_request("generate", ["roles", "drums,tuba"])
    with pytest.raises(BadRequest, match="it goes with role \"band\" or no role"):
        parse_request("generate", ["role", "bass", "roles", "drums"])
    with pytest.raises(BadRequest, match="role must be one of melody, bass, chords, keys, drums, got 'band'"):
        parse_request("continue", ["role", "band"])


def test_extraction_on_a_made_up_roll_gives_clean_notes():
    import numpy as np

    roll = np.zeros((2, 16, N_PITCH), dtype=np.float32)
    c4 = 60 - PITCH_LOW
    roll[0, 0:6, c4] = 0.9  # held 6 steps
    roll[1, 0, c4] = 0.9  # one onset
    roll[1, 3, c4 + 1] = 0.2  # below threshold: no note
    allowed = np.zeros(128, dtype=bool)
    allowed[40:80] = True
    pm = pitch_map(allowed, 2, drums=False)  # C -> D
    rows = extract(roll, "melody", 0.5, 0.5, pm, key_weights(None, 2), bars=1)
    assert rows.tolist() == [[0, 18, 62, 100]]  # one note, 6 sixteenths, in D
    drums = extract(roll, "drums", 0.5, 0.5, pitch_map(allowed, 0, drums=True), key_weights(None, 0), bars=1)
    assert drums[:, 1].tolist() == [3] and drums[:, 2].tolist() == [60]
