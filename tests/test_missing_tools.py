"""A machine without the Debian tools: the tests that need one SKIP with a line naming the package,
the run still passes, and the summary lists what was skipped by package. Run for real: pytest in a
subprocess whose PATH holds every program of ours except the hidden ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tools import missing_reason, need

REPO = Path(__file__).resolve().parent.parent
HIDDEN = ("mma", "lua5.4", "luac5.4", "node", "npm")


def path_without(tmp_path: Path, hidden) -> str:
    """A PATH of one folder linking every program on the current PATH except `hidden`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = bin_dir / name
            if name in hidden or target.exists() or target.is_symlink():
                continue
            target.symlink_to(os.path.join(folder, name))
    return str(bin_dir)


def test_missing_reason_names_the_package(tmp_path):
    assert missing_reason("sh") is None
    reason = missing_reason("luac5.4-not-here")
    assert reason.startswith("missing Debian package luac5.4-not-here")
    env_path = os.environ["PATH"]
    try:
        os.environ["PATH"] = str(tmp_path)
        assert missing_reason("luac5.4") == "missing Debian package lua5.4 (no luac5.4; apt-get install lua5.4)"
    finally:
        os.environ["PATH"] = env_path


def test_without_mma_and_lua_the_suite_skips_and_says_why(tmp_path):
    need("mma", "luac5.4", why="the test hides them, so they must be here first to prove anything")
    env = dict(os.environ, PATH=path_without(tmp_path, HIDDEN))
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         "tests/test_reaper_package.py", "tests/test_markov_engine.py", "-k",
         "luac or velocities or drum or describes or defaults_when or restyle_keeps or seed_reproduces"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "failed" not in out
    assert "missing Debian package mma (no mma; apt-get install mma)" in out
    assert "missing Debian package lua5.4 (no luac5.4; apt-get install lua5.4)" in out
    summary = out.split("= skipped =", 1)[1]
    assert "Debian package lua5.4 is missing" in summary and "Debian package mma is missing" in summary
    assert " passed" in out  # what does not need the hidden tools still ran
