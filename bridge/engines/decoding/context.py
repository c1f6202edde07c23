"""Writing a part beside other tracks: accompany, and continue / infill with context.

The context tracks are encoded bar by bar and interleaved with the target as vocab.py's context
units (each bar: every track's `CTX ROLE events`, then the target's `ROLE BAR events`). Decoding forces
each bar's context run and samples only the target's bars (sampling.decode_region's `forced`), so
a sampled bar always sits right after the context bar it must fit. Long requests are cut into
windows of whole bars sized to the model's length; each later window is a fill-in-the-middle
prompt whose PRE holds the last units written (context and target), so the part carries on.

A request without context never reaches this module: Composer's paths are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bridge.errors import BadRequest
from bridge.music.clip import Clip
from bridge.music.limits import MAX_BARS
from bridge.music.theory import Meter
from bridge.music.ticks import clip_ticks
import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.composer import (Composer, PREFIX_CONTEXT_TOKENS, SUFFIX_CONTEXT_TOKENS, _clip_bars,
                                              _flat, _scaled, _splice, _split_bars, _trim, unconditional)
from bridge.engines.decoding.velocity import accent
from bridge.engines.decoding.harmony import context_lines, harmony_prior, kick_onsets
from bridge.engines.decoding.sampling import decode_region
from bridge.engines.decoding.tokenizer import (bar_ticks, canonical, context_run, context_units, decode, encode_bars)

WINDOW_BARS = 8  # most bars one decoded window holds
TARGET_RESERVE = 48  # tokens a bar kept for the written part when a window is sized


def encode_context(context: list, meter: Meter, n: int) -> list:
    """[(role, Clip)] -> [(role, n bars of tokens)]; every clip must be in `meter` (notes past
    bar n are left out, a shorter clip's missing bars are empty)."""
    tpb = bar_ticks(meter)
    out = []
    for role, clip in context:
        if clip.meter != meter:
            raise BadRequest(f"a {role} context clip is in {clip.meter}; the part is in {meter}: "
                             "context clips must share the part's meter")
        out.append((role, encode_bars(canonical(clip_ticks(clip), tpb, n, clip.drums), tpb, n)))
    return out


@dataclass
class ContextFit:
    """The harmony prior of a part over its context's bars (decoding/harmony.py): the chord at
    every tick, the context's lines and the kick's onsets, each None where off, and the rules'
    weights. `bars(a, b)` is the same for bars a..b-1; `apply` puts it on a region's spec."""

    harmony: np.ndarray | None = None  # [bars, tpb, 12]
    lines: np.ndarray | None = None  # [lines, bars * tpb]
    kicks: np.ndarray | None = None  # [bars, tpb]
    parallels: float = 0.0
    crossing: float = 0.0

    def bars(self, a: int, b: int, tpb: int) -> "ContextFit":
        cut = lambda arr: None if arr is None else arr[a:b]  # noqa: E731
        lines = None if self.lines is None else self.lines[:, a * tpb:b * tpb]
        return ContextFit(cut(self.harmony), lines, cut(self.kicks), self.parallels, self.crossing)

    def apply(self, spec, role: str) -> None:
        spec.harmony, spec.onsets = self.harmony, self.kicks
        if self.lines is not None:
            spec.lines, spec.parallels, spec.crossing, spec.role = self.lines, self.parallels, self.crossing, role


def context_harmony(c: Composer, context: list, meter: Meter, n: int, role: str, key, fit: float = 1.0) -> ContextFit:
    """The harmony prior over the context's first n bars for a part of `role` in `key`, at the
    model's weights for that role times the request's `fit` (all off: an empty ContextFit)."""
    tone, root, parallels, crossing, kick = (w * fit for w in c.harmony.get(role, (0.0,) * 5))
    tracks = [(clip.drums, clip_ticks(clip)) for _, clip in context]
    tpb = bar_ticks(meter)
    return ContextFit(harmony_prior(tracks, tpb, n, tone, root, key) if (tone or root) else None,
                      context_lines(tracks, tpb, n) if (parallels or crossing) else None,
                      kick_onsets(tracks, tpb, n, kick) if kick else None, parallels, crossing)


def context_stand_in(context: list, meter: Meter, length: float) -> Clip:
    """One clip of every pitched context note, in the first key a pitched clip names: what the
    Composer's conditions read (key estimated from it when none is named; tempo the first clip's)."""
    pitched = [c for _, c in context if not c.drums]
    notes = sorted((x for c in pitched for x in c.notes), key=lambda x: (x.start, x.pitch))
    key = next((c.key for c in pitched if c.key is not None), None)
    return Clip(notes, length, meter, context[0][1].tempo, key, False)


def accompany(c: Composer, req, role: str, gen, progress) -> list[Clip]:
    """`req.variations` parts for `role` over the context's bars (the first `req.bars` of them)."""
    ctx = req.context
    meter = ctx[0][1].meter
    if req.meter is not None and req.meter != meter:
        raise BadRequest(f"meter {req.meter} differs from the context's {meter}; leave it out or match it")
    n = meter.nominal_bars(ctx[0][1].length)
    if n > MAX_BARS:
        raise BadRequest(f"the context is {n} bars of {meter}; at most {MAX_BARS} are allowed")
    if req.bars is not None and req.bars > n:
        raise BadRequest(f"bars {req.bars} is longer than the context's {n} bars; ask for at most {n}")
    k = req.bars if req.bars is not None else n
    cond, tempo, key = c.conditions(req, context_stand_in(ctx, meter, k * meter.beats_per_bar), role)
    enc = encode_context(ctx, meter, k)
    bars = extend(c, req, cond, [[] for _ in range(req.variations)], [], enc, gen, progress,
                  context_harmony(c, ctx, meter, k, role, key, req.fit))
    return [c._clip(b, cond, k, tempo, key, gen) for b in bars]


def continue_with(c: Composer, req, clip: Clip, role: str, gen, progress) -> list[Clip]:
    """The continuation of `clip` beside context tracks that span the continuation's bars."""
    cond, tempo, key = c.conditions(req, clip, role)
    tpb = bar_ticks(cond.meter)
    n = _clip_bars(clip, cond.meter)
    span = cond.meter.nominal_bars(req.context[0][1].length)
    if req.bars is not None and req.bars > span:
        raise BadRequest(f"bars {req.bars} is longer than the context's {span} bars (the context spans "
                         f"the continuation); ask for at most {span}")
    k = req.bars if req.bars is not None else span
    enc = encode_context(req.context, cond.meter, k)
    before = encode_bars(canonical(clip_ticks(clip), tpb, n), tpb, n)  # the clip's bars: no context there
    bars = extend(c, req, cond, [before] * req.variations, [], enc, gen, progress,
                  context_harmony(c, req.context, cond.meter, k, role, key, req.fit))
    return [c._clip(b, cond, k, tempo, key, gen) for b in bars]


def infill_with(c: Composer, req, clip: Clip, role: str, gen, progress) -> list[Clip]:
    """Bars start_bar..end_bar of `clip` rewritten beside context tracks over the clip's bars."""
    cond, tempo, key = c.conditions(req, clip, role)
    tpb = bar_ticks(cond.meter)
    n = _clip_bars(clip, cond.meter)
    span = cond.meter.nominal_bars(req.context[0][1].length)
    if span != n:
        raise BadRequest(f"the context is {span} bars and the clip {n}; for infill the context must "
                         "cover the clip's bars")
    s, e = req.start_bar, req.end_bar
    enc = encode_context(req.context, cond.meter, n)
    units = context_units(encode_bars(canonical(clip_ticks(clip), tpb, n), tpb, n), enc, cond.role)
    mid = [(r, b[s:e]) for r, b in enc]
    fit = context_harmony(c, req.context, cond.meter, n, role, key, req.fit).bars(s, e, tpb)
    new = extend(c, req, cond, [units[:s]] * req.variations, units[e:], mid, gen, progress, fit)
    out = []
    for bars in new:
        notes = accent(decode(_flat(bars), tpb, first_bar=s), tpb, gen)
        out.append(_splice(clip, notes, s, e, cond.meter, n, tempo, key, cond.role == "drums"))
    return out


def extend(c: Composer, req, cond, before: list[list], after: list, ctx: list, gen, progress,
           fit: ContextFit | None = None) -> list[list]:
    """The target's bars over every bar of `ctx` ([(role, bars)]), after each row's `before`
    units and (in the last window) before `after`: windows that fit the model, rows sharing a
    prompt decoded as one batch; `fit` is the harmony prior over those bars (context_harmony).
    Returns each row's new target bars (each starting with BAR)."""
    k = len(ctx[0][1])
    rows = len(before)
    new: list[list] = [[] for _ in range(rows)]
    done = 0
    pre, suf = min(PREFIX_CONTEXT_TOKENS, c.max_len // 4), min(SUFFIX_CONTEXT_TOKENS, c.max_len // 8)
    while done < k:
        seg = window(c.max_len, ctx, cond.role, done, k, pre if (before[0] or done) else 0, suf if after else 0)
        last = done + seg >= k
        forced = [context_run(ctx, done + b, cond.role) for b in range(seg)]
        units = [before[r] + context_units(new[r], [(ro, b[:done]) for ro, b in ctx], cond.role)
                 for r in range(rows)]
        groups = [list(range(rows))] if all(u == units[0] for u in units) else [[r] for r in range(rows)]
        for grp in groups:
            u = units[grp[0]]
            tail = after if last else []
            if not u and not tail:
                prompt = replace(cond, bars=seg).tokens()
            else:
                prompt = fim_prompt(cond, u, tail, seg, pre, suf)
            spec = c._spec(req, cond, seg, len(prompt) + sum(len(f) for f in forced))
            if fit is not None:
                fit.bars(done, done + seg, spec.tpb).apply(spec, cond.role)
            sub = _scaled(progress, done / k, (done + seg) / k) if progress else None
            toks = decode_region(c.stepper, prompt, len(grp), spec, req.temperature, req.top_p, gen, c.max_len,
                                 sub, uncond=unconditional(prompt), guidance=c.guidance_scale(req, cond.role), forced=forced)
            for r, t in zip(grp, toks):
                new[r] += _split_bars(t)
        done += seg
        if progress:
            progress(done / k)
    return new


def fim_prompt(cond, before: list, after: list, k: int, pre: int, suf: int) -> list[int]:
    """Composer._fim_prompt over units, with token budgets `pre` and `suf` for the units given
    before and after (a window's own context runs need the rest of the model's length)."""
    before, after = _trim(before, pre, from_end=True), _trim(after, suf, from_end=False)
    total = min(MAX_BARS, len(before) + k + len(after))
    return (replace(cond, bars=total).tokens() + [V.PRE] + _flat(before) + [V.SUF] + _flat(after)
            + [V.MID, V.bars_token(k)])


def window(max_len: int, ctx: list, role: str, done: int, k: int, pre: int, suf: int) -> int:
    """Bars in the next window: the most (at most WINDOW_BARS) whose context runs, `pre` + `suf`
    tokens of earlier/later units and TARGET_RESERVE tokens a bar for the part fit `max_len`."""
    room = max_len - V.PREFIX_LEN - 6 - pre - suf
    seg, used = 0, 0
    while done + seg < k and seg < WINDOW_BARS:
        cost = len(context_run(ctx, done + seg, role)) + TARGET_RESERVE
        if used + cost > room:
            break
        used += cost
        seg += 1
    if seg == 0:
        raise BadRequest(f"bar {done + 1} of the context holds {len(context_run(ctx, done, role))} tokens; with the part "
                         f"at most {room - TARGET_RESERVE} fit the model: send fewer or thinner context tracks")
    return seg
