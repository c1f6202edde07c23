"""Chord plans: the chart a chord part written alone follows.

Asked for a chord part with no context, a session player still plays a chart; the model alone
circles the tonic (val: the style model recognised the asked style in 0.60 of its chord clips,
real 0.8 of that ceiling and more). A chord plan is that chart, drawn from the model's own training
data: the bar-by-bar chords of its training chord parts, per style and mode, relative to the key's
tonic, as 8-bar windows with their counts (`chord_plans` in config.json, written by
`scripts/data_defaults.py --chord-plans`). At generate time `draw_plan` picks windows
with the request's generator, weighted by how often the style played them, and `plan_harmony`
turns the chart into the logit bias the harmony prior puts on a part written beside context
tracks (decoding/harmony.py): `tone` on each chord tone and `root` more on the root at the bar's
downbeat, only within HARMONY_MARGIN of the model's best pitch, so the model still chooses the
notes. Weights per role come from config.json `plan_prior` (e.g. {"chords": {"tone": 2, "root": 1}});
a model without it, a style without plans, or a request without a key decodes as before. The
shipped Transformer follows plans with its chords (tone 2, root 1, chosen on val in the eleventh
session; not its bass, whose line repeated the chart's roots: docs/MODEL.md, "Chord plans").

The tonal prior is the plainest plan: no chart, the key itself. `tonal_harmony` turns how often
the role's training notes took each degree of their key at the beats (`tonal_profile` in
config.json, written by the trainers) into the same bias (config.json `tonal_prior`, per role),
for a part asked for alone in a key its style's training parts never played in (a blues bass in
E minor: the model's blues bass lines are all major, so it drifted to G major).
"""

from __future__ import annotations

import numpy as np

from bridge.engines.decoding.constraints import role_weights
from bridge.music.theory import TICKS_PER_BEAT, Key, Meter, chord_root

PLAN_BARS = 8  # bars one stored window holds
PLAN_STEP = 4  # windows start every this many bars of a training clip (a phrase)
PLAN_TOP = 24  # most windows kept per style and mode
PLAN_MIN_COUNT = 2  # a window must occur this often in training to be kept (a style's usual charts)
PLAN_COVERAGE = 0.25  # the kept windows must be this share of a style's windows, or it has no plans
CHORD_SHARE = 0.3  # a pitch class is a chord tone when it sounds this share of the bar's loudest
CHORD_TONES = 4  # at most this many chord tones a bar (a seventh chord)


def bar_chords(notes: np.ndarray, tpb: int, bars: int, tonic: int) -> list[tuple[int, int] | None]:
    """Each bar's chord of a chord part (ticks [n, 4]) as (root, mask) relative to `tonic`: the
    pitch classes sounding at least CHORD_SHARE of the bar's most sounding one (at most
    CHORD_TONES), mask bit i for degree i; the root by theory.chord_root with the bar's lowest
    note. None for a silent bar."""
    out: list[tuple[int, int] | None] = []
    notes = np.asarray(notes, dtype=np.int64).reshape(-1, 4)
    for b in range(bars):
        lo, hi = b * tpb, (b + 1) * tpb
        a = np.maximum(notes[:, 0], lo)
        e = np.minimum(notes[:, 0] + np.maximum(notes[:, 1], 1), hi)
        on = a < e
        if not on.any():
            out.append(None)
            continue
        w = np.bincount(notes[on, 2] % 12, weights=(e - a)[on], minlength=12)
        keep = [int(pc) for pc in np.argsort(-w, kind="stable")[:CHORD_TONES] if w[pc] >= CHORD_SHARE * w.max()]
        mask = np.zeros(12, dtype=bool)
        mask[keep] = True
        root = chord_root(mask, int(notes[on, 2].min() % 12))
        out.append(((root - tonic) % 12, sum(1 << ((pc - tonic) % 12) for pc in keep)))
    return out


