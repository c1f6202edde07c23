"""A small GRU language model over the shared event tokens (bridge/engines/decoding/vocab.py).

Embedding -> a stack of GRU layers -> RMS-normalised top state -> a linear head tied to the
embedding. Two ways in, one
set of weights:
- `forward(idx)`: training and evaluation over whole sequences with torch's fused `nn.GRU`.
- `step(token, state)`: one token a row with the recurrence written out as matrix products
  (the equations of torch.nn.GRU, over the same `weight_ih_l{k}` / `weight_hh_l{k}` tensors). It is
  the graph exported to ONNX (`StepGraph`): plain MatMul/Add/Sigmoid/Tanh, which ONNX Runtime's
  dynamic quantisation turns into int8 matrix products, and whose state is O(1) per step: one
  [n_layers, rows, hidden] tensor, whatever the length of the music so far.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn


@dataclass
class RnnConfig:
    vocab_size: int = 512  # tokens (set from vocab.VOCAB_SIZE)
    hidden: int = 384  # GRU state width (also the embedding width)
    n_layers: int = 2  # stacked GRU layers
    dropout: float = 0.0  # between layers and before the head; training only
    max_len: int = 1024  # longest sequence the composer may decode (a budget, not a cache: the state is O(1))

    def __post_init__(self):
        if self.hidden < 8 or self.n_layers < 1:
            raise ValueError(f"hidden ({self.hidden}) must be >= 8 and n_layers ({self.n_layers}) >= 1")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    """Root-mean-square norm with a learned gain, written out so the ONNX exporter sees plain ops."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class MusicGRU(nn.Module):
    def __init__(self, cfg: RnnConfig):
        super().__init__()
        self.cfg = cfg
        self.emb = nn.Embedding(cfg.vocab_size, cfg.hidden)
        self.rnn = nn.GRU(cfg.hidden, cfg.hidden, cfg.n_layers, batch_first=True,
                          dropout=cfg.dropout if cfg.n_layers > 1 else 0.0)
        self.norm = RMSNorm(cfg.hidden)
        self.drop = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.hidden, cfg.vocab_size)
        # tied with the embedding, as the Transformer's head: fewer parameters, and the weight files
        # store it once (transformer/weights.py leaves "head.weight" out and the tie restores it)
        self.head.weight = self.emb.weight
        nn.init.normal_(self.emb.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def zero_state(self, rows: int) -> torch.Tensor:
        return torch.zeros(self.cfg.n_layers, rows, self.cfg.hidden)  # [L, rows, H]

    def forward(self, idx: torch.Tensor, state: torch.Tensor | None = None) -> torch.Tensor:
        # idx: [B, T] -> logits [B, T, V]
        x = self.emb(idx)  # [B, T, H]
        y, _ = self.rnn(x, state)  # [B, T, H]
        return self.head(self.drop(self.norm(y)))

    def step(self, token: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """token [rows] (int64), state [L, rows, H] -> logits [rows, V], new state [L, rows, H].
        torch.nn.GRU's equations: r = s(W_ir x + b_ir + W_hr h + b_hr), z likewise,
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h."""
        x = self.emb(token)  # [rows, H]
        hid = self.cfg.hidden
        new = []
        for k in range(self.cfg.n_layers):
            h = state[k]  # [rows, H]
            gi = x @ getattr(self.rnn, f"weight_ih_l{k}").t() + getattr(self.rnn, f"bias_ih_l{k}")  # [rows, 3H]
            gh = h @ getattr(self.rnn, f"weight_hh_l{k}").t() + getattr(self.rnn, f"bias_hh_l{k}")  # [rows, 3H]
            r = torch.sigmoid(gi[:, :hid] + gh[:, :hid])
            z = torch.sigmoid(gi[:, hid : 2 * hid] + gh[:, hid : 2 * hid])
            n = torch.tanh(gi[:, 2 * hid :] + r * gh[:, 2 * hid :])
            h = (1 - z) * n + z * h
            new.append(h)
            x = h
        y = self.norm(x)
        logits = y @ self.head.weight.t() + self.head.bias  # [rows, V]
        return logits, torch.stack(new)


class StepGraph(nn.Module):
    """The export wrapper: (token [rows], state [L, rows, H]) -> (logits [rows, V], new_state)."""

    def __init__(self, model: MusicGRU):
        super().__init__()
        self.model = model

    def forward(self, token, state):
        return self.model.step(token, state)
