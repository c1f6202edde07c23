"""The model menu of 'Cadenza: Settings': its first menu's "Choose the model..." runs
`cadenza models --json` through the launcher against the real daemon, shows the served models
in a gfx.showmenu popup (name, engine, the default, eval status; "(the daemon's default)"
first), saves the choice, and the next action sends it as --model. Where the daemon does not
answer, the action says so and opens the dialog, whose Model field takes the name as text."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from reaper_fake import ReaperSession
from reaper_fake.checks import cadenza_exe, configure, the_answer
from test_reaper_actions import GENERATE, assert_temp_files_gone, free_port

SETTINGS = "Cadenza - Settings.lua"
CHOOSE, EDIT = 1, 2  # the Settings action's first menu
DEFAULT_ENTRY = "(the daemon's default)"


def saved_model(s):
    return s.api.ext.get(("Cadenza", "model"))


def served(daemon) -> list[dict]:
    """What the daemon itself says it serves (the test asks it, independently of the script)."""
    out = subprocess.run([cadenza_exe(), "models", "--json", "--port", str(daemon.port)], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    return json.loads(out)


def expected_entry(row) -> str:
    about = [row["engine"]] + (["the daemon's default"] if row["default"] == 1 else []) + [f"eval {row['eval']}"]
    about += ["interpolates"] if "interpolate" in row.get("operations", "").split(",") else []
    about += ["accompanies"] if "accompany" in row.get("operations", "").split(",") else []
    return f"{row['name']} ({', '.join(about)})"


def pick(name):
    """A menu answer: the entry whose text starts with the model's name."""
    return lambda entries: next(i for i, e in enumerate(entries, 1) if e["text"].startswith(name + " ("))


def test_the_menu_lists_the_served_models_and_the_choice_is_sent_as_model(reaper, daemon, tmp_path):
    rows = served(daemon)
    default = next(r["name"] for r in rows if r["default"] == 1)
    # so the answer proves the choice was sent; one that generates (the groove model only re-times clips)
    other = next(r["name"] for r in rows if r["default"] != 1 and "generate" in r["operations"])
    track = reaper.api.add_track("Lead", selected=True)
    configure(reaper, port=daemon.port, model="", bars=2)
    reaper.gfx.menu_answers = [CHOOSE, pick(other)]
    reaper.run_script(SETTINGS)

    first, models = reaper.gfx.menus
    assert [e["text"] for e in first] == [f"Choose the model... (now: {DEFAULT_ENTRY})", "Edit the settings..."]
    assert [e["text"] for e in models] == [DEFAULT_ENTRY] + [expected_entry(r) for r in rows]
    assert [e["checked"] for e in models] == [True] + [False] * len(rows), "the saved (blank) model is checked"
    assert any(e["text"] == expected_entry(next(r for r in rows if r["name"] == default)) for e in models)
    assert reaper.api.commands == [f"{cadenza_exe()} models --json --host 127.0.0.1 --port {daemon.port}"]
    assert reaper.api.launches[0].startswith("/bin/sh "), "through the library's launcher"
    assert reaper.api.dialogs == [] and reaper.api.messages == []
    assert saved_model(reaper) == other and reaper.api.ext_persist[("Cadenza", "model")] is True
    assert_temp_files_gone(tmp_path)

    reaper.api.commands.clear()
    reaper.run_script(GENERATE)
    (cmd,) = reaper.api.commands
    assert f"--model {other}" in cmd
    assert the_answer(reaper)["model"] == other
    assert len(track.items) == 1


