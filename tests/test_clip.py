"""The shared data model: notes, clips, keys, meters, MIDI and JSON round trips, the prompt parser."""

from __future__ import annotations

import json

import pytest

from bridge.music.clip import Clip, Note, clip_to_midi, midi_to_clip, monophonic_legato, read_clip
from bridge.music.limits import MAX_NOTES
from bridge.errors import BadRequest, TooLarge
from bridge.music.theory import Key, Meter, parse_key, parse_meter
from bridge.music.prompt import parse_prompt
from bridge.music.request import parse_request


@pytest.mark.parametrize("note,fragment", [
    (Note(0.0, 128, 1.0, 90), "pitch"),
    (Note(0.0, -1, 1.0, 90), "pitch"),
    (Note(-0.5, 60, 1.0, 90), "start"),
    (Note(0.0, 60, 0.0, 90), "duration"),
    (Note(0.0, 60, float("nan"), 90), "duration"),
    (Note(float("inf"), 60, 1.0, 90), "start"),
    (Note(0.0, 60, 1.0, 0), "velocity"),
    (Note(0.0, 60, 1.0, 128), "velocity"),
])
def test_note_validation_names_the_field(note, fragment):
    with pytest.raises(BadRequest, match=fragment):
        note.validate()


def test_clip_limits():
    Clip([Note(0.0, 60, 1.0, 90)], 256.0).validate()  # 64 bars of 4/4
    with pytest.raises(TooLarge, match="64 bars"):
        Clip([], 260.0).validate()
    with pytest.raises(TooLarge, match=str(MAX_NOTES)):
        Clip([Note(i * 0.01, 60, 0.01, 90) for i in range(MAX_NOTES + 1)], 256.0).validate()
    with pytest.raises(BadRequest, match="tempo"):
        Clip([], 4.0, tempo=float("nan")).validate()


def test_midi_round_trip_keeps_notes_meter_tempo_key(tmp_path):
    notes = [Note(i * 0.5, 60 + (i * 7) % 24, 0.5 if i % 3 else 1 / 3, 20 + (i * 11) % 100) for i in range(40)]
    clip = Clip(notes, 24.0, Meter(6, 8), 96.0, parse_key("Bbm"))
    clip_to_midi(clip, tmp_path / "c.mid")
    back = midi_to_clip(tmp_path / "c.mid")
    assert (back.meter, back.key, round(back.tempo, 3)) == (Meter(6, 8), Key(10, "minor"), 96.0)
    got = sorted((n.pitch, round(n.start, 3), round(n.duration, 3), n.velocity) for n in back.notes)
    want = sorted((n.pitch, round(n.start, 3), round(n.duration, 3), n.velocity) for n in notes)
    assert got == want
    assert back.length == 24.0


def test_json_round_trip_and_read_clip(tmp_path):
    clip = Clip([Note(0.0, 62, 1.0, 90), Note(1.0, 65, 0.5, 84)], 8.0, Meter(4, 4), 120.0, parse_key("D minor"))
    path = tmp_path / "c.json"
    path.write_text(json.dumps(clip.to_dict()))
    back = read_clip(path)
    assert back.to_dict() == clip.to_dict()
    minimal = tmp_path / "m.json"
    minimal.write_text(json.dumps({"notes": [[60, 0.0, 1.0, 90], [64, 5.0, 1.0, 90]]}))
    assert read_clip(minimal).length == 8.0  # rounded up to whole bars
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"notes": [[60, 0.0]]}))
    with pytest.raises(BadRequest, match="pitch, start, duration, velocity"):
        read_clip(bad)


def test_monophonic_legato_trims_overlaps_but_keeps_double_stops():
    notes = [Note(0.0, 57, 1.0, 80), Note(0.5, 62, 1.0, 70), Note(0.5, 66, 0.25, 70), Note(2.0, 60, 4.0, 60)]
    out = monophonic_legato(notes)
    assert [(n.start, n.pitch, n.duration) for n in out] == [
        (0.0, 57, 0.5), (0.5, 62, 1.0), (0.5, 66, 0.25), (2.0, 60, 4.0)]


@pytest.mark.parametrize("text,tonic,mode", [
    ("D minor", 2, "minor"), ("F#", 6, "major"), ("Bbm", 10, "minor"), ("eb major", 3, "major"),
    ("A dorian", 9, "minor"), ("C♯ min", 1, "minor"), ("Gb", 6, "major"),
])
def test_keys(text, tonic, mode):
    assert parse_key(text) == Key(tonic, mode)


def test_bad_keys_and_meters_say_what_is_allowed():
    with pytest.raises(BadRequest, match='"D minor"'):
        parse_key("H major")
    with pytest.raises(BadRequest, match="power of two"):
        parse_meter("3/5")
    assert parse_meter("6/8").beats_per_bar == 3.0


def test_the_prompt_from_the_issue():
    req = parse_request("generate", ["prompt", "calm folk tune in D minor, 8 bars"], ("irish-folk", "rock"))
    assert (req.mood, req.style, req.key, req.bars, req.unknown_words) == ("calm", "irish-folk", Key(2, "minor"), 8, [])


def test_prompt_reports_unknown_words_and_explicit_keys_win():
    found, unknown = parse_prompt("dark techno bassline 130 bpm in F# with spaceships", ("techno",))
    assert found["mood"] == "tense" and found["style"] == "techno" and found["role"] == "bass"
    assert found["tempo"] == 130.0 and found["key"] == Key(6, "major")
    assert unknown == ["spaceships"]
    req = parse_request("generate", ["prompt", "sad waltz in 3/4", "mood", "happy"], ("waltz",))
    assert req.mood == "happy" and req.style == "waltz" and req.meter == Meter(3, 4)
