"""'Cadenza - Accompany selected track from the other tracks' under Lua 5.4 against the fake REAPER
API, with the real `cadenza` CLI and a real daemon on loopback serving the accomp test family
(tests/accomp_engine.py, a protocol fixture until the real accompany model ships: on beats 1 and
3 it plays the lowest sounding pitched context note in octave 2; drums are not pitched). The
other tracks' MIDI items in the time selection are the context, cut to it, each with its role
(saved on the track, else guessed from its name and notes: the rule shared with the Max device,
tests/data/track_roles.json); the part lands on the selected track as a new item, as new takes of
an item that spans the selection, or on a new track below one that covers only part of it, in
one undo block, and nothing else changes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from reaper_fake.checks import PPQ, configure, expected_ticks, landed, the_answer
from test_accompany_support import BASS_UNDER_CHORDS, BASS_UNDER_MELODY, accomp_daemon
from test_reaper_actions import assert_temp_files_gone, assert_unchanged, free_port

ACCOMPANY = "Cadenza - Accompany selected track from the other tracks.lua"
TITLE = "Cadenza: Accompany the other tracks"
CASES = json.loads((Path(__file__).parent / "data" / "track_roles.json").read_text())["cases"]

# tests/test_accompany_support.py's two bars in A minor, as (pitch, start_qn, length_qn, velocity):
MELODY = [(69, 0.0, 1.0, 90), (72, 1.0, 1.0, 90), (76, 2.0, 2.0, 90), (74, 4.0, 2.0, 90), (71, 6.0, 2.0, 90)]
CHORDS = [(p, 0.0, 4.0, 70) for p in (57, 60, 64)] + [(p, 4.0, 4.0, 70) for p in (55, 59, 62)]
# kick and snare on channel 10: the lowest notes of all, but drums, so never the bass
BEAT = [(36 if i % 2 == 0 else 38, float(i), 0.25, 100, 9) for i in range(8)]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with accomp_daemon(tmp_path_factory.mktemp("reaper-accomp")) as d:
        yield d


def takes_of(item):
    return [(t.name, [n.key() for n in t.notes]) for t in item.takes]


def context_files(s):
    """{role: clip} of the --context files the action wrote, in the command's order."""
    cmd = s.api.commands[0]
    roles = [a.split("=", 1)[0] for a in cmd.split(" --context ")[1:]]
    return list(zip([r.strip("'\"") for r in roles], (json.loads(x) for x in s.api.inputs)))


def assert_one_block(s):
    assert [b["name"] for b in s.api.undo_blocks] == [TITLE] and s.api.changes_outside_undo == []
    assert "MIDI_InsertNote" in s.api.undo_blocks[0]["changes"] and "track ext" in s.api.undo_blocks[0]["changes"]
    assert s.api.messages == []


