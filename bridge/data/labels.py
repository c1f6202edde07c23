"""Labelling: a `Piece` -> clips (one part, a window of whole bars) with role, key, mood.

- role: drums (channel 10 / GM kit), bass (GM bass program, or a low single line), melody
  (a higher single line), chords (most onsets are 3+ notes struck together: homophony),
  keys (free polyphony). Scores of voices (chorales, quartets, polyphony) give the top voice
  as melody, the lowest as bass and all voices merged as chords or keys.
- key: stated keys when the source states them reliably (MMA progressions); otherwise a
  Krumhansl-Kessler estimate (`bridge.music.keys`, the one engines use on uploads) over the
  window's pitched notes, leaning on the piece's key.
- mood: `bridge.music.theory.mood_from` (valence from the mode, arousal from tempo x onset rate).
- windows: whole bars inside one meter, up to 16; a last window shorter than 2 bars is dropped.
"""

from __future__ import annotations

import numpy as np

from bridge.music.keys import estimate_key, pc_histogram
from bridge.music.theory import MODES, Meter, mood_from
from bridge.data.catalog import DEFAULT_TEMPO
from bridge.data.piece import Part, Piece, make_notes

WINDOW_BARS = 16
MIN_WINDOW_BARS = 2
MIN_NOTES = 4
MIN_ACTIVE_BARS = 0.5  # a clip needs onsets in at least half its bars
PIECE_KEY_WEIGHT = 0.5  # how much the whole piece's pitch histogram steadies a window's key
FINAL_NOTE_BONUS = 0.15  # a piece mostly ends on its tonic: score bonus for keys on the last bass note
KEY_HINT_BONUS = 0.3  # score bonus for the key an ABC tune names (K:), which analysis may overrule
PIECE_KEY_BONUS = 0.1  # score bonus for the piece's key when labelling a window


