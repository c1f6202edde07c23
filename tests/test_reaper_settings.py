"""The Settings action (GetUserInputs dialog saved to ExtState) and the settings reaching the
command line of the next action."""

from __future__ import annotations

from reaper_fake.checks import cadenza_exe, expected_ticks, landed, the_answer

SETTINGS = "Cadenza - Settings.lua"
GENERATE = "Cadenza - Generate at edit cursor.lua"
DEFAULTS = "|127.0.0.1|7500||melody||||4|1.0|1|0.5|60"
EDIT = 2  # the Settings action's first menu: 1 "Choose the model...", 2 "Edit the settings..."
SOUND_DEFAULTS = "||0.95|||0|127|no|rhythm"  # page 2: prompt, seed, top-p, guidance, density, pitch range,
#                                            scale lock, preserve


def saved(s):
    return {k: v for (section, k), v in s.api.ext.items() if section == "Cadenza"}


def test_first_open_shows_the_defaults_and_saves_typed_values(reaper):
    exe = cadenza_exe()
    reaper.api.dialog_answers = [f"{exe}|127.0.0.1|7600|markov|Bass|irish-folk|Calm|D minor|8|0.9|2|0.7|30",
                                 "calm tune|42|0.8|2.5|0.3|48|84|Yes|contour"]
    reaper.gfx.menu_answers = [EDIT]  # the first menu: "Edit the settings..."
    reaper.run_script(SETTINGS)
    (title, captions, values), (title2, captions2, values2) = reaper.api.dialogs
    assert title == "Cadenza: Settings" and values == DEFAULTS
    assert title2 == "Cadenza: Settings (sound)" and values2 == SOUND_DEFAULTS
    assert "separator=|" in captions and "separator=|" in captions2
    assert saved(reaper) == {"cadenza_path": exe, "host": "127.0.0.1", "port": "7600", "model": "markov",
                             "role": "bass", "style": "irish-folk", "mood": "calm", "key": "D minor", "bars": "8",
                             "temperature": "0.9", "variations": "2", "strength": "0.7", "timeout": "30",
                             "prompt": "calm tune", "seed": "42", "top_p": "0.8", "guidance": "2.5", "density": "0.3",
                             "pitch_low": "48", "pitch_high": "84", "scale_lock": "yes", "preserve": "contour",
                             # Interpolate's and Accompany's own dialogs ask these; saving the settings keeps them
                             "steps": "5", "interpolate_model": "", "accompany_role": "bass", "accompany_fit": "", "accompany_model": "",
                             "groove_role": "drums", "groove_amount": "1.0", "groove_swing": "0.0", "groove_style": "",
                             "groove_model": "", "band_parts": "drums bass chords melody", "band_model": ""}
    assert all(reaper.api.ext_persist.values()), "settings persist across REAPER sessions"
    assert reaper.api.messages == []
    assert reaper.api.undo_blocks == [] and reaper.api.changes_outside_undo == []
    assert reaper.gfx.menus == [[{"text": "Choose the model... (now: (the daemon's default))", "checked": False,
                                  "greyed": False},
                                 {"text": "Edit the settings...", "checked": False, "greyed": False}]]
    assert reaper.gfx.menu_at == [(0, 0)], "the menu's window opens at the mouse, the menu at its corner"


def test_wrong_values_are_named_and_the_dialog_reopens_with_them(reaper):
    typed = "|127.0.0.1|port|||||||9|1|0.5|60"
    reaper.api.dialog_answers = [typed, None]  # then Cancel
    reaper.gfx.menu_answers = [EDIT]  # the first menu: "Edit the settings..."
    reaper.run_script(SETTINGS)
    assert [d[2] for d in reaper.api.dialogs] == [DEFAULTS, typed]
    (title, msg), = reaper.api.messages
    assert "Daemon port must be a whole number from 1 to 65535" in msg
    assert "Role must be one of melody" in msg and "Bars to generate must be" in msg
    assert "Temperature must be a number from 0.05 to 3" in msg
    assert saved(reaper) == {}, "cancel saves nothing"


def test_a_program_path_that_does_not_exist_is_refused(reaper, tmp_path):
    reaper.api.dialog_answers = [f"{tmp_path}/nope|127.0.0.1|7500||melody||||4|1.0|1|0.5|60", None]
    reaper.gfx.menu_answers = [EDIT]  # the first menu: "Edit the settings..."
    reaper.run_script(SETTINGS)
    assert "No program at" in reaper.api.messages[0][1]
    assert saved(reaper) == {}


