"""Single lines stay single: generated melody and bass never ring over their next onset."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.engines.registry import load_model
from bridge.music.request import parse_request

MODEL = Path(__file__).resolve().parent.parent / "models" / "transformer"


@pytest.fixture(scope="module")
def engine():
    return load_model(MODEL)


@pytest.mark.parametrize("role", ["melody", "bass"])
def test_no_overlapping_notes_in_a_line(engine, role):
    req = parse_request("generate", ["role", role, "bars", 8, "seed", 11, "variations", 4], engine.info.styles)
    for clip in engine.run(req, None, lambda f: None):
        starts = sorted({n.start for n in clip.notes})
        for n in clip.notes:
            later = [s for s in starts if s > n.start + 1e-9]
            assert not later or n.end <= later[0] + 1e-6, (n, later[0])
