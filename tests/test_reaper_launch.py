"""The actions start the CLI through a launcher that records when it started and how it ended,
so a command that never starts is reported as soon as it exits (well within a second), not
after the whole timeout, with its own error text and what to fix; and on Windows the CLI runs
hidden through wscript.exe (window style 0), so no console window flashes up."""

from __future__ import annotations

import os

from reaper_fake import SCRIPTS, ReaperSession, split_windows_command_line
from reaper_fake.checks import configure
from test_reaper_actions import CONTINUE, GENERATE, SOURCE_NOTES, assert_temp_files_gone, assert_unchanged, free_port


def program(tmp_path, text: str, name: str = "cadenza") -> str:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def run_timed(s: ReaperSession, script: str) -> float:
    start = s.api.clock
    s.run_script(script)
    return s.api.clock - start


def test_a_program_whose_interpreter_is_gone_is_reported_at_once(reaper, tmp_path):
    # A moved virtual environment: the script's #! names a Python that no longer exists.
    exe = program(tmp_path, "#!/nowhere/venv/bin/python\nprint('never')\n")
    reaper.api.add_track("Keys", selected=True)
    configure(reaper, port=free_port(), exe=exe, timeout=60)
    before = reaper.api.snapshot()
    waited = run_timed(reaper, GENERATE)
    assert waited < 1.0, f"reported after {waited:.1f} s of REAPER time, not after the 75 s timeout"
    assert_unchanged(reaper, before, "stopped at once without an answer", exe, "The project was not changed")
    message = reaper.api.messages[0][1]
    assert "exit code 126" in message or "exit code 127" in message, message
    assert "Reinstall Cadenza" in message or "Python environment" in message
    assert_temp_files_gone(tmp_path)


def test_a_python_without_cadenza_says_so_with_its_own_words(reaper, tmp_path):
    exe = program(tmp_path, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'bridge'\" >&2\nexit 1\n")
    track = reaper.api.add_track("Keys")
    reaper.api.add_midi_item(track, 2.0, 4.0, SOURCE_NOTES, selected=True)
    configure(reaper, port=free_port(), exe=exe, timeout=60)
    before = reaper.api.snapshot()
    assert run_timed(reaper, CONTINUE) < 1.0
    assert_unchanged(reaper, before, "exit code 1)", "No module named 'bridge'", "pip install -e .")
    assert_temp_files_gone(tmp_path)


def test_a_launcher_that_never_runs_is_reported_after_a_second(reaper, tmp_path, monkeypatch):
    exe = program(tmp_path, "#!/bin/sh\nsleep 30\n")
    reaper.api.add_track("Keys", selected=True)
    configure(reaper, port=free_port(), exe=exe, timeout=60)
    monkeypatch.setattr(reaper.api, "ExecProcess", lambda cmd, timeout: "")  # REAPER "ran" it; nothing happened
    before = reaper.api.snapshot()
    waited = run_timed(reaper, GENERATE)
    assert 1.0 <= waited < 2.0
    assert_unchanged(reaper, before, "did not start", "/bin/sh", exe)
    assert_temp_files_gone(tmp_path)


def test_a_slow_program_that_started_is_waited_for(reaper, tmp_path):
    """A started launcher is not mistaken for one that never ran: only the timeout ends it."""
    exe = program(tmp_path, "#!/bin/sh\nsleep 30\n")
    reaper.api.add_track("Keys", selected=True)
    configure(reaper, port=free_port(), exe=exe, timeout=5)
    reaper.clock_speed = 50.0
    before = reaper.api.snapshot()
    assert run_timed(reaper, GENERATE) >= 20.0
    assert_unchanged(reaper, before, "did not answer within 20 seconds")


def test_the_launcher_quotes_every_argument_for_sh(reaper, tmp_path):
    C = reaper.lua.globals().dofile(str(SCRIPTS / "cadenza_lib.lua"))
    args = reaper.lua.table_from(["--key", "it's D minor"])
    launcher = C.cli.launcher("/opt/my cadenza/bin/cadenza", args, str(tmp_path / "cadenza-1"), False)
    assert "'/opt/my cadenza/bin/cadenza' '--key' 'it'\\''s D minor'" in launcher["text"]
    assert launcher["command"] == f"/bin/sh {tmp_path}/cadenza-1-run.sh"


def test_windows_runs_hidden_through_wscript_and_reports_a_missing_program(tmp_path, monkeypatch):
    temp = tmp_path / "Temp"
    temp.mkdir()
    monkeypatch.setenv("TEMP", str(temp))
    monkeypatch.setenv("SystemRoot", r"C:\Windows")
    exe = program(tmp_path, "#!/bin/sh\nexit 0\n", name="cadenza.exe")
    s = ReaperSession(tmp_path, os_name="Win64")
    try:
        s.api.add_track("Keys", selected=True)
        configure(s, port=free_port(), exe=exe, timeout=60)
        os.chmod(exe, 0o644)  # it exists (the lookup finds it) but cannot run: cmd.exe gives up
        before = s.api.snapshot()
        start = s.api.clock
        s.run_script(GENERATE)
        assert s.api.clock - start < 1.0
        argv = split_windows_command_line(s.api.launches[0])
        assert argv[:3] == [r"C:\Windows\System32\wscript.exe", "//B", "//Nologo"] and argv[3].endswith("-run.vbs")
        assert_unchanged(s, before, "exit code 9009", "is not recognized", "Reinstall Cadenza")
        assert [p.name for p in temp.iterdir()] == []
    finally:
        s.close()
