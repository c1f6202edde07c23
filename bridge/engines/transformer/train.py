"""Training: a TOML config + a dataset folder -> a servable model folder.

    train_transformer("configs/transformer-cpu.toml", data_dir, out_dir, minutes=30)

Prints a progress bar, the validation loss at each epoch end (an epoch is one pass over the
training clips or `epoch_steps` steps, whichever is shorter, so time-budgeted runs still report),
writes checkpoints as safetensors (best validation loss into the model folder, the latest under
checkpoints/), and returns (and prints) a summary. The learning rate follows warmup then cosine,
over the time budget when one is set, else over max_steps. bf16 autocast on CUDA.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from bridge.data.dataset import COL, Dataset
from bridge.music.theory import MOODS, ROLES
import bridge.engines.decoding.vocab as V
from bridge.engines.device import resolve_device
from bridge.engines.trainkit import (budget_text, config_json, config_name, data_facts, fine_tune_config, out_of_budget,
                                     read_config, spent, data_defaults, totals, warmup_cosine)
from bridge.engines.transformer.examples import ExampleConfig, collate, training_split
from bridge.engines.transformer.model import ModelConfig, MusicTransformer
from bridge.engines.decoding.tokenizer import TokenizerConfig
from bridge.engines.transformer.weights import save_weights

DEFAULT_CONFIG = Path(__file__).resolve().parents[3] / "configs" / "transformer-cpu.toml"
TRAIN_DEFAULTS = {
    "batch_size": 16,  # sequences a step
    "lr": 1e-3,  # peak learning rate
    "min_lr_ratio": 0.1,  # final lr = lr * this
    "warmup_steps": 100,  # linear warmup
    "weight_decay": 0.1,  # AdamW, matrices only
    "max_steps": 100_000,  # hard cap on steps
    "minutes": None,  # time budget (the CLI's --minutes overrides it)
    "epoch_steps": 300,  # report/validate/checkpoint at least this often
    "val_clips": 256,  # validation clips (fixed, unaugmented)
    "grad_clip": 1.0,  # max gradient norm
    "seed": 0,  # data order and init
    "threads": 0,  # torch CPU threads (0: torch's default)
    "precision": "auto",  # "fp32", "bf16" (autocast, CUDA) or "auto" (bf16 on CUDA)
    "compile": False,  # torch.compile the training model (GPU)
    "keep_checkpoints": 2,  # latest checkpoints kept under checkpoints/
    "init_from": "",  # a model folder to start from (resume / fine-tune); "" starts from scratch
    "balance": 0.0,  # sample clips with weight count(style, role) ** -balance: 0 uniform, 1 every pair alike
}


def load_config(path: str | Path) -> dict:
    """Read and validate a TOML config: [model], [train], [data]; unknown keys are refused."""
    cfg = read_config(path, {
        "model": {f.name for f in fields(ModelConfig)} - {"vocab_size"},
        "train": set(TRAIN_DEFAULTS),
        "data": {f.name for f in fields(ExampleConfig)},
        "name": None, "description": None,
    })
    model = ModelConfig(vocab_size=V.VOCAB_SIZE, **cfg.get("model", {}))
    data = ExampleConfig(**{**cfg.get("data", {})})
    data.transpose = tuple(data.transpose)
    if data.seq_len > model.max_len:
        raise ValueError(f"{path}: data.seq_len ({data.seq_len}) exceeds model.max_len ({model.max_len})")
    return {"name": config_name(cfg, path), "model": model, "data": data,
            "train": {**TRAIN_DEFAULTS, **cfg.get("train", {})}}


@torch.no_grad()
def evaluate(model, batches, device, autocast) -> float:
    model.eval()
    tot, n = 0.0, 0
    for x, y in batches:
        x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
        with autocast():
            logits = model(x)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1),
                               ignore_index=V.PAD, reduction="sum")
        tot += loss.item()
        n += int((y != V.PAD).sum())
    model.train()
    return tot / max(n, 1)


def train(data_dir, out_dir, config=None, progress=None, minutes=None, device="auto", init_from=None) -> dict:
    """The registry's trainer (`cadenza train --engine transformer [--from FOLDER]`); it shows its
    own tqdm bar, so `progress` is not called."""
    return train_transformer(config, data_dir, out_dir, minutes=minutes, device=device, init_from=init_from)


def fine_tune_styles(model_styles: list, data_styles: list) -> list:
    """The style slots of a fine-tuned model: the model's own, in their slots (the weights know
    them by slot), then each dataset style the model lacks in the next free slot. The vocabulary
    is unchanged: style slots are part of it (vocab.MAX_STYLES), only tokenizer.json's list grows."""
    merged = list(model_styles) + [s for s in data_styles if s not in model_styles]
    if len(merged) > V.NAMED_STYLES:
        new = [s for s in data_styles if s not in model_styles]
        raise ValueError(f"the model has {len(model_styles)} styles and the dataset adds {len(new)} "
                         f"({', '.join(new)}); {V.NAMED_STYLES} style slots fit")
    return merged


