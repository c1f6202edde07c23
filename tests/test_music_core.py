"""The music core holds each rule once: key estimation, notes <-> ticks, bar counts, limits."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import bridge
from bridge.music.clip import Clip, Note
from bridge.music.keys import estimate_key, key_of_notes, key_of_ticks, pc_histogram
from bridge.music.limits import MAX_BARS
from bridge.music.theory import Key, Meter
from bridge.music.ticks import clip_ticks, notes_to_ticks, ticks_to_notes

D_MINOR_SCALE = [62, 64, 65, 67, 69, 70, 72, 74]  # D E F G A Bb C D


def _d_minor_notes() -> list[Note]:
    """A D natural-minor scale up and down, tonic and dominant held longest."""
    pitches = D_MINOR_SCALE + D_MINOR_SCALE[-2::-1]
    durs = {62: 2.0, 74: 2.0, 69: 1.5}
    notes, t = [], 0.0
    for p in pitches:
        d = durs.get(p, 0.5)
        notes.append(Note(t, p, d, 90))
        t += d
    return notes


def test_estimate_key_finds_d_minor_on_a_d_minor_scale():
    notes = _d_minor_notes()
    assert key_of_notes(notes) == Key(2, "minor")
    assert key_of_ticks(notes_to_ticks(notes)) == Key(2, "minor")
    assert estimate_key(pc_histogram(notes_to_ticks(notes))) == (2, "minor")


def test_estimate_key_names_no_key_without_notes():
    assert key_of_notes([]) is None
    flat = [Note(i * 0.5, 60 + i, 0.5) for i in range(12)]  # every pitch class equally long
    assert key_of_notes(flat) is None


def test_ticks_round_trip():
    notes = [Note(0.0, 60, 1.0, 100), Note(0.25, 64, 0.5, 80), Note(1 / 3, 67, 1 / 3, 1), Note(3.5, 72, 4.0, 127)]
    ticks = notes_to_ticks(notes)
    assert ticks.dtype == np.int64 and ticks.shape == (4, 4)
    assert ticks.tolist() == [[0, 12, 60, 100], [3, 6, 64, 80], [4, 4, 67, 1], [42, 48, 72, 127]]
    back = ticks_to_notes(ticks)
    assert [(n.pitch, n.velocity) for n in back] == [(n.pitch, n.velocity) for n in notes]
    assert all(abs(a.start - b.start) < 1e-9 and abs(a.duration - b.duration) < 1e-9 for a, b in zip(back, notes))
    assert np.array_equal(notes_to_ticks(back), ticks)
    assert np.array_equal(clip_ticks(Clip(notes, 8.0)), ticks)
    assert notes_to_ticks([Note(0.0, 60, 0.01)]).tolist() == [[0, 1, 60, 90]]  # shorter than a tick: one tick


def test_bar_counts():
    m = Meter(3, 4)
    assert m.bars_spanned(9.0) == 3 and m.bars_spanned(9.5) == 4 and m.bars_spanned(0.0) == 1
    assert m.bars_spanned(9.0 + 1e-9) == 3  # float noise is no new bar
    assert m.nominal_bars(9.5) == 3 and m.nominal_bars(10.6) == 4 and m.nominal_bars(0.5) == 1


def test_max_bars_is_defined_once():
    root = Path(bridge.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
            for t in targets:
                names = [e.id for e in ast.walk(t) if isinstance(e, ast.Name)]
                if "MAX_BARS" in names:
                    found.append(str(path.relative_to(root)))
    assert found == ["music/limits.py"] and MAX_BARS == 64
