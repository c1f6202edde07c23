"""Clips <-> token sequences (see vocab.py for the grammar), plus the tokenizer's saved config.

Notes here are int arrays [n, 4] of (start_tick, duration_tick, pitch, velocity), the dataset's
layout, with 12 ticks a beat. `canonical` quantizes such an array to exactly what the tokens can
express, so `decode(encode(x)) == canonical(x)` is the round-trip law the tests check.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bridge.music.clip import Clip
from bridge.music.limits import DEFAULT_BARS
from bridge.music.ticks import ticks_to_notes
from bridge.errors import BadRequest
from bridge.music.theory import TICKS_PER_BEAT, Key, Meter
import bridge.engines.decoding.vocab as V


@dataclass
class Conditions:
    """The condition prefix of one sequence. None means "any" where the vocabulary allows it."""

    role: str = "melody"
    style_slot: int | None = 0  # None: "any style" (the reserved slot)
    mood: str | None = None
    key: Key | None = None
    meter: Meter = field(default_factory=Meter)
    tempo_bucket: int | None = None
    density_bucket: int | None = None
    bars: int = DEFAULT_BARS

    def tokens(self) -> list[int]:
        key = V.key_token(self.key.tonic, self.key.mode) if self.key else V.KEY_ANY
        return [
            V.BOS, V.role_token(self.role), V.style_token(self.style_slot), V.mood_token(self.mood), key,
            V.meter_token(str(self.meter)), V.tempo_token(self.tempo_bucket),
            V.density_token(self.density_bucket), V.bars_token(self.bars),
        ]


@dataclass
class TokenizerConfig:
    """Saved beside the weights as tokenizer.json: the vocabulary version and the style slots."""

    styles: list
    version: int = V.VERSION
    vocab_size: int = V.VOCAB_SIZE

    def style_slot(self, style: str) -> int:
        if style not in self.styles:
            raise BadRequest(f"unknown style {style!r}; this model knows: {', '.join(self.styles)}")
        return self.styles.index(style)

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps({"tokenizer": "cadenza-bar-events", **asdict(self)}, indent=1))

    @classmethod
    def load(cls, path: Path) -> "TokenizerConfig":
        d = json.loads(Path(path).read_text())
        if d.get("version") != V.VERSION or d.get("vocab_size") != V.VOCAB_SIZE:
            raise ValueError(
                f"{path} was written for tokenizer version {d.get('version')} with "
                f"{d.get('vocab_size')} tokens; this code is version {V.VERSION} with {V.VOCAB_SIZE}"
            )
        if len(d["styles"]) > V.NAMED_STYLES:
            raise ValueError(f"{path} lists {len(d['styles'])} styles; at most {V.NAMED_STYLES} fit")
        return cls(styles=list(d["styles"]), version=d["version"], vocab_size=d["vocab_size"])


def bar_ticks(meter: Meter) -> int:
    """Ticks in one bar; refuses meters the position tokens cannot express."""
    ticks = meter.beats_per_bar * TICKS_PER_BEAT
    if abs(ticks - round(ticks)) > 1e-9 or not 1 <= round(ticks) <= V.MAX_BAR_TICKS:
        raise BadRequest(
            f"meter {meter} is not supported by the transformer: a bar must be a whole number of "
            f"48ths of a whole note and at most {V.MAX_BAR_TICKS // TICKS_PER_BEAT} quarter beats"
        )
    return int(round(ticks))


def canonical(notes: np.ndarray, tpb_bar: int, n_bars: int, drums: bool = False) -> np.ndarray:
    """Quantize to what tokens express: onsets inside [0, n_bars*bar), durations from DURATIONS
    (clipped at the clip end), velocities to bin values, one note per (onset, pitch)."""
    notes = np.asarray(notes, dtype=np.int64).reshape(-1, 4)
    end = tpb_bar * n_bars
    keep = (notes[:, 0] >= 0) & (notes[:, 0] < end) & (notes[:, 2] >= 0) & (notes[:, 2] < 128)
    notes = notes[keep]
    if not len(notes):
        return notes.reshape(0, 4)
    durs = np.asarray(V.DURATIONS)
    d = np.clip(notes[:, 1], 1, V.MAX_BAR_TICKS)
    d = durs[np.abs(durs[None, :] - d[:, None]).argmin(1)]  # nearest; ties to the shorter
    v = V.vel_value(V.vel_bins(notes[:, 3]))
    rows = np.stack([notes[:, 0], d, notes[:, 2], v], 1)
    # one note per (onset, pitch): the longest wins; then sort by (onset, pitch)
    rows = rows[np.lexsort((-rows[:, 1], rows[:, 2], rows[:, 0]))]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:, 0] != rows[:-1, 0]) | (rows[1:, 2] != rows[:-1, 2])
    return rows[first].astype(np.int64)


def encode_bars(notes: np.ndarray, tpb_bar: int, n_bars: int) -> list[list[int]]:
    """Tokens of each bar (each list starts with BAR). `notes` should be canonical."""
    bars: list[list[int]] = [[V.BAR] for _ in range(n_bars)]
    last = {}  # bar -> (pos, vel bin)
    for s, d, p, v in np.asarray(notes).reshape(-1, 4):
        b, pos = divmod(int(s), tpb_bar)
        if not 0 <= b < n_bars:
            continue
        toks = bars[b]
        lpos, lvel = last.get(b, (-1, -1))
        if pos != lpos:
            toks.append(V.pos_token(pos))
        vb = V.vel_bin(v)
        if vb != lvel:
            toks.append(V.VEL_OFFSET + vb)
        toks.append(V.pitch_token(int(p)))
        toks.append(V.dur_token(int(d)))
        last[b] = (pos, vb)
    return bars


def encode(notes: np.ndarray, tpb_bar: int, n_bars: int) -> list[int]:
    return [t for bar in encode_bars(notes, tpb_bar, n_bars) for t in bar]


def decode(tokens, tpb_bar: int, first_bar: int = 0) -> np.ndarray:
    """Notes [n, 4] in ticks from a run of bar tokens (anything outside the event families, such as
    EOS or PAD, ends the run). The first BAR token starts bar `first_bar`."""
    bar, pos, vbin, pitch = first_bar - 1, 0, 5, None
    rows = []
    for t in tokens:
        t = int(t)
        if t == V.BAR:
            bar, pos, pitch = bar + 1, 0, None
        elif V.POS_OFFSET <= t < V.PITCH_OFFSET:
            pos = t - V.POS_OFFSET
        elif V.VEL_OFFSET <= t < V.VOCAB_SIZE:
            vbin = t - V.VEL_OFFSET
        elif V.PITCH_OFFSET <= t < V.DUR_OFFSET:
            pitch = t - V.PITCH_OFFSET
        elif V.DUR_OFFSET <= t < V.VEL_OFFSET:
            if pitch is not None and bar >= 0:
                rows.append((bar * tpb_bar + pos, V.DURATIONS[t - V.DUR_OFFSET], pitch, V.vel_value(vbin)))
            pitch = None
        else:
            break
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


def context_run(context: list, b: int, role: str) -> list[int]:
    """What comes before the target's BAR in bar b's unit: each context track's `CTX ROLE events`
    in track order, then the target's own ROLE, so the part to write is named right where it
    starts (nothing without context). `context` is [(role, bars from encode_bars)]."""
    if not context:
        return []
    out: list[int] = []
    for r, bars in context:
        out += [V.CTX, V.role_token(r)] + list(bars[b][1:])  # the track's bar without its BAR
    return out + [V.role_token(role)]


def context_units(target_bars: list[list[int]], context: list, role: str) -> list[list[int]]:
    """Per-bar units (vocab.py's context form): bar b's context run, then the target's bar b.
    Without context the units are the target's bars themselves."""
    for r, bars in context:
        if len(bars) != len(target_bars):
            raise ValueError(f"a {r} context track has {len(bars)} bars; the target has {len(target_bars)}")
    return [context_run(context, b, role) + list(bar) for b, bar in enumerate(target_bars)]


def target_bars(units: list[list[int]]) -> list[list[int]]:
    """The target's bars of context units: each unit from its BAR on (context runs dropped)."""
    out = []
    for u in units:
        i = u.index(V.BAR)  # a unit always holds its target BAR
        out.append(list(u[i:]))
    return out


# --- tick arrays -> clips (clips -> ticks: bridge.music.ticks.clip_ticks) -------------------
def ticks_to_clip(notes: np.ndarray, meter: Meter, n_bars: int, tempo: float, key: Key | None,
                  drums: bool = False) -> Clip:
    """A Clip lasting exactly n_bars; durations are cut at the clip's last bar line."""
    end = bar_ticks(meter) * n_bars
    rows = np.asarray(notes, dtype=np.int64).reshape(-1, 4)
    rows = rows[rows[:, 0] < end].copy()
    rows[:, 1] = np.minimum(rows[:, 1], end - rows[:, 0])
    out = sorted(ticks_to_notes(rows), key=lambda n: (n.start, n.pitch))
    return Clip(out, n_bars * meter.beats_per_bar, meter, float(tempo), key, drums)