def cut_window(notes: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The notes with onsets in [lo, hi) ticks, moved to start at 0 and cut at the window's end:
    a window of whole bars becomes a clip of its own."""
    sel = notes[(notes[:, 0] >= lo) & (notes[:, 0] < hi)].copy()
    sel[:, 0] -= lo
    sel[:, 1] = np.minimum(sel[:, 1], hi - lo - sel[:, 0])
    return sel


def _signature_at(piece: Piece, tick: int) -> int | None:
    found = None
    for s_tick, sharps in piece.signatures:
        if s_tick <= tick:
            found = sharps
    return found


def infer_role(part: Part) -> str:
    if part.role:
        return part.role
    if part.drum:
        return "drums"
    if 32 <= part.program <= 39:
        return "bass"
    notes = part.notes
    _, counts = np.unique(notes[:, 0], return_counts=True)
    if counts.mean() < 1.25:  # one note per onset: a line
        return "bass" if np.median(notes[:, 2]) < 50 else "melody"
    return "chords" if (counts >= 3).mean() >= 0.5 else "keys"


def labelled_parts(piece: Piece) -> list[tuple[int, str, np.ndarray]]:
    """(part index, role, notes) for every part that becomes clips."""
    drums = [p for p in piece.parts if p.drum]
    pitched = [(i, p) for i, p in enumerate(piece.parts) if not p.drum]
    out: list[tuple[int, str, np.ndarray]] = []
    if drums:  # all kit tracks of a piece play one kit
        kit = np.concatenate([p.notes for p in drums])
        first = next(i for i, p in enumerate(piece.parts) if p.drum)  # not list.index: Part holds arrays
        out.append((first, "drums", make_notes(kit[:, 0], kit[:, 1], kit[:, 2], kit[:, 3])))
    if piece.texture == "voices" and len(pitched) >= 2:
        by_height = sorted(pitched, key=lambda ip: float(np.mean(ip[1].notes[:, 2])))
        top, low = by_height[-1], by_height[0]
        out.append((top[0], "melody", top[1].notes))
        if len(pitched) >= 3 or np.mean(low[1].notes[:, 2]) < 55:
            out.append((low[0], "bass", low[1].notes))
        allv = np.concatenate([p.notes for _, p in pitched])
        merged = Part("all voices", make_notes(allv[:, 0], allv[:, 1], allv[:, 2], allv[:, 3]))
        out.append((len(piece.parts), infer_role(merged) if infer_role(merged) in ("chords", "keys") else "keys",
                    merged.notes))
    else:
        out.extend((i, infer_role(p), p.notes) for i, p in pitched)
    return out


def piece_tempo(piece: Piece) -> float:
    tempo = piece.tempo or DEFAULT_TEMPO.get(piece.style, 100.0)
    return float(min(300.0, max(30.0, tempo)))


def _segments(piece: Piece, end_tick: int) -> list[tuple[int, int, Meter]]:
    segs = []
    for i, (tick, num, den) in enumerate(piece.meters):
        stop = piece.meters[i + 1][0] if i + 1 < len(piece.meters) else end_tick
        try:
            meter = Meter(num, den)
        except ValueError:
            continue
        if stop > tick:
            segs.append((tick, stop, meter))
    return segs


def _stated_key(piece: Piece, tick: int) -> tuple[int, str] | None:
    found = None
    for k_tick, tonic, mode in piece.keys:
        if k_tick <= tick:
            found = (tonic, mode)
    return found


def _piece_key(piece: Piece, pitched: list[np.ndarray], hist: np.ndarray) -> int:
    """The whole piece's key as an index 0-23 (major 0-11, minor 12-23)."""
    bonus = np.zeros(24)
    if pitched:
        notes = np.concatenate(pitched)
        last = notes[notes[:, 0] == notes[:, 0].max()]
        pc = int(last[:, 2].min()) % 12
        bonus[pc] = bonus[12 + pc] = FINAL_NOTE_BONUS
    if piece.key_hint is not None:
        tonic, mode = piece.key_hint
        bonus[tonic + 12 * MODES.index(mode)] += KEY_HINT_BONUS
    sig = piece.signatures[0][1] if piece.signatures else None
    tonic, mode = estimate_key(hist, sig, bonus)
    return tonic + 12 * MODES.index(mode)


def piece_clips(piece: Piece) -> list[dict]:
    """Clips of one piece as dicts: labels plus "notes" (int32 [n, 4], clip-relative ticks)."""
    parts = labelled_parts(piece)
    if not parts:
        return []
    end_tick = max(int((n[:, 0] + n[:, 1]).max()) for _, _, n in parts if len(n))
    pitched_all = [n for _, r, n in parts if r != "drums"]
    piece_hist = pc_histogram(np.concatenate(pitched_all)) if pitched_all else np.zeros(12)
    if piece_hist.sum() > 0:
        piece_hist = piece_hist / piece_hist.sum()
    piece_key = _piece_key(piece, pitched_all, piece_hist)
    tempo = piece_tempo(piece)
    clips: list[dict] = []
    window_index = {i: 0 for i, _, _ in parts}
    for seg_start, seg_stop, meter in _segments(piece, end_tick):
        bar = meter.ticks_per_bar
        is_last = seg_stop == end_tick
        n_bars = -(-(seg_stop - seg_start) // bar) if is_last else (seg_stop - seg_start) // bar
        for w0 in range(0, n_bars, WINDOW_BARS):
            bars = min(WINDOW_BARS, n_bars - w0)
            if bars < MIN_WINDOW_BARS:
                continue
            lo = seg_start + w0 * bar
            hi = lo + bars * bar
            windows = []
            for idx, role, notes in parts:
                windows.append((idx, role, cut_window(notes, lo, hi)))
            pitched = [n for _, r, n in windows if r != "drums" and len(n)]
            stated = _stated_key(piece, lo + bar // 2)
            if stated is not None:
                tonic, mode = stated
            else:
                hist = pc_histogram(np.concatenate(pitched)) if pitched else np.zeros(12)
                if hist.sum() > 0:
                    hist = hist / hist.sum()
                bonus = np.zeros(24)
                bonus[piece_key] = PIECE_KEY_BONUS
                tonic, mode = estimate_key(hist + PIECE_KEY_WEIGHT * piece_hist, _signature_at(piece, lo), bonus)
            onsets = len(np.unique(np.concatenate([n[:, 0] for n in pitched]))) if pitched else 0
            beats = bars * meter.beats_per_bar
            mood = mood_from(mode, tempo, onsets / beats)
            for idx, role, sel in windows:
                if len(sel) < MIN_NOTES:
                    continue
                active = len(np.unique(sel[:, 0] // bar))
                if active < MIN_ACTIVE_BARS * bars:
                    continue
                clips.append({
                    "notes": sel.astype(np.int32), "role": role, "style": piece.style, "mood": mood,
                    "tonic": int(tonic), "mode": mode, "meter_num": meter.numerator,
                    "meter_den": meter.denominator, "tempo": tempo, "bars": int(bars),
                    "window": window_index[idx], "part": int(idx),
                })
                window_index[idx] += 1
    return clips

