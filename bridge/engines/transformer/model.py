"""A small decoder-only Transformer: pre-norm (RMSNorm), rotary positions, scaled-dot-product
attention, a GELU MLP, tied input/output embeddings, and a KV cache allocated once.

One way in, gpt-fast style: `forward(idx, input_pos=None)`.
- `input_pos=None`: training, the whole sequence attends causally to itself; no cache is read.
- `input_pos=start` (an int): the tokens sit at positions start, start+1, ...; every layer writes
  their keys/values there in its `KVCache` and attends over the written part only (a slice of the
  cache: the least work on CPU). Prefill and one-token steps alike.
- `input_pos=positions` (a LongTensor [t]): the same write, but attention runs over the whole
  cache under a causal mask indexed by the positions, so every shape is fixed and the step can be
  captured as a CUDA graph (torch.compile mode="reduce-overhead", runtime.CudaGraphStepper).
Every path goes through the one `Attention.forward`; only where the keys come from differs. The
graph ONNX Runtime serves is written out from these weights by `buffer_step.BufferCacheStep`, held
to this forward's logits by the parity tests.
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
    """Root-mean-square layer norm with a learned gain (no mean, no bias)."""

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
    # x: [B, H, t, hd]; cos/sin: [t, hd/2] (broadcast); rotate pairs (2i, 2i+1)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


def causal_mask(q_pos: torch.Tensor, n_keys) -> torch.Tensor:
    """q_pos: [t] positions of the queries -> [t, n_keys] bool: key j is visible to query i when
    j <= q_pos[i]."""
    return torch.arange(n_keys, device=q_pos.device).view(1, -1) <= q_pos.view(-1, 1)


def _fixed_shape(input_pos) -> bool:
    """A position tensor [t] (fixed shapes, whole cache) rather than a start (int, or a traced size)."""
    return torch.is_tensor(input_pos) and input_pos.dim() == 1


class KVCache(nn.Module):
    """One layer's keys and values [batch, heads, max_len, head_dim], allocated once and written in
    place; a request with fewer rows uses the front rows."""

    def __init__(self, batch: int, heads: int, max_len: int, head_dim: int, dtype, device):
        super().__init__()
        shape = (batch, heads, max_len, head_dim)
        self.register_buffer("k", torch.zeros(shape, dtype=dtype, device=device), persistent=False)
        self.register_buffer("v", torch.zeros(shape, dtype=dtype, device=device), persistent=False)

    def update(self, input_pos, k, v) -> tuple[torch.Tensor, torch.Tensor]:
        # k, v: [B, H, t, hd] at input_pos -> the keys and values attention reads, [B, H, keys, hd]
        b, t = k.shape[0], k.shape[2]
        if _fixed_shape(input_pos):  # every position of the cache, masked by the caller
            self.k[:b, :, input_pos] = k
            self.v[:b, :, input_pos] = v
            return self.k[:b], self.v[:b]
        self.k[:b, :, input_pos : input_pos + t] = k
        self.v[:b, :, input_pos : input_pos + t] = v
        return self.k[:b, :, : input_pos + t], self.v[:b, :, : input_pos + t]

    def copy_row(self, src: int, n: int, upto: int, first: int = 0) -> None:
        """Row `src` (positions < upto) into rows first..first+n-1."""
        k, v = self.k[src : src + 1, :, :upto].clone(), self.v[src : src + 1, :, :upto].clone()
        self.k[first : first + n, :, :upto] = k
        self.v[first : first + n, :, :upto] = v


class Attention(nn.Module):
    """Multi-head self-attention with rotary positions; the one attention of every path."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.h, self.hd = cfg.n_heads, cfg.d_model // cfg.n_heads
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.dropout = cfg.dropout

    def forward(self, x, cos, sin, mask=None, cache=None, input_pos=None):
        # x: [B, t, d]; mask: [t, keys] bool or None (every key visible); cache: a KVCache or
        # None (training: the sequence attends to itself, causally)
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)  # each [B, H, t, hd]
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0)
        else:
            k, v = cache.update(input_pos, k, v)  # [B, H, keys, hd]
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.proj(y.transpose(1, 2).reshape(b, t, d))  # y: [B, H, t, hd] -> [B, t, d]


