"""The Settings action (GetUserInputs dialog saved to ExtState) and the settings reaching the
command line of the next action."""

from __future__ import annotations

import pytest
from reaper_fake import ReaperSession
from reaper_fake.checks import cadenza_exe, expected_ticks, landed, the_answer

SETTINGS = "Cadenza - Settings.lua"
GENERATE = "Cadenza - Generate at edit cursor.lua"
DEFAULTS = "|127.0.0.1|7500||melody||||4|1.0|1|0.5|60"


@pytest.fixture
def reaper(tmp_path, monkeypatch):
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    s = ReaperSession(tmp_path)
    yield s
    s.close()


def saved(s):
    return {k: v for (section, k), v in s.api.ext.items() if section == "Cadenza"}


def test_first_open_shows_the_defaults_and_saves_typed_values(reaper):
    exe = cadenza_exe()
    reaper.api.dialog_answers = [f"{exe}|127.0.0.1|7600|markov|Bass|irish-folk|Calm|D minor|8|0.9|2|0.7|30"]
    reaper.run_script(SETTINGS)
    (title, captions, values), = reaper.api.dialogs
    assert title == "Cadenza: Settings" and values == DEFAULTS
    assert "separator=|" in captions
    assert saved(reaper) == {"cadenza_path": exe, "host": "127.0.0.1", "port": "7600", "model": "markov",
                             "role": "bass", "style": "irish-folk", "mood": "calm", "key": "D minor", "bars": "8",
                             "temperature": "0.9", "variations": "2", "strength": "0.7", "timeout": "30"}
    assert all(reaper.api.ext_persist.values()), "settings persist across REAPER sessions"
    assert reaper.api.messages == []
    assert reaper.api.undo_blocks == [] and reaper.api.changes_outside_undo == []


def test_wrong_values_are_named_and_the_dialog_reopens_with_them(reaper):
    typed = "|127.0.0.1|port|||||||9|1|0.5|60"
    reaper.api.dialog_answers = [typed, None]  # then Cancel
    reaper.run_script(SETTINGS)
    assert [d[2] for d in reaper.api.dialogs] == [DEFAULTS, typed]
    (title, msg), = reaper.api.messages
    assert "Daemon port must be a whole number from 1 to 65535" in msg
    assert "Role must be one of melody" in msg and "Bars to generate must be" in msg
    assert "Temperature must be a number from 0.05 to 3" in msg
    assert saved(reaper) == {}, "cancel saves nothing"


def test_a_program_path_that_does_not_exist_is_refused(reaper, tmp_path):
    reaper.api.dialog_answers = [f"{tmp_path}/nope|127.0.0.1|7500||melody||||4|1.0|1|0.5|60", None]
    reaper.run_script(SETTINGS)
    assert "No program at" in reaper.api.messages[0][1]
    assert saved(reaper) == {}


def test_saved_settings_drive_the_next_action(reaper, daemon):
    track = reaper.api.add_track("Bass", selected=True)
    reaper.api.dialog_answers = [
        f"{cadenza_exe()}|127.0.0.1|{daemon.port}||bass|||D minor|2|0.7|1|0.5|45"]
    reaper.run_script(SETTINGS)
    reaper.run_script(GENERATE)
    cmd = reaper.api.commands[0]
    assert cmd.startswith(cadenza_exe() + " generate --host 127.0.0.1 --port " + str(daemon.port))
    for part in ("--role bass", "--temperature 0.7", "--timeout 45", '--key "D minor"', "--bars 2"):
        assert part in cmd, part
    (take,) = track.items[0].takes
    assert landed(take) == expected_ticks(the_answer(reaper)["variations"][0]["notes"], 8.0)
