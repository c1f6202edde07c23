"""`--progress FILE` and `--cancel-file FILE`: what the REAPER actions use to show progress and
to stop a request, checked with the real CLI against a real daemon. A long request (the
Transformer, 32 bars x 8 variations) reports progress for several seconds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

LONG = ("--model", "transformer", "--bars", "32", "-n", "8", "--seed", "3")


def start(*args):
    return subprocess.Popen([sys.executable, "-m", "bridge.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(path, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_progress_file_holds_the_latest_fraction(daemon, tmp_path):
    progress, out = tmp_path / "progress.txt", tmp_path / "answer.json"
    p = start("generate", "--port", daemon.port, *LONG, "--progress", progress, "--out", out)
    seen = []
    while p.poll() is None:
        if progress.exists():
            text = progress.read_text()  # written atomically: always one whole number
            seen.append(float(text))
            assert re.fullmatch(r"[01]\.\d{4}\n", text), repr(text)
        time.sleep(0.05)
    assert p.returncode == 0, p.stderr.read()
    assert json.loads(out.read_text())["ok"] is True
    assert len(set(seen)) >= 3, f"progress did not move: {seen}"
    assert all(0.0 <= f <= 1.0 for f in seen)  # the latest, as sent (the Transformer's own can step back)
    assert [x.name for x in tmp_path.iterdir() if x.name.startswith(".cadenza-")] == [], "no temporary left"


def test_cancel_file_cancels_the_request_at_the_daemon(daemon, tmp_path):
    progress, cancel, out = tmp_path / "progress.txt", tmp_path / "cancel", tmp_path / "answer.json"
    p = start("generate", "--port", daemon.port, *LONG, "--progress", progress, "--cancel-file", cancel, "--out", out)
    wait_for(progress)  # the request is running
    cancel.touch()
    t0 = time.monotonic()
    stdout, stderr = p.communicate(timeout=30)
    assert time.monotonic() - t0 < 5, "the CLI stops within moments of the cancel file"
    assert p.returncode == 1
    answer = json.loads(out.read_text())
    assert answer["ok"] is False and answer["error"]["code"] == "cancelled", answer
    message = answer["error"]["message"]
    assert message.startswith(f"cancelled: {cancel} appeared") and "no notes were written" in message
    assert stderr.strip() == f"cadenza: {message}"
    req_id = re.search(r"request (\d+)", message).group(1)
    deadline = time.monotonic() + 10
    while f"id={req_id} " not in daemon.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(l for l in daemon.log().splitlines() if f"id={req_id} " in l and "failed" in l)
    assert f"failed: cancelled request {req_id} was cancelled" in line and "connection closed" not in line, line
    r = subprocess.run([sys.executable, "-m", "bridge.cli", "generate", "--port", str(daemon.port), "--bars", "1",
                        "--json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout)["ok"], "the daemon keeps serving"


def test_a_cancel_file_already_there_stops_at_once(daemon, tmp_path):
    cancel, out = tmp_path / "cancel", tmp_path / "answer.json"
    cancel.touch()
    p = start("generate", "--port", daemon.port, "--bars", 1, "--cancel-file", cancel, "--out", out)
    p.communicate(timeout=30)
    assert p.returncode == 1 and json.loads(out.read_text())["error"]["code"] == "cancelled"


@pytest.mark.parametrize("flag", ["--progress", "--cancel-file"])
def test_flags_are_in_every_generating_command(flag):
    for op in ("generate", "continue", "restyle", "infill"):
        r = subprocess.run([sys.executable, "-m", "bridge.cli", op, "--help"], capture_output=True, text=True,
                           timeout=30)
        assert flag in r.stdout, op