def count_windows(charts: list[list], top: int = PLAN_TOP, min_count: int = PLAN_MIN_COUNT,
                  coverage: float = PLAN_COVERAGE) -> list:
    """[[count, [[root, mask] x PLAN_BARS]], ...]: the most frequent windows of the bar charts
    (every PLAN_STEP bars, no silent bar), most frequent first, at least `min_count` each; none
    when those kept are under `coverage` of all windows: a chorale's harmony moves by the beat,
    so its bar charts hardly repeat (3 % kept) and are no chart a part could follow."""
    counts: dict = {}
    for chart in charts:
        for a in range(0, len(chart) - PLAN_BARS + 1, PLAN_STEP):
            w = chart[a:a + PLAN_BARS]
            if all(c is not None for c in w):
                counts[tuple(w)] = counts.get(tuple(w), 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = [[c, [list(x) for x in w]] for w, c in ranked[:top] if c >= min_count]
    return kept if sum(c for c, _ in kept) >= coverage * sum(counts.values()) else []


def plan_weights(setting: dict | None) -> dict:
    """config.json `plan_prior` -> {role: (tone, root)}; roles absent: no plan."""
    out = {}
    for role, w in (setting or {}).items():
        tone, root = float(w.get("tone", 0.0)), float(w.get("root", 0.0))
        for name, x in (("tone", tone), ("root", root)):
            if not 0.0 <= x <= 10.0:
                raise ValueError(f"plan_prior {role} {name} must be from 0 to 10, got {x}")
        out[role] = (tone, root)
    return out


def draw_plan(plans: dict, style: str, key: Key | None, bars: int, gen) -> list[tuple[int, int]] | None:
    """`bars` chords (absolute root, mask of absolute pitch classes) for a part in `style` and
    `key`: windows of the style's plans for the key's mode drawn with `gen` by their counts, one
    after another until the bars are covered. None without a key or plans."""
    windows = (plans.get(style) or {}).get(key.mode) if key is not None else None
    if not windows:
        return None
    p = np.asarray([w[0] for w in windows], dtype=np.float64)
    chart: list = []
    while len(chart) < bars:
        chart += windows[int(gen.choice(len(windows), p=p / p.sum()))][1]
    t = key.tonic
    return [((r + t) % 12, sum(1 << ((i + t) % 12) for i in range(12) if m >> i & 1)) for r, m in chart[:bars]]


def plan_harmony(chart: list[tuple[int, int]], tpb: int, tone: float, root: float) -> np.ndarray:
    """float32 [bars, tpb, 12]: `tone` on every chord tone of each bar's chord, `root` more on its
    root at the bar's downbeat only (a root pulled at every onset made a bass repeat it: repeated
    notes 0.40 -> 0.85 of a line on val, real 0.1 to 0.2)."""
    out = np.zeros((len(chart), tpb, 12), dtype=np.float32)
    for b, (r, m) in enumerate(chart):
        out[b, :, [i for i in range(12) if m >> i & 1]] = tone
        out[b, 0, r] += root
    return out


def beat_ticks(meter: Meter) -> int:
    """Ticks of one beat as a player counts it: a dotted quarter in 6/8, 9/8 and 12/8, else the
    meter's denominator (a quarter in 4/4 and 3/4, a half in 2/2)."""
    if meter.denominator == 8 and meter.numerator % 3 == 0:
        return 3 * TICKS_PER_BEAT // 2
    return max(1, 4 * TICKS_PER_BEAT // meter.denominator)


def tonal_weights(setting: dict | None) -> dict:
    """config.json `tonal_prior` -> {role: weight of its tonal profile}."""
    return role_weights("tonal_prior", setting)


def tonal_harmony(key: Key | None, meter: Meter, bars: int, weight: float, profile: dict | None) -> np.ndarray | None:
    """float32 [bars, tpb, 12]: the tonal prior of a part written alone, as the harmony prior's bias:
    `weight` times the log of how often the role's training notes took each degree of the key
    (`profile`: {mode: {"down": [12], "beat": [12]}}, trainkit.tonal_profile; degree 0 the tonic)
    at a downbeat and at the bar's other beats, centred to mean 0, and nothing between the beats:
    the notes a line leans on say its key, its passing notes stay free. None without a key, a
    weight or a profile for the key's mode."""
    modes = (profile or {}).get(key.mode) if key is not None else None
    if not modes or not weight:
        return None

    def bias(p) -> np.ndarray:
        lp = np.log(np.asarray(p, dtype=np.float64))
        return np.roll(weight * (lp - lp.mean()), key.tonic).astype(np.float32)

    out = np.zeros((bars, meter.ticks_per_bar, 12), dtype=np.float32)
    out[:, ::beat_ticks(meter)] = bias(modes["beat"])
    out[:, 0] = bias(modes["down"])
    return out


def kit_table(profile: dict | None, meter: Meter, weight: float, floor: float = 0.01) -> np.ndarray | None:
    """float32 [tpb, 128]: the kit prior of a drum part written alone, a logit on each drum key by
    the tick of its onset. Notes at one onset come in ascending key, so the next key at a tick is
    q when q plays there and every key between the last one and q does not: with the share p_k(t)
    of the style's training bars that play key k at tick t (`profile`: {meter: {key: [a share per
    tick]}}, trainkit.kit_profile; `floor` to 1 - `floor` for the rest), the logit is `weight` x
    (log p_q(t) + sum over k < q of log(1 - p_k(t))); the sum over the keys below the last one is
    the same for every candidate, so the table needs no state. The harmony module's gate
    renormalises it within the PITCH tokens: it moves which piece comes next, not whether one
    does, and a beat whose bars all play the snare stops skipping it for the hi-hat. None without
    a profile for the meter."""
    keys = (profile or {}).get(str(meter))
    if not keys or not weight:
        return None
    p = np.full((128, meter.ticks_per_bar), floor)
    for k, shares in keys.items():
        p[int(k)] = np.clip(np.asarray(shares, dtype=np.float64)[:meter.ticks_per_bar], floor, 1 - floor)
    skip = np.cumsum(np.log1p(-p), axis=0) - np.log1p(-p)  # sum over the keys below each key
    return (weight * (np.log(p) + skip)).T.astype(np.float32)


def onset_profile_bias(profile: dict | None, meter: Meter, bars: int, weight: float) -> np.ndarray | None:
    """float32 [bars, tpb]: the onset prior of a part written alone, a logit on each POS token:
    `weight` times the log of the share of the style and role's training onsets at that tick of the
    bar (`profile`: {meter: [a share per tick]}, trainkit.onset_profile), centred over the ticks it
    plays, 0 elsewhere; the harmony module's onset gate renormalises it within the POS tokens, so it
    moves where the next onset falls, not whether one comes. None without a profile for the meter."""
    shares = (profile or {}).get(str(meter))
    if shares is None or not weight:
        return None
    p = np.asarray(shares, dtype=np.float64)
    on = p > 0
    lp = np.zeros(len(p))
    lp[on] = np.log(p[on])
    lp[on] -= lp[on].mean()
    return np.tile((weight * lp).astype(np.float32), (bars, 1))