def test_the_daemons_default_entry_clears_the_model(reaper, daemon):
    track = reaper.api.add_track("Lead", selected=True)
    configure(reaper, daemon, model="markov", bars=1)
    reaper.gfx.menu_answers = [CHOOSE, 1]
    reaper.run_script(SETTINGS)
    first, models = reaper.gfx.menus
    assert first[0]["text"] == "Choose the model... (now: markov)"
    assert [e["text"] for e in models if e["checked"]] == [expected_entry(
        next(r for r in served(daemon) if r["name"] == "markov"))], "the saved model is checked"
    assert saved_model(reaper) == ""
    reaper.run_script(GENERATE)
    assert "--model" not in reaper.api.commands[-1], "blank: the daemon chooses"
    default = next(r["name"] for r in served(daemon) if r["default"] == 1)
    assert the_answer(reaper)["model"] == default
    assert len(track.items) == 1


def test_choosing_nothing_changes_nothing(reaper, daemon):
    configure(reaper, daemon, model="markov")
    before = reaper.api.snapshot()
    reaper.gfx.menu_answers = [CHOOSE, 0]
    reaper.run_script(SETTINGS)
    assert len(reaper.gfx.menus) == 2 and reaper.api.snapshot() == before
    assert reaper.api.dialogs == [] and reaper.api.messages == []

    reaper.gfx.menu_answers = [0]  # Escape on the first menu: nothing at all
    reaper.run_script(SETTINGS)
    assert len(reaper.gfx.menus) == 3 and reaper.api.commands == [reaper.api.commands[0]]
    assert reaper.api.snapshot() == before and reaper.api.dialogs == []


def test_a_saved_model_the_daemon_does_not_serve_is_shown_greyed_last(reaper, daemon):
    configure(reaper, daemon, model="gone-model")
    reaper.gfx.menu_answers = [CHOOSE, lambda entries: len(entries)]  # the fake refuses a greyed choice
    with pytest.raises(AssertionError, match="greyed-out entry 'gone-model"):
        reaper.run_script(SETTINGS)
    last = reaper.gfx.menus[-1][-1]
    assert last == {"text": "gone-model (saved, but this daemon does not serve it)", "checked": False, "greyed": True}
    assert not any(e["checked"] for e in reaper.gfx.menus[-1])
    assert saved_model(reaper) == "gone-model"


def test_when_the_daemon_does_not_answer_it_says_so_and_the_model_field_stays(reaper, tmp_path):
    port = free_port()
    configure(reaper, port=port, model="")
    reaper.gfx.menu_answers = [CHOOSE]
    exe = cadenza_exe()
    reaper.api.dialog_answers = [f"{exe}|127.0.0.1|{port}|markov|melody||||4|1.0|1|0.5|60",
                                 "||0.95|||0|127|no|rhythm"]
    reaper.run_script(SETTINGS)
    (title, msg), = reaper.api.messages
    assert title == "Cadenza: Settings"
    assert f"Cadenza daemon not running on 127.0.0.1:{port}" in msg, "the CLI's own words"
    assert "Model field" in msg and "cadenza serve" in msg
    assert len(reaper.gfx.menus) == 1, "no model menu without the daemon's list"
    assert [d[0] for d in reaper.api.dialogs] == ["Cadenza: Settings", "Cadenza: Settings (sound)"]
    assert saved_model(reaper) == "markov", "typed in the Model text field"
    assert_temp_files_gone(tmp_path)


def test_without_the_program_it_says_how_to_fix_it_and_opens_the_dialog(reaper, tmp_path):
    configure(reaper, port=free_port(), exe=str(tmp_path / "no-such-cadenza"))
    reaper.gfx.menu_answers = [CHOOSE]
    reaper.api.dialog_answers = [None]
    reaper.run_script(SETTINGS)
    (_, msg), = reaper.api.messages
    assert "The cadenza program set in 'Cadenza: Settings' does not exist" in msg and "Model field" in msg
    assert reaper.api.commands == [] and len(reaper.api.dialogs) == 1


@pytest.mark.parametrize("answer, why", [('{"not": "a list"}', "its answer is not a list of models"),
                                         ('[{"engine": "x"}]', "model 1 of its answer has no name and engine"),
                                         ("[{", "its answer is not valid JSON")])
