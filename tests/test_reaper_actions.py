"""Each Cadenza REAPER action end to end: the Lua script runs under Lua 5.4 against the fake
REAPER API, starts the real `cadenza` CLI, which talks to a real daemon (the `daemon` fixture),
and the notes that land are checked against the answer the CLI wrote: track, take, tick
position and length, and one undo block named after the action. The failure paths (nothing
selected, daemon down, malformed answer, timeout, program missing) must show a message and
leave the project exactly as it was."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest
from reaper_fake import ReaperSession, TempoMap
from reaper_fake.checks import PPQ, cadenza_exe, configure, expected_ticks, landed, the_answer

GENERATE = "Cadenza - Generate at edit cursor.lua"
CONTINUE = "Cadenza - Continue selected MIDI item.lua"
RESTYLE = "Cadenza - Restyle selected MIDI item.lua"
INFILL = "Cadenza - Infill time selection.lua"


def assert_one_undo_block(s: ReaperSession, title: str, takes):
    assert [b["name"] for b in s.api.undo_blocks] == [title]
    assert s.api.changes_outside_undo == []
    assert "MIDI_InsertNote" in s.api.undo_blocks[0]["changes"]
    for take in takes:
        assert take.unsorted_inserts == 0, "notes must be inserted with noSort = true"
        assert take.sort_calls == 1 and take.sorted, "one MIDI_Sort per take, after the inserts"
    assert s.api.messages == []


def assert_temp_files_gone(tmp_path):
    assert list((tmp_path / "tmp").glob("cadenza-*")) == []


# ---- the four actions, for real ------------------------------------------------------------

def test_generate_lands_on_the_selected_track_at_the_bar_with_the_project_meter(reaper, daemon, tmp_path):
    # 4 bars of 4/4 at 120 BPM (8 s), then 3/4 at 90 BPM: one bar is 2 s there.
    reaper.api.tempo = TempoMap([(0.0, 120, 4, 4), (8.0, 90, 3, 4)])
    other = reaper.api.add_track("Drums")
    keys = reaper.api.add_track("Keys", selected=True)
    reaper.api.cursor = 11.3  # inside the bar starting at 10.0 s (bar 5, quarter note 19)
    configure(reaper, daemon, bars=3, variations=2, temperature=0.8, style="", mood="calm")
    reaper.run_script(GENERATE)

    cmd = reaper.api.commands[0]
    assert " generate " in cmd and "--bars 3 --meter 3/4 --tempo 90" in cmd and "--mood calm" in cmd
    assert "--temperature 0.8 --variations 2" in cmd
    if (Path(daemon.models_dir) / "markov").is_dir():
        assert "--model markov" in cmd
    assert other.items == [] and len(keys.items) == 1
    item = keys.items[0]
    assert (item.position, item.length) == pytest.approx((10.0, 6.0))  # 3 bars of 3/4 at 90 BPM
    assert item.selected and len(item.takes) == 2 and item.active == 0
    answer = the_answer(reaper)
    assert len(answer["variations"]) == 2
    for take, var in zip(item.takes, answer["variations"]):
        assert take.length_ticks == 9 * PPQ
        assert landed(take) == expected_ticks(var["notes"], 9.0)
        assert take.notes, "the model wrote notes"
    assert [t.name for t in item.takes] == ["Cadenza 1", "Cadenza 2"]
    assert_one_undo_block(reaper, "Cadenza: Generate at edit cursor", item.takes)
    assert_temp_files_gone(tmp_path)


def test_generate_fills_the_time_selection(reaper, daemon):
    keys = reaper.api.add_track("Keys", selected=True)
    reaper.api.time_sel = (4.0, 12.0)  # 4 bars of 4/4 at 120 BPM, from bar 3
    reaper.api.cursor = 30.0
    configure(reaper, daemon, bars=2, role="bass")
    reaper.run_script(GENERATE)
    assert "--bars 4 --meter 4/4 --tempo 120" in reaper.api.commands[0] and "--role bass" in reaper.api.commands[0]
    (item,) = keys.items
    assert (item.position, item.length) == pytest.approx((4.0, 8.0))
    (take,) = item.takes
    assert take.name == "Cadenza"
    assert landed(take) == expected_ticks(the_answer(reaper)["variations"][0]["notes"], 16.0)
    assert_one_undo_block(reaper, "Cadenza: Generate at edit cursor", [take])


def test_generate_drums_go_to_channel_10(reaper, daemon):
    track = reaper.api.add_track("Beat", selected=True)
    configure(reaper, daemon, role="drums", bars=1)
    reaper.run_script(GENERATE)
    (take,) = track.items[0].takes
    assert landed(take, channel=9) == expected_ticks(the_answer(reaper)["variations"][0]["notes"], 4.0)


SOURCE_NOTES = [(62, 0.0, 1.0, 90), (65, 1.0, 0.5, 80), (69, 1.5, 0.5, 85), (67, 2.0, 2.0, 70),
                (65, 4.0, 1.0, 90), (64, 5.0, 1.0, 80), (62, 6.0, 2.0, 75)]


def test_continue_sends_the_item_and_puts_the_answer_right_after_it(reaper, daemon, tmp_path):
    melody = reaper.api.add_track("Melody")  # not selected: Continue follows the item, not the track
    item = reaper.api.add_midi_item(melody, 2.0, 4.0, SOURCE_NOTES, name="verse", selected=True)
    configure(reaper, daemon, bars=2)
    reaper.run_script(CONTINUE)

    sent = json.loads(reaper.api.inputs[0])
    assert sent == {"notes": [list(n) for n in SOURCE_NOTES], "length_beats": 8.0, "meter": "4/4", "tempo": 120}
    assert " continue " in reaper.api.commands[0] and "--bars 2" in reaper.api.commands[0]
    assert len(melody.items) == 2
    new = melody.items[1]
    assert (new.position, new.length) == pytest.approx((6.0, 4.0))  # right after, 2 bars
    assert new.selected and not item.selected  # so running Continue again keeps going
    (take,) = new.takes
    assert landed(take) == expected_ticks(the_answer(reaper)["variations"][0]["notes"], 8.0)
    assert [(n.start, n.pitch) for n in item.takes[0].notes][:2] == [(0, 62), (960, 65)]  # source untouched
    assert_one_undo_block(reaper, "Cadenza: Continue selected MIDI item", [take])
    assert_temp_files_gone(tmp_path)


def test_restyle_adds_one_take_per_variation_and_keeps_the_original(reaper, daemon):
    track = reaper.api.add_track("Melody")
    item = reaper.api.add_midi_item(track, 2.0, 4.0, SOURCE_NOTES, name="original", selected=True)
    before = [n.key() for n in item.takes[0].notes]
    configure(reaper, daemon, variations=3, strength=0.8, style="")
    reaper.run_script(RESTYLE)

    cmd = reaper.api.commands[0]
    assert " restyle " in cmd and "--strength 0.8" in cmd and "--variations 3" in cmd and "--in " in cmd
    assert json.loads(reaper.api.inputs[0])["notes"] == [list(n) for n in SOURCE_NOTES]
    assert len(track.items) == 1 and len(item.takes) == 4
    original, *new = item.takes
    assert original.name == "original" and [n.key() for n in original.notes] == before
    assert [t.name for t in new] == ["Cadenza restyle 1", "Cadenza restyle 2", "Cadenza restyle 3"]
    assert item.active == 1
    for take, var in zip(new, the_answer(reaper)["variations"]):
        assert take.length_ticks == 8 * PPQ
        assert landed(take) == expected_ticks(var["notes"], 8.0)
    assert_one_undo_block(reaper, "Cadenza: Restyle selected MIDI item", new)


def test_infill_regenerates_the_selected_bars_as_a_new_take(reaper, daemon):
    track = reaper.api.add_track("Melody")
    notes = SOURCE_NOTES + [(n[0] + 2, n[1] + 8.0, n[2], n[3]) for n in SOURCE_NOTES]
    item = reaper.api.add_midi_item(track, 2.0, 8.0, notes, name="tune", selected=True)  # 4 bars
    reaper.api.time_sel = (4.1, 5.9)  # inside bar 1 of the item (0-based): bars 1..2
    configure(reaper, daemon)
    reaper.run_script(INFILL)

    cmd = reaper.api.commands[0]
    assert " infill " in cmd and "--start-bar 1 --end-bar 2" in cmd
    assert json.loads(reaper.api.inputs[0])["length_beats"] == 16.0
    assert len(item.takes) == 2 and item.active == 1
    assert [n.key() for n in item.takes[0].notes] == sorted(
        [(round(s * PPQ), p, round((s + d) * PPQ), 0, v, False) for p, s, d, v in notes])
    new = item.takes[1]
    assert new.name == "Cadenza infill"
    assert landed(new) == expected_ticks(the_answer(reaper)["variations"][0]["notes"], 16.0)
    assert_one_undo_block(reaper, "Cadenza: Infill time selection", [new])


def test_first_run_finds_cadenza_in_home_local_bin(reaper, daemon, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "cadenza").symlink_to(cadenza_exe())
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", "/nonexistent")
    track = reaper.api.add_track("Keys", selected=True)
    reaper.api.ext[("Cadenza", "port")] = str(daemon.port)  # the test daemon's port; nothing else set
    reaper.run_script(GENERATE)
    assert reaper.api.commands[0].startswith(str(home / ".local" / "bin" / "cadenza") + " generate ")
    (take,) = track.items[0].takes
    assert landed(take) == expected_ticks(the_answer(reaper)["variations"][0]["notes"], 16.0)


# ---- failure paths: a message, and nothing changed -----------------------------------------

def assert_unchanged(s: ReaperSession, before, *needles):
    assert s.api.snapshot() == before
    assert s.api.undo_blocks == [] and s.api.changes_outside_undo == []
    assert len(s.api.messages) == 1, s.api.messages
    for needle in needles:
        assert needle in s.api.messages[0][1], s.api.messages[0][1]


def free_port() -> int:
    with socket.socket() as a:
        a.bind(("127.0.0.1", 0))
        return a.getsockname()[1]


def test_generate_without_a_selected_track(reaper):
    reaper.api.add_track("Keys")
    configure(reaper, port=free_port())
    before = reaper.api.snapshot()
    reaper.run_script(GENERATE)
    assert_unchanged(reaper, before, "Select a track first")
    assert reaper.api.commands == []


@pytest.mark.parametrize("script", [CONTINUE, RESTYLE, INFILL])
def test_item_actions_without_a_selected_midi_item(reaper, script):
    track = reaper.api.add_track("Keys", selected=True)
    reaper.api.add_midi_item(track, 0.0, 2.0, SOURCE_NOTES[:2])  # not selected
    reaper.api.time_sel = (0.0, 2.0)
    configure(reaper, port=free_port())
    before = reaper.api.snapshot()
    reaper.run_script(script)
    assert_unchanged(reaper, before, "Select a MIDI item first")
    assert reaper.api.commands == []


@pytest.mark.parametrize("script", [CONTINUE, RESTYLE, INFILL])
def test_item_actions_refuse_an_audio_item(reaper, script):
    track = reaper.api.add_track("Voice")
    reaper.api.add_midi_item(track, 0.0, 2.0, audio=True, selected=True)
    reaper.api.time_sel = (0.0, 2.0)
    configure(reaper, port=free_port())
    before = reaper.api.snapshot()
    reaper.run_script(script)
    assert_unchanged(reaper, before, "not MIDI")


@pytest.mark.parametrize("sel, needle", [((0.0, 0.0), "Make a time selection"),
                                         ((20.0, 24.0), "does not cover any bar")])
def test_infill_needs_a_time_selection_over_the_item(reaper, sel, needle):
    track = reaper.api.add_track("Keys")
    reaper.api.add_midi_item(track, 2.0, 8.0, SOURCE_NOTES, selected=True)
    reaper.api.time_sel = sel
    configure(reaper, port=free_port())
    before = reaper.api.snapshot()
    reaper.run_script(INFILL)
    assert_unchanged(reaper, before, needle)


def test_restyle_of_an_empty_item(reaper):
    track = reaper.api.add_track("Keys")
    reaper.api.add_midi_item(track, 2.0, 8.0, [], selected=True)
    configure(reaper, port=free_port())
    before = reaper.api.snapshot()
    reaper.run_script(RESTYLE)
    assert_unchanged(reaper, before, "no notes to restyle")


@pytest.mark.parametrize("script", [GENERATE, CONTINUE, RESTYLE, INFILL])
def test_daemon_down_says_how_to_start_it(reaper, script, tmp_path):
    track = reaper.api.add_track("Keys", selected=True)
    reaper.api.add_midi_item(track, 2.0, 4.0, SOURCE_NOTES, selected=True)
    reaper.api.time_sel = (2.0, 4.0)
    port = free_port()  # nothing listens there
    configure(reaper, port=port, timeout=5)  # a CLI usage error (no answer) would fail in 20 s
    reaper.api.box_answers = ["no"]  # "Start it now?" No: nothing is started
    before = reaper.api.snapshot()
    reaper.run_script(script)
    assert_unchanged(reaper, before, "not running", f"cadenza serve --host 127.0.0.1 --port {port}", "Start it now?")
    assert len(reaper.api.questions) == 1
    assert not any(" serve " in c for c in reaper.api.commands), reaper.api.commands
    assert json.loads(next(iter(reaper.api.answers.values())))["error"]["code"] == "unavailable"
    assert_temp_files_gone(tmp_path)


BAD_ANSWERS = {
    "not json": "Traceback (most recent call last):\n  boom",
    "bad note": json.dumps({"ok": True, "variations": [{"notes": [[60, 0.0, 1.0, 90], [200, 1.0, 1.0, 90]]}]}),
    "no variations": json.dumps({"ok": True, "variations": []}),
    "no ok": json.dumps({"variations": [{"notes": [[60, 0.0, 1.0, 90]]}]}),
}


def fake_cli(tmp_path, body: str) -> str:
    """A stand-in `cadenza` program that writes `body` to its --out file (atomically)."""
    path = tmp_path / "bad cadenza"
    path.write_text(f"#!{sys.executable}\nimport os, sys\nout = sys.argv[sys.argv.index('--out') + 1]\n"
                    f"open(out + '.tmp', 'w').write({body!r})\nos.replace(out + '.tmp', out)\n")
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize("kind", sorted(BAD_ANSWERS))
@pytest.mark.parametrize("script", [GENERATE, RESTYLE])
def test_malformed_answer_changes_nothing(reaper, tmp_path, kind, script):
    track = reaper.api.add_track("Keys", selected=True)
    reaper.api.add_midi_item(track, 2.0, 4.0, SOURCE_NOTES, selected=True)
    configure(reaper, port=free_port(), exe=fake_cli(tmp_path, BAD_ANSWERS[kind]))
    before = reaper.api.snapshot()
    reaper.run_script(script)
    assert_unchanged(reaper, before, "The project was not changed")
    assert_temp_files_gone(tmp_path)


def test_timeout_ends_with_a_message(reaper, tmp_path):
    silent = tmp_path / "silent cadenza"
    silent.write_text("#!/bin/sh\nsleep 30\n")
    silent.chmod(0o755)
    track = reaper.api.add_track("Keys")
    reaper.api.add_midi_item(track, 2.0, 4.0, SOURCE_NOTES, selected=True)
    configure(reaper, port=free_port(), exe=str(silent), timeout=5)
    reaper.clock_speed = 50.0  # 20 s of REAPER time pass in well under a second
    before = reaper.api.snapshot()
    reaper.run_script(CONTINUE)
    assert_unchanged(reaper, before, "did not answer within 20 seconds", str(silent))
    assert reaper.ticks > 10, "the action polled from deferred calls"
    assert_temp_files_gone(tmp_path)  # the --in file is removed too


def test_missing_program_is_explained_before_anything_runs(reaper, tmp_path):
    reaper.api.add_track("Keys", selected=True)
    configure(reaper, port=free_port(), exe=str(tmp_path / "no such cadenza"))
    before = reaper.api.snapshot()
    reaper.run_script(GENERATE)
    assert_unchanged(reaper, before, "does not exist", "Cadenza: Settings")
    assert reaper.api.commands == []


def test_item_deleted_while_waiting_changes_nothing(reaper, daemon):
    track = reaper.api.add_track("Keys")
    item = reaper.api.add_midi_item(track, 2.0, 4.0, SOURCE_NOTES, selected=True)
    configure(reaper, daemon)
    reaper.lua.globals().dofile(str(Path(__file__).parent.parent / "reaper_scripts" / "Cadenza" / RESTYLE))
    track.items.remove(item)  # the user deletes the item while the daemon works
    item.alive = False
    before = reaper.api.snapshot()
    reaper.pump()
    assert_unchanged(reaper, before, "deleted while Cadenza was working")


def test_daemon_refusal_is_shown_in_its_own_words(reaper, daemon):
    reaper.api.add_track("Keys", selected=True)
    configure(reaper, daemon, style="no-such-style")
    before = reaper.api.snapshot()
    reaper.run_script(GENERATE)
    assert_unchanged(reaper, before, "Cadenza could not do it: ", "no-such-style", "(bad_request)",
                     "The project was not changed")
    assert "bad_request: " not in reaper.api.messages[0][1]


def test_windows_code_path_end_to_end(tmp_path, monkeypatch, daemon):
    """With GetOS() = "Win64": temp files in %TEMP% joined with backslashes, arguments quoted for
    the C runtime (the fake splits the line the way a Windows program would), console minimised."""
    temp = tmp_path / "Temp Dir"
    temp.mkdir()
    monkeypatch.setenv("TEMP", str(temp))
    exe_dir = tmp_path / "Program Files" / "Cadenza"
    exe_dir.mkdir(parents=True)
    (exe_dir / "cadenza").symlink_to(cadenza_exe())
    s = ReaperSession(tmp_path, os_name="Win64")
    try:
        track = s.api.add_track("Keys")
        item = s.api.add_midi_item(track, 2.0, 4.0, SOURCE_NOTES, selected=True)
        configure(s, daemon, exe=str(exe_dir / "cadenza"), key="D minor", variations=2)
        s.run_script(RESTYLE)
        cmd = s.api.commands[0]
        assert cmd.startswith(f'"{exe_dir / "cadenza"}" restyle ') and '--key "D minor"' in cmd
        assert f'--out "{temp}\\cadenza-' in cmd  # %TEMP%\cadenza-...-out.json
        assert [t.name for t in item.takes[1:]] == ["Cadenza restyle 1", "Cadenza restyle 2"]
        for take, var in zip(item.takes[1:], the_answer(s)["variations"]):
            assert landed(take) == expected_ticks(var["notes"], 8.0)
        assert [p.name for p in tmp_path.iterdir() if "cadenza-" in p.name] == []  # temp files removed
        assert s.api.messages == []
    finally:
        s.close()
