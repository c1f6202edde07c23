"""Decoding: prefill a shared prompt once, then step all rows (variations) in lockstep.

`decode_region` samples one region of bars for every row with temperature and top-p, under the
masks of constraints.py. A `template` (restyle with preserve rhythm/contour) forces every token
but the pitches: slots marked SAMPLE_PITCH are sampled, the rest are copied.

The model is reached through a `Stepper` (the interface below) so the same loop runs eager
PyTorch (CPU, int8), a CUDA-graph step (GPU) or ONNX Runtime.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch

import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.constraints import RegionSpec, RowState, contour_mask

SAMPLE_PITCH = -1  # template slot: sample a pitch here
_PITCHES = torch.zeros(V.VOCAB_SIZE, dtype=torch.bool)
_PITCHES[V.PITCH_OFFSET : V.DUR_OFFSET] = True


def top_p_sample(logits: torch.Tensor, temperature: float, top_p: float, gen: torch.Generator) -> torch.Tensor:
    """logits: [B, V] (masked entries -inf) -> tokens [B]. Nucleus sampling after temperature."""
    probs = torch.softmax(logits.float() / max(temperature, 1e-4), dim=-1)
    if top_p < 1.0:
        sp, si = probs.sort(dim=-1, descending=True)
        cum = sp.cumsum(-1)
        sp[(cum - sp) > top_p] = 0.0  # keep the smallest head whose mass reaches top_p
        probs = torch.zeros_like(probs).scatter_(-1, si, sp)
    # inverse-CDF draw: one uniform a row from the request's generator (cheaper than multinomial)
    cdf = probs.cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=gen).clamp_(min=1e-7) * cdf[:, -1:]  # u > 0: never a zero-probability token
    return (cdf < u).sum(-1).clamp_(max=probs.shape[-1] - 1)


@dataclass
class TemplateSlot:
    token: int  # the forced token, or SAMPLE_PITCH
    original: int = -1  # for pitch slots: the original pitch (contour needs its direction)
    direction: int | None = None  # contour: +1/-1/0 from the previous note, None: free
    interval: int = 0  # contour: the original interval from the previous note, in semitones


class Stepper(ABC):
    """How the decode loop reaches a model: the interface every runtime implements.

    Rows are the variations of one request: they share one prompt and then step in lockstep, one
    token a row at a time. Logits come back as fp32 on the CPU, where sampling runs. The
    implementations (bridge/engines/transformer/runtime.py): `TorchStepper`, eager PyTorch on CPU
    (fp32 or dynamic int8) over the model's KV cache; `CudaGraphStepper`, CUDA bf16 with the
    fixed-shape step captured as a CUDA graph; `OrtStepper`, ONNX Runtime running the exported
    graph with the cache in buffers allocated once.
    """

    @abstractmethod
    def prefill(self, prompt: list[int], rows: int) -> torch.Tensor:
        """Run the prompt once and ready `rows` rows to continue from it -> next-token logits [rows, V]."""

    @abstractmethod
    def step(self, tokens: torch.Tensor, pos: int) -> torch.Tensor:
        """Feed one token a row (tokens [rows]) at position `pos` -> next-token logits [rows, V]."""

    @abstractmethod
    def prefill_groups(self, prompts: list[list[int]], rows: int) -> torch.Tensor:
        """Several prompts of one length, run once each as a batch, each then readied for `rows`
        rows: prompt g serves rows g*rows..g*rows+rows-1 -> logits [len(prompts) * rows, V].
        Classifier-free guidance decodes the conditioned and the unconditional prompt so."""


def decode_region(stepper, prompt: list[int], rows: int, spec: RegionSpec, temperature: float, top_p: float,
                  gen: torch.Generator, max_len: int, progress=None, template: list[TemplateSlot] | None = None,
                  uncond: list[int] | None = None, guidance: float = 1.0) -> list[list[int]]:
    """Sample one region of `spec.bars` bars for `rows` rows; returns each row's region tokens
    (starting with BAR, without EOS). With `uncond` (the prompt with its style, mood and key made
    "any") and `guidance` g != 1, each row is decoded twice in one batch and sampled from
    uncond + g * (cond - uncond): classifier-free guidance (Ho & Salimans), which follows the
    asked style more closely than the conditioned logits alone."""
    states = [RowState(spec) for _ in range(rows)]
    out: list[list[int]] = [[] for _ in range(rows)]
    prev_pitch: list[int | None] = [None] * rows
    guided = uncond is not None and guidance != 1.0
    if guided:
        assert len(uncond) == len(prompt), "the unconditional prompt must align with the prompt"
        both = stepper.prefill_groups([prompt, uncond], rows)  # [2 * rows, V]
        logits = _guide(both, rows, guidance)
    else:
        logits = stepper.prefill(prompt, rows)
    pos = len(prompt)
    t_index = 0
    while not all(s.done for s in states):
        if pos >= max_len:
            raise RuntimeError(f"decoding ran past the model's {max_len} tokens")  # budgets prevent this
        slot = template[t_index] if template is not None and t_index < len(template) else None
        t_index += 1
        if slot is not None and slot.token != SAMPLE_PITCH:
            nxt = torch.full((rows,), slot.token, dtype=torch.long)
        elif slot is None and template is not None:
            nxt = torch.full((rows,), V.EOS, dtype=torch.long)
        else:
            masks = []
            for r, st in enumerate(states):
                override = None
                if slot is not None and slot.direction is not None:
                    override = contour_mask(st.spec.pitches, prev_pitch[r], slot.direction, slot.interval)
                m = st.allowed(override)
                if slot is not None:  # a template pitch slot: only pitches may go here
                    m &= _PITCHES
                    if not m.any():
                        m = st.spec.pitches.clone()
                masks.append(m)
            mask = torch.stack(masks)  # [B, V]
            lg = logits + spec.bias
            lg = lg.masked_fill(~mask, float("-inf"))
            nxt = top_p_sample(lg, temperature, top_p, gen)
        for r, st in enumerate(states):
            t = int(nxt[r])
            if st.done:
                nxt[r] = V.PAD
                continue
            st.push(t)
            if t != V.EOS:
                out[r].append(t)
            if V.PITCH_OFFSET <= t < V.DUR_OFFSET:
                prev_pitch[r] = t - V.PITCH_OFFSET
        if all(s.done for s in states):
            break
        if guided:  # the unconditional rows follow the same tokens
            logits = _guide(stepper.step(torch.cat([nxt, nxt]), pos), rows, guidance)
        else:
            logits = stepper.step(nxt, pos)
        pos += 1
        if progress is not None and pos % 16 == 0:
            progress(min(1.0, sum(s.bars_done for s in states) / (rows * spec.bars)))
    return out


def _guide(logits: torch.Tensor, rows: int, guidance: float) -> torch.Tensor:
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
                    slots.append(TemplateSlot(SAMPLE_PITCH, p, d, iv))
                else:
                    slots.append(TemplateSlot(t, p))
                prev = p
            else:
                slots.append(TemplateSlot(t))
    slots.append(TemplateSlot(V.EOS))
    return slots
