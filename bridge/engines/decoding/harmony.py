"""The harmony prior: a part written beside context tracks leans toward what they play.

What a session player does with a chord chart, done with the chart the context already is
(docs/MODEL.md, "The harmony prior"). From the context tracks, once a request:
`harmony_prior` (the chord at every tick: its tones and root), `context_lines` (the monophonic
tracks, for the counterpoint rules) and `kick_onsets` (where the kick plays). At each sampled
token, `harmony_bias` and `onset_bias` turn them into logit biases on the candidates, always
renormalised within the pitch (or onset) family, so the prior moves which pitch and where the
next onset falls, never whether a note comes. Weights per role come from a model's config.json
`harmony_prior` (`harmony_weights`); a model without it decodes as before.
"""

from __future__ import annotations

import numpy as np

import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.constraints import RegionSpec, RowState
from bridge.music.drumify import KICKS
from bridge.music.theory import ROLES, Key, chord_root, implied_triad

HARMONY_MARGIN = 3.0  # nats below the model's best pitch within which the harmony prior pulls


def harmony_prior(context: list, tpb: int, bars: int, tone: float, root: float,
                  key: Key | None = None) -> np.ndarray | None:
    """float32 [bars, tpb, 12]: a soft constraint toward the harmony of the context tracks, the
    chord-following a session player does (and what the soft key does for the whole clip). At
    each tick: where two or more pitch classes sound in the pitched context tracks, they are the
    chord, its root theory.chord_root; where one or none sounds (a lone melody) and the key is
    known, the chord is the diatonic triad the bar's context implies (theory.implied_triad) with
    the sounding note. `tone` goes on every chord tone, `root` more on the root. `context` is
    [(drums?, ticks [n, 4])]; drum tracks sound no harmony. None when both weights are 0 or
    nothing pitched sounds."""
    total = tpb * bars
    pcs = np.zeros((total, 12), dtype=np.float32)
    low = np.full(total, 128, dtype=np.int64)
    weight = np.zeros((bars, 12))  # per bar: each pitch class's sounding ticks
    for drums, notes in context:
        if drums:
            continue
        for s, d, p, _ in np.asarray(notes, dtype=np.int64).reshape(-1, 4):
            a, b = max(0, int(s)), min(total, int(s + max(d, 1)))
            if a < b:
                pcs[a:b, p % 12] = 1.0
                low[a:b] = np.minimum(low[a:b], p)
                for k in range(a // tpb, (b - 1) // tpb + 1):
                    weight[k, p % 12] += min(b, (k + 1) * tpb) - max(a, k * tpb)
    if (tone == 0 and root == 0) or not (low < 128).any():
        return None
    implied = [implied_triad(w, key) if key is not None else None for w in weight]
    out = np.zeros((total, 12), dtype=np.float32)
    roots: dict = {}
    for t in range(total):
        chord, lowest = pcs[t], int(low[t] % 12) if low[t] < 128 else None
        triad = implied[t // tpb]
        if chord.sum() < 2 and triad is not None:
            r = triad[0]
            chord = chord.copy()
            chord[list(triad[1])] = 1.0
        elif chord.sum() == 0:
            continue
        else:
            k = (chord.tobytes(), lowest)
            if k not in roots:
                roots[k] = chord_root(chord, lowest)
            r = roots[k]
        out[t] = chord * float(tone)
        out[t, r] += float(root)
    return out.reshape(bars, tpb, 12)


HARMONY_WEIGHTS = ("tone", "root", "parallels", "crossing", "kick")


def harmony_weights(setting: dict | None) -> dict:
    """A model's `harmony_prior` setting -> {role: (tone, root, parallels, crossing)}. Weight keys
    apply to every pitched role; a role key holds that role's own {"tone": .., "root": ..,
    "parallels": .., "crossing": ..}, which replaces them for it: {"tone": 1, "bass": {"tone": 1,
    "root": 2}}. Drums never take it; absent: off. `parallels` is subtracted from a pitch that
    moves in parallel fifths or octaves with a context line (context_lines), `crossing` from a
    bass above a context line or a melody below one (crossing_penalty); `kick` is added to an
    onset where the context's kick drum plays (kick_onsets)."""
    setting = setting or {}
    out = {}
    for r in ROLES:
        own = setting.get(r) if isinstance(setting.get(r), dict) else setting
        ws = tuple(float(own.get(name, 0.0)) for name in HARMONY_WEIGHTS)
        for name, w in zip(HARMONY_WEIGHTS, ws):
            if not 0.0 <= w <= 10.0:
                raise ValueError(f"harmony_prior {name} must be from 0 to 10, got {w}")
        out[r] = (0.0,) * len(HARMONY_WEIGHTS) if r == "drums" else ws
    return out


LINE_SLACK = 0.1  # share of a track's notes that may share an onset and it still counts as a line


def context_lines(context: list, tpb: int, bars: int) -> np.ndarray | None:
    """int16 [lines, bars * tpb]: each pitched context track that is a single line (a chorale's
    soprano, a quartet's cello), as its sounding pitch at every tick (its highest; -1 silent),
    for the parallel-motion rule; None when no track is a line."""
    total = tpb * bars
    out = []
    for drums, notes in context:
        n = np.asarray(notes, dtype=np.int64).reshape(-1, 4)
        if drums or not len(n):
            continue
        _, counts = np.unique(n[:, 0], return_counts=True)
        if (counts[counts > 1].sum()) > LINE_SLACK * len(n):
            continue
        line = np.full(total, -1, dtype=np.int16)
        for s, d, p, _ in n[np.argsort(n[:, 2])]:  # ascending: the highest sounding note wins
            line[max(0, int(s)):min(total, int(s + max(d, 1)))] = p
        out.append(line)
    return np.stack(out) if out else None


def kick_onsets(context: list, tpb: int, bars: int, weight: float) -> np.ndarray | None:
    """float32 [bars, tpb]: `weight` at each tick where a drum context track plays a kick (GM 35
    or 36), for the POS tokens of a part that locks to the kick (a bass); None without kicks."""
    out = np.zeros(tpb * bars, dtype=np.float32)
    for drums, notes in context:
        if not drums:
            continue
        n = np.asarray(notes, dtype=np.int64).reshape(-1, 4)
        s = n[np.isin(n[:, 2], KICKS) & (n[:, 0] >= 0) & (n[:, 0] < len(out)), 0]
        out[s] = weight
    return out.reshape(bars, tpb) if out.any() else None


def crossing_penalty(lines: np.ndarray, at: int, pitches: np.ndarray, role: str, weight: float) -> np.ndarray:
    """float32 [len(pitches)]: -weight on each candidate that would cross a context line sounding
    at tick `at`: a bass above the lowest line, a melody below the highest; other roles sit between
    and are left alone (voice order: bass, inner parts, melody)."""
    out = np.zeros(len(pitches), dtype=np.float32)
    if not 0 <= at < lines.shape[1] or role not in ("bass", "melody"):
        return out
    q = lines[:, at].astype(np.int64)
    q = q[q >= 0]
    if not len(q):
        return out
    crossed = pitches > q.min() if role == "bass" else pitches < q.max()
    out -= weight * crossed
    return out


def parallel_penalty(lines: np.ndarray, prev: int, prev_at: int, at: int, pitches: np.ndarray,
                     weight: float) -> np.ndarray:
    """float32 [len(pitches)]: -weight on each candidate pitch that would move from `prev` (sounded
    at tick `prev_at`) to it in parallel perfect fifths or octaves (or unisons) with a context line
    (both voices move, the same way, keeping interval class 0 or 7): the counterpoint rule."""
    out = np.zeros(len(pitches), dtype=np.float32)
    if prev < 0 or not 0 <= prev_at < at < lines.shape[1]:
        return out
    for q0, q in zip(lines[:, prev_at].astype(np.int64), lines[:, at].astype(np.int64)):
        if q0 < 0 or q < 0 or q == q0 or abs(prev - q0) % 12 not in (0, 7):
            continue
        same_way = np.sign(pitches - prev) == np.sign(q - q0)
        out -= weight * (same_way & (np.abs(pitches - q) % 12 == abs(prev - q0) % 12) & (pitches != prev))
    return out


def harmony_bias(spec: RegionSpec, st: RowState, ids: np.ndarray, x: np.ndarray, prev: int | None,
                prev_at: int) -> np.ndarray:
    """The harmony prior's bias at the candidates `ids` of a row (logits `x`) that has just sounded
    `prev` at region tick `prev_at`: the weights of the pitch classes the context sounds at the
    row's onset (spec.harmony) on the pitch candidates the model itself finds plausible (logit
    within HARMONY_MARGIN of its best pitch), less spec.parallels on a pitch moving in parallel
    fifths or octaves with a context line (spec.lines) and spec.crossing on one crossing a line;
    then shifted so the pitches' total probability is the model's. The prior changes which
    pitch, never whether a note comes: added to the pitches alone, it made another note at the
    same onset likelier than moving on, and a bass line stacked chords whose top note (the line
    kept) crossed the voices above it; the gate keeps octave and register with the model."""
    pitch = (ids >= V.PITCH_OFFSET) & (ids < V.DUR_OFFSET)
    out = np.zeros(len(ids), dtype=np.float32)
    if not pitch.any() or st.pos < 0 or st.bars_done < 1:
        return out
    xp, pp = x[pitch], ids[pitch] - V.PITCH_OFFSET
    b = np.zeros(len(xp), dtype=np.float32)
    if spec.harmony is not None and st.bars_done <= len(spec.harmony):
        at = spec.harmony[st.bars_done - 1, st.pos]  # [12]
        b += np.where(xp >= xp.max() - HARMONY_MARGIN, at[pp % 12], 0.0)
    if spec.lines is not None:
        tick = (st.bars_done - 1) * spec.tpb + st.pos
        if prev is not None and spec.parallels:
            b += parallel_penalty(spec.lines, prev, prev_at, tick, pp, spec.parallels)
        if spec.crossing:
            b += crossing_penalty(spec.lines, tick, pp, spec.role, spec.crossing)
    out[pitch] = _keeping_mass(xp, b)
    return out


def onset_bias(spec: RegionSpec, st: RowState, ids: np.ndarray, x: np.ndarray) -> np.ndarray:
    """spec.onsets' bias on the candidate POS tokens of a row, renormalised so their total
    probability is the model's: the prior moves where the next onset falls, not how many there are."""
    pos = (ids >= V.POS_OFFSET) & (ids < V.PITCH_OFFSET)
    out = np.zeros(len(ids), dtype=np.float32)
    if not pos.any() or not 1 <= st.bars_done <= len(spec.onsets):
        return out
    out[pos] = _keeping_mass(x[pos], spec.onsets[st.bars_done - 1, ids[pos] - V.POS_OFFSET])
    return out


def kit_bias(spec: RegionSpec, st: RowState, ids: np.ndarray, x: np.ndarray) -> np.ndarray:
    """spec.kit's bias on the candidate PITCH tokens (drum keys) at the row's onset, renormalised so
    their total probability is the model's: the prior picks the next kit piece, not whether one comes."""
    pitch = (ids >= V.PITCH_OFFSET) & (ids < V.DUR_OFFSET)
    out = np.zeros(len(ids), dtype=np.float32)
    if not pitch.any() or st.pos < 0:
        return out
    out[pitch] = _keeping_mass(x[pitch], spec.kit[st.pos, ids[pitch] - V.PITCH_OFFSET])
    return out


def _keeping_mass(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bias `b` on logits `x` (one token family's candidates), shifted so that the family's total
    probability stays what the model gave it: the prior moves mass inside the family only."""
    top = x.max()
    return b - (np.log(np.exp(x + b - top).sum()) - np.log(np.exp(x - top).sum()))
