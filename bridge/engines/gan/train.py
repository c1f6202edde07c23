"""Training the band GAN: a TOML config + a dataset folder -> a servable model folder.

    cadenza train --engine gan --config configs/gan-cpu.toml --data DATASET --out DIR --minutes 35

Each step draws a batch of real PHRASE_BARS-bar band crops (windows.py), then
  critic:    hinge loss  relu(1 - D(real)) + relu(1 + D(bin(G(z))))      (spectral norm on every layer)
  generator: -D(bin(G(z))), G(z) masked by the real batch's presence, under the real batch's conditions
where bin thresholds the roll at 0.5 with a straight-through gradient (`binarize`)
with Adam (beta1 0.5) at equal rates, and keeps an exponential moving average of the generator's
weights (what is served: a smoother generator than the last step's). Every `epoch_steps` steps it
reports both losses, the critic's mean score on real and fake, and the generated onset rate beside
the real one (a collapsed or silent generator shows there first), and checkpoints both networks;
`--from FOLDER` resumes from a folder's weights (the optimisers restart). At the end it calibrates
each track's onset and hold thresholds so the generated note and sounding rates match the
data's (`calibrate_folder` re-runs this on a folder), records the registers, exports the ONNX
generator (export.py) and writes the card.
"""

from __future__ import annotations

import collections
import copy
import json
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from bridge.data.dataset import Dataset
from bridge.engines.device import resolve_device
from bridge.engines.gan.model import Critic, GANConfig, Generator
from bridge.engines.gan.roll import HOLD, ONSET, PHRASE_BARS, SUPPORTED_METERS, TRACKS
from bridge.engines.gan.windows import BandConfig, BandSampler, bands, stack
from bridge.engines.trainkit import (user_file, budget_text, config_name, out_of_budget, piece_counts, read_config, resume_from,
                                     resumed_summary, resuming_line)

DEFAULT_CONFIG = Path(__file__).resolve().parents[3] / "configs" / "gan-cpu.toml"
G_WEIGHTS, D_WEIGHTS = "generator.safetensors", "critic.safetensors"
TRAIN_DEFAULTS = {
    "batch_size": 32,  # band crops a step
    "lr_g": 2e-4,  # generator learning rate (Adam)
    "lr_d": 2e-4,  # critic learning rate
    "betas": [0.5, 0.9],  # Adam betas, as for most GANs
    "ema": 0.999,  # generator weight average kept for serving (0: serve the last step's)
    "max_steps": 1_000_000,  # the time budget ends the run first
    "minutes": None,  # time budget (`cadenza train --minutes` overrides)
    "epoch_steps": 250,  # report + checkpoint this often
    "val_bands": 256,  # held-out crops for the report and the calibration
    "threads": 1,  # torch threads
    "seed": 0,
    "init_from": "",  # a model folder to resume from ("": from scratch)
}


def load_config(path) -> dict:
    """Read and validate a TOML config ([model], [train], [data]); unknown keys are refused."""
    cfg = read_config(path, {"model": {f.name for f in fields(GANConfig)} - {"n_styles"}, "train": set(TRAIN_DEFAULTS),
                             "data": {f.name for f in fields(BandConfig)}, "name": None, "description": None})
    return {"name": config_name(cfg, path), "model": cfg.get("model", {}),
            "data": BandConfig(**cfg.get("data", {})), "train": {**TRAIN_DEFAULTS, **cfg.get("train", {})}}


def noise(g: Generator, b: int, gen: torch.Generator | None = None, device="cpu"):
    """z_shared [b, Zs], z_track [b, K, Zt] ~ N(0, I)."""
    c = g.c
    return (torch.randn(b, c.z_shared, generator=gen, device=device),
            torch.randn(b, len(TRACKS), c.z_track, generator=gen, device=device))


def binarize(roll):
    """Deterministic binary neurons (Dong & Yang 2018): the critic sees the roll thresholded at 0.5,
    as real rolls are 0/1, and the generator's gradient passes straight through the threshold.
    Without it the critic tells real from fake by the in-between values alone (a first run here:
    critic loss 0.002 and a generator that never caught up after 500 steps)."""
    hard = (roll > 0.5).to(roll.dtype)
    return hard + roll - roll.detach() if roll.requires_grad else hard


