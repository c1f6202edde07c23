"""The band GAN (MuseGAN's hybrid design, Dong et al. 2018, made small): a generator that writes
four tracks of a PHRASE_BARS-bar piano-roll in one forward pass, and a critic that sees all of them.

Generator: a shared latent (the band's "what happens") and one latent per track (each part's
own choices) plus the conditions. A shared trunk turns z_shared + conditions into bar, then beat
features over 7 octave slots; each track's private branch (grouped convolutions: the four
branches are one einsum each) adds its own latent, upsamples beats to sixteenths and unfolds each octave
slot into 12 pitches. Two channels a track: HOLD = sigmoid(a), ONSET = sigmoid(b) * HOLD.
Absent tracks (the presence mask, a condition) are zeroed.

Critic (hinge loss, spectral norm on every layer): a per-track stream (each part's own rhythm
and register) and a joint chroma stream (all tracks' pitch classes together, which is
where "the bass plays the chord's root" can be seen), merged and pooled over time, plus a
projection of the conditions (Miyato & Koyama 2018).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm

from bridge.engines.gan.roll import N_PITCH, PHRASE_BARS, STEPS_PER_BAR, STEPS_PER_BEAT, TRACKS
from bridge.engines.gan.windows import N_DENSITIES, N_MODES, N_MOODS, N_TEMPI

K = len(TRACKS)
OCTAVES = N_PITCH // 12


@dataclass
class GANConfig:
    n_styles: int = 21  # named styles (index n_styles is "any")
    z_shared: int = 64  # the band's latent
    z_track: int = 32  # each track's own latent
    d_cond: int = 16  # width of each condition's embedding
    g_trunk: int = 128  # generator trunk channels
    g_track: int = 32  # channels of each track's branch
    d_track: int = 32  # critic channels of each track's stream
    d_chroma: int = 64  # critic channels of the joint chroma stream
    d_hidden: int = 128  # critic channels after merging

    def to_dict(self) -> dict:
        return asdict(self)


class Conditions(nn.Module):
    """style, mode, tempo bucket, density bucket, mood (each with an "any" index) + presence -> a vector."""

    def __init__(self, c: GANConfig):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(n + 1, c.d_cond) for n in
                                    (c.n_styles, N_MODES, N_TEMPI, N_DENSITIES, N_MOODS))
        self.width = 5 * c.d_cond + K

    def forward(self, cond, presence):  # cond: [B, 5] int64, presence: [B, K] -> [B, width]
        return torch.cat([t(cond[:, i]) for i, t in enumerate(self.tables)] + [presence], 1)


class TrackLinear(nn.Module):
    """Each track's own linear map over channels x a kernel, as one einsum (grouped convolutions
    are several times slower on the CPU): weight [K, c_in * k_in, c_out * k_out]."""

    def __init__(self, c_in: int, c_out: int, k_in: int = 1, k_out: int = 1):
        super().__init__()
        self.c_out, self.k_out = c_out, k_out
        self.weight = nn.Parameter(torch.randn(K, c_in * k_in, c_out * k_out) / (c_in * k_in) ** 0.5)
        self.bias = nn.Parameter(torch.zeros(K, 1, c_out, 1))

    def forward(self, x):  # x: [B, K, N, c_in * k_in] -> [B, K, N, c_out, k_out] (+ bias per c_out)
        y = torch.einsum("bkni,kio->bkno", x, self.weight)
        return y.view(*y.shape[:3], self.c_out, self.k_out) + self.bias


class Generator(nn.Module):
    def __init__(self, c: GANConfig):
        super().__init__()
        self.c = c
        self.cond = Conditions(c)
        tr, tk = c.g_trunk, c.g_track
        self.fc = nn.Linear(c.z_shared + self.cond.width, tr * PHRASE_BARS * OCTAVES)  # -> [tr, bars, 7]
        self.bn0 = nn.BatchNorm2d(tr)
        self.beats_per_bar = STEPS_PER_BAR // STEPS_PER_BEAT
        self.up_beats = nn.ConvTranspose2d(tr, tr, (self.beats_per_bar, 1), (self.beats_per_bar, 1))  # bars -> beats
        self.bn1 = nn.BatchNorm2d(tr)
        self.zt = nn.Linear(c.z_track, tk)  # a track's latent -> channels broadcast over beats x octaves
        self.track_in = TrackLinear(tr + tk, tk)  # each track reads the trunk and its own latent
        self.bn2 = nn.BatchNorm2d(K * tk)
        self.up_steps = TrackLinear(tk, tk, k_out=STEPS_PER_BEAT)  # beat -> its 4 sixteenths
        self.bn3 = nn.BatchNorm2d(K * tk)
        self.to_pitch = TrackLinear(tk, 2, k_out=12)  # octave slot -> 12 pitches, 2 channels

    def forward(self, z_shared, z_track, cond, presence):
        """z_shared [B, Zs], z_track [B, K, Zt], cond [B, 5] int64, presence [B, K] ->
        roll [B, K, 2, T, P] in 0..1 (T = PHRASE_BARS * STEPS_PER_BAR, P = N_PITCH)."""
        b, c = z_shared.shape[0], self.c
        tr, tk = c.g_trunk, c.g_track
        h = self.fc(torch.cat([z_shared, self.cond(cond, presence)], 1))
        h = F.relu(self.bn0(h.view(b, tr, PHRASE_BARS, OCTAVES)))  # [B, tr, bars, 7]
        h = F.relu(self.bn1(self.up_beats(h)))  # [B, tr, beats, 7]
        beats = h.shape[2]
        n = beats * OCTAVES
        h = h.reshape(b, 1, tr, n).transpose(2, 3).expand(b, K, n, tr)  # [B, K, beats*7, tr]
        zt = self.zt(z_track)[:, :, None, :].expand(b, K, n, tk)  # [B, K, beats*7, tk]
        x = self.track_in(torch.cat([h, zt], 3))  # [B, K, beats*7, tk, 1]
        x = F.relu(self.bn2(x.view(b, K, beats, OCTAVES, tk).permute(0, 1, 4, 2, 3).reshape(b, K * tk, beats, OCTAVES)))
        x = x.view(b, K, tk, n).transpose(2, 3)  # [B, K, beats*7, tk]
        x = self.up_steps(x)  # [B, K, beats*7, tk, 4]
        steps = beats * STEPS_PER_BEAT
        x = x.view(b, K, beats, OCTAVES, tk, STEPS_PER_BEAT).permute(0, 1, 4, 2, 5, 3).reshape(b, K * tk, steps, OCTAVES)
        x = F.relu(self.bn3(x))  # [B, K*tk, steps, 7]
        x = x.view(b, K, tk, steps * OCTAVES).transpose(2, 3)  # [B, K, steps*7, tk]
        x = self.to_pitch(x)  # [B, K, steps*7, 2, 12]
        x = x.view(b, K, steps, OCTAVES, 2, 12).permute(0, 1, 4, 2, 3, 5).reshape(b, K, 2, steps, N_PITCH)
        hold = torch.sigmoid(x[:, :, 0])
        onset = torch.sigmoid(x[:, :, 1]) * hold
        return torch.stack([hold, onset], 2) * presence[:, :, None, None, None]

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


class Critic(nn.Module):
    def __init__(self, c: GANConfig):
        super().__init__()
        sn = spectral_norm
        dt, dc, dh = c.d_track, c.d_chroma, c.d_hidden
        self.cond = Conditions(c)
        # Strided kernels as linear maps over channels-last views (a strided convolution's backward
        # is slow on the CPU). Per-track stream: every track through the same note detectors, kept
        # apart as channels when merged.
        self.t_pitch = sn(nn.Linear(2 * 12, dt))  # an octave of both channels
        self.t_time = sn(nn.Linear(STEPS_PER_BEAT * dt, dt))  # a beat's sixteenths
        self.t_oct = sn(nn.Linear(OCTAVES * dt, dt))  # all octaves
        # joint chroma stream: every track's pitch classes at every step together
        self.c_pitch = sn(nn.Linear(K * 2 * 12, dc))
        self.c_time = sn(nn.Linear(STEPS_PER_BEAT * dc, dc))
        self.merge = sn(nn.Conv1d(K * dt + dc, dh, 3, padding=1))  # over beats
        self.down1 = sn(nn.Conv1d(dh, dh, 4, 4))  # beats -> bars
        self.down2 = sn(nn.Conv1d(dh, dh, PHRASE_BARS))  # bars -> 1
        self.out = sn(nn.Linear(dh, 1))
        self.proj = sn(nn.Linear(self.cond.width, dh))

    def forward(self, roll, cond, presence):
        """roll [B, K, 2, T, P] (absent tracks zero), cond [B, 5], presence [B, K] -> score [B]."""
        b, _, _, t, _ = roll.shape
        beats = t // STEPS_PER_BEAT
        lr = lambda x: F.leaky_relu(x, 0.2)
        x = roll.reshape(b, K, 2, t, OCTAVES, 12).permute(0, 1, 3, 4, 2, 5)  # [B, K, T, 7, 2, 12]
        a = lr(self.t_pitch(x.reshape(b, K, t, OCTAVES, 24)))  # [B, K, T, 7, dt]
        a = a.reshape(b, K, beats, STEPS_PER_BEAT, OCTAVES, -1).transpose(3, 4).reshape(b, K, beats, OCTAVES, -1)
        a = lr(self.t_time(a))  # [B, K, beats, 7, dt]
        a = lr(self.t_oct(a.reshape(b, K, beats, -1)))  # [B, K, beats, dt]
        a = a.permute(0, 1, 3, 2).reshape(b, -1, beats)  # [B, K*dt, beats]
        chroma = x.sum(3).permute(0, 2, 1, 3, 4).reshape(b, t, K * 24)  # [B, T, K*2*12]
        ch = lr(self.c_pitch(chroma)).reshape(b, beats, -1)  # [B, beats, 4*dc]
        ch = lr(self.c_time(ch)).transpose(1, 2)  # [B, dc, beats]
        h = lr(self.merge(torch.cat([a, ch], 1)))
        h = lr(self.down1(h))
        h = lr(self.down2(h)).flatten(1)  # [B, dh]
        return self.out(h).squeeze(1) + (self.proj(self.cond(cond, presence)) * h).sum(1)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())
