"""Decoding constraints as small pure functions over the vocabulary (as in `anticipation`).

Each function returns a boolean mask [VOCAB_SIZE] (True = allowed) or a float bias; `RowState`
tracks where one sequence is inside the bar grammar so `allowed` can say what may come next:

- grammar: BAR -> POS -> VEL? -> PITCH -> DUR -> (POS later | VEL | PITCH higher | BAR | EOS);
  a bar's first note carries VEL; notes at one onset ascend in pitch;
- exact bar count and meter: exactly `bars` BAR tokens, then EOS; positions stay inside the bar;
  durations never run past the region's last bar line, so the clip ends on the bar line;
- key/scale: a soft logit penalty on out-of-scale pitches, or a hard mask with scale_lock;
- pitch range: a hard mask;
- density: a cap on notes a bar (and a token budget a bar so a region always fits the model);
- grid: sampled onsets on the sixteenth/triplet grid, pitched notes at least a sixteenth long,
  drum hits exactly a sixteenth (the corpus is cleaned the same way: bridge/data/clean.py).

Masks are numpy arrays (serving needs no torch). The decode loop asks a row for `candidates()`:
the allowed token ids themselves, ascending, with the key bias at those ids. Every grammar state
maps to one key (`RowState._key`), and the spec keeps each key's candidates once built, so a step
costs a dict look-up and a gather of a few dozen logits, not a fresh full-vocabulary mask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bridge.errors import BadRequest
from bridge.music.grid import DRUM_TICKS, MIN_TICKS, on_grid
from bridge.music.request import KEYS_BY_OPERATION
from bridge.music.theory import DENSITY_CENTERS, GM_DRUM_HIGH, GM_DRUM_LOW, ROLES, Key
import bridge.engines.decoding.vocab as V

SOFT_KEY_PENALTY = 2.0  # logits subtracted from out-of-key pitches without scale_lock
_VELS = np.arange(V.VEL_OFFSET, V.VOCAB_SIZE, dtype=np.int64)  # every VEL token
_PITCH_FAMILY = np.zeros(V.VOCAB_SIZE, dtype=bool)
_PITCH_FAMILY[V.PITCH_OFFSET : V.DUR_OFFSET] = True


def grid_positions(tpb: int) -> np.ndarray:
    """bool [MAX_BAR_TICKS]: the ticks of a bar of `tpb` ticks on the sixteenth/triplet grid."""
    return np.array([t < tpb and on_grid(t) for t in range(V.MAX_BAR_TICKS)], dtype=bool)


def pitch_mask(low: int, high: int, key: Key | None, scale_lock: bool, drums: bool) -> np.ndarray:
    """Allowed PITCH tokens (bool [V]): inside [low, high], in the key's scale when locked, and for
    drums only the GM percussion keys (a drum part never plays a pitch no kit sounds)."""
    m = np.zeros(V.VOCAB_SIZE, dtype=bool)
    pcs = key.pitch_classes if (key is not None and scale_lock and not drums) else None
    if drums:
        low, high = max(low, GM_DRUM_LOW), min(high, GM_DRUM_HIGH)
    for p in range(max(0, low), min(127, high) + 1):
        if pcs is None or p % 12 in pcs:
            m[V.PITCH_OFFSET + p] = True
    if not m.any():
        what = f" in {key.name}" if pcs is not None else ""
        raise BadRequest(f"no pitch from {low} to {high}{what} is allowed: widen pitch_low/pitch_high"
                         f"{f' (drums: GM keys {GM_DRUM_LOW}-{GM_DRUM_HIGH})' if drums else ''}"
                         f"{' or drop scale_lock' if pcs is not None else ''}")
    return m


def family_temperatures(scales: dict | None) -> np.ndarray | None:
    """float32 [V]: each token's temperature factor from {family: factor} (vocab.FAMILIES names,
    e.g. {"pitch": 1.1, "pos": 0.9}), 1 for families not named; None when nothing is scaled.
    Sampling each token family at its own temperature is the Compound Word Transformer's
    (Hsiao et al. 2021) per-type sampling: pitches a little freer, rhythm a little safer."""
    if not scales:
        return None
    known = {name: (off, n) for name, off, n in V.FAMILIES}
    out = np.ones(V.VOCAB_SIZE, dtype=np.float32)
    for name, factor in scales.items():
        if name not in known:
            raise ValueError(f"family_temperature names {name!r}; families are {', '.join(known)} "
                             f"(or a role: {', '.join(ROLES)}, holding its own families)")
        if not 0.05 <= float(factor) <= 5.0:
            raise ValueError(f"family_temperature {name} must be from 0.05 to 5.0, got {factor}")
        off, n = known[name]
        out[off:off + n] = float(factor)
    return out


def role_temperatures(setting: dict | None) -> dict:
    """A model's `family_temperature` setting -> {role: factors [V] or None}. Family keys apply to
    every role; a role key holds that role's own {family: factor}, which replaces them for it:
    {"pitch": 1.1, "chords": {}} samples every role's pitches at 1.1 but the chords' at 1."""
    setting = setting or {}
    shared = {k: v for k, v in setting.items() if k not in ROLES}
    return {r: family_temperatures(setting[r] if isinstance(setting.get(r), dict) else shared) for r in ROLES}


def key_bias(key: Key | None, scale_lock: bool, drums: bool, penalty: float = SOFT_KEY_PENALTY) -> np.ndarray:
    """Soft key (float32 [V]): subtract `penalty` from out-of-scale pitch logits (zero elsewhere)."""
    b = np.zeros(V.VOCAB_SIZE, dtype=np.float32)
    if key is None or scale_lock or drums:
        return b
    for p in range(128):
        if p % 12 not in key.pitch_classes:
            b[V.PITCH_OFFSET + p] = -penalty
    return b


def role_weights(name: str, setting: dict | None, top: float = 4.0, unit: str = "") -> dict:
    """A config.json prior's {role: weight} (`register_prior`, `tonal_prior`, `onset_prior`), each
    from 0 to `top` (`unit` names it in the error), checked once when the model loads; a role at 0
    or absent has none."""
    out = {}
    for role, w in (setting or {}).items():
        if not 0.0 <= float(w) <= top:
            raise ValueError(f"{name} {role} must be from 0 to {top:g}{unit}, got {w}")
        if float(w):
            out[role] = float(w)
    return out


def register_weights(setting: dict | None) -> dict:
    """config.json `register_prior` -> {role: logit a semitone}."""
    return role_weights("register_prior", setting, unit=" (logit a semitone)")


def guidance_table(setting: dict | None) -> dict:
    """config.json `role_guidance` -> {role: {operation or "*": scale}}, checked once when the model
    loads. A role's value is a scale for every operation (`{"bass": 2.5}`) or one per operation
    (`{"bass": {"generate": 2.5}}`: accompany and the rest keep the model's `guidance`)."""
    out = {}
    for role, g in (setting or {}).items():
        out[role] = {op: float(x) for op, x in (g if isinstance(g, dict) else {"*": g}).items()}
        for op, x in out[role].items():
            if op != "*" and op not in KEYS_BY_OPERATION:
                raise ValueError(f"role_guidance {role} names {op!r}; operations: {', '.join(KEYS_BY_OPERATION)}")
            if not 0.0 <= x <= 5.0:
                raise ValueError(f"role_guidance {role} {op} must be from 0 to 5, got {x:g}")
    return out


def register_bias(band, per_semitone: float) -> np.ndarray:
    """Soft register (float32 [V]): subtract `per_semitone` from a pitch's logit for each semitone
    it lies below band[0] or above band[1] (the style's register in training, trainkit.register_band);
    zero inside the band, and everywhere without a band. The model knows each role's register but
    blurs the styles': asked for a country or rock bass it played half its notes above the style's
    97th percentile (docs/MODEL.md, "Ninth session")."""
    b = np.zeros(V.VOCAB_SIZE, dtype=np.float32)
    if band is None or not per_semitone:
        return b
    p = np.arange(128)
    b[V.PITCH_OFFSET:V.PITCH_OFFSET + 128] = -per_semitone * (np.maximum(band[0] - p, 0) + np.maximum(p - band[1], 0))
    return b


def notes_per_bar_cap(density_bucket: int | None, beats_per_bar: float, role: str) -> int:
    """Most notes one bar may hold: twice the bucket's typical density, or a generous ceiling."""
    if density_bucket is None:
        per_beat = 8.0 if role in ("keys", "chords", "drums") else 4.0
    else:
        per_beat = DENSITY_CENTERS[density_bucket] * (3.0 if role in ("keys", "chords", "drums") else 2.0)
    return max(2, math.ceil(per_beat * beats_per_bar) + 1)


@dataclass
class RegionSpec:
    """What one generated region must satisfy; shared by every row of a batch."""

    bars: int  # BAR tokens to emit, then EOS
    tpb: int  # ticks a bar
    pitches: np.ndarray  # bool [V], from pitch_mask
    bias: np.ndarray  # float32 [V], from key_bias
    note_cap: int  # notes a bar
    bar_token_budget: int  # tokens a bar (so the region fits the model's length)
    drums: bool = False  # drum hits: one length (DRUM_TICKS)
    grid: np.ndarray | None = None  # bool [MAX_BAR_TICKS]: onsets allowed (grid_positions); None: every tick
    temp_scale: np.ndarray | None = None  # float32 [V]: per-token temperature factor (family_temperatures); None: 1
    copy_bias: float = 0.0  # logit added to the token that goes on copying an earlier bar (BarCopier); 0: off
    repeat: tuple[float, float] | None = None  # (the style's repeated-note share in training, pull 0..1): sampling.repeat_odds
    # the harmony prior of a part written beside context tracks (decoding/harmony.py); None/0: off
    harmony: np.ndarray | None = None  # float32 [bars, tpb, 12]: logit added to a pitch by its pitch class at its onset (harmony_prior)
    lines: np.ndarray | None = None  # int16 [lines, bars * tpb]: context lines for the parallel and crossing rules (context_lines)
    parallels: float = 0.0  # logit taken from a pitch moving in parallel fifths/octaves with a line
    crossing: float = 0.0  # logit taken from a bass above a line, a melody below one (crossing_penalty)
    role: str = ""  # the part's role (the crossing rule's voice order)
    onsets: np.ndarray | None = None  # float32 [bars, tpb]: logit added to a POS token by its tick (kick_onsets); None: off
    kit: np.ndarray | None = None  # float32 [tpb, 128]: logit added to a drum key by its onset's tick (plan.kit_table); None: off
    # built once from the fields above (__post_init__): token ids, ascending
    pitch_ids: np.ndarray = field(init=False, repr=False)  # allowed PITCH tokens
    pos_ids: np.ndarray = field(init=False, repr=False)  # allowed POS tokens inside the bar
    cache: dict = field(init=False, repr=False)  # RowState key -> (candidate ids, bias at them)

    def __post_init__(self):
        self.pitches = np.asarray(self.pitches, dtype=bool)
        self.bias = np.asarray(self.bias, dtype=np.float32)
        self.pitch_ids = np.flatnonzero(self.pitches).astype(np.int64)
        ticks = np.arange(self.tpb) if self.grid is None else np.flatnonzero(np.asarray(self.grid)[: self.tpb])
        self.pos_ids = (V.POS_OFFSET + ticks).astype(np.int64)
        self.cache = {}


class RowState:
    """Where one row is in the grammar. Call `candidates()` (or `allowed()`) then `push(token)`."""

    def __init__(self, spec: RegionSpec):
        self.spec = spec
        self.bars_done = 0
        self.last = None  # last token's family: None (start), "bar", "pos", "vel", "pitch", "dur", "eos"
        self.pos = -1
        self.pitch_at_pos = -1  # highest pitch already at this onset
        self.has_vel = False
        self.notes_in_bar = 0
        self.tokens_in_bar = 0
        self.done = False

    def _room(self) -> bool:
        """May another note start in this bar?"""
        s = self.spec
        return self.notes_in_bar < s.note_cap and self.tokens_in_bar + 4 <= s.bar_token_budget

    def _durations(self) -> tuple[int, int]:
        """DUR indices [lo, hi) a note at this onset may take: it ends by the region's last bar
        line, lasts at least the grid's shortest note, and exactly DRUM_TICKS for drums."""
        s = self.spec
        left = s.tpb * (s.bars - self.bars_done + 1) - self.pos  # ticks to the region end
        n = max(1, sum(1 for d in V.DURATIONS if d <= left))
        lo = V.dur_index(DRUM_TICKS if s.drums else MIN_TICKS) if s.grid is not None else 0
        hi = lo + 1 if s.drums and s.grid is not None else n
        if lo >= n:  # too close to the region's end for the grid's lengths: the longest that fits
            lo, hi = n - 1, n
        return lo, min(hi, n)

    def _key(self) -> tuple:
        """Everything the allowed set depends on, and nothing more (the cache key)."""
        last = self.last
        close = self.bars_done < self.spec.bars
        if self.done:
            return ("done",)
        if last is None:
            return ("start",)
        if last == "bar":
            return ("bar", self._room(), close)
        if last == "pos":
            return ("pos", self.has_vel)
        if last == "vel":
            return ("vel", self.pitch_at_pos)
        if last == "pitch":
            return ("pitch", *self._durations())
        return ("dur", self._room(), self.pos, self.pitch_at_pos, close)

    def _build(self, key: tuple, pitch_ids: np.ndarray) -> np.ndarray:
        """The allowed token ids (ascending) for a state key, drawing pitches from `pitch_ids`."""
        s, kind = self.spec, key[0]
        if kind == "done":
            return np.array([V.PAD], dtype=np.int64)
        if kind == "start":
            return np.array([V.BAR], dtype=np.int64)
        if kind == "pitch":
            return np.arange(V.DUR_OFFSET + key[1], V.DUR_OFFSET + key[2], dtype=np.int64)
        higher = pitch_ids[np.searchsorted(pitch_ids, V.PITCH_OFFSET + self.pitch_at_pos + 1):]
        if kind == "pos":
            return np.concatenate([higher, _VELS]) if self.has_vel else _VELS
        if kind == "vel":
            return higher if len(higher) else pitch_ids  # nothing above the chord's top note: any allowed pitch
        parts = [np.array([V.BAR if key[-1] else V.EOS], dtype=np.int64)]
        if key[1]:  # room for another note
            first = 0 if kind == "bar" else self.pos + 1
            parts.append(s.pos_ids[np.searchsorted(s.pos_ids, V.POS_OFFSET + first):])
            if kind == "dur" and len(higher):
                parts += [higher, _VELS]
        return np.concatenate(parts)

    def candidates(self) -> tuple[np.ndarray, np.ndarray]:
        """(allowed token ids ascending, the key bias at them): built once a state per spec."""
        key = self._key()
        hit = self.spec.cache.get(key)
        if hit is None:
            ids = self._build(key, self.spec.pitch_ids)
            hit = self.spec.cache[key] = (ids, self.spec.bias[ids])
        return hit

    def pitch_candidates(self, pitch_override: np.ndarray | None) -> np.ndarray:
        """A template's pitch slot: the allowed PITCH ids (under the contour's mask when given),
        or every pitch the spec allows when the grammar leaves none (never cached: contour masks
        depend on the previous note)."""
        pitch_ids = self.spec.pitch_ids if pitch_override is None else np.flatnonzero(pitch_override)
        ids = self._build(self._key(), pitch_ids)
        ids = ids[_PITCH_FAMILY[ids]]
        return ids if len(ids) else self.spec.pitch_ids

    def allowed(self, pitch_override: np.ndarray | None = None) -> np.ndarray:
        """bool [V]: the candidates as a mask (for tests and callers that want one)."""
        m = np.zeros(V.VOCAB_SIZE, dtype=bool)
        if pitch_override is None:
            m[self.candidates()[0]] = True
        else:
            m[self._build(self._key(), np.flatnonzero(pitch_override))] = True
        return m

    def push(self, t: int) -> None:
        self.tokens_in_bar += 1
        if t == V.BAR:
            self.bars_done += 1
            self.last, self.pos, self.pitch_at_pos = "bar", -1, -1
            self.has_vel, self.notes_in_bar, self.tokens_in_bar = False, 0, 1
        elif t == V.EOS or t == V.PAD:
            self.last, self.done = "eos", True
        elif V.POS_OFFSET <= t < V.PITCH_OFFSET:
            self.last, self.pos, self.pitch_at_pos = "pos", t - V.POS_OFFSET, -1
        elif V.VEL_OFFSET <= t < V.VOCAB_SIZE:
            self.last, self.has_vel = "vel", True
        elif V.PITCH_OFFSET <= t < V.DUR_OFFSET:
            self.last = "pitch"
            self.pitch_at_pos = t - V.PITCH_OFFSET
            self.notes_in_bar += 1
        elif V.DUR_OFFSET <= t < V.VEL_OFFSET:
            self.last = "dur"
        else:
            raise ValueError(f"token {V.token_name(t)} cannot appear inside a bar region")


class BarCopier:
    """Which tokens would go on repeating an earlier bar of the region, for one row.

    Music repeats: a drum loop plays one bar three times in four, a riff comes back. A model
    sampled token by token at temperature 1 drifts from an exact repeat by a note a bar, so a
    region's bars almost never repeat (docs/MODEL.md: generated drums repeat 0.00 of their bars
    where real ones repeat 0.34). For each earlier bar of the region the copier keeps where the bar
    being written stands in it; decode_region adds `RegionSpec.copy_bias` to the logit of each
    earlier bar's next token (its end: BAR or EOS), a prior the model's own logits can overrule.
    Velocity tokens neither count nor break a copy (the model sets the dynamics); a note that
    differs loses the place until the next onset found in that bar (a fill, then back to the
    groove)."""

    def __init__(self):
        self.bars: list[list[int]] = []  # the region's finished bars: tokens after their BAR, no VEL
        self.cur: list[int] | None = None  # the bar being written; None before the first BAR
        self.at: list[int | None] = []  # per earlier bar: index of its next token; None: lost until an onset

    def suggestions(self) -> set[int]:
        out: set[int] = set()
        if self.cur is None:
            return out
        for bar, j in zip(self.bars, self.at):
            if j is not None:
                out.update((bar[j],) if j < len(bar) else (V.BAR, V.EOS))
        return out

    def push(self, t: int) -> None:
        if t == V.BAR or t == V.EOS:
            if self.cur is not None:
                self.bars.append(self.cur)
            self.cur, self.at = [], [0] * len(self.bars)
            return
        if self.cur is None or V.VEL_OFFSET <= t < V.VOCAB_SIZE:
            return
        self.cur.append(t)
        pos = V.POS_OFFSET <= t < V.PITCH_OFFSET
        for i, (bar, j) in enumerate(zip(self.bars, self.at)):
            if j is not None and j < len(bar) and bar[j] == t:
                self.at[i] = j + 1
            elif pos and t in bar:  # the same onset in that bar: pick the copy up there
                self.at[i] = bar.index(t) + 1
            else:
                self.at[i] = None


def contour_mask(pitches: np.ndarray, prev: int | None, direction: int, interval: int = 0,
                 slack: int = 5, near: bool = False) -> np.ndarray:
    """Pitches (bool [V]) that move from `prev` in `direction` (+1 up, -1 down, 0 same) by at most
    the original |interval| + `slack` semitones, so a line keeps its shape without running off the
    keyboard; with `near`, any pitch within that reach of `prev` either way (where a line starts).
    Falls back to `pitches` when nothing inside the allowed set can honour it."""
    if prev is None:
        return pitches
    m = np.zeros_like(pitches)
    reach = abs(interval) + slack
    if near:
        lo, hi = max(0, prev - reach), min(127, prev + reach)
    elif direction > 0:
        lo, hi = prev + 1, min(127, prev + reach)
    elif direction < 0:
        lo, hi = max(0, prev - reach), prev - 1
    else:
        lo = hi = prev
    if lo <= hi:
        m[V.PITCH_OFFSET + lo : V.PITCH_OFFSET + hi + 1] = True
    m &= pitches
    return m if m.any() else pitches
