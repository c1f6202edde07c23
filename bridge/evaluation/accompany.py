"""`cadenza eval`'s accompany section: does the part fit the other tracks, and does context matter?

On held-out multi-part windows (test split: clips sharing piece and window, with the same bars
and meter), every part in turn is the target: the model writes it with the window's other parts
as context (`accompany`) and without (`generate` with the same style, key, meter, tempo, bars and
seed), and both are scored beside the real part by accompany_metrics.py against the same context.
The point to show: with context each number is closer to the real part's than without.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from bridge.data.dataset import COL, Dataset
from bridge.engines.transformer.examples import aligned_partners
from bridge.errors import CadenzaError
from bridge.music.clip import Clip
from bridge.music.request import Request
from bridge.music.theory import MODES, ROLES, Key, Meter
from bridge.music.ticks import clip_ticks
import bridge.evaluation.accompany_metrics as AM

PITCHED_FIT = ("melody", "bass", "chords", "keys")
METRICS = (  # (name, roles it scores, what it needs), in report order
    ("kick_share", "bass", "drums in the context"),
    ("root_share", "bass", "pitched context"),
    ("melody_chord_tones", "chords, keys", "a melody in the context"),
    ("harmony_fit", "melody, bass, chords, keys", "pitched context"),
    ("parallels_per_100", "voices", "a line beside lines, no drums"),
    ("range_fit", "voices", "a line beside lines, no drums"),
    ("crossing_share", "voices", "a line beside lines, no drums"),
    ("accent_hits", "drums", "any context"),
)
LOWER_IS_BETTER = {"parallels_per_100", "crossing_share"}  # for the reader; "closer" is to real either way


@dataclass
class AccompanySettings:
    windows: int = 40  # held-out multi-part windows, spread evenly over styles and pieces
    bars: int = 4  # bars of each window used (the first ones)
    seed: int = 4321  # request seeds are seed, seed + 1, ... (the same for with and without context)
    max_context: int = 8  # most context tracks a request carries
    split: str = "test"  # held-out windows from: "test" (reported), "val" (tuning decoding settings)


def held_out_windows(ds: Dataset, k: int, split: str = "test") -> list[list[int]]:
    """At most k multi-part windows of `split` (val when test has none), as lists of aligned
    clip indices, evenly spread over (style, piece, window) order."""
    split = split if len(ds.indices(split)) else "val"
    ok = np.zeros(len(ds), dtype=bool)
    ok[ds.indices(split)] = ds.clips[ds.indices(split), COL["note_count"]] > 0
    seen, groups = set(), []
    for i, mates in sorted(aligned_partners(ds, ok).items()):
        g = tuple(sorted([i] + mates))
        if g not in seen:
            seen.add(g)
            groups.append(list(g))
    groups.sort(key=lambda g: (int(ds.clips[g[0], COL["style"]]), int(ds.clips[g[0], COL["piece"]]),
                               int(ds.clips[g[0], COL["window"]])))
    if len(groups) > k:
        groups = [groups[j] for j in np.linspace(0, len(groups) - 1, k).astype(int)]
    return groups


def cut(clip: Clip, bars: int) -> Clip:
    """The clip's first `bars` bars (notes cut at the last bar line)."""
    end = bars * clip.meter.beats_per_bar
    notes = [replace(n, duration=min(n.duration, end - n.start)) for n in clip.notes if n.start < end - 1e-9]
    return replace(clip, notes=notes, length=end)


def score_part(role: str, part: np.ndarray, real: np.ndarray, context: list, key: Key | None,
               meter: Meter, bars: int) -> dict:
    """Every metric that applies to a part of `role` over its window's `context` [(role, ticks)].
    Voice leading is scored where the real part is a monophonic line in a window without drums
    (chorales, quartets, early music: the outer voices are lines, the inner ones a merged part),
    against the context's monophonic lines."""
    bar, beat = meter.ticks_per_bar, AM.beat_ticks(meter.numerator, meter.denominator)
    total = bar * bars
    pitched = [n for r, n in context if r != "drums"]
    drums = [n for r, n in context if r == "drums"]
    melody = next((n for r, n in context if r == "melody"), None)
    out: dict = {}
    if role == "bass":
        out["kick_share"] = AM.kick_share(part, np.concatenate(drums)) if drums else None
        out["root_share"] = AM.root_share(part, pitched, melody, key, bar, bars, beat) if pitched else None
    if role in ("chords", "keys") and melody is not None:
        out["melody_chord_tones"] = AM.melody_chord_tones(melody, part, beat)
    if role in PITCHED_FIT and pitched:
        out["harmony_fit"] = AM.harmony_fit(part, pitched, beat)
    voices = [n for r, n in context if r != "drums" and AM.monophonic(n)]
    if role != "drums" and not drums and voices and AM.monophonic(real):
        out["parallels_per_100"] = AM.parallels_per_100(part, voices, total, beat)
        out["range_fit"] = AM.range_fit(part, real)
        out["crossing_share"] = AM.crossing_share(part, real, voices, total, beat)
    if role == "drums":
        out["accent_hits"] = AM.accent_hits(part, [n for _, n in context], bar)
    return out


