"""Generated against real: the musical columns of a (style, role) group, their real-vs-real
ceilings, one summary score per model and a verdict between two models.

A group of clips becomes a `Profile` (every per-clip value of musical.py, plus pooled note
histograms). `compare(gen, real)` turns two profiles into columns:
- "overlap" columns: histogram intersection (metrics.overlap: 1.0 identical, 0.0 disjoint) of
  either the per-clip value distributions, binned with the fixed edges of BINS, or pooled note
  histograms (onset tick inside the bar, duration class, per kit piece). Too much of a thing
  fails as surely as too little. Ceiling: real val clips against real test clips.
- "level" columns, where more is better (tonality, key match, grid share, bass roots, backbeat):
  the group's own value. Ceiling: the real test clips' value.
`ratios(model, ceiling)` divides each column by its ceiling and caps it to 0..1; a model's summary
score is the mean of its clip-weighted ratios over the columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bridge.evaluation.metrics import overlap
from bridge.evaluation.musical import DRUM_CLASSES, ClipArray, clip_values, drum_onset_histograms, \
    downbeat_roots, duration_histogram, on_grid, onset_histogram

BACKBEAT_STYLES = ("pop", "rock", "funk")  # styles whose 4/4 drums put the snare on 2 and 4
MIN_KIT_SHARE = 0.05  # a kit piece counts in the drum column when it plays this share of real drum notes
VERDICT_TIE = 0.01  # ratios closer than this are a tie on that column
_SHARE = tuple(np.round(np.arange(0.1, 1.0, 0.1), 2))  # ten bins over 0..1

# Fixed bin edges (interior; values beyond them fall in the end bins) of the per-clip values.
BINS = {
    "pc_entropy": tuple(np.round(np.linspace(0, np.log2(12), 13)[1:-1], 3)),  # bits
    "pitches_used": (2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 24, 30),
    "pitch_range": (1, 3, 5, 7, 8, 10, 12, 13, 15, 17, 19, 22, 24, 28, 32, 37),  # semitones
    "repeated_notes": _SHARE,
    "bar_related": _SHARE,
    "groove": tuple(np.round(np.arange(0.5, 1.0, 0.05), 2)),
    "empty_beats": _SHARE,
    "velocity_spread": (0.5, 2, 4, 6, 8, 10, 12, 15, 20, 25, 30),
    "velocity_values": (2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32),
    "drum_pattern": _SHARE,
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "overlap" or "level"
    roles: str  # "pitched", "drums" or "all"
    title: str


COLUMNS = (
    Column("tonality", "level", "pitched", "Krumhansl-Kessler correlation with the asked key (mean)"),
    Column("key_match", "level", "pitched", "share of clips whose one best key is the asked key"),
    Column("pc_entropy", "overlap", "pitched", "pitch-class entropy distribution overlap"),
    Column("pitches_used", "overlap", "pitched", "distinct pitches distribution overlap"),
    Column("pitch_range", "overlap", "pitched", "pitch range distribution overlap"),
    Column("repeated_notes", "overlap", "pitched", "repeated consecutive notes distribution overlap"),
    Column("onset_position", "overlap", "all", "onset tick inside the bar, pooled histogram overlap"),
    Column("duration", "overlap", "pitched", "duration class, pooled histogram overlap"),
    Column("on_grid", "level", "all", "share of notes on the 16th or 8th-triplet grid"),
    Column("empty_beats", "overlap", "all", "empty-beat rate distribution overlap"),
    Column("groove", "overlap", "all", "groove consistency distribution overlap"),
    Column("drum_kit", "overlap", "drums", "per kit piece onset-position histogram overlap (mean)"),
    Column("drum_pattern", "overlap", "drums", "drum pattern consistency distribution overlap"),
    Column("backbeat", "level", "drums", "share of 4/4 bars with snare on 2 and 4 (pop, rock, funk)"),
    Column("bass_root", "level", "bass", "share of downbeat notes on the tonic or fifth"),
    Column("structure", "overlap", "all", "bars repeating or varying an earlier bar, distribution overlap"),
    Column("velocity_spread", "overlap", "all", "velocity standard deviation distribution overlap"),
    Column("velocity_values", "overlap", "all", "distinct velocities distribution overlap"),
)
COLUMN = {c.name: c for c in COLUMNS}
_VALUE_OF = {"structure": "bar_related"}  # column -> per-clip value when the names differ


@dataclass
class Profile:
    """What a group of clips looks like: per-clip values (Nones dropped) and pooled histograms."""

    clips: int = 0
    values: dict[str, list[float]] = field(default_factory=dict)
    onset: np.ndarray = field(default_factory=lambda: np.zeros(0))
    duration: np.ndarray = field(default_factory=lambda: np.zeros(0))
    kit: dict[str, np.ndarray] = field(default_factory=dict)
    grid: tuple[int, int] = (0, 0)
    roots: tuple[int, int] = (0, 0)


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = max(len(a), len(b))
    return np.pad(a, (0, n - len(a))) + np.pad(b, (0, n - len(b)))


def profile(items: list[ClipArray]) -> Profile:
    """The profile of clips, each carrying the key it was asked in (generated) or labelled with (real)."""
    p = Profile(clips=len(items))
    g = r = (0, 0)
    for ca in items:
        for k, v in clip_values(ca).items():
            if v is not None:
                p.values.setdefault(k, []).append(float(v))
        p.onset = _add(p.onset, onset_histogram(ca))
        if not ca.drums:
            p.duration = _add(p.duration, duration_histogram(ca))
        else:
            for name, h in drum_onset_histograms(ca).items():
                p.kit[name] = _add(p.kit.get(name, np.zeros(0)), h)
        g = tuple(np.add(g, on_grid(ca)))
        r = tuple(np.add(r, downbeat_roots(ca)))
    p.grid, p.roots = (int(g[0]), int(g[1])), (int(r[0]), int(r[1]))
    return p


def merge(profiles: list[Profile]) -> Profile:
    """One profile of several groups' clips (the role-level pool the ceiling falls back on),
    without recomputing any clip."""
    out = Profile()
    for p in profiles:
        out.clips += p.clips
        for k, v in p.values.items():
            out.values.setdefault(k, []).extend(v)
        out.onset, out.duration = _add(out.onset, p.onset), _add(out.duration, p.duration)
        for name, h in p.kit.items():
            out.kit[name] = _add(out.kit.get(name, np.zeros(0)), h)
        out.grid = (out.grid[0] + p.grid[0], out.grid[1] + p.grid[1])
        out.roots = (out.roots[0] + p.roots[0], out.roots[1] + p.roots[1])
    return out


def binned(values: list[float], edges) -> np.ndarray:
    """Counts of values in the fixed bins given by interior `edges` (len(edges) + 1 bins)."""
    return np.bincount(np.searchsorted(np.asarray(edges, dtype=np.float64), values, side="right"),
                       minlength=len(edges) + 1).astype(np.float64)


def value_overlap(a: list[float], b: list[float], edges) -> float | None:
    """Overlap of two sets of per-clip values, binned alike; None when either is empty."""
    if not a or not b:
        return None
    return overlap(binned(a, edges), binned(b, edges))


def _pooled(a: np.ndarray, b: np.ndarray) -> float | None:
    n = max(len(a), len(b))
    return overlap(np.pad(a, (0, n - len(a))), np.pad(b, (0, n - len(b)))) if n else None


def kit_overlap(gen: Profile, real: Profile) -> float | None:
    """Mean over the kit pieces that play at least MIN_KIT_SHARE of the real drum notes of the
    overlap of their onset-position histograms; a piece the generated clips never play scores 0."""
    total = sum(h.sum() for h in real.kit.values())
    if total <= 0:
        return None
    vals = []
    for name in DRUM_CLASSES:
        h = real.kit.get(name)
        if h is None or h.sum() < MIN_KIT_SHARE * total:
            continue
        g = gen.kit.get(name, np.zeros(0))
        vals.append(_pooled(g, h) if g.sum() > 0 else 0.0)
    return float(np.mean(vals)) if vals else None


def _mean(p: Profile, key: str) -> float | None:
    v = p.values.get(key)
    return float(np.mean(v)) if v else None


def applies(col: Column, style: str, role: str) -> bool:
    if col.name == "backbeat":
        return role == "drums" and style in BACKBEAT_STYLES
    if col.roles == "bass":
        return role == "bass"
    return col.roles == "all" or (col.roles == "drums") == (role == "drums")


def levels(p: Profile, style: str, role: str) -> dict[str, float | None]:
    """The level columns of one group (more is better)."""
    out = {"tonality": _mean(p, "tonality"), "key_match": _mean(p, "key_match"),
           "on_grid": p.grid[0] / p.grid[1] if p.grid[1] else None,
           "backbeat": _mean(p, "backbeat"), "bass_root": p.roots[0] / p.roots[1] if p.roots[1] else None}
    return {k: v for k, v in out.items() if applies(COLUMN[k], style, role)}


def compare(gen: Profile, real: Profile, style: str, role: str) -> dict[str, float | None]:
    """Columns of generated clips `gen` against real clips `real` of one (style, role)."""
    out: dict[str, float | None] = {}
    for col in COLUMNS:
        if not applies(col, style, role) or col.kind != "overlap":
            continue
        if col.name == "onset_position":
            out[col.name] = _pooled(gen.onset, real.onset)
        elif col.name == "duration":
            out[col.name] = _pooled(gen.duration, real.duration)
        elif col.name == "drum_kit":
            out[col.name] = kit_overlap(gen, real)
        else:
            key = _VALUE_OF.get(col.name, col.name)
            out[col.name] = value_overlap(gen.values.get(key, []), real.values.get(key, []), BINS[key])
    out.update(levels(gen, style, role))
    return {c.name: out[c.name] for c in COLUMNS if c.name in out}


def ceiling(val: Profile | None, test: Profile, style: str, role: str) -> dict[str, float | None]:
    """What real music reaches: overlap columns of val clips against test clips (None without val
    clips), level columns of the test clips themselves."""
    out = compare(val, test, style, role) if val is not None and val.clips else \
        {c.name: None for c in COLUMNS if applies(c, style, role)}
    out.update(levels(test, style, role))
    return out


def means(p: Profile) -> dict[str, float | None]:
    """Per-clip means of every value, to print beside real (structure, velocity, ...)."""
    return {k: float(np.mean(v)) for k, v in sorted(p.values.items())}


def ratios(model: dict, ceil: dict) -> dict[str, float | None]:
    """Each column divided by its ceiling, capped to 0..1 (the raw value where no ceiling exists)."""
    out = {}
    for k, v in model.items():
        c = ceil.get(k)
        if v is None:
            out[k] = None
        else:
            out[k] = float(np.clip(v / c if c is not None and c > 0 else v, 0.0, 1.0))
    return out


def aggregate(rows: list[tuple[dict, int]]) -> dict[str, float | None]:
    """Clip-weighted mean ratio per column over groups: rows of (ratios, clips)."""
    out = {}
    for col in COLUMNS:
        vals = [(r[col.name], w) for r, w in rows if r.get(col.name) is not None and w > 0]
        out[col.name] = float(np.average([v for v, _ in vals], weights=[w for _, w in vals])) if vals else None
    return out


def summary_score(agg: dict[str, float | None]) -> float | None:
    """One number per model: the mean over columns of its capped generated/ceiling ratios (0..1)."""
    vals = [v for v in agg.values() if v is not None]
    return float(np.mean(vals)) if vals else None


def verdict(name_a: str, agg_a: dict, name_b: str, agg_b: dict) -> dict:
    """Which of two models is better on how many columns (ties within VERDICT_TIE), and a line.
    The winner has more columns; equal counts go to the higher summary score."""
    a, b, ties = [], [], []
    for col in COLUMNS:
        va, vb = agg_a.get(col.name), agg_b.get(col.name)
        if va is None or vb is None:
            continue
        (ties if abs(va - vb) < VERDICT_TIE else a if va > vb else b).append(col.name)
    sa, sb = summary_score(agg_a), summary_score(agg_b)
    if len(a) != len(b):
        winner = name_a if len(a) > len(b) else name_b
    elif sa is not None and sb is not None and abs(sa - sb) >= VERDICT_TIE:
        winner = name_a if sa > sb else name_b
    else:
        winner = None
    n = len(a) + len(b) + len(ties)
    fmt = lambda s: "—" if s is None else f"{s:.2f}"  # noqa: E731
    line = (f"{winner or 'neither model'} is better: {name_a} wins {len(a)} of {n} columns, {name_b} {len(b)}, "
            f"{len(ties)} tied; summary score {name_a} {fmt(sa)}, {name_b} {fmt(sb)}")
    return {"winner": winner, "wins": {name_a: a, name_b: b}, "ties": ties, "columns": n,
            "score": {name_a: sa, name_b: sb}, "line": line}