def train(data_dir, out_dir, config=None, progress=None, minutes=None, device="auto", init_from=None) -> dict:
    """The registry's trainer (`cadenza train --engine gan [--from FOLDER]`); it draws its own
    progress bar, so `progress` is not called."""
    return train_gan(config, data_dir, out_dir, minutes=minutes, device=device, init_from=init_from)


def train_gan(config_path, data_dir, out_dir, minutes=None, device="auto", log=print, init_from=None,
              export: bool = True) -> dict:
    from tqdm import tqdm

    config_path = config_path or DEFAULT_CONFIG
    cfg = load_config(config_path)
    tc, dc = cfg["train"], cfg["data"]
    minutes = minutes if minutes is not None else tc["minutes"]
    device = resolve_device(device)
    torch.set_num_threads(int(tc["threads"]) or torch.get_num_threads())
    torch.manual_seed(tc["seed"])
    rng = np.random.default_rng(tc["seed"])
    ds = Dataset.load(data_dir)
    styles = list(ds.styles)
    mc = GANConfig(n_styles=len(styles), **cfg["model"])
    init_from = init_from or tc["init_from"]
    prev = {}
    if init_from:
        model_cfg, prev = resume_from(init_from, "gan", styles)
        mc = GANConfig(**model_cfg)
    all_bands = bands(ds)
    train_b = [b for b in all_bands if b.split == "train"]
    val_b = [b for b in all_bands if b.split == "val"] or train_b
    if not train_b:
        raise ValueError(f"{data_dir} has no 4/4 windows of {PHRASE_BARS}+ bars to train a band on")
    sampler, val_sampler = BandSampler(train_b, len(styles), dc), BandSampler(val_b, len(styles), dc)
    vk = np.random.default_rng(1234).choice(len(val_b), size=min(tc["val_bands"], len(val_b)), replace=False)
    val = stack([val_sampler.example(int(k), None) for k in vk])
    G, D = Generator(mc).to(device), Critic(mc).to(device)
    if init_from:
        G.load_state_dict(load_file(str(Path(init_from) / G_WEIGHTS)))
        D.load_state_dict(load_file(str(Path(init_from) / D_WEIGHTS)))
        log(resuming_line(init_from, prev))
    G_ema = copy.deepcopy(G).eval()
    for p in G_ema.parameters():
        p.requires_grad_(False)
    opt_g = torch.optim.Adam(G.parameters(), lr=tc["lr_g"], betas=tuple(tc["betas"]))
    opt_d = torch.optim.Adam(D.parameters(), lr=tc["lr_d"], betas=tuple(tc["betas"]))
    out = Path(out_dir)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    bs = tc["batch_size"]
    budget = budget_text(minutes, tc["max_steps"])
    log(f"training {cfg['name']}: generator {G.n_params() / 1e6:.2f}M, critic {D.n_params() / 1e6:.2f}M parameters "
        f"on {device}; {len(train_b)} train bands ({len(sampler.multi)} with 2+ tracks), {len(val[0])} val crops "
        f"of {PHRASE_BARS} bars; budget {budget}")
    t0 = time.time()
    step, epoch, history, stop = 0, 0, [], False
    while not stop:
        epoch += 1
        bar = tqdm(range(tc["epoch_steps"]), desc=f"epoch {epoch}", file=sys.stderr, leave=False,
                   dynamic_ncols=True, mininterval=2.0)
        run = []
        for _ in bar:
            roll, cond, pres = (torch.from_numpy(a).to(device) for a in sampler.batch(bs, rng))
            zs, zt = noise(G, bs, device=device)
            with torch.no_grad():
                fake = binarize(G(zs, zt, cond, pres))
            d_real, d_fake = D(roll, cond, pres), D(fake, cond, pres)
            loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            zs, zt = noise(G, bs, device=device)
            fake = binarize(G(zs, zt, cond, pres))
            loss_g = -D(fake, cond, pres).mean()
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            with torch.no_grad():
                decay = min(tc["ema"], (1 + step) / (10 + step))  # a short warm-up of the average
                for pe, p in zip(G_ema.parameters(), G.parameters()):
                    pe.lerp_(p, 1 - decay)
                for be, b_ in zip(G_ema.buffers(), G.buffers()):
                    be.copy_(b_)
            step += 1
            run.append((loss_d.item(), loss_g.item(), d_real.mean().item(), d_fake.mean().item()))
            r = np.mean(run[-20:], 0)
            bar.set_postfix(d=f"{r[0]:.3f}", g=f"{r[1]:.3f}")
            if out_of_budget(step, t0, minutes, tc["max_steps"]):
                stop = True
                break
        bar.close()
        r = np.mean(run, 0) if run else np.full(4, np.nan)
        v = _report(G_ema, D, val, device)
        history.append({"epoch": epoch, "step": step, "loss_d": round(float(r[0]), 4), "loss_g": round(float(r[1]), 4),
                        "d_real": round(float(r[2]), 3), "d_fake": round(float(r[3]), 3), **v,
                        "minutes": round((time.time() - t0) / 60, 2)})
        save_file(G_ema.state_dict(), str(out / G_WEIGHTS))
        user_file(out / G_WEIGHTS)
        save_file(D.state_dict(), str(out / D_WEIGHTS))
        user_file(out / D_WEIGHTS)
        save_file(G.state_dict(), str(out / "checkpoints" / "generator-last.safetensors"))
        user_file(out / "checkpoints" / "generator-last.safetensors")
        log(f"epoch {epoch} step {step}: loss d {r[0]:.3f} g {r[1]:.3f} | D real {r[2]:.2f} fake {r[3]:.2f} | "
            f"val D real {v['val_d_real']:.2f} fake {v['val_d_fake']:.2f} | onsets/step real {v['real_onsets']:.3f} "
            f"fake {v['fake_onsets']:.3f} [{(time.time() - t0) / 60:.1f} min]")
    thresholds, holds = calibrate(G_ema, val, device)
    summary = {
        "name": cfg["name"], "config": str(config_path), "device": device, "threads": torch.get_num_threads(),
        "generator_params": G.n_params(), "critic_params": D.n_params(), "steps": step, "epochs": epoch,
        "minutes": round((time.time() - t0) / 60, 2), "batch_size": bs, "bands_seen": step * bs,
        "loss": "hinge, spectral norm", "final": history[-1], "history": history,
        "data": _data_facts(ds, train_b, val_b),
    }
    if prev:
        summary.update(resumed_summary(prev, ("minutes", "steps", "device"), summary["minutes"], step))
    config = {
        "engine": "gan", "name": out.name, "model": mc.to_dict(), "weights": [G_WEIGHTS], "critic": D_WEIGHTS,
        "tracks": list(TRACKS), "styles": styles, "meters": list(SUPPORTED_METERS), "phrase_bars": PHRASE_BARS,
        "onset_threshold": thresholds, "hold_threshold": holds, "keys_by_style": _keys_by_style(train_b, styles),
        "registers": registers(train_b),
        "cpu_runtime": "torch", "training": summary,
    }
    (out / "config.json").write_text(json.dumps(config, indent=1))
    if export:
        from bridge.engines.gan.export import export_folder

        export_folder(out)
    from bridge.engines.gan.card import write_card

    write_card(out)
    f = history[-1]
    log(f"done: {step} steps, {epoch} epochs, {summary['minutes']} min on {device}; loss d {f['loss_d']} g "
        f"{f['loss_g']}; onset thresholds {thresholds}, hold {holds}; model folder {out}")
    return {k: v for k, v in summary.items() if k != "history"}