def evaluate_accompany(engine, ds: Dataset, s: AccompanySettings,
                       progress: Callable[[str, int, int], None] | None = None) -> dict:
    """The section's numbers for one engine (it must answer accompany)."""
    info = engine.info
    groups = held_out_windows(ds, s.windows, s.split)
    rows, skipped, ms, n_req = [], [], {"with": 0.0, "without": 0.0}, 0
    for w, group in enumerate(groups):
        if progress:
            progress(f"{info.name}: accompany window", w, len(groups))
        clips = {i: cut(ds.clip(i), min(s.bars, int(ds.clips[i, COL["bars"]]))) for i in group}
        for t, i in enumerate(group):
            lab = ds.clips[i]
            role, style = ROLES[lab[COL["role"]]], ds.styles[lab[COL["style"]]]
            if role not in info.roles or (info.styles and style not in info.styles):
                skipped.append(f"{style} {role}")
                continue
            others = [j for j in group if j != i][: s.max_context]
            if all(ROLES[ds.clips[j, COL["role"]]] == role for j in others):
                continue  # accompany refuses a context wholly in the asked role
            real = clips[i]
            meter, bars = real.meter, real.meter.nominal_bars(real.length)
            key = None if role == "drums" else Key(int(lab[COL["tonic"]]), MODES[lab[COL["mode"]]])
            context = [(ROLES[ds.clips[j, COL["role"]]], clips[j]) for j in others]
            common = dict(role=role, style=style, key=key, bars=bars, tempo=float(lab[COL["tempo"]]),
                          seed=s.seed + len(rows), variations=1)
            asks = {"with": Request(operation="accompany", context=context, **common),
                    "without": Request(operation="generate", meter=meter, **common)}
            got = {}
            try:
                for name, req in asks.items():
                    req.given = {k for k, v in common.items() if v is not None} | ({"meter"} if name == "without" else set())
                    t0 = time.perf_counter()
                    got[name] = engine.run(req, None, lambda f: None)[0]
                    ms[name] += (time.perf_counter() - t0) * 1000
            except CadenzaError as exc:
                skipped.append(f"{style} {role} ({exc.code}: {exc.message})")
                continue
            n_req += 1
            ctx_ticks = [(r, clip_ticks(c)) for r, c in context]
            args = (clip_ticks(real), ctx_ticks, key, meter, bars)
            rows.append({"role": role, "style": style, "window": w,
                         "real": score_part(role, clip_ticks(real), *args),
                         "with": score_part(role, clip_ticks(got["with"]), *args),
                         "without": score_part(role, clip_ticks(got["without"]), *args)})
    return {"windows": len(groups), "parts": len(rows), "bars": s.bars, "seed": s.seed, "split": s.split,
            "ms_per_part": {k: round(v / max(n_req, 1), 1) for k, v in ms.items()},
            "metrics": summarize(rows), "rows": rows, "skipped": skipped}


def summarize(rows: list[dict]) -> dict:
    """Per metric, over the parts where real, with and without all have a number: the three means,
    their distances to real, and whether context brought the part closer."""
    out = {}
    for name, roles, needs in METRICS:
        trip = [(r["real"][name], r["with"][name], r["without"][name]) for r in rows
                if all(r[k].get(name) is not None for k in ("real", "with", "without"))]
        if not trip:
            continue
        real, w, wo = (float(np.mean(x)) for x in zip(*trip))
        out[name] = {"parts": len(trip), "roles": roles, "real": real, "with": w, "without": wo,
                     "gap_with": abs(w - real), "gap_without": abs(wo - real),
                     "closer": abs(w - real) < abs(wo - real)}
    return out


def section(acc: dict | None, model: str) -> list[str]:
    """Markdown lines of the section (empty when the model was not asked)."""
    if not acc:
        return []
    lines = ["", "### Accompany: a part beside the other tracks", "",
             f"{acc['parts']} parts of {acc['windows']} held-out multi-part windows of the {acc.get('split', 'test')} split ({acc['bars']} bars each), "
             f"each written by **{model}** with the window's other parts as context and without (generate, same "
             "style, key, meter, tempo, bars and seed), scored beside the real part against the same context. "
             f"Mean time a part: {acc['ms_per_part']['with']:.0f} ms with context, "
             f"{acc['ms_per_part']['without']:.0f} ms without. Definitions: docs/EVAL.md.", "",
             "| metric | parts | roles | real | with context | without context | closer to real with context |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, m in acc["metrics"].items():
        lines.append(f"| {name} | {m['parts']} | {m['roles']} | {m['real']:.3f} | {m['with']:.3f} | "
                     f"{m['without']:.3f} | {'yes' if m['closer'] else '**no**'} |")
    closer = sum(m["closer"] for m in acc["metrics"].values())
    lines += ["", f"Context brought {closer} of {len(acc['metrics'])} numbers closer to the real parts'."]
    return lines
