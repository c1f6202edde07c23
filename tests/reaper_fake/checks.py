"""Helpers the REAPER action tests share: the real `cadenza` program, settings, and where the
CLI's notes must land."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

PPQ = 960


def cadenza_exe() -> str:
    """The installed `cadenza` console script (next to this Python, else on the PATH)."""
    here = Path(sys.executable).parent / "cadenza"
    exe = str(here) if here.is_file() else shutil.which("cadenza")
    if not exe:
        pytest.fail("the cadenza program is not installed (pip install -e .)")
    return exe


def configure(s, daemon=None, port=None, exe=None, **settings):
    """Save Cadenza settings in the fake ExtState, the way the Settings action would."""
    ext = s.api.ext
    ext[("Cadenza", "cadenza_path")] = exe if exe is not None else cadenza_exe()
    ext[("Cadenza", "host")] = "127.0.0.1"
    ext[("Cadenza", "port")] = str(port if port is not None else daemon.port)
    if daemon is not None and "model" not in settings and (Path(daemon.models_dir) / "markov" / "config.json").is_file():
        settings["model"] = "markov"  # the small model answers every operation in milliseconds
    for k, v in settings.items():
        ext[("Cadenza", k)] = str(v)


def the_answer(s) -> dict:
    """The one answer file the CLI wrote during the run."""
    (text,) = s.api.answers.values()
    answer = json.loads(text)
    assert answer["ok"] is True, answer
    return answer


def expected_ticks(notes, length_qn):
    """Where the CLI's notes (beats from the item start) must land, in ticks from the take start."""
    out = set()
    for pitch, start, dur, vel in notes:
        if start < length_qn - 1e-6:
            s = round(start * PPQ)
            e = max(round(min(start + dur, length_qn) * PPQ), s + 1)
            out.add((s, e, pitch, vel))
    return out


def landed(take, channel=0):
    """The notes of a fake take as (start, end, pitch, velocity), all on `channel`."""
    assert all(n.chan == channel for n in take.notes)
    return {(n.start, n.end, n.pitch, n.vel) for n in take.notes}
