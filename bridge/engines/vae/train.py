"""Training the VAE: a TOML config + a dataset folder -> a servable model folder.

    cadenza train --engine vae --config configs/vae-cpu.toml --data DATASET --out DIR --minutes 35

Each step draws a batch of random `window_bars`-bar windows (bridge/engines/vae/windows.py),
encodes them, samples z, and decodes with teacher forcing. The loss per window is
recon (token cross-entropy, summed over the window) + beta * KL, with KL annealed from 0 to
`beta` over `anneal_steps` and free bits (`free_bits` nats spread over the dimensions: a
dimension under its share costs nothing, so the optimiser has no reason to close it). Each epoch
(`epoch_steps` steps) reports the validation recon and KL, saves a checkpoint and keeps the best;
at the end it measures the KL of each latent dimension and the attribute vectors
(attributes.py), exports the ONNX graphs (export.py) and writes the model card.
"""

from __future__ import annotations

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
from bridge.music.theory import MOODS, ROLES
import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.tokenizer import TokenizerConfig
from bridge.engines.device import resolve_device
from bridge.engines.trainkit import (user_file, budget_text, config_json, config_name, data_facts, out_of_budget, prior_steps,
                                     read_config, resume_from, resumed_summary, resuming_line, spent, data_defaults,
                                     warmup_cosine)
from bridge.engines.vae.model import MusicVAE, VAEConfig, kl_per_dim
from bridge.engines.vae.windows import WindowConfig, WindowMaker, collate

DEFAULT_CONFIG = Path(__file__).resolve().parents[3] / "configs" / "vae-cpu.toml"
WEIGHTS = "model.safetensors"
TRAIN_DEFAULTS = {
    "batch_size": 64,  # windows a step
    "lr": 2e-3,  # peak learning rate (warmup, then cosine to min_lr_ratio)
    "min_lr_ratio": 0.1,
    "warmup_steps": 50,
    "max_steps": 100_000,  # the time budget ends the run first
    "minutes": None,  # time budget (`cadenza train --minutes` overrides)
    "epoch_steps": 200,  # validate + checkpoint this often
    "val_windows": 512,  # fixed unaugmented validation windows
    "grad_clip": 1.0,
    "beta": 0.3,  # KL weight after annealing
    "anneal_steps": 800,  # KL weight ramps 0 -> beta over these steps
    "free_bits": 48.0,  # nats of KL per window that cost nothing (spread evenly over z_dim)
    "attribute_windows": 6000,  # training windows encoded for the attribute vectors
    "threads": 1,  # torch threads
    "seed": 0,
    "init_from": "",  # a model folder to resume from ("" : from scratch)
}


def load_config(path) -> dict:
    """Read and validate a TOML config ([model], [train], [data]); unknown keys are refused."""
    cfg = read_config(path, {"model": {f.name for f in fields(VAEConfig)} - {"vocab_size"}, "train": set(TRAIN_DEFAULTS),
                             "data": {f.name for f in fields(WindowConfig)}, "name": None, "description": None})
    model = VAEConfig(**cfg.get("model", {}))
    if not 1 <= model.window_bars <= 4:
        raise ValueError(f"{path}: model.window_bars must be 1-4, got {model.window_bars}")
    data = WindowConfig(**cfg.get("data", {}))
    data.transpose = tuple(data.transpose)
    return {"name": config_name(cfg, path), "model": model, "data": data,
            "train": {**TRAIN_DEFAULTS, **cfg.get("train", {})}}


def vae_loss(model, x, y, w, lengths, beta: float, free_bits: float, sample: bool = True) -> dict:
    """recon (nats a window), kl (nats a window), the free-bits KL actually charged, and the loss."""
    logits, mu, logvar = model(x, w, lengths, sample=sample)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=V.PAD,
                         reduction="sum") / x.shape[0]
    kl_d = kl_per_dim(mu, logvar).mean(0)  # [Z]: nats a window, per dimension
    charged = torch.clamp(kl_d, min=free_bits / kl_d.numel()).sum()
    return {"recon": ce, "kl": kl_d.sum(), "loss": ce + beta * charged, "kl_d": kl_d,
            "tokens": int((y != V.PAD).sum())}


