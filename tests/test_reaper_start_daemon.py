"""No terminal step in REAPER: when the daemon does not answer, an action offers (Yes/No) to
start `cadenza serve` itself, detached, through the launcher the library already uses (`/bin/sh`,
or `wscript.exe` hidden on Windows); with Yes it waits for the daemon's ready line and asks
again, so the notes land in the same run. A daemon that answers is never started again, and
the actions never stop a daemon."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest
from reaper_fake import ReaperSession, split_windows_command_line
from reaper_fake.checks import configure, landed, expected_ticks, the_answer
from test_reaper_actions import GENERATE, assert_unchanged, free_port

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def reaper(tmp_path, monkeypatch):
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setenv("CADENZA_MODELS", str(REPO / "models"))  # the daemon it starts serves these
    s = ReaperSession(tmp_path)
    yield s
    s.close()


def started_daemon_pid(tmp_path, port):
    pid_file = tmp_path / "tmp" / f"cadenza-serve-{port}-pid"
    return int(pid_file.read_text()) if pid_file.is_file() else None


def stop(pid):
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def test_yes_starts_the_daemon_detached_and_the_notes_land(reaper, tmp_path):
    track = reaper.api.add_track("Keys", selected=True)
    port = free_port()
    configure(reaper, port=port, model="markov", timeout=30)
    reaper.api.box_answers = ["yes"]
    pid = None
    try:
        reaper.run_script(GENERATE, max_seconds=180)
        pid = started_daemon_pid(tmp_path, port)
        assert len(reaper.api.questions) == 1 and "Start it now?" in reaper.api.questions[0][1]
        serves = [c for c in reaper.api.commands if " serve " in c]
        assert serves == [f"{configure_exe(reaper)} serve --host 127.0.0.1 --port {port}"]
        launcher = next(l for l in reaper.api.launches if "cadenza-serve-" in l)
        assert launcher.startswith("/bin/sh ") and launcher.endswith(f"cadenza-serve-{port}-run.sh")
        assert [m for m in reaper.api.messages if m not in reaper.api.questions] == []
        (item,) = track.items
        answers = [a for a in reaper.api.answers.values() if '"ok": true' in a]
        assert len(answers) == 1, "asked again once the daemon was ready"
        assert landed(item.takes[0]) == expected_ticks(__import__("json").loads(answers[0])["variations"][0]["notes"], 16.0)
        assert [b["name"] for b in reaper.api.undo_blocks] == ["Cadenza: Generate at edit cursor"]
        # Detached: the daemon outlives the action and its launcher, and the action did not stop it.
        assert pid and os.kill(pid, 0) is None
        for p in reaper.api.processes:
            if p.poll() is None:
                p.kill()
        time.sleep(0.2)
        os.kill(pid, 0)  # still there after the launcher process is gone
        assert "cadenza ready" in (tmp_path / "tmp" / f"cadenza-serve-{port}-log.txt").read_text()
        assert not (tmp_path / "tmp" / f"cadenza-serve-{port}-run.sh").exists()

        # A second action finds it running: no question, nothing started.
        reaper.api.questions.clear()
        reaper.api.messages.clear()
        reaper.api.commands.clear()
        reaper.run_script(GENERATE)
        assert reaper.api.questions == [] and reaper.api.messages == []
        assert not any(" serve " in c for c in reaper.api.commands)
        assert len(track.items) == 2
    finally:
        stop(pid or started_daemon_pid(tmp_path, port))


def configure_exe(s):
    return s.api.ext[("Cadenza", "cadenza_path")]


def test_a_running_daemon_is_not_started_again(reaper, daemon):
    reaper.api.add_track("Keys", selected=True)
    configure(reaper, daemon)
    reaper.run_script(GENERATE)
    assert reaper.api.questions == [] and reaper.api.messages == []
    assert not any(" serve " in c for c in reaper.api.commands)


def test_a_daemon_that_cannot_start_is_reported_with_its_own_words(reaper, tmp_path):
    reaper.api.add_track("Keys", selected=True)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:  # some other program holds the port
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        configure(reaper, port=port, timeout=3)
        reaper.api.box_answers = ["yes"]
        before = reaper.api.snapshot()
        reaper.run_script(GENERATE, max_seconds=60)
    assert reaper.api.snapshot() == before and reaper.api.undo_blocks == []
    title, text = reaper.api.messages[-1]
    assert "The Cadenza daemon stopped at once (exit code 1)" in text, text
    assert "cannot listen" in text and f"Another program holds port {port}" in text
    assert started_daemon_pid(tmp_path, port) is None, "its launcher files are tidied"


def test_no_offer_for_a_daemon_on_another_computer(reaper):
    reaper.api.add_track("Keys", selected=True)
    configure(reaper, port=free_port(), timeout=2)
    reaper.api.ext[("Cadenza", "host")] = "192.0.2.1"  # TEST-NET: nothing answers
    before = reaper.api.snapshot()
    reaper.run_script(GENERATE, max_seconds=60)
    assert reaper.api.questions == []
    assert_unchanged(reaper, before, "cadenza serve --host 192.0.2.1")


def test_windows_starts_it_hidden_through_wscript(tmp_path, monkeypatch):
    """The Windows launcher: wscript.exe //B runs cmd.exe hidden (window style 0) and waits in its
    own process, so the daemon is detached from REAPER and no console window shows."""
    s = ReaperSession(tmp_path, os_name="Win64")
    try:
        text, command = s.lua_call("""function(exe, stem)
          local cli = dofile(SCRIPTS .. "cadenza/cli.lua")
          local l = cli.serve_launcher(exe, "127.0.0.1", 7500, stem, true)
          return l.text, l.command
        end""".replace("SCRIPTS", repr(str(REPO / "reaper_scripts" / "Cadenza") + "/")),
            r"C:\Program Files\Cadenza\cadenza.exe", r"C:\Temp\cadenza-serve-7500")
    finally:
        s.close()
    argv = split_windows_command_line(command)
    assert argv[0].lower().endswith("wscript.exe") and argv[1:3] == ["//B", "//Nologo"]
    assert argv[3] == r"C:\Temp\cadenza-serve-7500-run.vbs"
    assert 'code = sh.Run("cmd.exe /S /C ""' in text and ', 0, True)' in text  # hidden
    assert r'>""C:\Temp\cadenza-serve-7500-log.txt"" 2>""C:\Temp\cadenza-serve-7500-err.txt""' in text
    assert r'"C:\Program Files\Cadenza\cadenza.exe" serve --host 127.0.0.1 --port 7500' in text.replace('""', '"')