@torch.no_grad()
def _fakes(G, val, device, seed: int = 99):
    roll, cond, pres = (torch.from_numpy(a).to(device) for a in val)
    gen = torch.Generator(device=device).manual_seed(seed)
    zs, zt = noise(G, len(roll), gen, device)
    G.eval()
    fake = G(zs, zt, cond, pres)
    return roll, cond, pres, fake


@torch.no_grad()
def _report(G, D, val, device) -> dict:
    """The critic's mean score on held-out real crops and on fakes under their conditions, and the
    onset rate (onsets a step of a present track) of both: real, and fake thresholded at 0.5."""
    roll, cond, pres, fake = _fakes(G, val, device)
    n = pres.sum().clamp(min=1) * roll.shape[3]
    return {"val_d_real": round(D(roll, cond, pres).mean().item(), 3),
            "val_d_fake": round(D(binarize(fake), cond, pres).mean().item(), 3),
            "real_onsets": round(roll[:, :, ONSET].sum().item() / n.item(), 4),
            "fake_onsets": round((fake[:, :, ONSET] > 0.5).sum().item() / n.item(), 4),
            "fake_hold_mean": round(fake[:, :, HOLD].mean().item(), 4)}


@torch.no_grad()
def calibrate(G, val, device) -> tuple[dict, dict]:
    """Each track's onset and hold thresholds: the quantiles of the generator's ONSET and HOLD
    probabilities (over val crops that have the track) at which its onset rate and its sounding
    rate equal the real crops' (0.5, the training threshold, when the val crops never hold the
    track), clipped to 0.3-0.7 so they stay near the threshold the critic judged."""
    roll, cond, pres, fake = _fakes(G, val, device, seed=7)
    out: dict = {"onset": {}, "hold": {}}
    for t, name in enumerate(TRACKS):
        have = pres[:, t] > 0
        for ch, key in ((ONSET, "onset"), (HOLD, "hold")):
            if not have.any():
                out[key][name] = 0.5
                continue
            rate = roll[have, t, ch].mean().item()
            probs = fake[have, t, ch].flatten().cpu().numpy()
            out[key][name] = round(float(np.clip(np.quantile(probs, 1 - rate), 0.3, 0.7)), 4)
    return out["onset"], out["hold"]


