"""'Cadenza - Band loop on the selected tracks' under Lua 5.4 against the fake REAPER API, with the
real `cadenza` CLI (`cadenza generate --roles ...`) and a real daemon on loopback serving the
shipped models/gan, models/groove and models/markov alone (the `served` fixture of
test_reaper_groove.py). One new item per part, on the selected track that plays it (saved role,
name, notes), else a selected track that says nothing, else a new track below the last selected
one; in the time selection or at the edit cursor for Bars bars; one undo block; existing items kept."""

from __future__ import annotations

import pytest
from reaper_fake.checks import PPQ, configure, expected_ticks, landed, the_answer
from test_reaper_actions import assert_temp_files_gone
from test_reaper_groove import served  # noqa: F401 (a fixture; `reaper` is conftest.py's)

BAND = "Cadenza - Band loop on the selected tracks.lua"
TITLE = "Cadenza: Band loop on the selected tracks"


def by_role(answer):
    out = {}
    for v in answer["variations"]:
        out.setdefault(v["role"], []).append(v)
    return out


def test_band_writes_one_item_per_part_on_the_tracks_that_play_it_and_new_ones(reaper, served, tmp_path):  # noqa: F811
    kit = reaper.api.add_track("Drum Kit", selected=True)
    low = reaper.api.add_track("Synth", selected=True)  # its notes are low: a bass
    old = reaper.api.add_midi_item(low, 20.0, 2.0, [(36, 0.0, 1.0, 90), (40, 1.0, 1.0, 90)], name="old bass")
    spare = reaper.api.add_track("Track 3", selected=True)  # says nothing: takes a part left over
    other = reaper.api.add_track("Vocals")  # not selected: never written
    reaper.api.time_sel = (4.0, 8.0)  # 2 bars of 4/4 at 120 BPM, from bar 3
    configure(reaper, served, seed=4, bars=4)
    reaper.api.dialog_answers = ["drums bass chords melody|"]
    reaper.run_script(BAND)

    (title, captions, values), = reaper.api.dialogs
    assert title == TITLE and values == "drums bass chords melody|"
    cmd = reaper.api.commands[0]
    assert " generate " in cmd and "--roles drums,bass,chords,melody" in cmd and "--bars 2 --meter 4/4 --tempo 120" in cmd
    assert "--role " not in cmd and "--model" not in cmd, "the Settings model (markov) cannot: the daemon picks gan"
    answer = the_answer(reaper)
    assert answer["model"] == "gan" and answer["roles"] == ["drums", "bass", "chords", "melody"]
    parts = by_role(answer)

    names = [t.name for t in reaper.api.tracks]
    assert names == ["Drum Kit", "Synth", "Track 3", "Cadenza melody", "Vocals"], "one new track, below the last selected"
    placed = {"drums": kit, "bass": low, "chords": spare, "melody": reaper.api.tracks[3]}
    for part, track in placed.items():
        new = [i for i in track.items if i is not old]
        assert len(new) == 1, part
        (item,) = new
        assert (item.position, item.length) == pytest.approx((4.0, 4.0)), part
        (take,) = item.takes
        assert take.name == f"Cadenza {part}" and take.length_ticks == 8 * PPQ
        assert landed(take, channel=9 if part == "drums" else 0) == expected_ticks(parts[part][0]["notes"], 8.0), part
        assert take.notes, f"{part}: the model wrote notes"
        assert track.ext.get("P_EXT:cadenza_role") == part, "what the track plays now, for Accompany"
    assert old.takes[0].name == "old bass" and len(old.takes[0].notes) == 2, "existing items kept"
    assert other.items == []
    assert [b["name"] for b in reaper.api.undo_blocks] == [TITLE]
    assert reaper.api.changes_outside_undo == [] and reaper.api.messages == []
    assert_temp_files_gone(tmp_path)


def test_band_parts_ticked_at_the_edit_cursor_with_takes_and_no_selected_track(reaper, served):  # noqa: F811
    first = reaper.api.add_track("Lead")
    reaper.api.cursor = 5.0  # inside bar 3 (starts at 4.0 s)
    configure(reaper, served, bars=1, variations=2)
    reaper.api.dialog_answers = ["bass drums bass|gan"]
    reaper.run_script(BAND)
    cmd = reaper.api.commands[0]
    assert "--roles bass,drums" in cmd and "--bars 1" in cmd and "--model gan" in cmd and "--variations 2" in cmd
    assert reaper.api.ext[("Cadenza", "band_parts")] == "bass drums", "the answer, cleaned, is the next default"
    assert [t.name for t in reaper.api.tracks] == ["Lead", "Cadenza bass", "Cadenza drums"]
    parts = by_role(the_answer(reaper))
    for track, part in zip(reaper.api.tracks[1:], ("bass", "drums")):
        (item,) = track.items
        assert (item.position, item.length) == pytest.approx((4.0, 2.0))
        assert [t.name for t in item.takes] == [f"Cadenza {part} 1", f"Cadenza {part} 2"]
        for take, v in zip(item.takes, parts[part]):
            assert landed(take, channel=9 if part == "drums" else 0) == expected_ticks(v["notes"], 4.0)
    assert first.items == []


def test_band_cancelled_or_with_a_wrong_part(reaper, served):  # noqa: F811
    reaper.api.add_track("Keys", selected=True)
    configure(reaper, served)
    before = reaper.api.snapshot()
    reaper.api.dialog_answers = ["drums tuba|", None]  # a part no band has, then Cancel
    reaper.run_script(BAND)
    assert len(reaper.api.dialogs) == 2 and "tuba" in reaper.api.messages[0][1]
    assert reaper.api.snapshot() == before and reaper.api.commands == [] and reaper.api.undo_blocks == []
