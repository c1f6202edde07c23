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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from bridge.errors import BadRequest
from bridge.music.grid import DRUM_TICKS, MIN_TICKS, on_grid
from bridge.music.theory import DENSITY_CENTERS, Key
import bridge.engines.decoding.vocab as V

SOFT_KEY_PENALTY = 2.0  # logits subtracted from out-of-key pitches without scale_lock


def grid_positions(tpb: int) -> torch.Tensor:
    """bool [MAX_BAR_TICKS]: the ticks of a bar of `tpb` ticks on the sixteenth/triplet grid."""
    m = torch.zeros(V.MAX_BAR_TICKS, dtype=torch.bool)
    for t in range(tpb):
        m[t] = on_grid(t)
    return m


def pitch_mask(low: int, high: int, key: Key | None, scale_lock: bool, drums: bool) -> torch.Tensor:
    """Allowed PITCH tokens: inside [low, high], and in the key's scale when locked."""
    m = torch.zeros(V.VOCAB_SIZE, dtype=torch.bool)
    pcs = key.pitch_classes if (key is not None and scale_lock and not drums) else None
    for p in range(max(0, low), min(127, high) + 1):
        if pcs is None or p % 12 in pcs:
            m[V.PITCH_OFFSET + p] = True
    if not m.any():
        what = f" in {key.name}" if pcs is not None else ""
        raise BadRequest(f"no pitch from {low} to {high}{what} is allowed: widen pitch_low/pitch_high"
                         f"{' or drop scale_lock' if pcs is not None else ''}")
    return m


def key_bias(key: Key | None, scale_lock: bool, drums: bool, penalty: float = SOFT_KEY_PENALTY) -> torch.Tensor:
    """Soft key: subtract `penalty` from out-of-scale pitch logits (zero elsewhere)."""
    b = torch.zeros(V.VOCAB_SIZE)
    if key is None or scale_lock or drums:
        return b
    for p in range(128):
        if p % 12 not in key.pitch_classes:
            b[V.PITCH_OFFSET + p] = -penalty
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
    pitches: torch.Tensor  # bool [V], from pitch_mask
    bias: torch.Tensor  # float [V], from key_bias
    note_cap: int  # notes a bar
    bar_token_budget: int  # tokens a bar (so the region fits the model's length)
    drums: bool = False  # drum hits: one length (DRUM_TICKS)
    grid: torch.Tensor | None = None  # bool [MAX_BAR_TICKS]: onsets allowed (grid_positions); None: every tick


class RowState:
    """Where one row is in the grammar. Call `allowed()` then `push(token)`."""

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

    def _close(self, m: torch.Tensor) -> None:
        if self.bars_done < self.spec.bars:
            m[V.BAR] = True
        else:
            m[V.EOS] = True

    def _room(self) -> bool:
        """May another note start in this bar?"""
        s = self.spec
        return self.notes_in_bar < s.note_cap and self.tokens_in_bar + 4 <= s.bar_token_budget

    def _positions(self, m: torch.Tensor, first: int) -> None:
        """Allow POS tokens from tick `first` to the bar's end (on the grid when the spec has one)."""
        s = self.spec
        if s.grid is None:
            m[V.POS_OFFSET + first : V.POS_OFFSET + s.tpb] = True
        else:
            m[V.POS_OFFSET + first : V.POS_OFFSET + s.tpb] = s.grid[first : s.tpb]

    def allowed(self, pitch_override: torch.Tensor | None = None) -> torch.Tensor:
        s = self.spec
        m = torch.zeros(V.VOCAB_SIZE, dtype=torch.bool)
        if self.done:
            m[V.PAD] = True
            return m
        if self.last is None:
            m[V.BAR] = True
            return m
        pitches = s.pitches if pitch_override is None else pitch_override
        higher = pitches.clone()
        higher[V.PITCH_OFFSET : V.PITCH_OFFSET + self.pitch_at_pos + 1] = False
        if self.last == "bar":
            if self._room():
                self._positions(m, 0)
            self._close(m)
        elif self.last == "pos":
            m[V.VEL_OFFSET : V.VOCAB_SIZE] = True
            if self.has_vel:
                m |= higher
        elif self.last == "vel":
            m |= higher
            if not m.any():  # nothing above the chord's top note: fall back to any allowed pitch
                m |= pitches
        elif self.last == "pitch":
            bar_end = self.spec.tpb * (self.spec.bars - self.bars_done + 1)  # ticks to the region end
            left = bar_end - self.pos
            n = max(1, sum(1 for d in V.DURATIONS if d <= left))
            lo = V.dur_index(DRUM_TICKS if s.drums else MIN_TICKS) if s.grid is not None else 0
            hi = lo + 1 if s.drums and s.grid is not None else n
            if lo >= n:  # too close to the region's end for the grid's lengths: the longest that fits
                lo, hi = n - 1, n
            m[V.DUR_OFFSET + lo : V.DUR_OFFSET + min(hi, n)] = True
        elif self.last == "dur":
            if self._room():
                self._positions(m, self.pos + 1)
                if higher.any():
                    m |= higher
                    m[V.VEL_OFFSET : V.VOCAB_SIZE] = True
            self._close(m)
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


def contour_mask(pitches: torch.Tensor, prev: int | None, direction: int, interval: int = 0,
                 slack: int = 5) -> torch.Tensor:
    """Pitches that move from `prev` in `direction` (+1 up, -1 down, 0 same) by at most the
    original |interval| + `slack` semitones, so a line keeps its shape without running off the
    keyboard; falls back to `pitches` when nothing inside the allowed set can honour it."""
    if prev is None:
        return pitches
    m = torch.zeros_like(pitches)
    reach = abs(interval) + slack
    if direction > 0:
        lo, hi = prev + 1, min(127, prev + reach)
    elif direction < 0:
        lo, hi = max(0, prev - reach), prev - 1
    else:
        lo = hi = prev
    if lo <= hi:
        m[V.PITCH_OFFSET + lo : V.PITCH_OFFSET + hi + 1] = True
    m &= pitches
    return m if m.any() else pitches
