"""'Cadenza - Groove selected MIDI item' and 'Cadenza - Drumify selected MIDI item' under Lua 5.4
against the fake REAPER API, with the real `cadenza` CLI and a real daemon on loopback serving the
shipped models/groove, models/gan and models/markov alone (`--only`). Groove: the item's notes go
up, its dialog (what it plays, amount, swing, feel, model) is asked, and the grooved notes land as
a new take of the item (same pitches and count), the user's take kept, in one undo block.
Drumify: a new "Drums" track right below, a new item at the item's place and length on channel
10, hits on the item's onsets; the item itself untouched."""

from __future__ import annotations

import json

import pytest
from conftest import MODELS, start_daemon, stop_daemon
from reaper_fake.checks import PPQ, configure, expected_ticks, landed, the_answer
from test_reaper_actions import assert_temp_files_gone, assert_unchanged, free_port

GROOVE = "Cadenza - Groove selected MIDI item.lua"
DRUMIFY = "Cadenza - Drumify selected MIDI item.lua"
# one bar of beat on channel 10 (kick, hat, snare, hat in eighths), as (pitch, start_qn, length_qn, velocity, channel)
BEAT = [((36, 42, 38, 42)[i % 4], i * 0.5, 0.25, 100, 9) for i in range(8)]
TUNE = [(69, 0.0, 1.0, 90), (72, 1.0, 0.5, 90), (76, 1.5, 0.5, 90), (74, 2.0, 2.0, 90)]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engines")
    for name in ("groove", "gan", "markov"):
        (folder / name).symlink_to(MODELS / name)
    d = start_daemon(folder, tmp_path_factory.mktemp("engines-log") / "daemon.log", only=True)
    yield d
    stop_daemon(d)


def assert_one_block(s, title):
    assert [b["name"] for b in s.api.undo_blocks] == [title]
    assert s.api.changes_outside_undo == [] and s.api.messages == []


def test_groove_adds_a_take_with_the_same_pitches_and_count_and_keeps_the_original(reaper, served, tmp_path):
    track = reaper.api.add_track("Kit")
    item = reaper.api.add_midi_item(track, 2.0, 2.0, BEAT, name="beat", selected=True)  # 1 bar at 120 BPM
    before = [n.key() for n in item.takes[0].notes]
    configure(reaper, served, seed=3)
    reaper.api.dialog_answers = ["drums|0.8|0.5|funk|"]
    reaper.run_script(GROOVE)

    (title, captions, values), = reaper.api.dialogs
    assert title == "Cadenza: Groove selected MIDI item" and "Amount" in captions and "Swing" in captions
    assert values.startswith("drums|"), "channel 10: the item plays drums"
    cmd = reaper.api.commands[0]
    assert " groove " in cmd and "--role drums --amount 0.8 --swing 0.5" in cmd and "--style funk" in cmd
    assert "--seed 3" in cmd and "--in " in cmd
    assert "--model" not in cmd, "the Settings model (markov) cannot groove: the daemon picks the one that can"
    assert not any(f in cmd for f in ("--key", "--mood", "--bars", "--prompt")), "groove keeps the clip's own"
    assert [n[:4] for n in json.loads(reaper.api.inputs[0])["notes"]] == [list(n[:4]) for n in BEAT]

    answer = the_answer(reaper)
    assert answer["model"] == "groove"
    assert len(track.items) == 1 and len(item.takes) == 2 and item.active == 1
    original, new = item.takes
    assert original.name == "beat" and [n.key() for n in original.notes] == before, "the user's take is kept"
    assert new.name == "Cadenza groove" and new.length_ticks == 4 * PPQ
    assert landed(new, channel=9) == expected_ticks(answer["variations"][0]["notes"], 4.0)
    assert sorted(n.pitch for n in new.notes) == sorted(n[0] for n in BEAT), "pitches and count unchanged"
    assert {(n.start, n.vel) for n in new.notes} != {(n.start, n.vel) for n in original.notes}, "timing or velocity moved"
    hats = [n.start % PPQ for n in new.notes if n.pitch == 42]
    assert all(h > PPQ // 2 for h in hats), f"swing 0.5 delays the off-beat eighths: {hats}"
    assert_one_block(reaper, "Cadenza: Groove selected MIDI item")
    assert_temp_files_gone(tmp_path)
    assert reaper.api.ext[("Cadenza", "groove_swing")] == "0.5", "the answers are the next defaults"


def test_groove_cancelled_changes_nothing(reaper, served):
    track = reaper.api.add_track("Bass")
    reaper.api.add_midi_item(track, 0.0, 2.0, TUNE, selected=True)
    configure(reaper, served)
    reaper.api.dialog_answers = [None]  # Cancel
    before = reaper.api.snapshot()
    reaper.run_script(GROOVE)
    assert reaper.api.dialogs[0][2].startswith("bass|"), "the track's name says what it plays"
    assert reaper.api.snapshot() == before and reaper.api.commands == [] and reaper.api.messages == []


def test_groove_of_an_empty_item(reaper):
    track = reaper.api.add_track("Kit")
    reaper.api.add_midi_item(track, 0.0, 2.0, [], selected=True)
    configure(reaper, port=free_port())
    before = reaper.api.snapshot()
    reaper.run_script(GROOVE)
    assert_unchanged(reaper, before, "no notes to groove")
    assert reaper.api.commands == [] and reaper.api.dialogs == []


def test_drumify_writes_a_new_drums_track_below_with_hits_on_the_onsets(reaper, served, tmp_path):
    lead = reaper.api.add_track("Lead")
    below = reaper.api.add_track("Pad")
    item = reaper.api.add_midi_item(lead, 2.0, 2.0, TUNE, name="tune", selected=True)
    before = [n.key() for n in item.takes[0].notes]
    configure(reaper, served, seed=5, role="melody", key="A minor")
    reaper.run_script(DRUMIFY)

    cmd = reaper.api.commands[0]
    assert " drumify " in cmd and "--strength 0.5" in cmd and "--in " in cmd
    assert not any(f in cmd for f in ("--role", "--key", "--preserve")), "drumify is restyle role drums preserve rhythm"
    assert [t.name for t in reaper.api.tracks] == ["Lead", "Drums", "Pad"], "a new track right below the item's"
    drums = reaper.api.tracks[1]
    (new,) = drums.items
    assert (new.position, new.length) == pytest.approx((2.0, 2.0)), "the item's place and length"
    (take,) = new.takes
    assert take.name == "Cadenza drums"
    answer = the_answer(reaper)
    assert landed(take, channel=9) == expected_ticks(answer["variations"][0]["notes"], 4.0)
    assert {n.start for n in take.notes} == {round(n[1] * PPQ) for n in TUNE}, "every onset hit, every hit on an onset"
    assert len(lead.items) == 1 and len(item.takes) == 1 and [n.key() for n in item.takes[0].notes] == before
    assert below.items == []
    assert_one_block(reaper, "Cadenza: Drumify selected MIDI item")
    assert_temp_files_gone(tmp_path)