def calibrate_folder(folder: Path, data_dir, val_bands: int = 256) -> dict:
    """Re-run the end of training on a model folder: the thresholds (calibrate) over the dataset's
    val crops (drawn as training draws them) and the registers; written into config.json.

        python -m bridge.engines.gan.train FOLDER DATASET
    """
    from bridge.engines.gan.export import read_generator

    folder = Path(folder)
    cfg = json.loads((folder / "config.json").read_text())
    ds = Dataset.load(data_dir)
    all_bands = bands(ds)
    train_b = [b for b in all_bands if b.split == "train"]
    val_b = [b for b in all_bands if b.split == "val"] or train_b
    sampler = BandSampler(val_b, len(ds.styles), BandConfig())
    vk = np.random.default_rng(1234).choice(len(val_b), size=min(val_bands, len(val_b)), replace=False)
    val = stack([sampler.example(int(k), None) for k in vk])
    onset, hold = calibrate(read_generator(folder), val, "cpu")
    cfg.update({"onset_threshold": onset, "hold_threshold": hold, "registers": registers(train_b)})
    (folder / "config.json").write_text(json.dumps(cfg, indent=1))
    return {"onset_threshold": onset, "hold_threshold": hold, "registers": cfg["registers"]}


def registers(train_b, lo_q: float = 5, hi_q: float = 95) -> dict:
    """Each pitched track's register over the training bands (in C): the lo_q-th and hi_q-th
    percentiles of its notes' pitches. Extraction damps pitches outside it (extract.register_weights)."""
    out = {}
    for t, name in enumerate(TRACKS):
        if name == "drums":
            continue
        ps = np.concatenate([b.parts[t][:, 2] for b in train_b if b.parts[t] is not None and len(b.parts[t])] or
                            [np.zeros(0, dtype=np.int32)])
        if len(ps):
            out[name] = [int(np.percentile(ps, lo_q)), int(np.percentile(ps, hi_q))]
    return out


def _keys_by_style(train_b, styles) -> dict:
    """Counts of the 2 modes per style over the training bands ("" : all): what a request without a
    key draws its mode from (the tonic is the request's, else drawn uniformly)."""
    out: dict = {"": [0, 0]}
    for b in train_b:
        for s in (styles[b.style], ""):
            out.setdefault(s, [0, 0])[b.mode] += 1
    return out


def _data_facts(ds: Dataset, train_b, val_b) -> dict:
    used = {b.piece for b in train_b}
    src, lic = piece_counts(ds, used)
    shapes = collections.Counter("+".join(t for t, p in zip(TRACKS, b.parts) if p is not None) for b in train_b)
    return {"dataset": ds.manifest.get("name", ds.folder.name), "path": str(ds.folder),
            "train_clips": int(sum(int(b.presence.sum()) for b in train_b)), "val_clips": len(val_b),
            "train_bands": len(train_b), "train_pieces": len(used), "sources": src, "licences": lic,
            "band_shapes": dict(shapes.most_common(8))}


if __name__ == "__main__":
    print(calibrate_folder(Path(sys.argv[1]), sys.argv[2]))
