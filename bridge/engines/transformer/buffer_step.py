"""The decode graph ONNX Runtime serves: the model's forward over a cache buffer it never copies.

`BufferCacheStep` computes exactly what `MusicTransformer.forward` computes at a start position
(the parity test holds it to that), shaped for ONNX Runtime on the CPU:

- the cache comes in as each layer's whole buffer, `past_k0, past_v0, ...` [B, H, L, hd], of
  which the first `start` positions are written; L is the buffer's size, not the sequence's, so
  the runtime hands in the same contiguous arrays every step and nothing is sliced or copied;
- attention splits into the past part (q against the buffer, positions >= start masked off) and
  the new part (q against the t new keys, causally), joined at the scores, which are small: the
  graph never concatenates the cache (the older graph, `model.ExternalCacheStep`, spent about 40%
  of a step in Transpose and Concat of past keys and values);
- rotary positions rotate halves instead of interleaved pairs, with the q and k rows of each
  head's projection permuted to match (q . k is unchanged when both are permuted alike), which
  needs two slices instead of strided ones and a stack; q and k rotate as one tensor;
- the step graph (one_token) has t = 1 as a constant, so its reshapes need no shape arithmetic.

Outputs: logits of the last position [B, vocab] and the t new positions' keys and values
`new_k0, new_v0, ...` [B, H, t, hd] (in the permuted head order), which the runtime writes into
its buffers at start..start+t-1 (runtime.BufferStepper). Export only: serving needs no torch.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

NEG = -1e9  # the score of a masked key


def half_order(hd: int) -> torch.Tensor:
    """The permutation of a head's dims that turns interleaved pairs (2i, 2i+1) into halves (i, i + hd/2)."""
    return torch.cat([torch.arange(0, hd, 2), torch.arange(1, hd, 2)])


def rope_half(x, cos2, sin2):
    # x: [..., t, hd] in half order; cos2 = [cos, cos], sin2 = [-sin, sin]: [t, hd]
    h = x.shape[-1] // 2
    return x * cos2 + torch.cat([x[..., h:], x[..., :h]], dim=-1) * sin2


class BufferCacheStep(nn.Module):
    """(tokens [B, t], start [1], past_k0, past_v0, ... [B, H, L, hd]) -> (logits [B, V],
    new_k0, new_v0, ... [B, H, t, hd]); see the module's docstring."""

    def __init__(self, model, one_token: bool = False):
        super().__init__()
        self.model = model
        cfg = model.cfg
        self.h, self.hd = cfg.n_heads, cfg.d_model // cfg.n_heads
        self.t = 1 if one_token else -1  # one_token: t is 1 (the step graph), its shapes constants
        order = half_order(self.hd)
        # the q and k rows of every head's projection, in half order (v rows stay as they are);
        # attention's 1/sqrt(hd) stays out of the weights, which int8 quantizes with one scale
        rows = torch.arange(3 * cfg.d_model).view(3, self.h, self.hd)
        rows[0], rows[1] = rows[0][:, order], rows[1][:, order]
        self.scale = 1.0 / math.sqrt(self.hd)
        # persistent buffers, not plain tensors, so the exporter writes them as initializers (which int8
        # quantization finds) rather than as Constant nodes
        for i, blk in enumerate(model.blocks):
            self.register_buffer(f"qkv{i}", blk.attn.qkv.weight.detach()[rows.reshape(-1)].clone())
        cos, sin = model.rope_cos, model.rope_sin  # [max_len, hd/2]
        self.register_buffer("cos2", torch.cat([cos, cos], -1))  # [max_len, hd]
        self.register_buffer("sin2", torch.cat([-sin, sin], -1))

    def forward(self, tokens, start, *past):
        m = self.model
        t = tokens.shape[1] if self.t < 0 else 1
        L = past[0].shape[2]
        pos = start + torch.arange(t)  # [t]
        cos2, sin2 = self.cos2[pos], self.sin2[pos]  # [t, hd]
        past_mask = torch.where(torch.arange(L).view(1, -1) < start, 0.0, NEG)  # [1, L]
        new_mask = None if self.t == 1 else \
            torch.where(torch.arange(t).view(1, -1) <= torch.arange(t).view(-1, 1), 0.0, NEG)  # [t, t]
        x = m.emb(tokens)  # [B, t, d]
        shape = (-1, self.t if self.t == 1 else t, 3, self.h, self.hd)
        outs = []
        for i, blk in enumerate(m.blocks):
            pk, pv = past[2 * i], past[2 * i + 1]
            qkv = F.linear(blk.n1(x), getattr(self, f"qkv{i}")).view(shape).permute(2, 0, 3, 1, 4)  # [3, B, H, t, hd]
            qk = rope_half(qkv[:2], cos2, sin2)
            q, k, v = qk[0] * self.scale, qk[1], qkv[2]
            s_new = torch.matmul(q, k.transpose(-1, -2))  # [B, H, t, t]
            if new_mask is not None:
                s_new = s_new + new_mask
            s = torch.cat([torch.matmul(q, pk.transpose(-1, -2)) + past_mask, s_new], dim=-1)  # [B, H, t, L + t]
            p = torch.softmax(s, dim=-1)
            y = torch.matmul(p[..., :L], pv) + torch.matmul(p[..., L:], v)  # [B, H, t, hd]
            x = x + blk.attn.proj(y.transpose(1, 2).reshape(-1, shape[1], self.h * self.hd))
            x = x + blk.mlp(blk.n2(x))
            outs += [k, v]
        return (m.head(m.norm(x[:, -1])), *outs)
