"""Sampling for the Markov baseline: rhythm, pitches (melody/bass), chord shapes, drum hits and
velocities, each with the request's constraints applied as masks on the model's distribution.

All functions are pure apart from the numpy Generator they draw from, so the same request and
seed give the same notes. A `Cond` carries the resolved conditions of one request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bridge.errors import BadRequest
from bridge.music.theory import MAJOR_STEPS, MINOR_STEPS, TICKS_PER_BEAT, Meter
import bridge.engines.markov.tables as mt

SOFT_KEY_WEIGHT = 0.5  # without scale_lock, out-of-key pitches keep half their probability
REGISTER_WIDTH = 1.0  # the register pull is a Gaussian one learned std wide (times the data spread)
DENSITY_TILT = 3.0  # strength of the pull of rhythm steps toward the asked density
DENSITY_TRIES = 4  # rhythm drafts drawn when a density is asked; the closest one is kept
CHORD_REGISTER_PULL = 0.5  # chord placement: cost of a semitone away from the register per semitone moved
LOOKAHEAD_FLOOR = 1e-3  # a step that cannot reach the next kept note keeps this weight
PRIOR_ACCENTS = (10.0, 4.0, -4.0, -8.0)  # velocity offsets by metric level when data has none
PRIOR_BASE, PRIOR_STD = 84.0, 5.0


@dataclass
class Cond:
    role: str
    kind: str  # top, bottom, poly, drums
    style: str | None
    tonic: int
    mode: str
    meter: Meter
    temperature: float = 1.0
    top_p: float = 0.95
    scale_lock: bool = False
    low: int = 0
    high: int = 127
    onsets_per_beat: float | None = None  # density target, None: the style's own
    notes_per_beat: float | None = None  # the same target in notes (chords and drums hit several)

    @property
    def scale(self) -> frozenset:
        steps = MAJOR_STEPS if self.mode == "major" else MINOR_STEPS
        return frozenset((self.tonic + s) % 12 for s in steps)

    @property
    def scale_mask(self) -> np.ndarray:
        m = np.zeros(12, dtype=bool)
        m[list(self.scale)] = True
        return m


class RoleModel:
    """One role's tables and statistics, as markov_train.py wrote them."""

    def __init__(self, arrays: dict, side: dict, discount: float | None = None):
        self.side = side
        self.kind = side["kind"]
        self.rhythm_syms = [mt.parse_rhythm_symbol(s) for s in side["rhythm_vocab"]]
        self.rhythm_index = {s: i for i, s in enumerate(side["rhythm_vocab"])}
        self.ioi = np.array([a for a, _ in self.rhythm_syms], dtype=np.int64)
        self.dur = np.array([b for _, b in self.rhythm_syms], dtype=np.int64)

        def table(name, size):
            return mt.Table({k: arrays[f"{name}.{k}"] for k in ("keys", "offsets", "syms", "counts")}, size, discount)

        self.rhythm = table("rhythm", len(self.rhythm_syms))
        if self.kind in ("top", "bottom"):
            self.content = table("content", len(mt.INTERVALS))
            self.first = table("first", 12)
            self.content_vocab = None
        else:
            vocab = side["content_vocab"]
            self.content = table("content", len(vocab))
            self.first = None
            self.content_vocab = vocab
            self.content_index = {s: i for i, s in enumerate(vocab)}
            if self.kind == "poly":
                self.shapes = [mt.parse_chord_symbol(s) for s in vocab]
                self.sizes = np.array([1 + len(u) for _, u in self.shapes])
                # shapes are key-relative, so whether one fits the scale depends on the mode only
                self.in_key = {
                    mode: np.array([all((pc + u) % 12 in set(steps) for u in (0, *ups)) for pc, ups in self.shapes])
                    for mode, steps in (("major", MAJOR_STEPS), ("minor", MINOR_STEPS))
                }
            else:
                self.shapes = [mt.parse_drum_symbol(s) for s in vocab]
                self.sizes = np.array([len(h) for h in self.shapes])
                self.lowest = np.array([min(h) if h else -1 for h in self.shapes])
                self.highest = np.array([max(h) if h else 999 for h in self.shapes])

    def style_or_none(self, style: str | None) -> str | None:
        return style if style in self.side["styles"] else None


