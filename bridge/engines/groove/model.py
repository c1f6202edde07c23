"""GrooveNet: a WaveNet over a part's note events, predicting each note's timing offset and velocity.

A stack of dilated causal 1-D convolutions (kernel 2, dilations 1, 2, 4, ... repeated), each with
WaveNet's gated activation tanh(W_f x + V_f c) * sigmoid(W_g x + V_g c) where c is the global
condition (role and style embeddings and the tempo), a 1x1 residual and a 1x1 skip connection.
Causal: the output at note i reads notes i - receptive_field + 1 .. i only (note i's own features
include the gap to the next onset, one note of look-ahead). The head turns the summed skips into
two Gaussian mixtures per note: the onset offset (sixteenths) and the velocity (features.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from bridge.engines.groove.features import N_FEATURES


@dataclass
class GrooveConfig:
    n_features: int = N_FEATURES  # per-note inputs (features.py)
    channels: int = 64  # residual channels
    skip_channels: int = 64  # skip / head channels
    layers: int = 12  # gated layers
    cycle: int = 6  # dilations 1, 2, ..., 2^(cycle-1), then again: receptive field 1 + layers' sum
    kernel: int = 2  # WaveNet's kernel
    n_roles: int = 5
    n_styles: int = 1  # the groove styles; index n_styles is "any style" (condition dropout)
    cond_dim: int = 16  # role and style embedding size each
    mixtures: int = 3  # Gaussian components per predicted value
    dropout: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def receptive_field(self) -> int:
        return 1 + sum((self.kernel - 1) * 2 ** (i % self.cycle) for i in range(self.layers))


class GatedLayer(nn.Module):
    def __init__(self, c: int, skip: int, cond: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.pad = (kernel - 1) * dilation
        self.conv = nn.Conv1d(c, 2 * c, kernel, dilation=dilation)
        self.cond = nn.Linear(cond, 2 * c)
        self.res = nn.Conv1d(c, c, 1)
        self.skip = nn.Conv1d(c, skip, 1)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, c):
        # x: [B, C, T]; c: [B, cond]
        h = self.conv(F.pad(x, (self.pad, 0))) + self.cond(c).unsqueeze(-1)  # causal: pad the past only
        f, g = h.chunk(2, dim=1)
        z = self.drop(torch.tanh(f) * torch.sigmoid(g))
        return x + self.res(z), self.skip(z)


class GrooveNet(nn.Module):
    def __init__(self, cfg: GrooveConfig):
        super().__init__()
        self.cfg = cfg
        self.role = nn.Embedding(cfg.n_roles, cfg.cond_dim)
        self.style = nn.Embedding(cfg.n_styles + 1, cfg.cond_dim)
        cond = 2 * cfg.cond_dim + 1
        self.inp = nn.Conv1d(cfg.n_features, cfg.channels, 1)
        self.layers = nn.ModuleList(GatedLayer(cfg.channels, cfg.skip_channels, cond, cfg.kernel,
                                               2 ** (i % cfg.cycle), cfg.dropout) for i in range(cfg.layers))
        self.head1 = nn.Conv1d(cfg.skip_channels, cfg.skip_channels, 1)
        self.head2 = nn.Conv1d(cfg.skip_channels, 6 * cfg.mixtures, 1)

    def forward(self, x, role, style, tempo):
        # x: [B, T, F]; role, style: [B] int64; tempo: [B] float (features.py's scaled tempo)
        c = torch.cat([self.role(role), self.style(style), tempo.unsqueeze(-1)], dim=-1)  # [B, cond]
        h = self.inp(x.transpose(1, 2))  # [B, C, T]
        skips = 0
        for layer in self.layers:
            h, s = layer(h, c)
            skips = skips + s
        out = self.head2(F.relu(self.head1(F.relu(skips))))  # [B, 6K, T]
        return out.transpose(1, 2)  # [B, T, 6K]: offset (logits, mu, log sigma), velocity (the same)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def mixture_nll(block, y, k: int):
    """Negative log-likelihood of y [B, T] under the mixture in block [B, T, 3k] (per position)."""
    logits, mu, log_sigma = block[..., :k], block[..., k:2 * k], block[..., 2 * k:3 * k].clamp(-7.0, 3.0)
    z = (y.unsqueeze(-1) - mu) / log_sigma.exp()
    comp = -0.5 * z * z - log_sigma - 0.9189385332046727  # log N(y; mu, sigma)
    return -(torch.logsumexp(F.log_softmax(logits, -1) + comp, -1))


def groove_loss(out, y_off, y_vel, mask, vel_mask, k: int) -> dict:
    """Mean NLL of the offsets over real notes and of the velocities over notes whose part played
    velocities; the loss is their sum."""
    off = (mixture_nll(out[..., :3 * k], y_off, k) * mask).sum() / mask.sum().clamp(min=1)
    vm = mask * vel_mask
    vel = (mixture_nll(out[..., 3 * k:], y_vel, k) * vm).sum() / vm.sum().clamp(min=1)
    return {"offset": off, "velocity": vel, "loss": off + vel}


def mixture_mean(block, k: int):
    w = F.softmax(block[..., :k], -1)
    return (w * block[..., k:2 * k]).sum(-1)
