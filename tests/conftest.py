"""Shared fixtures: a real daemon subprocess on a free loopback port, serving real models."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from tools import SKIP_PREFIX, TOOL_PACKAGES, FILE_PACKAGES

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"


@dataclass
class RunningDaemon:
    host: str
    port: int
    models_dir: Path
    proc: subprocess.Popen
    log_path: Path
    ready_line: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None


def start_daemon(models_dir: Path, log_path: Path, env_extra: dict | None = None, args: tuple = (),
                 timeout: float = 60.0, only: bool = True) -> RunningDaemon:
    """A daemon serving `models_dir` (only it, or with only=False beside the shipped models)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(env_extra or {}))
    env.pop("CADENZA_PORT", None)
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge.cli", "serve", "--port", "0", "--models", str(models_dir),
         *(["--only"] if only else []), "--log-level", "debug", *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True, env=env,
    )
    lines: list[str] = []

    def reader():
        for line in proc.stdout:
            lines.append(line)

    threading.Thread(target=reader, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = next((l for l in lines if l.startswith("cadenza ready")), None)
        if ready:
            port = int(re.search(r":(\d+) \|", ready).group(1))
            return RunningDaemon("127.0.0.1", port, Path(models_dir), proc, Path(log_path), ready.strip())
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"daemon did not start: {''.join(lines)}\n{Path(log_path).read_text()}")


def stop_daemon(d: RunningDaemon) -> None:
    if d.proc.poll() is None:
        d.proc.terminate()
        try:
            d.proc.wait(10)
        except subprocess.TimeoutExpired:
            d.proc.kill()


def shipped_models() -> Path:
    if not any((MODELS / m / "config.json").is_file() for m in ("markov", "transformer")):
        pytest.fail(f"no shipped model in {MODELS}: the daemon tests need the trained models")
    return MODELS


@pytest.fixture(scope="session")
def daemon(tmp_path_factory):
    """The daemon serving every shipped model, started once per test session."""
    d = start_daemon(shipped_models(), tmp_path_factory.mktemp("daemon") / "daemon.log")
    yield d
    stop_daemon(d)


@pytest.fixture
def daemon_factory(tmp_path):
    """Start extra daemons with their own settings (environment overrides, flags)."""
    started = []

    def make(env_extra=None, args=(), models_dir=None, only=True):
        d = start_daemon(models_dir or shipped_models(), tmp_path / f"daemon{len(started)}.log", env_extra, args,
                         only=only)
        started.append(d)
        return d

    yield make
    for d in started:
        stop_daemon(d)


PACKAGES = sorted(set(TOOL_PACKAGES.values()) | set(FILE_PACKAGES.values()), key=len, reverse=True)


def _package_in(reason: str) -> str | None:
    """The Debian package a skip reason names (tools.need's reasons, and older ones such as
    "liblo-tools missing"), or None."""
    if reason.startswith(SKIP_PREFIX):
        return reason[len(SKIP_PREFIX):].split()[0]
    return next((p for p in PACKAGES if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", reason)), None)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """After the run, one line per missing Debian package: how many tests skipped for it (each
    skip's own line already names the package; this is the list to install)."""
    by_package: dict[str, int] = {}
    other = 0
    for rep in terminalreporter.stats.get("skipped", []):
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        reason = reason.removeprefix("Skipped: ")
        package = _package_in(reason)
        if package:
            by_package[package] = by_package.get(package, 0) + 1
        else:
            other += 1
    if not by_package and not other:
        return
    terminalreporter.section("skipped")
    for package, count in sorted(by_package.items()):
        terminalreporter.line(f"{count:4d} test(s) skipped: Debian package {package} is missing "
                              f"(apt-get install {package})")
    if other:
        terminalreporter.line(f"{other:4d} test(s) skipped for other reasons (pytest -rs lists them)")


@pytest.fixture
def reaper(tmp_path, monkeypatch):
    """A fake REAPER session (tests/reaper_fake) in `tmp_path`, the scripts' temporary files kept
    in its tmp/ so a test can check they are gone."""
    from reaper_fake import ReaperSession  # lupa (Lua) only for the REAPER tests

    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    s = ReaperSession(tmp_path)
    yield s
    s.close()