def pick(p: np.ndarray, rng: np.random.Generator, temperature: float, top_p: float) -> int:
    """Draw an index from unnormalised weights with temperature and nucleus (top-p) filtering."""
    nz = np.flatnonzero(p)  # large vocabularies are mostly zero after masking: work on the rest
    if not len(nz):
        raise ValueError("no allowed choice")
    w = np.asarray(p, dtype=np.float64)[nz]
    w = w / w.sum()
    if temperature != 1.0:
        w = np.exp(np.log(w) / temperature)
        w /= w.sum()
    if top_p < 1.0:
        # Entries under (1 - top_p) / n together weigh less than 1 - top_p, so they all lie in
        # the tail the nucleus drops: filter them before sorting (exact, and far fewer to sort).
        big = w >= (1.0 - top_p) / len(w)
        nz, w = nz[big], w[big]
        order = np.argsort(-w, kind="stable")
        csum = np.cumsum(w[order])
        keep = order[: int(np.searchsorted(csum, top_p)) + 1]
        nz, w = nz[keep], w[keep] / w[keep].sum()
    return int(nz[min(int(np.searchsorted(np.cumsum(w), rng.random(), side="right")), len(w) - 1)])


# --- rhythm


def history_of(events: list, kind: str, cap: int, until: int) -> list[str]:
    """Rhythm history (BOS first) of the events before tick `until`, ending with the gap up to it."""
    before = [e for e in events if e.tick < until]
    sentinel = mt.Event(until, 1, (0,), (1,))
    toks = mt.rhythm_tokens(before + [sentinel], kind, cap)
    return [mt.BOS] + [mt.rhythm_symbol(i, d) for t, i, d in toks if t < until]


def _rhythm_draft(rm: RoleModel, c: Cond, rng, start: int, end: int, hist: list, frame: int) -> list:
    bar, out, t, hist = mt.bar_ticks(c.meter), [], start, list(hist)
    order = 8  # contexts are cut by what the table holds; this only bounds the history looked at
    tilt = None
    if c.onsets_per_beat:
        beats = np.maximum(rm.ioi, 1) / TICKS_PER_BEAT
        tilt = np.exp(-DENSITY_TILT * np.abs(np.log(beats * c.onsets_per_beat)))
    style = rm.style_or_none(c.style)
    while t < end:
        ctx = mt.chain(mt.rhythm_contexts((t - frame) % bar, c.meter, hist, order), style)
        w = rm.rhythm.dist(ctx)
        if tilt is not None:
            w = w * tilt
        if t == start and not out and start == frame:
            w = w * np.where(rm.dur > 0, 1.0, 0.05)  # a fresh clip rarely opens on a rest
        i = pick(w, rng, c.temperature, c.top_p)
        ioi, dur = rm.rhythm_syms[i]
        if dur > 0:
            out.append((t, min(dur, end - t)))
        hist.append(mt.rhythm_symbol(ioi, dur))
        t += max(1, ioi)
    return out


def sample_rhythm(rm: RoleModel, c: Cond, rng, start: int, end: int, hist: list, frame: int = 0) -> list:
    """Onsets and durations [(tick, dur)] in [start, end); `frame` is the tick of bar line 0."""
    if not c.onsets_per_beat:
        return _rhythm_draft(rm, c, rng, start, end, hist, frame)
    span = max(1e-9, (end - start) / TICKS_PER_BEAT)
    drafts = [_rhythm_draft(rm, c, rng, start, end, hist, frame) for _ in range(DENSITY_TRIES)]
    return min(drafts, key=lambda d: abs(math.log((len(d) + 0.5) / span / c.onsets_per_beat)))


# --- pitches of monophonic lines


def _register(rm: RoleModel, c: Cond) -> tuple[float, float]:
    reg = rm.side["register"]
    stats = reg.get(f"{c.style}|{c.mode}")
    if not stats or stats["n"] < 30:
        stats = reg.get(f"*|{c.mode}") or next(iter(reg.values()), {"mean": 60.0, "std": 6.0})
    center = mt.tonic_ref(c.tonic) + stats["mean"]
    center = min(max(center, c.low + 2), c.high - 2) if c.high - c.low >= 4 else (c.low + c.high) / 2
    return center, max(3.0, stats["std"]) * REGISTER_WIDTH


def _pitch_masks(c: Cond, cand: np.ndarray, center: float, width: float) -> np.ndarray:
    ok = (cand >= max(0, c.low)) & (cand <= min(127, c.high))
    inkey = c.scale_mask[cand % 12]
    w = ok.astype(np.float64) * np.exp(-0.5 * ((cand - center) / width) ** 2)
    return w * inkey if c.scale_lock else w * np.where(inkey, 1.0, SOFT_KEY_WEIGHT)


def _mono_dist(rm, c, style, prev, tick, ints):
    lv = mt.metric_level(tick % mt.bar_ticks(c.meter), c.meter)
    ctx = mt.mono_contexts(c.mode, (prev - c.tonic) % 12, lv, ints, 8)
    return rm.content.dist(mt.chain(ctx, style))


