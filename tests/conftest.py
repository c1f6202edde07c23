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
                 timeout: float = 60.0) -> RunningDaemon:
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(env_extra or {}))
    env.pop("CADENZA_PORT", None)
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge.cli", "serve", "--port", "0", "--models", str(models_dir),
         "--log-level", "debug", *args],
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

    def make(env_extra=None, args=(), models_dir=None):
        d = start_daemon(models_dir or shipped_models(), tmp_path / f"daemon{len(started)}.log", env_extra, args)
        started.append(d)
        return d

    yield make
    for d in started:
        stop_daemon(d)