def train_transformer(config_path, data_dir, out_dir, minutes=None, device="auto", log=print,
                      init_from=None) -> dict:
    """Train a Transformer from the TOML `config_path` (DEFAULT_CONFIG when None) on `data_dir`
    into the model folder `out_dir` for `minutes` of wall time (the config's budget when None),
    optionally starting from the weights of the model folder `init_from`; returns the summary.
    The folder it writes is servable as is (the daemon loads it through the registry)."""
    config_path = config_path or DEFAULT_CONFIG
    cfg = load_config(config_path)
    tc, mc, dc = cfg["train"], cfg["model"], cfg["data"]
    minutes = minutes if minutes is not None else tc["minutes"]
    device = resolve_device(device)
    if tc["threads"]:
        torch.set_num_threads(int(tc["threads"]))
    torch.manual_seed(tc["seed"])
    rng = np.random.default_rng(tc["seed"])
    ds = Dataset.load(data_dir)
    styles = list(ds.styles)
    init_from, init_cfg, prev = init_from or tc["init_from"], None, {}
    if init_from:  # fine-tune: the model's shape and style slots come from the folder it starts from
        init_cfg = fine_tune_config(init_from, "transformer", "fine-tuning needs a transformer")
        mc = ModelConfig(**init_cfg["model"])
        styles = fine_tune_styles(list(init_cfg.get("styles", [])), styles)
    maker, train_idx, val_idx, val_batches = training_split(ds, dc, styles, data_dir, tc["val_clips"], tc["batch_size"])

    model = MusicTransformer(mc)
    if init_cfg is not None:
        from bridge.engines.transformer.weights import load_weights

        load_weights(model, Path(init_from), init_cfg["weights"])
        prev = init_cfg.get("training", {})
        log(f"starting from the weights in {init_from} (trained {init_cfg.get('training', {}).get('minutes', '?')} min)")
    model = model.to(device)
    bf16 = device.startswith("cuda") and tc["precision"] in ("auto", "bf16")
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if bf16 else (lambda: torch.autocast("cpu", enabled=False))
    fwd = torch.compile(model) if tc["compile"] else model
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": tc["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=tc["lr"], betas=(0.9, 0.95))
    out = Path(out_dir)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    tok_cfg = TokenizerConfig(styles=styles)
    tok_cfg.save(out / "tokenizer.json")
    steps_per_epoch = max(1, min(math.ceil(len(train_idx) / tc["batch_size"]), tc["epoch_steps"]))
    budget = budget_text(minutes, tc["max_steps"])
    log(f"training {cfg['name']}: {model.n_params() / 1e6:.2f}M parameters on {device}"
        f"{' (bf16)' if bf16 else ''}; {len(train_idx)} train / {len(val_idx)} val clips; "
        f"budget {budget}")
    t0 = time.time()
    step, epoch, tokens, best, history, weights, ck = run_epochs(
        model, fwd, opt, maker, _sampler(ds, train_idx, float(tc["balance"]), rng), rng, val_batches, tc, device,
        autocast, out, steps_per_epoch, minutes, t0, log)
    idx_all = maker.usable["train"]
    summary = {
        "name": cfg["name"], "config": str(config_path), "device": device, "precision": "bf16" if bf16 else "fp32",
        "params": model.n_params(), "steps": step, "epochs": epoch, "tokens": tokens,
        "minutes": round((time.time() - t0) / 60, 2), "best_val_loss": round(best, 4),
        "final_train_loss": history[-1]["train_loss"], "history": history, "out_dir": str(out),
        "checkpoint": ck, "data": data_facts(ds, train_idx, val_idx),
    }
    summary["threads"] = torch.get_num_threads()
    if prev:  # resumed: keep every earlier run's facts and the totals
        summary["resumed_from"] = {k: prev.get(k) for k in ("out_dir", "device", "minutes", "steps", "tokens", "best_val_loss")}
        summary["resumed_from"]["history"] = prev.get("history", [])
        summary["runs"] = runs_of(prev) + runs_of({k: v for k, v in summary.items() if k != "resumed_from"})
        summary.update(totals(prev, summary["minutes"], step))
        summary["total_tokens"] = prev.get("total_tokens", prev.get("tokens", 0)) + tokens
    config = {
        "engine": "transformer", "name": out.name, "model": mc.to_dict(), "weights": weights,
        "tokenizer": "tokenizer.json", "styles": styles, "roles": list(ROLES), "moods": list(MOODS),
        **data_defaults(ds, idx_all), "training": summary,
    }
    if dc.context_rate > 0 or (init_cfg or {}).get("accompany"):  # it saw parts beside other parts
        config["accompany"] = True
    if init_cfg is not None:
        config["fine_tuned_from"] = {"folder": str(init_from), "name": init_cfg.get("name"),
                                     "styles_added": styles[len(init_cfg.get("styles", [])):]}
        if init_cfg.get("guidance") is not None:  # the weights it starts from learnt guidance: keep its scale
            config["guidance"] = init_cfg["guidance"]
    # Never "default": the daemon's default is the shipped one unless `cadenza serve --default`.
    (out / "config.json").write_text(config_json(config))
    from bridge.engines.transformer.card import write_card

    write_card(out)  # measured numbers join it after `measure --write`; `cadenza eval` adds its section
    summary = {k: v for k, v in summary.items() if k != "history"}  # the per-epoch table is in config.json
    summary["val_loss_by_epoch"] = [h["val_loss"] for h in history]
    log(f"done: {step} steps, {epoch} epochs, {summary['minutes']} min on {device}; best val loss {best:.4f}; "
        f"model folder {out}")
    return summary



