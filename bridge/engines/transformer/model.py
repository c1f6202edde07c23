"""A small decoder-only Transformer: pre-norm (RMSNorm), rotary positions, scaled-dot-product
attention, a GELU MLP, tied input/output embeddings, and a KV cache allocated once.

Three ways in:
- `forward(idx)`: training, the whole sequence, causal.
- `forward_cached(idx, start)`: prefill or one decode step that reads and writes the KV cache at
  positions [start, start + n); attention sees only the written part (a slice), which is fastest
  on CPU.
- `step_static(idx, pos)`: one token per row, attending over the whole cache with a mask built from
  a position tensor; every shape is fixed, so it can be captured as a CUDA graph
  (torch.compile mode="reduce-overhead"). Same numbers as forward_cached.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ModelConfig:
    vocab_size: int = 512  # tokens (set from vocab.VOCAB_SIZE)
    d_model: int = 256  # width
    n_layers: int = 4  # transformer blocks
    n_heads: int = 4  # attention heads; d_model % n_heads == 0
    d_ff: int = 1024  # MLP hidden width
    max_len: int = 1024  # longest sequence (rotary table and KV cache length)
    dropout: float = 0.0  # training only
    rope_base: float = 10000.0  # rotary base

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads})")
        if (self.d_model // self.n_heads) % 2:
            raise ValueError("the head width d_model / n_heads must be even for rotary positions")

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rope_tables(head_dim: int, max_len: int, base: float) -> tuple[torch.Tensor, torch.Tensor]:
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    ang = torch.outer(torch.arange(max_len, dtype=torch.float32), inv)  # [T, hd/2]
    return ang.cos(), ang.sin()


def apply_rope(x, cos, sin):
    # x: [B, H, T, hd]; cos/sin: [T, hd/2] or [B, 1, 1, hd/2] (broadcast); rotate pairs (2i, 2i+1)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class KVCache(nn.Module):
    """Per-layer key/value buffers [batch, heads, max_len, head_dim], allocated once."""

    def __init__(self, batch: int, heads: int, max_len: int, head_dim: int, dtype, device):
        super().__init__()
        shape = (batch, heads, max_len, head_dim)
        self.register_buffer("k", torch.zeros(shape, dtype=dtype, device=device), persistent=False)
        self.register_buffer("v", torch.zeros(shape, dtype=dtype, device=device), persistent=False)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.h, self.hd = cfg.n_heads, cfg.d_model // cfg.n_heads
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.dropout = cfg.dropout
        self.cache: KVCache | None = None

    def _qkv(self, x, cos, sin):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)  # each [B, H, T, hd]
        return apply_rope(q, cos, sin), apply_rope(k, cos, sin), v

    def forward(self, x, cos, sin):
        b, t, d = x.shape
        q, k, v = self._qkv(x, cos, sin)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(b, t, d))

    def forward_cached(self, x, cos, sin, start: int):
        b, t, d = x.shape
        q, k, v = self._qkv(x, cos, sin)
        c = self.cache
        c.k[:b, :, start : start + t] = k
        c.v[:b, :, start : start + t] = v
        keys, vals = c.k[:b, :, : start + t], c.v[:b, :, : start + t]
        if t == 1:
            y = F.scaled_dot_product_attention(q, keys, vals)
        else:  # query i (at start+i) sees keys 0..start+i
            mask = torch.ones(t, start + t, dtype=torch.bool, device=x.device).tril(diagonal=start)
            y = F.scaled_dot_product_attention(q, keys, vals, attn_mask=mask)
        return self.proj(y.transpose(1, 2).reshape(b, t, d))

    def forward_past(self, x, cos, sin, pk, pv):
        # cache passed in (ONNX): pk/pv [P, B, H, hd], time first so a runtime can hand in a
        # contiguous slice of a buffer allocated once -> y, and the new keys/values [t, B, H, hd]
        b, t, d = x.shape
        q, k, v = self._qkv(x, cos, sin)
        keys = torch.cat([pk.permute(1, 2, 0, 3), k], dim=2)
        vals = torch.cat([pv.permute(1, 2, 0, 3), v], dim=2)
        p = pk.shape[0]
        i = torch.arange(t, device=x.device).view(-1, 1)
        j = torch.arange(keys.shape[2], device=x.device).view(1, -1)
        y = F.scaled_dot_product_attention(q, keys, vals, attn_mask=j <= i + p)
        return self.proj(y.transpose(1, 2).reshape(b, t, d)), k.permute(2, 0, 1, 3), v.permute(2, 0, 1, 3)

    def step_static(self, x, cos, sin, pos, mask):
        # x: [B, 1, d]; pos: [B] long; mask: [B, 1, 1, max_len] bool (key j visible when j <= pos)
        b, _, d = x.shape
        q, k, v = self._qkv(x, cos, sin)
        c = self.cache
        idx = pos.view(b, 1, 1, 1).expand(b, self.h, 1, self.hd)
        c.k[:b].scatter_(2, idx, k)
        c.v[:b].scatter_(2, idx, v)
        y = F.scaled_dot_product_attention(q, c.k[:b], c.v[:b], attn_mask=mask)
        return self.proj(y.transpose(1, 2).reshape(b, 1, d))


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.n1, self.n2 = RMSNorm(cfg.d_model), RMSNorm(cfg.d_model)
        self.attn = Attention(cfg)
        self.fc1 = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.fc2 = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)
        self.drop = nn.Dropout(cfg.dropout)

    def mlp(self, x):
        return self.drop(self.fc2(F.gelu(self.fc1(x), approximate="tanh")))

    def forward(self, x, cos, sin):
        x = x + self.drop(self.attn(self.n1(x), cos, sin))
        return x + self.mlp(self.n2(x))

    def forward_cached(self, x, cos, sin, start):
        x = x + self.attn.forward_cached(self.n1(x), cos, sin, start)
        return x + self.mlp(self.n2(x))

    def forward_past(self, x, cos, sin, pk, pv):
        a, k, v = self.attn.forward_past(self.n1(x), cos, sin, pk, pv)
        x = x + a
        return x + self.mlp(self.n2(x)), k, v

    def step_static(self, x, cos, sin, pos, mask):
        x = x + self.attn.step_static(self.n1(x), cos, sin, pos, mask)
        return x + self.mlp(self.n2(x))


class MusicTransformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        self.head.weight = self.emb.weight  # tied
        cos, sin = rope_tables(cfg.d_model // cfg.n_heads, cfg.max_len, cfg.rope_base)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init)
        for blk in self.blocks:  # scaled residual init (GPT-2)
            nn.init.normal_(blk.attn.proj.weight, std=0.02 / math.sqrt(2 * cfg.n_layers))
            nn.init.normal_(blk.fc2.weight, std=0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx):
        # idx: [B, T] -> logits [B, T, vocab]
        t = idx.shape[1]
        cos, sin = self.rope_cos[:t], self.rope_sin[:t]
        x = self.emb(idx)
        for blk in self.blocks:
            x = blk(x, cos, sin)
        return self.head(self.norm(x))

    # --- inference ----------------------------------------------------------------------
    def setup_cache(self, batch: int, dtype=torch.float32, device=None) -> None:
        """Allocate the KV cache once: [batch, heads, max_len, head_dim] per layer."""
        device = device or self.emb.weight.device
        for blk in self.blocks:
            a = blk.attn
            a.cache = KVCache(batch, a.h, self.cfg.max_len, a.hd, dtype, device)

    @property
    def cache_batch(self) -> int:
        c = self.blocks[0].attn.cache
        return 0 if c is None else c.k.shape[0]

    def forward_cached(self, idx, start: int):
        # idx: [B, t] at positions start..start+t-1 -> logits of the last position [B, vocab]
        t = idx.shape[1]
        if start + t > self.cfg.max_len:
            raise ValueError(f"sequence of {start + t} tokens exceeds the model's {self.cfg.max_len}")
        cos, sin = self.rope_cos[start : start + t], self.rope_sin[start : start + t]
        x = self.emb(idx)
        for blk in self.blocks:
            x = blk.forward_cached(x, cos, sin, start)
        return self.head(self.norm(x[:, -1]))

    def step_static(self, idx, pos):
        # idx: [B, 1]; pos: [B] long -> logits [B, vocab]. Fixed shapes: CUDA-graph friendly.
        cos = self.rope_cos.index_select(0, pos).unsqueeze(1).unsqueeze(1)  # [B, 1, 1, hd/2]
        sin = self.rope_sin.index_select(0, pos).unsqueeze(1).unsqueeze(1)
        ar = torch.arange(self.cfg.max_len, device=idx.device)
        mask = (ar.view(1, -1) <= pos.view(-1, 1)).view(-1, 1, 1, self.cfg.max_len)
        x = self.emb(idx)
        for blk in self.blocks:
            x = blk.step_static(x, cos, sin, pos, mask)
        return self.head(self.norm(x[:, -1]))

    def forward_past(self, idx, past: list):
        # idx: [B, t]; past: keys and values of each layer in turn, [P, B, H, hd] each ->
        # (logits of the last position [B, vocab], new keys/values [t, B, H, hd] in the same order).
        # The cache lives outside the network: the ONNX Runtime path.
        p, t = past[0].shape[0], idx.shape[1]
        cos, sin = self.rope_cos[p : p + t], self.rope_sin[p : p + t]
        x = self.emb(idx)
        new = []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk.forward_past(x, cos, sin, past[2 * i], past[2 * i + 1])
            new += [k, v]
        return self.head(self.norm(x[:, -1])), new

    def copy_cache_row(self, src: int, n: int, upto: int) -> None:
        """Broadcast row `src` of the cache (positions < upto) into rows 0..n-1: a prompt prefilled
        once serves every variation."""
        for blk in self.blocks:
            c = blk.attn.cache
            c.k[:n, :, :upto] = c.k[src : src + 1, :, :upto]
            c.v[:n, :, :upto] = c.v[src : src + 1, :, :upto]