@torch.no_grad()
def evaluate(model, batches, device) -> dict:
    model.eval()
    rec = kl = n = tok = 0.0
    kl_d = None
    for x, y, w, ln in batches:
        t = [torch.from_numpy(a).to(device) for a in (x, y, w)]
        out = vae_loss(model, *t, torch.from_numpy(ln), 0.0, 0.0, sample=False)
        b = x.shape[0]
        rec, kl, n, tok = rec + out["recon"].item() * b, kl + out["kl"].item() * b, n + b, tok + out["tokens"]
        kl_d = out["kl_d"] * b if kl_d is None else kl_d + out["kl_d"] * b
    model.train()
    return {"recon": rec / n, "kl": kl / n, "recon_per_token": rec / max(tok, 1), "kl_d": (kl_d / n).cpu().numpy()}


def train(data_dir, out_dir, config=None, progress=None, minutes=None, device="auto", init_from=None) -> dict:
    """The registry's trainer (`cadenza train --engine vae [--from FOLDER]`); it shows its own
    progress bar, so `progress` is not called."""
    return train_vae(config, data_dir, out_dir, minutes=minutes, device=device, init_from=init_from)


def train_vae(config_path, data_dir, out_dir, minutes=None, device="auto", log=print, init_from=None,
              export: bool = True) -> dict:
    from tqdm import tqdm

    config_path = config_path or DEFAULT_CONFIG
    cfg = load_config(config_path)
    tc, mc, dc = cfg["train"], cfg["model"], cfg["data"]
    minutes = minutes if minutes is not None else tc["minutes"]
    device = resolve_device(device)
    torch.set_num_threads(int(tc["threads"]) or torch.get_num_threads())
    torch.manual_seed(tc["seed"])
    rng = np.random.default_rng(tc["seed"])
    ds = Dataset.load(data_dir)
    styles = list(ds.styles)
    init_from = init_from or tc["init_from"]
    prev = {}
    if init_from:
        model_cfg, prev = resume_from(init_from, "vae", styles, prefix=True)
        mc = VAEConfig(**model_cfg)
    if len(styles) > V.NAMED_STYLES:
        raise ValueError(f"the dataset has {len(styles)} styles; the vocabulary holds {V.NAMED_STYLES}")
    maker = WindowMaker(ds, styles, mc.window_bars, mc.max_len, dc)
    train_idx = maker.usable["train"]
    val_split = "val" if len(maker.usable["val"]) else "train"
    if not len(train_idx):
        raise ValueError(f"{data_dir} has no usable training clips")
    val = maker.fixed(val_split, tc["val_windows"])
    bs = tc["batch_size"]
    val_batches = [collate(val[k : k + bs]) for k in range(0, len(val), bs)]
    model = MusicVAE(mc)
    if init_from:
        model.load_state_dict(load_file(str(Path(init_from) / WEIGHTS)))
        log(resuming_line(init_from, prev))
    model = model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=tc["lr"], betas=(0.9, 0.99), weight_decay=0.0)
    out = Path(out_dir)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    TokenizerConfig(styles=styles).save(out / "tokenizer.json")
    step0 = prior_steps(prev)  # annealing continues where it stopped
    budget = budget_text(minutes, tc["max_steps"])
    log(f"training {cfg['name']}: {model.n_params() / 1e6:.2f}M parameters on {device}; "
        f"{len(train_idx)} train clips, {len(val)} val windows of {mc.window_bars} bars; "
        f"budget {budget}")
    t0 = time.time()
    step, epoch, best, history, stop, pool = 0, 0, float("inf"), [], False, []
    while not stop:
        epoch += 1
        bar = tqdm(range(tc["epoch_steps"]), desc=f"epoch {epoch}", file=sys.stderr, leave=False,
                   dynamic_ncols=True, mininterval=2.0)
        run = []
        for _ in bar:
            if not pool:
                pool = _bucketed(maker, train_idx, bs, rng)
            x, y, w, ln = collate(pool.pop())
            lr = warmup_cosine(tc, step, spent(step, t0, minutes, tc["max_steps"]))
            for g in opt.param_groups:
                g["lr"] = lr
            beta = tc["beta"] * min(1.0, (step0 + step) / max(1, tc["anneal_steps"]))
            o = vae_loss(model, *(torch.from_numpy(a).to(device) for a in (x, y, w)), torch.from_numpy(ln),
                         beta, tc["free_bits"])
            opt.zero_grad(set_to_none=True)
            o["loss"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), tc["grad_clip"])
            opt.step()
            step += 1
            run.append((o["recon"].item(), o["kl"].item(), o["loss"].item()))
            r = np.mean(run[-20:], 0)
            bar.set_postfix(recon=f"{r[0]:.2f}", kl=f"{r[1]:.1f}", beta=f"{beta:.2f}")
            if out_of_budget(step, t0, minutes, tc["max_steps"]):
                stop = True
                break
        bar.close()
        v = evaluate(model, val_batches, device)
        r = np.mean(run, 0) if run else np.full(3, np.nan)
        history.append({"epoch": epoch, "step": step, "train_recon": round(float(r[0]), 3),
                        "train_kl": round(float(r[1]), 3), "val_recon": round(v["recon"], 3),
                        "val_kl": round(v["kl"], 3), "val_recon_per_token": round(v["recon_per_token"], 4),
                        "minutes": round((time.time() - t0) / 60, 2)})
        score = v["recon"] + v["kl"]  # the ELBO's negative at beta 1: the model's held-out cost
        saved = ""
        if score < best:
            best, saved = score, " (best: saved)"
            save_file(model.state_dict(), str(out / WEIGHTS))
            user_file(out / WEIGHTS)
            (out / "kl_per_dim.json").write_text(json.dumps([round(float(k), 4) for k in v["kl_d"]]))
        save_file(model.state_dict(), str(out / "checkpoints" / f"epoch{epoch:04d}.safetensors"))
        user_file(out / "checkpoints" / f"epoch{epoch:04d}.safetensors")
        for old in sorted((out / "checkpoints").glob("epoch*.safetensors"))[:-2]:
            old.unlink()
        log(f"epoch {epoch} step {step}: train recon {r[0]:.2f} kl {r[1]:.1f} | val recon {v['recon']:.2f} "
            f"({v['recon_per_token']:.3f}/token) kl {v['kl']:.1f}{saved} [{(time.time() - t0) / 60:.1f} min]")
    model.load_state_dict(load_file(str(out / WEIGHTS)))
    model.eval()
    kl_d = np.array(json.loads((out / "kl_per_dim.json").read_text()))
    summary = {
        "name": cfg["name"], "config": str(config_path), "device": device, "threads": torch.get_num_threads(),
        "params": model.n_params(), "steps": step, "epochs": epoch, "minutes": round((time.time() - t0) / 60, 2),
        "batch_size": bs, "windows_seen": step * bs, "best_val": round(best, 3),
        "beta": tc["beta"], "free_bits": tc["free_bits"], "anneal_steps": tc["anneal_steps"],
        "final": history[-1], "history": history,
        "kl_per_dim": {"mean": round(float(kl_d.mean()), 4), "active_dims": int((kl_d > 0.05).sum()),
                       "of": int(len(kl_d)), "max": round(float(kl_d.max()), 3),
                       "min": round(float(kl_d.min()), 4)},
        "data": data_facts(ds, train_idx, maker.usable["val"]),
    }
    if prev:
        summary.update(resumed_summary(prev, ("minutes", "steps", "best_val", "device"), summary["minutes"], step))
    config = {
        "engine": "vae", "name": out.name, "model": mc.to_dict(), "weights": [WEIGHTS],
        "tokenizer": "tokenizer.json", "attributes": "attributes.safetensors", "styles": styles,
        "roles": list(ROLES), "moods": list(MOODS), **data_defaults(ds, train_idx),
        "cpu_runtime": "torch", "training": summary,
    }
    (out / "config.json").write_text(config_json(config))
    from bridge.engines.vae.attributes import attribute_vectors, save_attributes

    attrs = attribute_vectors(model, maker, tc["attribute_windows"], np.random.default_rng(7))
    save_attributes(attrs, out)
    if export:
        from bridge.engines.vae.export import export_folder

        export_folder(out, windows=[w.seq for w in val[:24]])
    from bridge.engines.vae.card import write_card

    write_card(out)
    log(f"done: {step} steps, {epoch} epochs, {summary['minutes']} min on {device}; best val recon+KL {best:.2f}; "
        f"KL per dim mean {summary['kl_per_dim']['mean']} ({summary['kl_per_dim']['active_dims']} of "
        f"{len(kl_d)} dims above 0.05 nats); model folder {out}")
    return {k: v for k, v in summary.items() if k != "history"}


POOL_BATCHES = 16  # batches drawn at once and cut by length, so a batch pads little (GRU time is per step)


def _bucketed(maker: WindowMaker, idx, bs: int, rng: np.random.Generator) -> list:
    """POOL_BATCHES batches of random windows, each of similar lengths, in random order."""
    wins = []
    while len(wins) < bs * POOL_BATCHES:
        w = maker.random_window(int(rng.choice(idx)), rng)
        if w is not None:
            wins.append(w)
    wins.sort(key=lambda w: len(w.seq))
    batches = [wins[k : k + bs] for k in range(0, len(wins), bs)]
    return [batches[i] for i in rng.permutation(len(batches))]