def test_a_bass_for_the_melody_and_drums_lands_as_a_new_item_over_the_time_selection(reaper, served, tmp_path):
    # 120 BPM 4/4: one bar is 2 s. The selection is bars 2-3 (2 s .. 6 s, QN 4 .. 12).
    tune = reaper.api.add_track("Tune")
    beat = reaper.api.add_track("1-MIDI")   # no word in the name: channel 10 says drums
    pads = reaper.api.add_track("Pads", muted=True)
    bass = reaper.api.add_track("Bass", selected=True)
    later = reaper.api.add_track("Far")
    # The tune starts a bar early (QN 0): its bar 2 onwards is the context, cut to the selection.
    t_item = reaper.api.add_midi_item(tune, 0.0, 6.0, [(60, 0.0, 4.0, 80)] + [(p, s + 4, d, v) for p, s, d, v in MELODY])
    b_item = reaper.api.add_midi_item(beat, 2.0, 4.0, BEAT)
    reaper.api.add_midi_item(pads, 2.0, 4.0, CHORDS)
    reaper.api.add_midi_item(later, 20.0, 4.0, CHORDS)
    before = [(i, takes_of(i)) for i in (t_item, b_item)]
    reaper.api.time_sel = (2.0, 6.0)
    configure(reaper, port=served.port, variations=1, seed=5)
    reaper.api.dialog_answers = ["bass||"]
    reaper.run_script(ACCOMPANY)

    (title, captions, values), = reaper.api.dialogs
    assert title == TITLE and values == "bass||" and "Part to write" in captions  # "Bass": the track's name says bass
    cmd = reaper.api.commands[0]
    assert " accompany " in cmd and "--role bass" in cmd and "--seed 5" in cmd and "--model" not in cmd
    assert "--fit" not in cmd, "a blank Fit leaves the model's"
    sent = context_files(reaper)
    assert [r for r, _ in sent] == ["melody", "drums"], "Pads is muted and Far lies outside the selection"
    melody, drums = (c for _, c in sent)
    assert melody == {"notes": [list(n) for n in MELODY], "length_beats": 8.0, "meter": "4/4", "tempo": 120}
    assert drums["notes"] == [[p, s, d, v] for p, s, d, v, _ in BEAT]

    (item,) = bass.items
    assert (item.position, item.length) == pytest.approx((2.0, 4.0))
    (take,) = item.takes
    assert take.name == "Cadenza bass" and take.length_ticks == 8 * PPQ
    answer = the_answer(reaper)
    assert answer["variations"][0]["notes"] == BASS_UNDER_MELODY
    assert landed(take) == expected_ticks(BASS_UNDER_MELODY, 8.0)
    assert take.sort_calls == 1 and take.unsorted_inserts == 0 and item.selected
    assert bass.ext == {"P_EXT:cadenza_role": "bass"}, "the track now says what it plays"
    assert [(i, takes_of(i)) for i in (t_item, b_item)] == before and len(reaper.api.tracks) == 5
    assert_one_block(reaper)
    assert reaper.api.ext[("Cadenza", "accompany_role")] == "bass"
    assert_temp_files_gone(tmp_path)


def test_an_item_spanning_the_selection_gets_new_takes_and_keeps_its_own(reaper, served):
    keys = reaper.api.add_track("Keys")
    keys.ext["P_EXT:cadenza_role"] = "chords"  # a part written before: saved wins over the name
    tune = reaper.api.add_track("Tune")
    low = reaper.api.add_track("Low", selected=True)
    reaper.api.add_midi_item(keys, 0.0, 4.0, CHORDS)
    reaper.api.add_midi_item(tune, 0.0, 4.0, MELODY)
    mine = reaper.api.add_midi_item(low, 0.0, 8.0, [(40, 0.0, 1.0, 70)], name="mine")  # spans QN 0 .. 16
    mine_before = takes_of(mine)
    reaper.api.time_sel = (0.0, 4.0)
    configure(reaper, port=served.port, variations=2)
    reaper.api.dialog_answers = ["bass|1.5|accomp"]
    reaper.run_script(ACCOMPANY)

    assert "--model accomp" in reaper.api.commands[0] and "--variations 2" in reaper.api.commands[0]
    assert "--fit 1.5" in reaper.api.commands[0]
    assert reaper.api.ext[("Cadenza", "accompany_fit")] == "1.5", "the answer is the next default"
    assert [r for r, _ in context_files(reaper)] == ["chords", "melody"]
    assert low.items == [mine]
    assert takes_of(mine)[0] == mine_before[0], "the user's take is kept as it was"
    assert [t.name for t in mine.takes] == ["mine", "Cadenza bass 1", "Cadenza bass 2"] and mine.active == 1
    for k, take in enumerate(mine.takes[1:]):
        want = [[p, s, d, 80 + k] for p, s, d, _ in BASS_UNDER_CHORDS]
        assert landed(take) == expected_ticks(want, 8.0)
    assert_one_block(reaper)


def test_an_item_over_part_of_the_selection_sends_the_part_to_a_new_track_below(reaper, served):
    tune = reaper.api.add_track("Tune")
    bass = reaper.api.add_track("Bass", selected=True)
    pads = reaper.api.add_track("Pads")
    reaper.api.add_midi_item(tune, 0.0, 4.0, MELODY)
    part = reaper.api.add_midi_item(bass, 2.0, 4.0, [(40, 0.0, 1.0, 70)])  # from the middle of the selection
    before = takes_of(part)
    reaper.api.time_sel = (0.0, 4.0)
    configure(reaper, port=served.port)
    reaper.api.dialog_answers = ["bass||"]
    reaper.run_script(ACCOMPANY)
    assert [t.name for t in reaper.api.tracks] == ["Tune", "Bass", "Cadenza bass", "Pads"]
    new = reaper.api.tracks[2]
    (item,) = new.items
    assert (item.position, item.length) == pytest.approx((0.0, 4.0))
    assert landed(item.takes[0]) == expected_ticks(BASS_UNDER_MELODY, 8.0)
    assert bass.items == [part] and takes_of(part) == before and bass.ext == {}
    assert new.ext == {"P_EXT:cadenza_role": "bass"}
    assert_one_block(reaper)


