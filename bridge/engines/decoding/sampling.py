"""Decoding: prefill a shared prompt once, then step all rows (variations) in lockstep.

`decode_region` samples one region of bars for every row with temperature and top-p, under the
masks of constraints.py. A `template` (restyle with preserve rhythm/contour) forces every token
but the pitches: slots marked SAMPLE_PITCH are sampled, the rest are copied. `forced` (accompany,
and infill/continue with context) gives each bar's context run (vocab.py's `CTX ROLE events`):
where a row would start the next bar it is fed that run, then the bar's BAR; the model's choice
to end a bar is read from its CTX logit, which is where training put the end of a target bar.

The model is reached through a `Stepper` (the interface below) so the same loop runs eager
PyTorch (CPU, int8), a CUDA-graph step (GPU) or ONNX Runtime. The loop itself is numpy only: a
request draws from one seeded `numpy.random.Generator`, and each step gathers the logits of the
row's allowed tokens (RowState.candidates, built once a grammar state) and samples among those,
so the Python between two model steps stays a small part of the step (docs/BENCH.md).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.constraints import BarCopier, RegionSpec, RowState, contour_mask
from bridge.engines.decoding.harmony import harmony_bias, kit_bias, onset_bias

SAMPLE_PITCH = -1  # template slot: sample a pitch here
PROGRESS_EVERY = 16  # steps between progress reports (each may raise Cancelled)


def top_p_sample(logits: np.ndarray, temperature: float, top_p: float, rng: np.random.Generator) -> int:
    """logits: [n], the allowed tokens' only -> the index of the drawn one. Nucleus sampling after
    temperature: the smallest head of the distribution whose mass reaches top_p, then one uniform
    from the request's generator, inverse-CDF (a zero-probability token is never drawn). Written
    for a few hundred float32 logits a call: few numpy calls, no float64 copy."""
    x = np.asarray(logits)
    if temperature != 1.0:
        x = x * (1.0 / max(temperature, 1e-4))
    p = np.exp(x - x.max())  # the top token has p = 1
    n = len(p)
    if top_p < 1.0:
        order = (-p).argsort(kind="stable")  # ties keep token order, so a seed reproduces its draw
        cdf = p[order].cumsum()
        # the head: every token whose mass before it is at most top_p (at least the top one)
        k = min(n, 1 + int(cdf.searchsorted(top_p * cdf[-1], "right")))
        i = int(cdf.searchsorted(rng.random() * cdf[k - 1], "right"))
        return int(order[i if i < k else k - 1])
    cdf = p.cumsum()
    i = int(cdf.searchsorted(rng.random() * cdf[-1], "right"))
    return i if i < n else n - 1


def repeat_pulls(setting: dict | None) -> dict:
    """config.json `repeat_prior` -> {role: pull}, checked once when the model loads; a role at 0
    or absent has no repeat prior."""
    out = {}
    for role, pull in (setting or {}).items():
        if float(pull) == 0.0:
            continue
        if not 0.0 < float(pull) <= 1.0:
            raise ValueError(f"repeat_prior {role} must be above 0 and at most 1, got {pull}")
        out[role] = float(pull)
    return out


def repeat_target(shares: dict, pulls: dict, role: str, style: str) -> tuple[float, float] | None:
    """RegionSpec.repeat for a part: (the style's repeated-note share in training, config.json
    `repeat_share`; the role's pull toward it, `repeat_pulls`), or None where either is missing."""
    share, pull = shares.get(role, {}).get(style), pulls.get(role)
    return None if share is None or pull is None else (float(share), pull)


def repeat_odds(x: np.ndarray, ids: np.ndarray, repeat: int, temperature: float, share: float, pull: float) -> np.ndarray:
    """The logits `x` of the allowed `ids` at an onset's first pitch, with the odds of `repeat`
    (the previous onset's top pitch) against the other pitches moved, in log-odds, `pull` of the
    way from the model's toward `share`, the rate the style's training parts repeat a note. The
    model alone repeats its last note at about the same rate in every style (bass on test: 0.65
    in funk, 0.54 in rock, 0.50 in gospel, whose training bass clips repeat 0.46, 0.38 and 0.08),
    so its lines stall where the style walks. Log-odds, not a fixed penalty: the pull is the same for a
    model that was sure and one that was not."""
    at = np.flatnonzero(ids == repeat)
    pitch = (ids >= V.PITCH_OFFSET) & (ids < V.DUR_OFFSET)
    if not len(at) or pitch.sum() < 2:
        return x
    t = max(temperature, 1e-4)
    z = x[pitch] / t
    j = int(np.flatnonzero(ids[pitch] == repeat)[0])
    rest = np.delete(z, j)
    lse = rest.max() + np.log(np.exp(rest - rest.max()).sum())  # log-sum-exp of the other pitches
    q = min(max(share, 0.01), 0.99)
    odds = (1.0 - pull) * (z[j] - lse) + pull * math.log(q / (1.0 - q))
    x = x.copy()
    x[at[0]] = (odds + lse) * t
    return x


@dataclass
class TemplateSlot:
    token: int  # the forced token, or SAMPLE_PITCH
    original: int = -1  # for pitch slots: the original pitch (contour needs its direction)
    direction: int | None = None  # contour: +1/-1/0 from the previous note, None: free
    interval: int = 0  # contour: the original interval from the previous note, in semitones
    anchor: bool = False  # contour's first opened pitch: near the original (there is no previous note)


class Stepper(ABC):
    """How the decode loop reaches a model: the interface every runtime implements.

    Rows are the variations of one request: they share one prompt and then step in lockstep, one
    token a row at a time. Tokens go in and logits come back as numpy arrays on the CPU (int64
    [rows] and float32 [rows, V]), where sampling runs. The implementations
    (bridge/engines/transformer/runtime.py): `OrtStepper`, ONNX Runtime running the exported graph
    with the cache in buffers allocated once (needs no torch); `TorchStepper`, eager PyTorch on CPU
    (fp32 or dynamic int8) over the model's KV cache; `CudaGraphStepper`, CUDA bf16 with the
    fixed-shape step captured as a CUDA graph.
    """

    @abstractmethod
    def prefill(self, prompt: list[int], rows: int) -> np.ndarray:
        """Run the prompt once and ready `rows` rows to continue from it -> next-token logits [rows, V]."""

    @abstractmethod
    def step(self, tokens: np.ndarray, pos: int) -> np.ndarray:
        """Feed one token a row (tokens [rows]) at position `pos` -> next-token logits [rows, V]."""

    # A runtime that can feed one run of tokens to every row in one call sets `chunked = True` and
    # has `extend(tokens, pos) -> logits after the last [rows, V]` (OrtStepper): decode_region then
    # feeds accompany's forced context runs (a few hundred tokens a request) that way.
    chunked = False

    @abstractmethod
    def prefill_groups(self, prompts: list[list[int]], rows: int) -> np.ndarray:
        """Several prompts of one length, run once each as a batch, each then readied for `rows`
        rows: prompt g serves rows g*rows..g*rows+rows-1 -> logits [len(prompts) * rows, V].
        Classifier-free guidance decodes the conditioned and the unconditional prompt so."""


def decode_region(stepper, prompt: list[int], rows: int, spec: RegionSpec, temperature: float, top_p: float,
                  rng: np.random.Generator, max_len: int, progress=None, template: list[TemplateSlot] | None = None,
                  uncond: list[int] | None = None, guidance: float = 1.0,
                  forced: list[list[int]] | None = None) -> list[list[int]]:
    """Sample one region of `spec.bars` bars for `rows` rows; returns each row's region tokens
    (starting with BAR, without EOS). With `uncond` (the prompt with its style, mood and key made
    "any") and `guidance` g != 1, each row is decoded twice in one batch and sampled from
    uncond + g * (cond - uncond): classifier-free guidance (Ho & Salimans), which follows the
    asked style more closely than the conditioned logits alone. With `forced` ([spec.bars] token
    runs), bar b of every row is preceded by forced[b]; those tokens are fed, not returned."""
    states = [RowState(spec) for _ in range(rows)]
    copiers = [BarCopier() for _ in range(rows)] if spec.copy_bias and template is None else None
    queue: list[list[int]] = [[] for _ in range(rows)]  # forced tokens still to feed, a row's own
    out: list[list[int]] = [[] for _ in range(rows)]
    prev_pitch: list[int | None] = [None] * rows
    prev_at = [-1] * rows  # the region tick of each row's last sampled pitch (the parallel-motion rule)
    guided = uncond is not None and guidance != 1.0
    chunked = getattr(stepper, "chunked", False)  # feeds a forced run in one call (Stepper.chunked)
    if guided:
        assert len(uncond) == len(prompt), "the unconditional prompt must align with the prompt"
        logits = _guide(stepper.prefill_groups([prompt, uncond], rows), rows, guidance)  # [rows, V]
    else:
        logits = stepper.prefill(prompt, rows)  # [rows, V]
    pos = len(prompt)
    t_index = 0
    live = rows  # rows not done yet
    while True:
        if pos >= max_len:
            raise RuntimeError(f"decoding ran past the model's {max_len} tokens")  # budgets prevent this
        slot = template[t_index] if template is not None and t_index < len(template) else None
        t_index += 1
        nxt = np.full(rows, V.PAD, dtype=np.int64)  # [rows]: a finished row feeds PAD
        chunk = None  # one row starting its bar's forced context run: fed in one extend
        for r, st in enumerate(states):
            if st.done:
                continue
            if queue[r]:  # inside a forced context run: feed it; its closing BAR enters the grammar
                t = nxt[r] = queue[r].pop(0)
                if t == V.BAR:
                    st.push(t)
                    out[r].append(t)
                    if copiers is not None:
                        copiers[r].push(t)
                continue
            row = logits[r]  # [V]
            run = forced[st.bars_done] if forced is not None and st.bars_done < spec.bars else None
            if run:  # ending this bar means starting the next one's context: BAR takes CTX's logit
                row = row.copy()
                row[V.BAR] = row[V.CTX]
            if slot is not None and slot.token != SAMPLE_PITCH:
                t = slot.token
            elif slot is None and template is not None:
                t = V.EOS
            else:
                if slot is not None:  # a template pitch slot: only pitches may go here
                    override = None
                    if slot.direction is not None:
                        override = contour_mask(spec.pitches, prev_pitch[r], slot.direction, slot.interval)
                    elif slot.anchor:  # start the line in the original's register, so its shape has room
                        override = contour_mask(spec.pitches, slot.original, 0, 0, near=True)
                    ids = st.pitch_candidates(override)
                    bias = spec.bias[ids]
                else:
                    ids, bias = st.candidates()
                if len(ids) == 1:  # forced by the grammar: nothing to draw
                    t = int(ids[0])
                else:
                    x = row[ids] + bias
                    if copiers is not None:  # lean toward going on with an earlier bar
                        hint = copiers[r].suggestions()
                        if hint:
                            x = x + spec.copy_bias * np.isin(ids, list(hint))
                    if spec.harmony is not None or spec.lines is not None:  # fit the context at this onset
                        x = x + harmony_bias(spec, st, ids, x, prev_pitch[r], prev_at[r])
                    if spec.onsets is not None:  # place onsets with the context's kick
                        x = x + onset_bias(spec, st, ids, x)
                    if spec.kit is not None:  # the style's kit pieces at this tick
                        x = x + kit_bias(spec, st, ids, x)
                    if spec.temp_scale is not None:  # each family at its own temperature
                        x = x / spec.temp_scale[ids]
                    if spec.repeat is not None and st.pitch_at_pos < 0 and prev_pitch[r] is not None:
                        x = repeat_odds(x, ids, V.PITCH_OFFSET + prev_pitch[r], temperature, *spec.repeat)
                    t = int(ids[top_p_sample(x, temperature, top_p, rng)])
            if run and t == V.BAR:
                if rows == 1 and chunked:  # the run and its BAR in one call; BAR enters the grammar
                    chunk = list(run) + [V.BAR]
                    st.push(V.BAR)
                    out[r].append(V.BAR)
                    if copiers is not None:
                        copiers[r].push(V.BAR)
                    continue
                queue[r] = list(run[1:]) + [V.BAR]
                nxt[r] = run[0]
                continue
            nxt[r] = t
            st.push(t)
            if copiers is not None:
                copiers[r].push(t)
            if st.done:
                live -= 1
            else:
                out[r].append(t)
                if V.PITCH_OFFSET <= t < V.DUR_OFFSET:
                    prev_pitch[r] = t - V.PITCH_OFFSET
                    prev_at[r] = (st.bars_done - 1) * spec.tpb + st.pos
        if not live:
            break
        if chunk is not None:  # both guided rows read the same run
            logits = stepper.extend(chunk, pos)
            logits = _guide(logits, rows, guidance) if guided else logits
            pos += len(chunk)
        elif guided:  # the unconditional rows follow the same tokens
            logits = _guide(stepper.step(np.concatenate([nxt, nxt]), pos), rows, guidance)
            pos += 1
        else:
            logits = stepper.step(nxt, pos)
            pos += 1
        if progress is not None and pos % PROGRESS_EVERY == 0:
            progress(min(1.0, sum(s.bars_done for s in states) / (rows * spec.bars)))
    return out


def _guide(logits: np.ndarray, rows: int, guidance: float) -> np.ndarray:
    # logits: [2 * rows, V], conditioned rows first -> guided logits [rows, V]
    cond, uncond = logits[:rows], logits[rows:]
    return uncond + guidance * (cond - uncond)


def template_from_bars(bar_tokens: list[list[int]], regenerate: set[int], contour: bool) -> list[TemplateSlot]:
    """Restyle template: the original bars with the pitch tokens of `regenerate` bars opened up.
    With `contour`, each opened pitch must move like the original did from the previous note."""
    slots: list[TemplateSlot] = []
    prev = None
    for b, toks in enumerate(bar_tokens):
        for t in toks:
            if V.PITCH_OFFSET <= t < V.DUR_OFFSET:
                p = t - V.PITCH_OFFSET
                if b in regenerate:
                    d, iv = None, 0
                    if contour and prev is not None:
                        d, iv = (p > prev) - (p < prev), p - prev
                    slots.append(TemplateSlot(SAMPLE_PITCH, p, d, iv, anchor=contour and prev is None))
                else:
                    slots.append(TemplateSlot(t, p))
                prev = p
            else:
                slots.append(TemplateSlot(t))
    slots.append(TemplateSlot(V.EOS))
    return slots
