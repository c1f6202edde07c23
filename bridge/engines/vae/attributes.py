"""Latent attribute vectors (MusicVAE's "attribute arithmetic"): the mean latent of training
windows that have an attribute minus the mean of those without, stored as attributes.safetensors.

- mood.<m>: mean mu of windows labelled mood m minus the mean mu of all windows (happy, tense,
  sad, calm: the dataset's Russell-quadrant labels).
- density: mean mu of the top quartile of notes per beat minus that of the bottom quartile.
- register: the same for mean pitch (pitched roles only).
- prior.mean / prior.std, and group.<role>.<style> / groupstd.<role>.<style>: the mean and spread of
  mu over all windows and over each (role, style) with at least MIN_GROUP windows. With free bits
  the encoder's aggregate posterior is not N(0, I), so generate samples from the group's Gaussian
  (the asked role and style) instead of the nominal prior.

How requests use them (docs/ENGINES.md): `mood m` adds 2 * strength * mood.<m> (at the default
strength 0.5, one whole vector: from the average window to the average window of that mood);
`density d` adds strength * (2d - 1) * density (d 0.5 moves nothing, 1 at strength 0.5 moves
half-way from the bottom to the top quartile's mean).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bridge.engines.trainkit import user_file
from bridge.music.theory import MOODS

FILE = "attributes.safetensors"
MIN_GROUP = 16  # windows a (role, style) needs for its own latent mean and spread
MOOD_SCALE = 2.0  # mood m moves z by MOOD_SCALE * strength * mood.<m>
DENSITY_SCALE = 1.0  # density d moves z by DENSITY_SCALE * strength * (2d - 1) * density


def attribute_vectors(model, maker, count: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Encode up to `count` unaugmented training windows and return the vectors ([Z] float32 each)
    with their window counts as "n.<name>" ([1] arrays)."""
    import torch

    from bridge.data.dataset import COL
    from bridge.music.theory import ROLES

    mus, moods, dens, pitch, pitched, groups = [], [], [], [], [], []
    idx = rng.permutation(maker.usable["train"])[: count]
    with torch.no_grad():
        batch = []
        for i in idx:
            st = maker.starts(int(i))
            w = maker.window(int(i), st[int(rng.integers(0, len(st)))], None)
            if w is None:
                continue
            batch.append(w)
            row = maker.ds.clips[w.clip]
            moods.append(int(row[COL["mood"]]))
            bpb = maker.n * _beats(row)
            dens.append(len(w.notes) / bpb)
            pitch.append(float(w.notes[:, 2].mean()))
            pitched.append(ROLES[row[COL["role"]]] != "drums")
            groups.append(f"{ROLES[row[COL['role']]]}.{maker.ds.styles[row[COL['style']]]}")
        for k in range(0, len(batch), 128):
            part = batch[k : k + 128]
            tw = max(len(w.enc) for w in part)
            arr = np.zeros((len(part), tw), dtype=np.int64)
            for r, w in enumerate(part):
                arr[r, : len(w.enc)] = w.enc
            mu, _ = model.encode(torch.from_numpy(arr), torch.tensor([len(w.enc) for w in part]))
            mus.append(mu.numpy())
    mu = np.concatenate(mus).astype(np.float32)  # [N, Z]
    moods, dens, pitch, pitched = map(np.asarray, (moods, dens, pitch, pitched))
    out, mean = {}, mu.mean(0)
    out["prior.mean"], out["prior.std"] = mean, mu.std(0)
    groups = np.asarray(groups)
    for g in np.unique(groups):  # where each (role, style) lives in the latent: generate samples there
        sel = groups == g
        if sel.sum() >= MIN_GROUP:
            out[f"group.{g}"], out[f"groupstd.{g}"] = mu[sel].mean(0), mu[sel].std(0)
    for m, name in enumerate(MOODS):
        sel = moods == m
        if sel.sum() >= 8:
            out[f"mood.{name}"] = mu[sel].mean(0) - mean
            out[f"n.mood.{name}"] = np.array([sel.sum()], dtype=np.float32)
    for name, val, sel in (("density", dens, np.ones(len(mu), bool)), ("register", pitch, pitched)):
        v = val[sel]
        lo, hi = np.quantile(v, 0.25), np.quantile(v, 0.75)
        top, bot = sel & (val >= hi), sel & (val <= lo)
        out[name] = mu[top].mean(0) - mu[bot].mean(0)
        out[f"n.{name}"] = np.array([min(top.sum(), bot.sum())], dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def _beats(row) -> float:
    from bridge.data.dataset import COL
    from bridge.music.theory import Meter

    return Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]])).beats_per_bar


def save_attributes(attrs: dict, folder: Path) -> Path:
    from safetensors.numpy import save_file

    path = Path(folder) / FILE
    save_file(attrs, str(path))
    user_file(path)
    return path


def load_attributes(folder: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    path = Path(folder) / FILE
    return load_file(str(path)) if path.is_file() else {}


def prior(attrs: dict, role: str, style: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(mean, std) [Z] of the latents of `role` windows in `style` (else of all windows), or None
    for a model trained before these were stored (generate then samples N(0, I))."""
    for m, s in ((f"group.{role}.{style}", f"groupstd.{role}.{style}"), ("prior.mean", "prior.std")):
        if m in attrs and s in attrs:
            return attrs[m], attrs[s]
    return None


def shift(attrs: dict, mood: str | None, density: float | None, strength: float) -> np.ndarray | None:
    """The latent move a request's mood and density ask for ([Z]), or None when neither is given
    (or the model has no vectors for them)."""
    move = None
    if mood is not None and f"mood.{mood}" in attrs:
        move = MOOD_SCALE * strength * attrs[f"mood.{mood}"]
    if density is not None and "density" in attrs:
        d = DENSITY_SCALE * strength * (2.0 * float(density) - 1.0) * attrs["density"]
        move = d if move is None else move + d
    return move