def test_an_answer_that_is_not_a_model_list_is_named(reaper, tmp_path, answer, why):
    exe = tmp_path / "cadenza"
    exe.write_text(f"#!/bin/sh\necho '{answer}'\n")
    exe.chmod(0o755)
    configure(reaper, port=free_port(), exe=str(exe))
    reaper.gfx.menu_answers = [CHOOSE]
    reaper.api.dialog_answers = [None]
    reaper.run_script(SETTINGS)
    (_, msg), = reaper.api.messages
    assert "answered something unexpected: " + why in msg and "Model field" in msg


def test_windows_runs_the_query_hidden_and_reads_its_output(tmp_path, monkeypatch, daemon):
    temp = tmp_path / "Temp"
    temp.mkdir()
    monkeypatch.setenv("TEMP", str(temp))
    s = ReaperSession(tmp_path, os_name="Win64")
    try:
        configure(s, daemon, model="")
        s.gfx.menu_answers = [CHOOSE, pick("markov")]
        s.run_script(SETTINGS)
        assert "wscript.exe" in s.api.launches[0] and s.api.launches[0].endswith("-run.vbs")
        assert [e["text"] for e in s.gfx.menus[1]] == [DEFAULT_ENTRY] + [expected_entry(r) for r in served(daemon)]
        assert saved_model(s) == "markov" and s.api.messages == []
        assert list(temp.iterdir()) == [], "no temporary file left behind"
    finally:
        s.close()


def test_menu_text_is_safe_for_showmenu(reaper):
    C = reaper.lua.eval(f'dofile("{(reaper_scripts_dir() / "cadenza_lib.lua").as_posix()}")')
    rows = reaper.lua.eval('function(C) return { {name = "#a|b", engine = "x", default = 0}, '
                           '{name = "c", engine = "y", default = 1, eval = "below baseline"} } end')(C)
    menu, values = C.models.menu(rows, "c")
    assert menu == f"{DEFAULT_ENTRY}|a b (x)|!c (y, the daemon's default, eval below baseline)"
    assert list(values.values()) == ["", "#a|b", "c"], "the setting keeps the real name"


def reaper_scripts_dir():
    from reaper_fake import SCRIPTS
    return SCRIPTS


def test_every_resident_model_is_listed_and_those_that_interpolate_or_accompany_say_so(reaper, tmp_path):
    """Against a stand-in `cadenza models --json` that prints what a daemon with a VAE answers
    (the `operations` extension of /cadenza/model), until such a daemon is merged."""
    rows = [{"name": "transformer", "engine": "transformer", "default": 1, "eval": "ok",
             "operations": "generate,continue,restyle,infill"},
            {"name": "markov", "engine": "markov", "default": 0, "eval": "ok", "operations": "generate,continue,restyle,infill"},
            {"name": "vae", "engine": "vae", "default": 0, "eval": "missing",
             "operations": "generate,continue,restyle,infill,interpolate"},
            {"name": "acc", "engine": "transformer", "default": 0, "eval": "ok",
             "operations": "generate,continue,restyle,infill,accompany"}]
    exe = tmp_path / "models cadenza"
    exe.write_text(f"#!{sys.executable}\nimport sys\nassert sys.argv[1:3] == ['models', '--json']\n"
                   f"print({json.dumps(rows)!r})\n")
    exe.chmod(0o755)
    configure(reaper, port=free_port(), exe=str(exe))
    reaper.gfx.menu_answers = [CHOOSE, pick("vae")]
    reaper.run_script(SETTINGS)
    assert [e["text"] for e in reaper.gfx.menus[1]] == [
        DEFAULT_ENTRY, "transformer (transformer, the daemon's default, eval ok)", "markov (markov, eval ok)",
        "vae (vae, eval missing, interpolates)", "acc (transformer, eval ok, accompanies)"]
    assert saved_model(reaper) == "vae" and reaper.api.messages == []