class Block(nn.Module):
    """Pre-norm residual block: attention, then a GELU MLP."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.n1, self.n2 = RMSNorm(cfg.d_model), RMSNorm(cfg.d_model)
        self.attn = Attention(cfg)
        self.fc1 = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.fc2 = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)
        self.drop = nn.Dropout(cfg.dropout)

    def mlp(self, x):
        return self.drop(self.fc2(F.gelu(self.fc1(x), approximate="tanh")))

    def forward(self, x, cos, sin, mask=None, cache=None, input_pos=None):
        x = x + self.drop(self.attn(self.n1(x), cos, sin, mask, cache, input_pos))
        return x + self.mlp(self.n2(x))


class MusicTransformer(nn.Module):
    """The network: token embedding, `n_layers` blocks, a final norm and the tied output head. The
    KV cache (`setup_cache`) belongs to the model, one `KVCache` a layer, and holds no weights."""

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
        self.caches: nn.ModuleList | None = None  # one KVCache a layer, set by setup_cache
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

    def setup_cache(self, batch: int, dtype=torch.float32, device=None) -> None:
        """Allocate the KV cache once: [batch, heads, max_len, head_dim] per layer."""
        device = device or self.emb.weight.device
        h, hd = self.cfg.n_heads, self.cfg.d_model // self.cfg.n_heads
        self.caches = nn.ModuleList(KVCache(batch, h, self.cfg.max_len, hd, dtype, device) for _ in self.blocks)

    def copy_cache_row(self, src: int, n: int, upto: int, first: int = 0) -> None:
        """Broadcast row `src` of the cache (positions < upto) into rows first..first+n-1: a prompt
        prefilled once serves every variation."""
        for cache in self.caches:
            cache.copy_row(src, n, upto, first)

    def fan_out(self, groups: int, rows: int, upto: int) -> None:
        """Prompts prefilled as rows 0..groups-1 -> each into its block of `rows` rows (group g
        fills rows g*rows..g*rows+rows-1). Last group first, so no source is overwritten unread."""
        for g in reversed(range(groups)):
            self.copy_cache_row(g, rows, upto, first=g * rows)

    def forward(self, idx, input_pos=None):
        # idx: [B, t]. input_pos None -> logits [B, t, vocab] (training). input_pos a start (int) or
        # positions (LongTensor [t]) -> logits of the last position [B, vocab], the model's KV cache
        # read and written at those positions.
        t = idx.shape[1]
        x = self.emb(idx)  # [B, t, d]
        if input_pos is None:
            cos, sin = self.rope_cos[:t], self.rope_sin[:t]
            for blk in self.blocks:
                x = blk(x, cos, sin)
            return self.head(self.norm(x))
        caches = self.caches
        if caches is None:
            raise RuntimeError("decoding at input_pos needs a KV cache: call setup_cache(batch) first")
        cos, sin, mask = self._positions(input_pos, t)
        for blk, cache in zip(self.blocks, caches):
            x = blk(x, cos, sin, mask, cache, input_pos)
        return self.head(self.norm(x[:, -1]))  # decoding needs only the next token's logits

    def _positions(self, input_pos, t):
        """Rotary tables [t, hd/2] and the attention mask for tokens at `input_pos`."""
        if _fixed_shape(input_pos):  # the whole cache: [t, max_len], fixed for a CUDA graph
            cos, sin = self.rope_cos.index_select(0, input_pos), self.rope_sin.index_select(0, input_pos)
            return cos, sin, causal_mask(input_pos, self.cfg.max_len)
        start = input_pos  # an int
        if isinstance(start, int) and start + t > self.cfg.max_len:
            raise ValueError(f"sequence of {start + t} tokens exceeds the model's {self.cfg.max_len}")
        cos, sin = self.rope_cos[start : start + t], self.rope_sin[start : start + t]
        if isinstance(start, int) and t == 1:  # one query at the end sees every key: no mask
            return cos, sin, None
        return cos, sin, causal_mask(torch.arange(t, device=cos.device) + start, start + t)