@pytest.mark.parametrize("arrange, needle", [
    ("no track", "Select the track to write the part on"),
    ("no selection", "Make a time selection"),
    ("nothing else", "No other track has MIDI notes in the time selection (muted, so left out: Pads)"),
])
def test_refusals_change_nothing_and_start_nothing(reaper, arrange, needle):
    mine = reaper.api.add_track("Bass", selected=arrange != "no track")
    pads = reaper.api.add_track("Pads", muted=True)
    reaper.api.add_midi_item(pads, 0.0, 4.0, CHORDS)
    if arrange != "nothing else":
        reaper.api.add_midi_item(reaper.api.add_track("Tune"), 0.0, 4.0, MELODY)
    reaper.api.add_midi_item(mine, 10.0, 2.0, [(40, 0.0, 1.0, 70)])
    reaper.api.time_sel = (0.0, 0.0) if arrange == "no selection" else (0.0, 4.0)
    configure(reaper, port=free_port(), exe="/bin/true")
    before = reaper.api.snapshot()
    reaper.run_script(ACCOMPANY)
    assert_unchanged(reaper, before, needle)
    assert reaper.api.commands == [] and reaper.api.dialogs == []


def test_the_daemons_refusal_is_shown_and_nothing_changes(reaper, served):
    tune = reaper.api.add_track("Tune")
    reaper.api.add_track("Lead", selected=True)
    reaper.api.add_midi_item(tune, 0.0, 4.0, MELODY)
    reaper.api.time_sel = (0.0, 4.0)
    configure(reaper, port=served.port, accompany_role="melody", accompany_fit="", accompany_model="")  # the dialog's answer, saved
    reaper.api.dialog_answers = ["melody||"]  # the tune's own role, and nothing else to fit
    before = reaper.api.snapshot()
    reaper.run_script(ACCOMPANY)
    assert_unchanged(reaper, before, "already plays melody", "(bad_request)")


def test_the_role_guess_agrees_with_the_shared_cases(reaper):
    """tests/data/track_roles.json: the same cases the Max device's guessRole is tested against."""
    lua = reaper.lua
    context = lua.execute(f"return dofile({json.dumps(str(Path(__file__).parent.parent / 'reaper_scripts' / 'Cadenza' / 'cadenza' / 'context.lua'))})")
    for c in CASES:
        notes = lua.table_from([lua.table_from(n) for n in c["notes"]])
        assert context.guess_role(c["name"], notes, c["drums"]) == c["role"], c


ACC_MODEL = Path(os.environ.get("CADENZA_ACC_MODEL", Path(__file__).resolve().parent.parent / "models" / "transformer"))


@pytest.mark.skipif(not (ACC_MODEL / "config.json").is_file(), reason=f"no trained accompany model at {ACC_MODEL}")
def test_the_trained_accompany_model_writes_a_bass_item_over_the_selection(reaper, daemon_factory, tmp_path):
    """The trained model (the shipped transformer; its notes are not known by hand): the contract only."""
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "acc").symlink_to(ACC_MODEL.resolve())
    d = daemon_factory(models_dir=folder)
    tune = reaper.api.add_track("Tune")
    bass = reaper.api.add_track("Bass", selected=True)
    reaper.api.add_midi_item(tune, 0.0, 4.0, MELODY)
    reaper.api.time_sel = (0.0, 4.0)
    configure(reaper, port=d.port)
    reaper.api.dialog_answers = ["bass||"]
    reaper.run_script(ACCOMPANY)
    (item,) = bass.items
    assert (item.position, item.length) == pytest.approx((0.0, 4.0))
    answer = the_answer(reaper)
    assert answer["model"] == "acc" and answer["context"] == ["melody"]
    assert item.takes[0].notes and landed(item.takes[0]) == expected_ticks(answer["variations"][0]["notes"], 8.0)
    assert_one_block(reaper)
