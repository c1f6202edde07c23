"""Drumify's accent rule: which onsets of a pitched clip a drum part must mark with a kick or a
snare, so that a drum part written over the clip's rhythm follows its accents.

A pitched line accents its bar downbeats and its long notes; a drummer answers the downbeat with
a kick and the backbeat (beats 2 and 4 of 4/4; 2 and 3 of 3/4; the second dotted beat of 6/8)
with a snare. The engine's own kit choice stays everywhere else (hats, rides, toms, cymbals, a
syncopated kick), so the part keeps the model's style. Pure functions over a Clip.
"""

from __future__ import annotations

from dataclasses import replace

from bridge.music.clip import Clip
from bridge.music.theory import Meter

KICK, SNARE, CLOSED_HAT = 36, 38, 42  # GM bass drum 1, acoustic snare, closed hi-hat
KICKS, SNARES = (35, 36), (37, 38, 39, 40)
LONG_NOTE = 1.0  # beats: a note this long (or longer) is an accent
EPS = 1e-6


def backbeats(meter: Meter) -> tuple[float, ...]:
    """Beats inside the bar (from 0) a snare marks."""
    if meter.denominator == 8 and meter.numerator % 3 == 0:  # compound: dotted-quarter beats
        return tuple(1.5 * k for k in range(1, meter.numerator // 3, 2))
    if meter.numerator == 3:
        return (1.0, 2.0)
    return tuple(float(b) for b in range(1, int(meter.beats_per_bar), 2))


def accent_of(start: float, duration: float, meter: Meter) -> int | None:
    """KICK, SNARE or None (the engine's choice) for an onset of a pitched clip."""
    pos = start % meter.beats_per_bar
    if pos < EPS or meter.beats_per_bar - pos < EPS:
        return KICK
    on_backbeat = any(abs(pos - b) < EPS for b in backbeats(meter))
    if on_backbeat:
        return SNARE
    if duration >= LONG_NOTE - EPS and abs(pos - round(pos)) < EPS:
        return KICK  # a long note on another beat
    return None


def follow_accents(drums: Clip, source: Clip) -> Clip:
    """`drums` (a drum part on `source`'s onsets) with a kick on each accented onset and a snare on
    each backbeat, added beside the engine's notes there (a hat on the downbeat stays: drummers
    play both); an engine's snare on a kick accent (or kick on a snare accent) becomes the accent.
    Where the engine put a kick or snare on a weak onset it stays (a syncopation is the style's)."""
    longest: dict[float, float] = {}
    for n in source.notes:
        key = round(n.start, 6)
        longest[key] = max(longest.get(key, 0.0), n.duration)
    by_onset: dict[float, list[int]] = {}
    for i, n in enumerate(drums.notes):
        by_onset.setdefault(round(n.start, 6), []).append(i)
    notes = list(drums.notes)
    added = []
    for key, idx in by_onset.items():
        accent = accent_of(key, longest.get(key, 0.0), source.meter)
        if accent is None:
            continue
        want, other = (KICKS, SNARES) if accent == KICK else (SNARES, KICKS)
        if any(notes[i].pitch in want for i in idx):
            continue
        clash = [i for i in idx if notes[i].pitch in other]
        if clash:
            notes[clash[0]] = replace(notes[clash[0]], pitch=accent)
        else:
            loud = max(idx, key=lambda i: notes[i].velocity)
            added.append(replace(notes[loud], pitch=accent))
    return replace(drums, notes=sorted(notes + added, key=lambda m: (m.start, m.pitch)))
