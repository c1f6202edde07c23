"""The four operations (generate, continue, infill, restyle) as token plumbing around decode_region.

Everything musical the engine does lives here; the engine only loads the model and picks the
runtime. Long requests are cut into segments (16 bars for lines, 8 for polyphony) continued with
fill-in-the-middle prompts, so a region always fits the model's length.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bridge.music.clip import Clip, Note, monophonic_legato
from bridge.errors import BadRequest
from bridge.music.theory import Key, Meter, density_bucket, density_knob_to_bucket, tempo_bucket
from bridge.music.request import Request
import bridge.engines.decoding.vocab as V
from bridge.engines.resolve import DEFAULT_TEMPO, meter_of, tempo_of
from bridge.engines.decoding.constraints import (RegionSpec, grid_positions, guidance_table, key_bias, notes_per_bar_cap,
                                                 pitch_mask, register_bias, register_weights, role_temperatures,
                                                 role_weights)
from bridge.engines.decoding.harmony import harmony_weights
from bridge.engines.decoding.plan import (draw_plan, kit_table, onset_profile_bias, plan_harmony, plan_weights,
                                          tonal_harmony, tonal_weights)
from bridge.engines.decoding.sampling import decode_region, repeat_pulls, repeat_target, template_from_bars
from bridge.engines.decoding.tokenizer import (Conditions, TokenizerConfig, bar_ticks, canonical, decode, encode_bars,
                        ticks_to_clip)
from bridge.music.keys import key_of_ticks
from bridge.music.limits import MAX_BARS
from bridge.music.ticks import clip_ticks
from bridge.engines.decoding.velocity import accent, at_velocity, one_velocity

PREFIX_CONTEXT_TOKENS = 384  # most tokens of earlier bars given as context
SUFFIX_CONTEXT_TOKENS = 192  # most tokens of later bars given as context
CONTEXT_BARS = 8  # most bars of context on either side
WRITTEN_PARTS = ("generate", "continue", "accompany")  # operations that write a part afresh


def one_line(clips: list[Clip], role: str, op: str) -> list[Clip]:
    """Melody and bass written afresh are single lines: no note rings over the next onset."""
    if role in ("melody", "bass") and op in WRITTEN_PARTS:
        for out in clips:
            out.notes = monophonic_legato(out.notes)
    return clips


class Composer:
    """The musical half of a token-by-token engine: turns a checked request (and its clip) into
    prompts, decodes regions with the model's stepper under the request's constraints, and turns
    tokens back into clips. It holds no weights of its own, so any engine that speaks the shared
    vocabulary (decoding/vocab.py) can use it; Engine.run has already checked the operation, clip,
    role, style and infill range, and drawn the seed. `gen` is the request's numpy Generator."""

    def __init__(self, stepper, tok: TokenizerConfig, max_len: int, style_by_role: dict,
                 guidance: float | None = None, family_temperature: dict | None = None,
                 copy_bias: dict | None = None, harmony_prior: dict | None = None,
                 role_guidance: dict | None = None, flat_velocity: dict | None = None,
                 chord_plans: dict | None = None, plan_prior: dict | None = None,
                 repeat_share: dict | None = None, repeat_prior: dict | None = None,
                 register_band: dict | None = None, register_prior: dict | None = None,
                 tonal_profile: dict | None = None, tonal_prior: dict | None = None,
                 onset_profile: dict | None = None, onset_prior: dict | None = None,
                 kit_profile: dict | None = None, kit_prior: dict | None = None):
        self.stepper, self.tok, self.max_len, self.style_by_role = stepper, tok, max_len, style_by_role
        self.guidance = guidance  # the model's default scale; None: not trained for guidance
        self.role_guidance = guidance_table(role_guidance)  # role -> {operation or "*": its own default}
        self.temp_scales = role_temperatures(family_temperature)  # role -> the model's per-family factors
        self.copy_bias = {r: float(b) for r, b in (copy_bias or {}).items()}  # role -> BarCopier's logit bias
        self.harmony = harmony_weights(harmony_prior)  # role -> the weights of decoding/harmony.py (tone, root, ...)
        self.flat_velocity = flat_velocity or {}  # role -> {style: share of its training clips at one velocity}
        self.plans, self.plan_weights = chord_plans or {}, plan_weights(plan_prior)  # decoding/plan.py
        self.repeat_share, self.repeat_pulls = repeat_share or {}, repeat_pulls(repeat_prior)  # sampling.repeat_odds
        self.register_band, self.register_w = register_band or {}, register_weights(register_prior)  # register_bias
        self.tonal_profile, self.tonal_w = tonal_profile or {}, tonal_weights(tonal_prior)  # plan.tonal_harmony
        self.onset_profile, self.onset_w = onset_profile or {}, role_weights("onset_prior", onset_prior)  # plan.onset_profile_bias
        self.kit_profile, self.kit_w = kit_profile or {}, role_weights("kit_prior", kit_prior)  # plan.kit_table (drums)

    @classmethod
    def from_config(cls, stepper, tok: TokenizerConfig, max_len: int, config: dict) -> "Composer":
        """A composer with a model folder's decoding settings (config.json), the one place any
        token engine reads them."""
        keys = ("guidance", "family_temperature", "copy_bias", "harmony_prior", "role_guidance", "flat_velocity",
                "chord_plans", "plan_prior", "repeat_share", "repeat_prior", "register_band", "register_prior",
                "tonal_profile", "tonal_prior", "onset_profile", "onset_prior", "kit_profile", "kit_prior")
        return cls(stepper, tok, max_len, config.get("style_by_role", {}), **{k: config.get(k) for k in keys})

    def guidance_scale(self, req: Request, role: str) -> float:
        """The classifier-free guidance scale for a request writing `role`: its `guidance`, else the model's
        for that role and operation (`role_guidance`), else its `guidance`; 1 (off) if trained without."""
        if self.guidance is None:
            return 1.0
        if req.guidance is not None:
            return float(req.guidance)
        table = self.role_guidance.get(role, {})
        return table.get(req.operation, table.get("*", float(self.guidance)))

    def flat(self, cond: Conditions, gen) -> bool:
        """Whether a clip written for `cond` keeps the model's velocities as they are (no accent, no
        stray): drawn with the request's generator at the share of the style's training clips that
        were flat; never for a model without that profile (no draw, so its clips are unchanged)."""
        share = self.flat_velocity.get(cond.role, {}).get(self.tok.styles[cond.style_slot])
        return share is not None and bool(gen.random() < share)

    # --- conditions ----------------------------------------------------------------------
    def conditions(self, req: Request, clip: Clip | None, role: str) -> tuple[Conditions, float, Key | None]:
        meter = meter_of(req, clip)
        bar_ticks(meter)  # refuses meters the tokens cannot express
        # family default: the style this role's training data used most (Markov reads its role tables)
        style = req.style or self.style_by_role.get(role) or self.tok.styles[0]
        slot = self.tok.style_slot(style)
        key = req.key
        if role == "drums":
            key = None
        elif key is None and clip is not None:
            key = clip.key or key_of_ticks(clip_ticks(clip))
        tempo = tempo_of(req, clip)
        # density from the clip only when continuing it (the Markov engine takes it from the mood)
        dens = density_knob_to_bucket(req.density) if req.density is not None else None
        if dens is None and clip is not None and "density" not in req.given and req.operation == "continue":
            beats = max(clip.length, 1e-9)
            dens = density_bucket(len(clip.notes) / beats)
        cond = Conditions(role=role, style_slot=slot, mood=req.mood, key=key, meter=meter,
                          tempo_bucket=tempo_bucket(tempo) if tempo is not None else None,
                          density_bucket=dens, bars=1)
        return cond, float(tempo if tempo is not None else DEFAULT_TEMPO), key

    def _spec(self, req: Request, cond: Conditions, bars: int, prompt_len: int) -> RegionSpec:
        drums = cond.role == "drums"
        return RegionSpec(
            bars=bars, tpb=bar_ticks(cond.meter),
            pitches=pitch_mask(req.pitch_low, req.pitch_high, cond.key, req.scale_lock, drums),
            bias=key_bias(cond.key, req.scale_lock, drums) + self._register(req, cond),
            note_cap=notes_per_bar_cap(cond.density_bucket, cond.meter.beats_per_bar, cond.role),
            bar_token_budget=max(8, (self.max_len - prompt_len - 2) // bars), copy_bias=self.copy_bias.get(cond.role, 0.0),
            drums=drums, grid=grid_positions(bar_ticks(cond.meter)), temp_scale=self.temp_scales.get(cond.role),
            repeat=None if req.operation == "accompany" else repeat_target(  # accompany: the context moves it
                self.repeat_share, self.repeat_pulls, cond.role, self.tok.styles[cond.style_slot]),
            onsets=self._onsets(req, cond, bars), kit=self._kit(req, cond))

    def _onsets(self, req: Request, cond: Conditions, bars: int) -> np.ndarray | None:
        """The onset prior's bias for a part asked for alone (generate), times `fit`."""
        w = self.onset_w.get(cond.role, 0.0) * req.fit
        if not w or req.operation != "generate":
            return None
        return onset_profile_bias(self.onset_profile.get(cond.role, {}).get(self.tok.styles[cond.style_slot]),
                                  cond.meter, bars, w)

    def _kit(self, req: Request, cond: Conditions) -> np.ndarray | None:
        """The kit prior's table for a drum part asked for alone (generate), times `fit`."""
        w = self.kit_w.get(cond.role, 0.0) * req.fit
        if not w or req.operation != "generate":
            return None
        return kit_table(self.kit_profile.get(self.tok.styles[cond.style_slot]), cond.meter, w)

    def _register(self, req: Request, cond: Conditions) -> np.ndarray | float:
        """The register prior's bias for a new part (generate, accompany) whose range is left open."""
        w = self.register_w.get(cond.role)
        if not w or req.operation not in ("generate", "accompany") or (req.pitch_low, req.pitch_high) != (0, 127):
            return 0.0
        return register_bias(self.register_band.get(cond.role, {}).get(self.tok.styles[cond.style_slot]), w)

    def _segment_bars(self, role: str) -> int:  # bars a region decodes at once
        return 16 if role in ("melody", "bass") else 8

    # --- prompts -------------------------------------------------------------------------
    def _fim_prompt(self, cond: Conditions, before: list, after: list, k: int) -> list[int]:
        before = _trim(before, PREFIX_CONTEXT_TOKENS, from_end=True)
        after = _trim(after, SUFFIX_CONTEXT_TOKENS, from_end=False)
        total = min(MAX_BARS, len(before) + k + len(after))
        return (replace(cond, bars=total).tokens() + [V.PRE] + _flat(before) + [V.SUF] + _flat(after)
                + [V.MID, V.bars_token(k)])

    def _region(self, req, cond, prompt, rows, k, gen, progress, template=None, harmony=None) -> list[list[list[int]]]:
        spec = self._spec(req, cond, k, len(prompt))
        spec.harmony = harmony
        g = self.guidance_scale(req, cond.role)
        toks = decode_region(self.stepper, prompt, rows, spec, req.temperature, req.top_p, gen, self.max_len,
                             progress, template, uncond=unconditional(prompt), guidance=g)
        return [_split_bars(t) for t in toks]

    def _extend(self, req, cond, contexts: list[list], after: list, k: int, gen, progress, plan=None) -> list[list]:
        """k new bars after each row's context (bars of tokens), in segments; rows that share a
        context are decoded as one batch; `plan` the harmony a part alone leans on (`plan`), or None."""
        rows = len(contexts)
        new: list[list] = [[] for _ in range(rows)]
        done = 0
        while done < k:
            seg = min(k - done, self._segment_bars(cond.role))
            last = done + seg >= k
            ctxs = [contexts[r] + new[r] for r in range(rows)]
            groups = [list(range(rows))] if all(c == ctxs[0] for c in ctxs) else [[r] for r in range(rows)]
            for grp in groups:
                ctx = ctxs[grp[0]]
                if not ctx and not after:
                    prompt = replace(cond, bars=seg).tokens()
                else:
                    prompt = self._fim_prompt(cond, ctx, after if last else [], seg)
                sub = _scaled(progress, done / k, (done + seg) / k) if progress else None
                harmony = None if plan is None else plan[done:done + seg]
                for r, bars in zip(grp, self._region(req, cond, prompt, len(grp), seg, gen, sub, harmony=harmony)):
                    new[r] += bars
            done += seg
            if progress:
                progress(done / k)
        return new

    # --- operations ----------------------------------------------------------------------
    def answer(self, req: Request, clip: Clip | None, role: str, gen, progress) -> list[Clip]:
        """The single-part operations of a family that decodes through this composer (generate,
        continue, infill, restyle), melody and bass one line at a time (`one_line`)."""
        op = req.operation
        if op == "generate":
            return one_line(self.generate(req, role, gen, progress), role, op)
        do = {"continue": self.continue_, "infill": self.infill}.get(op, self.restyle)
        return one_line(do(req, clip, role, gen, progress), role, op)

    def generate(self, req: Request, role: str, gen, progress) -> list[Clip]:
        cond, tempo, key = self.conditions(req, None, role)
        k = req.effective_bars()
        bars = self._extend(req, cond, [[] for _ in range(req.variations)], [], k, gen, progress,
                            self.plan(cond, key, k, req.fit, gen))
        return [self._clip(b, cond, k, tempo, key, gen) for b in bars]

    def plan(self, cond: Conditions, key: Key | None, k: int, fit: float, gen):
        """The harmony a part alone leans on over its k bars (plan.py), times `fit`: the role's chord plan
        (`plan_prior`; drawn only where it has weights), else its key's tonal prior (`tonal_prior`), or None."""
        tone, root = (w * fit for w in self.plan_weights.get(cond.role, (0.0, 0.0)))
        chart = draw_plan(self.plans, self.tok.styles[cond.style_slot], key, k, gen) if tone or root else None
        if chart is not None:  # a chart names each bar's chord: the key's own pull would fight it
            return plan_harmony(chart, bar_ticks(cond.meter), tone, root)
        w = self.tonal_w.get(cond.role, 0.0) * fit
        return tonal_harmony(key, cond.meter, k, w, self.tonal_profile.get(cond.role))

    def continue_(self, req: Request, clip: Clip, role: str, gen, progress) -> list[Clip]:
        cond, tempo, key = self.conditions(req, clip, role)
        tpb = bar_ticks(cond.meter)
        n = _clip_bars(clip, cond.meter)
        ctx = encode_bars(canonical(clip_ticks(clip), tpb, n), tpb, n)
        k = req.effective_bars()
        bars = self._extend(req, cond, [ctx] * req.variations, [], k, gen, progress)
        return [self._clip(b, cond, k, tempo, key, gen) for b in bars]

    def infill(self, req: Request, clip: Clip, role: str, gen, progress, start=None, end=None) -> list[Clip]:
        cond, tempo, key = self.conditions(req, clip, role)
        tpb = bar_ticks(cond.meter)
        n = _clip_bars(clip, cond.meter)
        s = req.start_bar if start is None else start
        e = req.end_bar if end is None else end
        # Engine.run checked 0 <= s < e <= n (restyle passes a range it drew inside the clip)
        allbars = encode_bars(canonical(clip_ticks(clip), tpb, n), tpb, n)
        new = self._extend(req, cond, [allbars[:s]] * req.variations, allbars[e:], e - s, gen, progress)
        one = one_velocity(clip)
        out = []
        for bars in new:
            gen_notes = accent(decode(_flat(bars), tpb, first_bar=s), tpb, gen, flat=one is not None)
            if one is not None:
                gen_notes = at_velocity(gen_notes, one)
            out.append(_splice(clip, gen_notes, s, e, cond.meter, n, tempo, key, cond.role == "drums"))
        return out

    def restyle(self, req: Request, clip: Clip, role: str, gen, progress) -> list[Clip]:
        cond, tempo, key = self.conditions(req, clip, role)
        tpb = bar_ticks(cond.meter)
        n = req.bars if req.bars is not None else _clip_bars(clip, cond.meter)
        src = replace(clip, notes=[x for x in clip.notes if x.start < n * cond.meter.beats_per_bar - 1e-9],
                      length=n * cond.meter.beats_per_bar, meter=cond.meter)
        k = min(n, max(1, round(req.strength * n))) if req.strength > 0 else 0
        if k == 0:
            return [_fit(src, n, cond.meter, tempo, key) for _ in range(req.variations)]
        if req.preserve == "none":
            start = int(gen.integers(0, n - k + 1))
            return self.infill(req, src, role, gen, progress, start, start + k)
        regen = set(gen.permutation(n)[:k].tolist())
        orig, ticks = _grid_notes(src, tpb, n)
        bars = encode_bars(canonical(ticks, tpb, n), tpb, n)
        pitches = [[] for _ in range(req.variations)]
        for lo, hi in _chunks(bars, self.max_len - V.PREFIX_LEN - 2):
            prompt = replace(cond, bars=hi - lo).tokens()
            tmpl = template_from_bars(bars[lo:hi], {b - lo for b in regen}, req.preserve == "contour")
            regs = self._region(req, cond, prompt, req.variations, hi - lo, gen,
                                _scaled(progress, lo / n, hi / n) if progress else None, tmpl)
            for r, rb in enumerate(regs):
                pitches[r] += [int(p) for p in decode(_flat(rb), tpb)[:, 2]]
        out = []
        for ps in pitches:
            notes = [replace(o, pitch=p) for o, p in zip(orig, ps)]
            out.append(Clip(notes, n * cond.meter.beats_per_bar, cond.meter, tempo, key, cond.role == "drums"))
        return out

    def _clip(self, bars, cond, k, tempo, key, gen) -> Clip:
        notes = accent(decode(_flat(bars), bar_ticks(cond.meter)), bar_ticks(cond.meter), gen, self.flat(cond, gen))
        drums = cond.role == "drums"
        if key is None and not drums:
            key = key_of_ticks(notes)
        return ticks_to_clip(notes, cond.meter, k, tempo, key, drums)


# --- pure helpers ---------------------------------------------------------------------------
def unconditional(prompt: list[int]) -> list[int]:
    """The prompt with style, mood and key "any" (prefix 2-4): guidance's other row (role, meter, tempo, ... stay)."""
    assert prompt[0] == V.BOS, "a prompt starts with the condition prefix"
    return [prompt[0], prompt[1], V.STYLE_ANY, V.MOOD_ANY, V.KEY_ANY, *prompt[5:]]


def _clip_bars(clip: Clip, meter: Meter) -> int:
    n = meter.bars_spanned(clip.length)
    if n > MAX_BARS:
        raise BadRequest(f"the clip is {n} bars of {meter}; at most {MAX_BARS} are allowed")
    return n


def _flat(bars) -> list[int]:
    return [t for b in bars for t in b]


def _split_bars(tokens: list[int]) -> list[list[int]]:
    bars: list[list[int]] = []
    for t in tokens:
        if t == V.BAR:
            bars.append([t])
        elif bars:
            bars[-1].append(t)
    return bars


def _trim(bars: list, budget: int, from_end: bool) -> list:
    """Most bars (at most CONTEXT_BARS) within `budget` tokens, nearest the region first."""
    seq = bars[::-1] if from_end else bars
    keep, used = [], 0
    for b in seq[:CONTEXT_BARS]:
        if used + len(b) > budget:
            break
        keep.append(b)
        used += len(b)
    return keep[::-1] if from_end else keep


def _chunks(bars: list, budget: int) -> list[tuple[int, int]]:
    """Consecutive bar ranges whose tokens fit `budget` (a bar over budget goes alone)."""
    out, lo, used = [], 0, 0
    for i, b in enumerate(bars):
        if i > lo and used + len(b) > budget:
            out.append((lo, i))
            lo, used = i, 0
        used += len(b)
    out.append((lo, len(bars)))
    return out


def _scaled(progress, lo: float, hi: float):
    """Report a sub-task's 0..1 progress as the lo..hi part of the whole."""
    return lambda f: progress(lo + (hi - lo) * min(max(f, 0.0), 1.0))


def _grid_notes(clip: Clip, tpb: int, n: int) -> tuple[list[Note], np.ndarray]:
    """The clip's notes that tokens can hold, one per (grid onset, pitch), in (onset, pitch) order,
    with their tick rows; restyle keeps these notes' exact onsets and durations."""
    seen, keep = set(), []
    for x in sorted(clip.notes, key=lambda x: (round(x.start * 12), x.pitch)):
        k = (round(x.start * 12), x.pitch)
        if k in seen or k[0] >= tpb * n:
            continue
        seen.add(k)
        keep.append(x)
    ticks = np.array([(round(x.start * 12), max(1, round(x.duration * 12)), x.pitch, x.velocity) for x in keep],
                     dtype=np.int64).reshape(-1, 4)
    return keep, ticks


def _fit(clip: Clip, n: int, meter: Meter, tempo: float, key) -> Clip:
    end = n * meter.beats_per_bar
    notes = [replace(x, duration=min(x.duration, end - x.start)) for x in clip.notes if x.start < end]
    return Clip(notes, end, meter, tempo, key, clip.drums)


def _splice(clip, gen_notes, s, e, meter, n, tempo, key, drums) -> Clip:
    """The clip with bars s..e-1 replaced: earlier notes are cut at bar s, later ones kept."""
    bpb = meter.beats_per_bar
    keep = []
    for x in clip.notes:
        if x.start < s * bpb - 1e-9:
            keep.append(replace(x, duration=min(x.duration, s * bpb - x.start)))
        elif x.start >= e * bpb - 1e-9 and x.start < n * bpb - 1e-9:
            keep.append(replace(x, duration=min(x.duration, n * bpb - x.start)))
    new = ticks_to_clip(gen_notes, meter, n, tempo, key, drums).notes
    notes = sorted(keep + new, key=lambda x: (x.start, x.pitch))
    return Clip(notes, n * bpb, meter, tempo, key, drums)