def run_epochs(model, fwd, opt, maker, draw, rng, val_batches, tc: dict, device: str, autocast, out: Path,
               steps_per_epoch: int, minutes, t0: float, log):
    """The epoch loop of every token-by-token trainer: batches of `maker` examples in the order
    `draw()` gives, the learning-rate schedule, a clipped AdamW step, a progress bar; after each
    epoch the val loss, the best weights saved to `out`, a checkpoint kept (pruned to
    keep_checkpoints) and a log line; until max_steps or the `minutes` budget from `t0`.
    -> (steps, epochs, tokens, best val loss, history, best weight files, last checkpoint files)."""
    step, epoch, tokens, best, history, weights, ck = 0, 0, 0, float("inf"), [], [], []
    order, pos, stop = draw(), 0, False
    while not stop:
        epoch += 1
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}", file=sys.stderr, leave=False,
                   dynamic_ncols=True, mininterval=1.0)
        run_loss = []
        for _ in bar:
            if pos + tc["batch_size"] > len(order):
                order, pos = draw(), 0
            batch = order[pos : pos + tc["batch_size"]]
            pos += tc["batch_size"]
            x, y = collate([maker.example(int(i), rng) for i in batch])
            x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)  # [B, T]
            lr = warmup_cosine(tc, step, spent(step, t0, minutes, tc["max_steps"]))
            for g in opt.param_groups:
                g["lr"] = lr
            with autocast():
                logits = fwd(x)  # [B, T, V]
            loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=V.PAD)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), tc["grad_clip"])
            opt.step()
            step += 1
            tokens += int((y != V.PAD).sum())
            run_loss.append(loss.item())
            bar.set_postfix(loss=f"{np.mean(run_loss[-20:]):.3f}", lr=f"{opt.param_groups[0]['lr']:.1e}")
            if out_of_budget(step, t0, minutes, tc["max_steps"]):
                stop = True
                break
        bar.close()
        val = evaluate(model, val_batches, device, autocast)
        train_loss = float(np.mean(run_loss)) if run_loss else float("nan")
        history.append({"epoch": epoch, "step": step, "train_loss": round(train_loss, 4), "val_loss": round(val, 4),
                        "minutes": round((time.time() - t0) / 60, 2)})
        saved = ""
        if val < best:
            best, weights, saved = val, save_weights(model, out), " (best: saved)"
        ck = save_weights(model, out / "checkpoints", prefix=f"epoch{epoch:04d}")
        _prune(out / "checkpoints", tc["keep_checkpoints"])
        log(f"epoch {epoch} step {step}: train loss {train_loss:.4f}  val loss {val:.4f}{saved}  "
            f"[{(time.time() - t0) / 60:.1f} min, {tokens / max(time.time() - t0, 1e-9):.0f} tok/s]")
    return step, epoch, tokens, best, history, weights, ck

def _sampler(ds: Dataset, idx: np.ndarray, balance: float, rng: np.random.Generator):
    """An epoch's order of training clips. With `balance` > 0, clips of rare (style, role) pairs
    are drawn more often: weight count ** -balance (the thin styles, a few hundred clips beside
    irish-folk's thousands, otherwise barely move the style conditioning)."""
    if balance <= 0:
        return lambda: rng.permutation(idx)
    pairs = ds.clips[idx][:, COL["style"]] * 16 + ds.clips[idx][:, COL["role"]]
    _, inverse, counts = np.unique(pairs, return_inverse=True, return_counts=True)
    w = counts[inverse].astype(np.float64) ** -balance
    w /= w.sum()
    return lambda: rng.choice(idx, size=len(idx), p=w)


RUN_KEYS = ("config", "device", "precision", "threads", "minutes", "steps", "tokens", "best_val_loss")


def runs_of(t: dict) -> list:
    """Every training run behind a summary, oldest first (a resumed run chains to the one before)."""
    if not t:
        return []
    if t.get("runs"):
        return list(t["runs"])
    earlier = runs_of(t.get("resumed_from") or {})
    return earlier + [{**{k: t.get(k) for k in RUN_KEYS}, "history": t.get("history", [])}]


def _prune(folder: Path, keep: int) -> None:
    tags = sorted({p.name.split("-")[0] for p in folder.glob("epoch*-*.safetensors")})
    for tag in tags[:-keep] if keep else tags:
        for p in folder.glob(f"{tag}-*.safetensors"):
            p.unlink()
