"""Made-up played MIDI for the groove tests: parts whose every offset is known by hand.

`played_folder` writes MIDI files (480 ticks a beat, 120 BPM) of a drum part whose off-beat
eighths are late by LATE beats and whose downbeats are early by EARLY beats, with loud beats and
soft off-beats, plus a pitched part on the grid (which is no played part and must be left out).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

LATE, EARLY = 0.0625, -0.03125  # beats: 30 and 15 ticks of 480
LOUD, SOFT = 110, 60
TPQ = 480


def drum_hits(bars: int, jitter_seed: int | None = None) -> list[tuple[float, int, int]]:
    """(onset beats as played, pitch, velocity): eighth hats, kick on 1 and 3, snare on 2 and 4."""
    rng = np.random.default_rng(jitter_seed) if jitter_seed is not None else None
    hits = []
    for b in range(bars):
        for e in range(8):
            grid = 4 * b + e / 2
            off = LATE if e % 2 else (EARLY if e > 0 else 0.0)
            if rng is not None:
                off += float(rng.integers(-2, 3)) / TPQ
            hits.append((grid + off, 42, SOFT if e % 2 else LOUD))
        for q in range(4):
            hits.append((4 * b + q + (EARLY if q else 0.0), 36 if q % 2 == 0 else 38, LOUD))
    return hits


def write_midi(path: Path, hits, pitched: list[tuple[float, int]] | None = None) -> Path:
    import symusic

    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, 120.0))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    kit = symusic.Track("drums", 0, True)
    for onset, pitch, vel in hits:
        kit.notes.append(symusic.Note(int(round(onset * TPQ)), TPQ // 4, pitch, vel))
    score.tracks.append(kit)
    if pitched:
        lead = symusic.Track("lead", 73, False)
        for onset, pitch in pitched:
            lead.notes.append(symusic.Note(int(round(onset * TPQ)), TPQ // 2, pitch, 90))
        score.tracks.append(lead)
    score.dump_midi(str(path))
    return path


def played_folder(folder: Path, files: int = 6, bars: int = 8) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        write_midi(folder / f"take{k}.mid", drum_hits(bars, jitter_seed=k),
                   pitched=[(i / 2, 60 + (i % 7)) for i in range(bars * 8)])
    return folder
