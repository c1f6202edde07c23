"""The MusicVAE-style network: a bidirectional GRU encoder over a window's event tokens to a
Gaussian latent, and an autoregressive GRU decoder over the same shared tokens conditioned on z
(its initial state, and concatenated to every input) and on the condition prefix (role, style,
mood, key, meter, tempo, density, bars: decoding/vocab.py).

    x:  [B, T]  decoder inputs (prefix + window bars), w: [B, Tw] the window's bar tokens alone

The decoder's step is written out as explicit gate arithmetic over nn.GRU's own weights
(`gru_step`), so training runs the fast fused nn.GRU while serving runs the same numbers as a
graph of MatMuls that ONNX Runtime quantizes to int8; the embedding and the z half of the input
projection are folded into tables (`step_tables`), so one step is a gather, one matmul for the
hidden state and one for the logits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

import bridge.engines.decoding.vocab as V

MASK = 7  # the vocabulary's spare special token: word dropout's stand-in (never a target)


@dataclass
class VAEConfig:
    vocab_size: int = V.VOCAB_SIZE
    d_emb: int = 128  # token embedding width (shared by encoder and decoder)
    enc_hidden: int = 256  # encoder GRU width per direction
    dec_hidden: int = 512  # decoder GRU width
    z_dim: int = 128  # latent size
    window_bars: int = 2  # bars a latent holds
    max_len: int = 320  # longest decoder sequence: prefix + window tokens + EOS
    dropout: float = 0.1  # on decoder outputs
    word_dropout: float = 0.25  # chance a decoder input token is MASK in training: the decoder must read z

    def to_dict(self) -> dict:
        return asdict(self)


class MusicVAE(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        self.cfg = cfg
        self.emb = nn.Embedding(cfg.vocab_size, cfg.d_emb)
        self.enc = nn.GRU(cfg.d_emb, cfg.enc_hidden, batch_first=True, bidirectional=True)
        self.to_mu = nn.Linear(2 * cfg.enc_hidden, cfg.z_dim)
        self.to_logvar = nn.Linear(2 * cfg.enc_hidden, cfg.z_dim)
        self.z_to_h = nn.Linear(cfg.z_dim, cfg.dec_hidden)
        self.dec = nn.GRU(cfg.d_emb + cfg.z_dim, cfg.dec_hidden, batch_first=True)
        self.drop = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.dec_hidden, cfg.vocab_size)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def encode(self, w: torch.Tensor, lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """w: [B, Tw] window tokens (PAD after `lengths`) -> mu, logvar [B, Z]."""
        e = self.emb(w)  # [B, Tw, d_emb]
        if lengths is not None:
            e = nn.utils.rnn.pack_padded_sequence(e, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h = self.enc(e)  # h: [2, B, enc_hidden] (forward's last, backward's first)
        h = torch.cat([h[0], h[1]], -1)  # [B, 2 * enc_hidden]
        return self.to_mu(h), self.to_logvar(h).clamp(-12.0, 8.0)

    def decode(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """x: [B, T] inputs, z: [B, Z] -> logits [B, T, V] (teacher forcing)."""
        if self.training and self.cfg.word_dropout > 0:
            drop = torch.rand(x.shape, device=x.device) < self.cfg.word_dropout
            drop[:, : V.PREFIX_LEN] = False  # the conditions are always read
            x = torch.where(drop, torch.full_like(x, MASK), x)
        e = self.emb(x)  # [B, T, d_emb]
        zz = z[:, None, :].expand(-1, x.shape[1], -1)  # [B, T, Z]
        h0 = torch.tanh(self.z_to_h(z))[None]  # [1, B, H]
        out, _ = self.dec(torch.cat([e, zz], -1), h0)  # [B, T, H]
        return self.head(self.drop(out))

    def forward(self, x, w, lengths, sample: bool = True):
        mu, logvar = self.encode(w, lengths)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if sample else mu
        return self.decode(x, z), mu, logvar

    # --- serving form: the same numbers, one step at a time -------------------------------
    def step_tables(self) -> dict:
        """The decoder folded for stepping: `tok` [V, 3H] (embedding through the input weights),
        `w_z` [Z, 3H] and `b_i` [3H] (z's share of the input gates, added once a window),
        `w_hh` [H, 3H], `b_hh` [3H], `w_zh` [Z, H], `b_zh` [H], `w_out` [H, V], `b_out` [V]."""
        d = self.cfg.d_emb
        w_ih = self.dec.weight_ih_l0  # [3H, d_emb + Z], gates r, z, n
        return {
            "tok": self.emb.weight @ w_ih[:, :d].T, "w_z": w_ih[:, d:].T.contiguous(), "b_i": self.dec.bias_ih_l0,
            "w_hh": self.dec.weight_hh_l0.T.contiguous(), "b_hh": self.dec.bias_hh_l0,
            "w_zh": self.z_to_h.weight.T.contiguous(), "b_zh": self.z_to_h.bias,
            "w_out": self.head.weight.T.contiguous(), "b_out": self.head.bias,
        }


def gru_step(gi: torch.Tensor, h: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor) -> torch.Tensor:
    """One GRU step given the input gates gi [R, 3H] (x W_ih + b_ih) and h [R, H] -> new h,
    exactly nn.GRU's rule (gate order r, z, n; the reset gate multiplies W_hn h + b_hn)."""
    gh = h @ w_hh + b_hh  # [R, 3H]
    H = h.shape[-1]
    r = torch.sigmoid(gi[:, :H] + gh[:, :H])
    u = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return (1 - u) * n + u * h


class DecoderInit(nn.Module):
    """z [R, Z] -> h0 [R, H], zc [R, 3H]: what a window's decoding starts from (exported to ONNX)."""

    def __init__(self, model: MusicVAE):
        super().__init__()
        t = model.step_tables()
        for k in ("w_z", "b_i", "w_zh", "b_zh"):
            self.register_buffer(k, t[k].detach().clone())

    def forward(self, z):
        return torch.tanh(z @ self.w_zh + self.b_zh), z @ self.w_z + self.b_i


class DecoderStep(nn.Module):
    """token [R], h [R, H], zc [R, 3H] -> logits [R, V], h [R, H] (exported to ONNX, int8)."""

    def __init__(self, model: MusicVAE):
        super().__init__()
        t = model.step_tables()
        self.w_hh = nn.Parameter(t["w_hh"].detach().clone())
        self.w_out = nn.Parameter(t["w_out"].detach().clone())
        for k in ("tok", "b_hh", "b_out"):
            self.register_buffer(k, t[k].detach().clone())

    def forward(self, token, h, zc):
        gi = F.embedding(token, self.tok) + zc  # [R, 3H]
        h = gru_step(gi, h, self.w_hh, self.b_hh)
        return h @ self.w_out + self.b_out, h


class Encoder(nn.Module):
    """tokens [1, T] -> mu [1, Z], logvar [1, Z] (exported to ONNX; one window, no padding)."""

    def __init__(self, model: MusicVAE):
        super().__init__()
        self.model = model

    def forward(self, w):
        return self.model.encode(w)


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)) per latent dimension: [B, Z] nats."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)