def test_saved_settings_drive_the_next_action(reaper, daemon):
    track = reaper.api.add_track("Bass", selected=True)
    reaper.api.dialog_answers = [
        f"{cadenza_exe()}|127.0.0.1|{daemon.port}||bass|||D minor|2|0.7|1|0.5|45", SOUND_DEFAULTS]
    reaper.gfx.menu_answers = [EDIT]  # the first menu: "Edit the settings..."
    reaper.run_script(SETTINGS)
    reaper.run_script(GENERATE)
    cmd = reaper.api.commands[0]
    assert cmd.startswith(cadenza_exe() + " generate --host 127.0.0.1 --port " + str(daemon.port))
    for part in ("--role bass", "--temperature 0.7", "--timeout 45", '--key "D minor"', "--bars 2"):
        assert part in cmd, part
    assert "--guidance" not in cmd, "guidance is sent only when the user set it"
    (take,) = track.items[0].takes
    assert landed(take) == expected_ticks(the_answer(reaper)["variations"][0]["notes"], 8.0)


def test_cancel_on_the_second_page_saves_nothing(reaper):
    reaper.api.dialog_answers = [DEFAULTS, None]
    reaper.gfx.menu_answers = [EDIT]  # the first menu: "Edit the settings..."
    reaper.run_script(SETTINGS)
    assert len(reaper.api.dialogs) == 2 and saved(reaper) == {}


def test_the_second_page_names_wrong_values(reaper):
    reaper.api.dialog_answers = [DEFAULTS, "|seven|2|lots|dense|0|300|maybe|melody", None]
    reaper.gfx.menu_answers = [EDIT]  # the first menu: "Edit the settings..."
    reaper.run_script(SETTINGS)
    (_, msg), = reaper.api.messages
    for expected in ("Seed must be a whole number", "Top-p must be a number from 0.05 to 1",
                     'Guidance 0-5 must be a number, got "lots"',
                     "Density 0-1 must be a number", "Highest pitch must be", "Scale lock",
                     "Restyle keeps must be one of rhythm, contour, none"):
        assert expected in msg, expected
    assert saved(reaper) == {}


def test_every_sound_setting_reaches_the_daemon(reaper, daemon):
    """prompt, seed, top-p, guidance, density, pitch range and scale lock go to the real CLI and daemon,
    which accept them (a key it did not know would be a bad_request)."""
    track = reaper.api.add_track("Lead", selected=True)
    reaper.api.dialog_answers = [
        f"{cadenza_exe()}|127.0.0.1|{daemon.port}||melody|||D minor|2|1.0|1|0.5|45",
        "calm tune|4242|0.8|1.5|0.4|84|48|yes|contour"]
    reaper.gfx.menu_answers = [EDIT]  # the first menu: "Edit the settings..."
    reaper.run_script(SETTINGS)
    reaper.run_script(GENERATE)
    cmd = reaper.api.commands[0]
    for part in ('--prompt "calm tune"', "--seed 4242", "--top-p 0.8", "--guidance 1.5", "--density 0.4",
                 "--pitch-low 48", "--pitch-high 84", "--scale-lock"):
        assert part in cmd, part
    assert "--preserve" not in cmd, "preserve is Restyle's"
    assert reaper.api.messages == [], reaper.api.messages
    (take,) = track.items[0].takes
    pitches = [n[0] for n in the_answer(reaper)["variations"][0]["notes"]]
    assert pitches and all(48 <= p <= 84 for p in pitches)
    assert the_answer(reaper)["seed"] == 4242


def test_guidance_out_of_range_is_refused_by_the_daemon_in_its_own_words(reaper, daemon):
    """The dialog takes any number for guidance; its range is the daemon's rule, so a 7 reaches
    the real CLI and daemon, whose refusal is shown as it said it, and nothing changes."""
    reaper.api.add_track("Lead", selected=True)
    reaper.api.dialog_answers = [
        f"{cadenza_exe()}|127.0.0.1|{daemon.port}||melody||||2|1.0|1|0.5|45", "||0.95|7||0|127|no|rhythm"]
    reaper.gfx.menu_answers = [EDIT]  # the first menu: "Edit the settings..."
    reaper.run_script(SETTINGS)
    assert saved(reaper)["guidance"] == "7"
    before = reaper.api.snapshot()
    reaper.run_script(GENERATE)
    assert "--guidance 7" in reaper.api.commands[0]
    (_, msg), = reaper.api.messages
    assert "Cadenza could not do it: guidance must be from 0 to 5 (1: plain conditioning), got 7.0 (bad_request)" in msg
    assert reaper.api.snapshot() == before and reaper.api.undo_blocks == []