def fill_mono(rm: RoleModel, c: Cond, rng, ticks: list, fixed: list, left: list, contour: list | None = None) -> list:
    """Pitches for onsets `ticks` (clip frame): entries of `fixed` that are not None are kept, the
    rest are drawn given the `left` context pitches, looking ahead to the next kept pitch.
    `contour` (optional) gives the sign (-1, 0, 1) each drawn step must have."""
    style = rm.style_or_none(c.style)
    center, width = _register(rm, c)
    out = list(left)
    ints = [mt.clip_interval(a, b) for a, b in zip(left, left[1:])]
    steps = np.array(mt.INTERVALS)
    for i, tick in enumerate(ticks):
        if fixed[i] is not None:
            p = fixed[i]
        else:
            prev = out[-1] if out else None
            w = None
            if prev is not None:
                cand = prev + steps
                w = np.array(_mono_dist(rm, c, style, prev, tick, ints)) * _pitch_masks(c, cand, center, width)
                if contour is not None and contour[i] is not None:
                    w = w * (np.sign(steps) == contour[i])
                nxt = fixed[i + 1] if i + 1 < len(fixed) else None
                if nxt is not None and w.sum() > 0:
                    for j in np.nonzero(w)[0]:
                        pj = rm.content.dist(mt.chain(mt.mono_contexts(
                            c.mode, (cand[j] - c.tonic) % 12,
                            mt.metric_level(ticks[i + 1] % mt.bar_ticks(c.meter), c.meter),
                            ints + [int(steps[j])], 8), style))
                        gap = nxt - cand[j]
                        w[j] *= pj[gap + mt.MAX_INTERVAL] if abs(gap) <= mt.MAX_INTERVAL else LOOKAHEAD_FLOOR
            if w is None or not w.sum() > 0:
                cand = np.arange(128)
                first = rm.first.dist(mt.chain(mt.first_contexts(c.mode), style))
                w = first[(cand - c.tonic) % 12] * _pitch_masks(c, cand, center, width)
                if not w.sum() > 0:
                    w = _pitch_masks(c, cand, center, width * 4)
                if not w.sum() > 0:
                    raise BadRequest(
                        f"no pitch of {'the key' if c.scale_lock else 'any key'} fits pitch_low..pitch_high "
                        f"({c.low}..{c.high}); widen the range or turn scale_lock off"
                    )
            p = int(cand[pick(w, rng, c.temperature, c.top_p)])
        if out:
            ints.append(mt.clip_interval(out[-1], p))
        out.append(p)
    return out[len(left):]


# --- chord shapes and drum hits


def _place_chord(shape, c: Cond, target: float, direction: int | None, center: float | None = None) -> list | None:
    """Absolute pitches for a key-relative shape: the lowest note's octave nearest `target`
    (moving in `direction` when given; pulled toward the learned register `center`, so a
    progression does not wander off) with every note inside the range."""
    pc, ups = shape
    best, best_cost = None, None
    for octave in range(-1, 11):
        low = c.tonic + pc + 12 * octave
        notes = [low] + [low + u for u in ups]
        if notes[0] < max(0, c.low) or notes[-1] > min(127, c.high):
            continue
        cost = abs(low - target) + (CHORD_REGISTER_PULL * abs(low - center) if center is not None else 0.0)
        if direction:
            cost += 0 if (low - target) * direction > 0 else 24
        if best_cost is None or cost < best_cost:
            best, best_cost = notes, cost
    return best


