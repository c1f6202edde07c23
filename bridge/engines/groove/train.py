"""Training the groove network: groove pairs -> a servable model folder.

    cadenza train --engine groove --config configs/groove-cpu.toml --data PAIRS_OR_DATASET --out DIR --minutes 30

`--data` is a groove pairs folder (`cadenza data groove`), or a clip dataset folder, in which case
the pairs are read from the default pairs folder (built there first, split by that dataset's
pieces, when it is missing). Each step draws random windows of `window` notes of training parts
(parts weighted by their notes, capped), with the style dropped to "any" `style_dropout` of the
time; the loss is the offset mixture's NLL plus the velocity mixture's (over parts that played
velocities). Each epoch (`epoch_steps` steps) reports the validation losses, saves a checkpoint
and keeps the best; at the end it exports the ONNX graph, measures the model on the held-out test
parts (measure.py) and writes the card.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from bridge.data.groove_pairs import NCOL, PCOL, GroovePairs
from bridge.music.theory import ROLES
from bridge.engines.groove.features import (N_FEATURES, note_features, offset_target, velocity_target)
from bridge.engines.groove.model import GrooveConfig, GrooveNet, groove_loss
from bridge.engines.trainkit import (user_file, budget_text, config_name, out_of_budget, read_config, resume_from, resumed_summary,
                                     resuming_line, spent, warmup_cosine)

DEFAULT_CONFIG = Path(__file__).resolve().parents[3] / "configs" / "groove-cpu.toml"
WEIGHTS = "model.safetensors"
TRAIN_DEFAULTS = {
    "batch_size": 32,  # windows a step
    "window": 128,  # notes a window (the receptive field is the model's; context beyond it is unused)
    "lr": 2e-3,  # peak learning rate (warmup, then cosine to min_lr_ratio)
    "min_lr_ratio": 0.1,
    "warmup_steps": 100,
    "max_steps": 100_000,  # the time budget ends the run first
    "minutes": None,  # time budget (`cadenza train --minutes` overrides)
    "epoch_steps": 250,  # validate + checkpoint this often
    "val_windows": 256,  # fixed validation windows
    "part_weight_cap": 2000,  # a part is drawn in proportion to its notes, up to this many
    "style_dropout": 0.1,  # share of windows trained with the "any style" condition
    "grad_clip": 1.0,
    "threads": 1,  # torch threads
    "seed": 0,
    "init_from": "",  # a model folder to resume from ("": from scratch)
}


def load_config(path) -> dict:
    """Read and validate a TOML config ([model], [train], name, description); unknown keys are refused."""
    cfg = read_config(path, {"model": {f.name for f in fields(GrooveConfig)} - {"n_features", "n_styles", "n_roles"},
                             "train": set(TRAIN_DEFAULTS), "name": None, "description": None})
    tc = {**TRAIN_DEFAULTS, **cfg.get("train", {})}
    if tc["window"] < 8:
        raise ValueError(f"{path}: train.window must be at least 8 notes, got {tc['window']}")
    return {"name": config_name(cfg, path), "model": cfg.get("model", {}), "train": tc}


def resolve_pairs(data_dir: Path, progress=None, log=print) -> tuple[GroovePairs, Path]:
    """The pairs of `data_dir` and their folder: a pairs folder, or for a clip dataset the
    default pairs folder."""
    data_dir = Path(data_dir)
    manifest = json.loads((data_dir / "manifest.json").read_text())
    if manifest.get("format") == "cadenza-groove-pairs":
        return GroovePairs.load(data_dir), data_dir
    from bridge.data.groove_pairs import build_pairs, default_pairs_dir, groove_tasks

    folder = default_pairs_dir()
    if (folder / "pairs.npz").is_file():
        log(f"groove pairs from {folder}")
        return GroovePairs.load(folder), folder
    log(f"{data_dir} is a clip dataset; building the groove pairs into {folder} (split by its pieces)")
    splits = {p["id"]: p["split"] for p in manifest.get("pieces", []) if "split" in p}
    pairs = build_pairs(groove_tasks(), splits, progress=progress, log=log)
    pairs.save(folder)
    return pairs, folder


class Windows:
    """Every part's features computed once; random and fixed windows of `window` notes."""

    def __init__(self, pairs: GroovePairs, window: int):
        self.pairs, self.window = pairs, window
        n = len(pairs.notes)
        self.x = np.zeros((n, N_FEATURES), np.float32)
        self.y_off = offset_target(pairs.notes[:, NCOL["offset"]])
        self.y_vel = velocity_target(pairs.notes[:, NCOL["velocity"]])
        for r in pairs.parts:
            a, k = int(r[PCOL["note_offset"]]), int(r[PCOL["note_count"]])
            nt = pairs.notes[a:a + k]
            bpb = r[PCOL["meter_num"]] * 4 / r[PCOL["meter_den"]]
            self.x[a:a + k] = note_features(nt[:, NCOL["tick"]], nt[:, NCOL["dur"]], nt[:, NCOL["pitch"]],
                                            bool(r[PCOL["drum"]]), bpb, float(r[PCOL["tempo"]]))

    def part_window(self, i: int, start: int):
        r = self.pairs.parts[i]
        a, k = int(r[PCOL["note_offset"]]), int(r[PCOL["note_count"]])
        s = a + start
        e = min(a + k, s + self.window)
        return s, e, r

    def batch(self, items, n_styles: int, style_dropout: float, rng) -> tuple:
        """items: (part, start) -> x [B, W, F], role, style, tempo [B], y_off, y_vel, mask, vel_mask [B, W]."""
        B, W = len(items), self.window
        x = np.zeros((B, W, N_FEATURES), np.float32)
        yo, yv, m, vm = (np.zeros((B, W), np.float32) for _ in range(4))
        role, style, tempo = np.zeros(B, np.int64), np.zeros(B, np.int64), np.zeros(B, np.float32)
        for b, (i, start) in enumerate(items):
            s, e, r = self.part_window(i, start)
            L = e - s
            x[b, :L], yo[b, :L], yv[b, :L], m[b, :L] = self.x[s:e], self.y_off[s:e], self.y_vel[s:e], 1.0
            vm[b, :L] = float(r[PCOL["has_velocity"]])
            role[b] = r[PCOL["role"]]
            style[b] = n_styles if rng is not None and rng.random() < style_dropout else r[PCOL["style"]]
            tempo[b] = (float(r[PCOL["tempo"]]) - 120.0) / 60.0
        return x, role, style, tempo, yo, yv, m, vm

    def random_items(self, idx: np.ndarray, weights: np.ndarray, count: int, rng) -> list:
        parts = rng.choice(idx, size=count, p=weights)
        out = []
        for i in parts:
            k = int(self.pairs.parts[i, PCOL["note_count"]])
            out.append((int(i), int(rng.integers(0, max(1, k - self.window // 2)))))
        return out


def tensors(batch, device):
    return [torch.from_numpy(a).to(device) for a in batch]


@torch.no_grad()
def evaluate(model, batches, device, k: int) -> dict:
    model.eval()
    tot = {"offset": 0.0, "velocity": 0.0}
    for bt in batches:
        x, role, style, tempo, yo, yv, m, vm = tensors(bt, device)
        o = groove_loss(model(x, role, style, tempo), yo, yv, m, vm, k)
        for key in tot:
            tot[key] += o[key].item() / len(batches)
    model.train()
    return tot


def train(data_dir, out_dir, config=None, progress=None, minutes=None, device="auto", init_from=None) -> dict:
    """The registry's trainer (`cadenza train --engine groove [--from FOLDER]`)."""
    return train_groove(config, data_dir, out_dir, minutes=minutes, device=device, init_from=init_from,
                        progress=progress)


def train_groove(config_path, data_dir, out_dir, minutes=None, device="auto", log=print, init_from=None,
                 progress=None, export: bool = True) -> dict:
    from tqdm import tqdm

    from bridge.engines.device import resolve_device

    config_path = config_path or DEFAULT_CONFIG
    cfg = load_config(config_path)
    tc = cfg["train"]
    minutes = minutes if minutes is not None else tc["minutes"]
    device = resolve_device(device)
    torch.set_num_threads(int(tc["threads"]) or torch.get_num_threads())
    torch.manual_seed(tc["seed"])
    rng = np.random.default_rng(tc["seed"])
    pairs, pairs_dir = resolve_pairs(data_dir, progress=progress, log=log)
    styles = list(pairs.styles)
    init_from = init_from or tc["init_from"]
    prev = {}
    mc = GrooveConfig(**{**cfg["model"], "n_styles": len(styles), "n_roles": len(ROLES)})
    if init_from:
        model_cfg, prev = resume_from(init_from, "groove", styles, data="the pairs'")
        mc = GrooveConfig(**model_cfg)
    train_idx, val_idx = pairs.indices("train"), pairs.indices("val")
    if not len(train_idx):
        raise ValueError(f"{data_dir} has no training parts")
    val_src = val_idx if len(val_idx) else train_idx
    win = Windows(pairs, int(tc["window"]))
    counts = np.minimum(pairs.parts[train_idx, PCOL["note_count"]], tc["part_weight_cap"]).astype(np.float64)
    weights = counts / counts.sum()
    vcounts = pairs.parts[val_src, PCOL["note_count"]].astype(np.float64)
    vrng = np.random.default_rng(1)
    val_items = win.random_items(val_src, vcounts / vcounts.sum(), int(tc["val_windows"]), vrng)
    bs = int(tc["batch_size"])
    val_batches = [win.batch(val_items[j:j + bs], len(styles), 0.0, None) for j in range(0, len(val_items), bs)]
    model = GrooveNet(mc)
    if init_from:
        model.load_state_dict(load_file(str(Path(init_from) / WEIGHTS)))
        log(resuming_line(init_from, prev))
    model = model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=tc["lr"], betas=(0.9, 0.99), weight_decay=0.0)
    out = Path(out_dir)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    budget = budget_text(minutes, tc["max_steps"])
    log(f"training {cfg['name']}: {model.n_params() / 1e3:.0f}k parameters on {device}; receptive field "
        f"{mc.receptive_field} notes; {len(train_idx)} train parts, {len(val_items)} val windows of "
        f"{tc['window']} notes; budget {budget}")
    t0 = time.time()
    step, epoch, best, history, stop = 0, 0, float("inf"), [], False
    k = mc.mixtures
    first_val = evaluate(model, val_batches, device, k)
    log(f"untrained: val offset NLL {first_val['offset']:.3f} velocity NLL {first_val['velocity']:.3f}")
    while not stop:
        epoch += 1
        bar = tqdm(range(tc["epoch_steps"]), desc=f"epoch {epoch}", file=sys.stderr, leave=False,
                   dynamic_ncols=True, mininterval=2.0)
        run = []
        for _ in bar:
            items = win.random_items(train_idx, weights, bs, rng)
            x, role, style, tempo, yo, yv, m, vm = tensors(win.batch(items, len(styles), tc["style_dropout"], rng),
                                                         device)
            lr = warmup_cosine(tc, step, spent(step, t0, minutes, tc["max_steps"]))
            for g in opt.param_groups:
                g["lr"] = lr
            o = groove_loss(model(x, role, style, tempo), yo, yv, m, vm, k)
            opt.zero_grad(set_to_none=True)
            o["loss"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), tc["grad_clip"])
            opt.step()
            step += 1
            run.append((o["offset"].item(), o["velocity"].item()))
            r = np.mean(run[-20:], 0)
            bar.set_postfix(offset=f"{r[0]:.3f}", velocity=f"{r[1]:.3f}")
            if out_of_budget(step, t0, minutes, tc["max_steps"]):
                stop = True
                break
        bar.close()
        v = evaluate(model, val_batches, device, k)
        r = np.mean(run, 0) if run else np.full(2, np.nan)
        history.append({"epoch": epoch, "step": step, "train_offset_nll": round(float(r[0]), 4),
                        "train_velocity_nll": round(float(r[1]), 4), "val_offset_nll": round(v["offset"], 4),
                        "val_velocity_nll": round(v["velocity"], 4), "minutes": round((time.time() - t0) / 60, 2)})
        score = v["offset"] + v["velocity"]
        saved = ""
        if score < best:
            best, saved = score, " (best: saved)"
            save_file(model.state_dict(), str(out / WEIGHTS))
            user_file(out / WEIGHTS)
        save_file(model.state_dict(), str(out / "checkpoints" / f"epoch{epoch:04d}.safetensors"))
        user_file(out / "checkpoints" / f"epoch{epoch:04d}.safetensors")
        for old in sorted((out / "checkpoints").glob("epoch*.safetensors"))[:-2]:
            old.unlink()
        log(f"epoch {epoch} step {step}: train offset {r[0]:.3f} velocity {r[1]:.3f} | val offset {v['offset']:.3f} "
            f"velocity {v['velocity']:.3f}{saved} [{(time.time() - t0) / 60:.1f} min]")
        if progress and minutes:
            progress(min(int(time.time() - t0), int(60 * minutes)), int(60 * minutes), "training (seconds)")
    model.load_state_dict(load_file(str(out / WEIGHTS)))
    model.eval()
    summary = {
        "name": cfg["name"], "config": str(config_path), "device": device, "threads": torch.get_num_threads(),
        "params": model.n_params(), "receptive_field": mc.receptive_field, "steps": step, "epochs": epoch,
        "minutes": round((time.time() - t0) / 60, 2), "batch_size": bs, "window": int(tc["window"]),
        "untrained_val": {k2: round(v2, 4) for k2, v2 in first_val.items()}, "best_val": round(best, 4),
        "final": history[-1], "history": history, "data": data_facts(pairs, train_idx, val_idx),
    }
    if prev:
        summary.update(resumed_summary(prev, ("minutes", "steps", "best_val", "device"), summary["minutes"], step))
    roles = sorted({ROLES[int(r)] for r in pairs.parts[train_idx, PCOL["role"]]}, key=ROLES.index)
    style_counts = np.bincount(pairs.parts[train_idx, PCOL["style"]], minlength=len(styles))
    config = {
        "engine": "groove", "name": out.name, "model": mc.to_dict(), "weights": [WEIGHTS], "styles": styles,
        "roles": roles, "default_style": styles[int(style_counts.argmax())], "cpu_runtime": "torch",
        "pairs": str(pairs_dir), "training": summary,
    }
    (out / "config.json").write_text(json.dumps(config, indent=1))
    if export:
        from bridge.engines.groove.export import export_folder

        export_folder(out)
        from bridge.engines.groove.measure import measure_folder

        measure_folder(out, pairs, log=log)
    from bridge.engines.groove.card import write_card

    write_card(out)
    log(f"done: {step} steps, {epoch} epochs, {summary['minutes']} min on {device}; best val NLL "
        f"(offset + velocity) {best:.3f} (untrained {first_val['offset'] + first_val['velocity']:.3f}); model folder {out}")
    return {k2: v2 for k2, v2 in summary.items() if k2 != "history"}


def data_facts(pairs: GroovePairs, train_idx, val_idx) -> dict:
    import collections

    m, P = pairs.manifest, pairs.parts
    src = collections.Counter(m["sources"][int(P[i, PCOL["source"]])] for i in train_idx)
    notes_src = collections.Counter()
    for i in train_idx:
        notes_src[m["sources"][int(P[i, PCOL["source"]])]] += int(P[i, PCOL["note_count"]])
    used = {int(P[i, PCOL["piece"]]) for i in train_idx}
    lic = collections.Counter(m["pieces"][p]["licence"] for p in used)
    roles = collections.Counter(ROLES[int(P[i, PCOL["role"]])] for i in train_idx)
    return {"train_parts": int(len(train_idx)), "val_parts": int(len(val_idx)),
            "test_parts": int(len(pairs.indices("test"))), "train_pieces": len(used),
            "train_notes": int(P[train_idx, PCOL["note_count"]].sum()), "sources": dict(src),
            "source_notes": dict(notes_src), "licences": dict(lic), "roles": dict(roles)}
