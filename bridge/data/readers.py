"""Readers: one source file -> `Piece`s on the tick grid.

music21 reads the notated corpus (ABC, MusicXML, Humdrum); symusic reads MIDI (it accepts
the files mido rejects, such as key signatures with mode 255). Both are imported inside the
functions so `cadenza --help` stays fast. Readers raise on a broken file; the builder turns
that into a one-line warning.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bridge.music.theory import TICKS_PER_BEAT
from bridge.data.catalog import licence_from_notice
from bridge.data.piece import Part, Piece, make_notes, quantize

DEFAULT_VELOCITY = 80  # notated sources carry no velocities; the piece records dynamics=False
_VALID_DEN = (1, 2, 4, 8, 16, 32)


def _measure_meters(part, shift: float) -> list[tuple[int, int, int]]:
    """Runs of equal time signatures over the measures of one part, as (tick, num, den).

    music21 marks an irregular ABC bar (a section's closing part-bar, a mid-tune pickup) with
    a meter of its own such as 1/16. Such a bar is no meter: the previous meter goes on, but a
    new run starts after it so the bar grid restarts on the next real barline.
    """
    runs: list[tuple[int, int, int]] = []
    current, realign = None, False
    for m in part.getElementsByClass("Measure"):
        ts = m.timeSignature or current
        if ts is None:
            continue
        num, den = int(ts.numerator), int(ts.denominator)
        if den not in _VALID_DEN or not 1 <= num <= 32 or num * 4 < den:
            realign = bool(runs)
            continue
        current = ts
        tick = 0 if not runs else int(round((float(m.offset) + shift) * TICKS_PER_BEAT))
        if not runs or runs[-1][1:] != (num, den) or realign:
            runs.append((tick, num, den))
        realign = False
    return runs or [(0, 4, 4)]


def _pickup_shift(part) -> float:
    """Beats to add so that the first full bar starts on a barline (anacrusis)."""
    measures = part.getElementsByClass("Measure")
    if not measures:
        return 0.0
    first = measures[0]
    try:
        bar = float(first.barDuration.quarterLength)
    except Exception:  # no time signature in reach: no shift
        return 0.0
    have = float(first.duration.quarterLength)
    return bar - have if 0 < have < bar - 1e-6 else 0.0


def _part_notes(part, shift: float) -> tuple[np.ndarray, bool]:
    """Notes of one part; tied notes joined by hand (Stream.stripTies deep-copies the part,
    which took a third of the parse time)."""
    from music21 import harmony

    starts, ends, pitches, vels, any_vel = [], [], [], [], False
    pending: dict[int, int] = {}  # midi pitch -> index of the note a tie continues
    for el in part.flatten().getElementsByClass(("Note", "Chord")):
        if isinstance(el, harmony.ChordSymbol):
            continue  # chord names above a tune are not notes anyone plays from the page
        ql = float(el.duration.quarterLength)
        if ql <= 0:
            continue  # grace notes
        off = float(el.offset) + shift
        vel = el.volume.velocity if el.volume is not None else None
        any_vel = any_vel or vel is not None
        members = el.notes if el.isChord else (el,)
        for n in members:
            midi = int(n.pitch.midi)
            tie = (n.tie or el.tie).type if (n.tie or el.tie) is not None else None
            j = pending.get(midi)
            if tie in ("stop", "continue") and j is not None and abs(ends[j] - off) < 1e-6:
                ends[j] = off + ql
                if tie == "stop":
                    del pending[midi]
                continue
            starts.append(off)
            ends.append(off + ql)
            pitches.append(midi)
            vels.append(int(vel) if vel else DEFAULT_VELOCITY)
            if tie in ("start", "continue"):
                pending[midi] = len(starts) - 1
            else:
                pending.pop(midi, None)
    s, d = quantize(starts, ends)
    return make_notes(s, d, pitches, vels), any_vel


def parts_on_grid(parts) -> tuple[float, list[tuple[int, int, int]], list[tuple[np.ndarray, bool]]]:
    """music21 parts of one score on the tick grid: (pickup shift in beats, meter runs as
    (tick, num, den), and per part (notes int32 [n, 4], whether the source gave velocities)).
    The first part sets the bar lines; a pickup bar is padded so bar lines fall on whole bars.
    The corpus builder, the Transformer's dev dataset and the test fixtures all read scores here."""
    shift = _pickup_shift(parts[0])
    meters = _measure_meters(parts[0], shift)
    return shift, meters, [_part_notes(p, shift) for p in parts]


@contextmanager
def _no_beams():
    """music21's ABC reader beams every part (two thirds of its time); clips need no beams."""
    from music21 import stream

    saved = stream.Stream.makeBeams
    stream.Stream.makeBeams = lambda self, *a, **k: None
    try:
        yield
    finally:
        stream.Stream.makeBeams = saved


def _rights(score) -> str:
    md = score.metadata
    text = str(md.copyright) if md is not None and md.copyright is not None else ""
    return text.strip()


def read_music21(path: str | Path, *, piece_id: str, source: str, style: str, licence: str,
                 texture: str | None, merge_scores: bool = False) -> list[Piece]:
    """Every score of a file (an ABC book holds many tunes) as one Piece each.

    merge_scores: the file's scores are voices of one piece (Josquin's ABC files).
    """
    import music21

    with _no_beams():
        obj = music21.converter.parse(str(path), forceSource=True)
    scores = list(obj.scores) if isinstance(obj, music21.stream.Opus) else [obj]
    if merge_scores and len(scores) > 1:
        groups = [[s for s in scores]]
    else:
        groups = [[s] for s in scores]
    pieces = []
    for gi, group in enumerate(groups):
        parts = [p for s in group for p in (s.parts or [s])]
        if not parts:
            continue
        shift, meters, part_notes = parts_on_grid(parts)
        first = group[0]
        md = first.metadata
        title = (md.title if md is not None and md.title else None) or Path(path).stem
        number = md.number if md is not None and md.number else None
        suffix = f"#{number or gi + 1}" if len(groups) > 1 else ""
        out_parts, dynamics = [], False
        for i, (p, (notes, had_vel)) in enumerate(zip(parts, part_notes)):
            dynamics = dynamics or had_vel
            if len(notes):
                out_parts.append(Part(name=p.partName or f"part {i + 1}", notes=notes))
        if not out_parts:
            continue
        tempo = None
        for mm in first.recurse().getElementsByClass("MetronomeMark"):
            if mm.number:
                tempo = float(mm.getQuarterBPM() or mm.number)
                break
        signatures = []
        for ks in parts[0].flatten().getElementsByClass("KeySignature"):
            tick = int(round((float(ks.offset) + (shift if ks.offset > 0 else 0.0)) * TICKS_PER_BEAT))
            if not signatures or signatures[-1][1] != int(ks.sharps):
                signatures.append((tick, int(ks.sharps)))
        key_hint = None
        if Path(path).suffix.lower() == ".abc":
            k0 = parts[0].flatten().getElementsByClass("Key").first()
            if k0 is not None and k0.mode in ("major", "minor"):
                key_hint = (int(k0.tonic.pitchClass), str(k0.mode))
        rights = _rights(first)
        pid = piece_id + suffix
        pieces.append(Piece(
            id=pid, title=str(title), source=source, path=str(path), style=style,
            licence=licence_from_notice(rights, licence), rights=rights, group=pid, parts=out_parts,
            meters=meters, tempo=tempo, dynamics=dynamics, texture=texture, signatures=signatures,
            key_hint=key_hint,
        ))
    return pieces


def _symusic_score(path: str | Path):
    import symusic

    p = Path(path)
    fmt = "abc" if p.suffix.lower() == ".abc" else "midi"
    return symusic.Score(str(p), fmt=fmt)


def read_midi(path: str | Path, *, piece_id: str, source: str, style: str, licence: str,
              group: str | None = None, title: str | None = None, data: bytes | None = None) -> list[Piece]:
    """A standard MIDI file (or MIDI bytes) as one Piece; each track with notes is a part."""
    import symusic

    if data is not None:
        score = symusic.Score.from_midi(data)
    else:
        score = _symusic_score(path)
    tpq = score.ticks_per_quarter
    if tpq <= 0:
        raise ValueError(f"bad ticks per quarter {tpq}")
    scale = TICKS_PER_BEAT / tpq
    parts = []
    for i, tr in enumerate(score.tracks):
        if not len(tr.notes):
            continue
        arr = tr.notes.numpy()
        t0 = arr["time"].astype(np.float64)
        dur = arr["duration"].astype(np.float64)
        if not tr.is_drum:
            keep = dur > 0  # zero-length pitched notes make no sound
            t0, dur = t0[keep], dur[keep]
            pitch, vel = arr["pitch"][keep], arr["velocity"][keep]
        else:
            pitch, vel = arr["pitch"], arr["velocity"]
        s = np.rint(t0 * scale).astype(np.int64)
        e = np.rint((t0 + dur) * scale).astype(np.int64)
        notes = make_notes(s, np.maximum(e - s, 1), pitch, vel)
        notes = notes[notes[:, 3] > 0]
        if len(notes):
            parts.append(Part(name=tr.name or f"track {i + 1}", notes=notes, program=int(tr.program),
                              drum=bool(tr.is_drum)))
    if not parts:
        raise ValueError("no notes")
    meters = []
    for ts in score.time_signatures:
        num, den = int(ts.numerator), int(ts.denominator)
        if den not in _VALID_DEN or not 1 <= num <= 32:
            continue
        tick = int(round(ts.time * scale))
        if meters and meters[-1][0] == tick:
            meters[-1] = (tick, num, den)
        elif not meters or meters[-1][1:] != (num, den):
            meters.append((tick, num, den))
    if not meters or meters[0][0] != 0:
        meters.insert(0, (0, 4, 4) if not meters else (0, meters[0][1], meters[0][2]))
    tempo = _main_tempo(score, scale, max(int(p.notes[-1, 0]) for p in parts))
    return [Piece(
        id=piece_id, title=title or Path(str(path)).stem, source=source, path=str(path), style=style,
        licence=licence, group=group or piece_id, parts=parts, meters=meters, tempo=tempo,
        dynamics=any(len(np.unique(p.notes[:, 3])) > 1 for p in parts),
    )]


def _main_tempo(score, scale: float, end_tick: int) -> float | None:
    """The tempo that lasts longest (a ritardando at the end does not label the piece)."""
    tempos = [(int(round(t.time * scale)), float(t.qpm)) for t in score.tempos if t.qpm > 0]
    if not tempos:
        return None
    best, best_len = tempos[0][1], -1
    for i, (tick, qpm) in enumerate(tempos):
        nxt = tempos[i + 1][0] if i + 1 < len(tempos) else max(end_tick, tick)
        if nxt - tick > best_len:
            best, best_len = qpm, nxt - tick
    return best