def fill_groups(rm: RoleModel, c: Cond, rng, ticks: list, fixed: list, sizes: list, hist: list,
                prev_low: float | None, contour: list | None = None, size_target: float | None = None) -> list:
    """Chords (poly) or drum hit sets for onsets `ticks`; `fixed` entries (tuples) are kept,
    None entries drawn. `sizes[i]`, when given, is the note count the group must have;
    `size_target` (notes per onset a density asks for) tilts the draw toward groups that size."""
    style = rm.style_or_none(c.style)
    center, _ = _register(rm, c) if rm.kind == "poly" else (60.0, 1.0)
    bar = mt.bar_ticks(c.meter)
    hist = list(hist)
    low = prev_low if prev_low is not None else center
    if rm.kind == "poly":
        in_key = rm.in_key[c.mode]
        base_ok = in_key.astype(np.float64) if c.scale_lock else np.where(in_key, 1.0, SOFT_KEY_WEIGHT)
    else:
        base_ok = ((rm.lowest >= c.low) & (rm.highest <= c.high)).astype(np.float64)
    if size_target:
        base_ok = base_ok * np.exp(-DENSITY_TILT * np.abs(np.log(np.maximum(rm.sizes, 1) / size_target)))
    out = []
    for i, tick in enumerate(ticks):
        if fixed[i] is not None:
            notes = list(fixed[i])
        else:
            if rm.kind == "poly":
                ctx = mt.poly_contexts(c.mode, mt.metric_level(tick % bar, c.meter), hist, 8)
            else:
                ctx = mt.drum_contexts(tick % bar, c.meter, hist, 8)
            w = np.array(rm.content.dist(mt.chain(ctx, style))) * base_ok
            if sizes[i]:
                w *= np.where(rm.sizes == sizes[i], 1.0, 0.02)
            notes = None
            for _ in range(24):
                if not w.sum() > 0:
                    break
                j = pick(w, rng, c.temperature, c.top_p)
                if rm.kind == "drums":
                    notes = list(rm.shapes[j])
                else:
                    d = contour[i] if contour else None
                    notes = _place_chord(rm.shapes[j], c, low, d, center)
                if notes:
                    break
                w[j] = 0.0
            if not notes:
                notes = _fallback_group(c, rm.kind, low)
            if sizes[i]:
                notes = _fit_size(notes, sizes[i], c)
        out.append(tuple(notes))
        if rm.kind == "poly":
            hist.append(mt.chord_symbol(tuple(sorted(notes)), c.tonic))
            low = min(notes)
        else:
            hist.append(mt.drum_symbol(tuple(notes)))
    return out


def _fallback_group(c: Cond, kind: str, target: float) -> list:
    """When no learned shape fits the range: the tonic triad (or a kick) placed in range."""
    if kind == "drums":
        p = min(max(36, c.low), c.high)
        return [p]
    third = 4 if c.mode == "major" else 3
    notes = _place_chord((0, (third, 7)), c, target, None) or _place_chord((0, ()), c, target, None)
    if not notes:
        raise BadRequest(f"no chord of the key fits pitch_low..pitch_high ({c.low}..{c.high}); widen the range")
    return notes


def _fit_size(notes: list, size: int, c: Cond) -> list:
    """Drop top notes or add octave doublings (inside the range) until there are `size` notes."""
    notes = sorted(notes)[:size]
    k = 0
    while len(notes) < size and k < 4 * size:
        cand = notes[k % len(notes)] + 12 * (1 + k // len(notes))
        if cand <= min(127, c.high):
            notes.append(cand)
        else:
            cand = notes[k % len(notes)] - 12 * (1 + k // len(notes))
            if cand >= max(0, c.low):
                notes.append(cand)
        k += 1
    while len(notes) < size:
        notes.append(notes[-1])  # a range too narrow for doublings: repeat the pitch
    return sorted(notes)


# --- velocities


def velocities(rm: RoleModel, c: Cond, rng, ticks: list, groups: list) -> list:
    """Velocity per note of each group: the learned mean for its metric level (and drum pitch),
    a per-clip offset and per-note spread; a documented accent prior when the data's velocities
    are flat (many score-derived sources carry none)."""
    vel = rm.side["velocity"]
    v = vel.get(c.style) if c.style in vel and sum(vel[c.style]["level_n"]) >= 50 else vel.get("*")
    flat = v is None or (v["note_std"] < 2.0 and max(v["level_mean"]) - min(v["level_mean"]) < 2.0)
    bar = mt.bar_ticks(c.meter)
    if flat:
        means, note_std, clip_std = [PRIOR_BASE + a for a in PRIOR_ACCENTS], PRIOR_STD, 4.0
    else:
        fallback = float(np.average(v["level_mean"], weights=np.maximum(v["level_n"], 1)))
        means = [m if n else fallback for m, n in zip(v["level_mean"], v["level_n"])]
        note_std, clip_std = max(2.0, v["note_std"]), v["clip_std"]
    offset = rng.normal(0.0, clip_std)
    drum = rm.side.get("drum_velocity", {})
    mean_all = float(np.mean(means))
    out = []
    for tick, notes in zip(ticks, groups):
        lv = mt.metric_level(tick % bar, c.meter)
        row = []
        for p in notes:
            mean = means[lv]
            if rm.kind == "drums" and not flat:
                dm = drum.get(f"{c.style}|{p}", drum.get(f"*|{p}"))
                if dm is not None:
                    mean = dm + (means[lv] - mean_all)
            row.append(int(min(127, max(1, round(mean + offset + rng.normal(0.0, note_std))))))
        out.append(row)
    return out
