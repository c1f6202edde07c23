"""Training the GRU: a TOML config + a dataset folder -> a servable model folder.

    cadenza train --engine rnn --config configs/rnn-cpu.toml --data DATASET --out DIR --minutes 35

The examples are the Transformer's, token for token (transformer/examples.py: the same condition
prefix, transposition, condition and style dropout, the unconditional rows that classifier-free
guidance needs, bar-level fill-in-the-middle), so the composer drives both families alike. A
progress bar, the validation loss at each epoch end (an epoch is a pass over the training clips or
`epoch_steps` steps, whichever is shorter), a checkpoint each epoch (the best into the model folder,
the latest under checkpoints/), resumable with `--from FOLDER`, and a summary at the end. After
training the step graph is exported to ONNX and quantised to int8 (export.py), so the folder is
servable without torch.
"""

from __future__ import annotations

import math
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

from bridge.data.dataset import Dataset
from bridge.music.theory import MOODS, ROLES
import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.tokenizer import TokenizerConfig
from bridge.engines.device import resolve_device
from bridge.engines.rnn.model import MusicGRU, RnnConfig
from bridge.engines.trainkit import (budget_text, config_json, config_name, data_facts, fine_tune_config, read_config,
                                     data_defaults, totals)
from bridge.engines.transformer.examples import ExampleConfig, training_split
# family-neutral pieces of the Transformer's trainer: the epoch loop, the balanced sampler, the
# chain of resumed runs
from bridge.engines.transformer.train import _sampler, fine_tune_styles, run_epochs, runs_of
from bridge.engines.transformer.weights import load_weights

DEFAULT_CONFIG = Path(__file__).resolve().parents[3] / "configs" / "rnn-cpu.toml"
GUIDANCE = 2.0  # the served default scale for a model trained with unconditional rows (as the Transformer's)
TRAIN_DEFAULTS = {
    "batch_size": 16,  # sequences a step
    "lr": 2e-3,  # peak learning rate (warmup, then cosine to min_lr_ratio)
    "min_lr_ratio": 0.1,  # final lr = lr * this
    "warmup_steps": 50,  # linear warmup
    "weight_decay": 0.01,  # AdamW, matrices only
    "max_steps": 100_000,  # hard cap on steps
    "minutes": None,  # time budget (the CLI's --minutes overrides it)
    "epoch_steps": 100,  # report/validate/checkpoint at least this often
    "val_clips": 192,  # validation clips (fixed, unaugmented)
    "grad_clip": 1.0,  # max gradient norm (recurrent nets need it)
    "seed": 0,  # data order and init
    "threads": 1,  # torch CPU threads (0: torch's default)
    "keep_checkpoints": 2,  # latest checkpoints kept under checkpoints/
    "init_from": "",  # a model folder to start from (resume); "" starts from scratch
    "balance": 0.0,  # sample clips with weight count(style, role) ** -balance
    "export_onnx": True,  # write model-int8.onnx at the end (serving needs no torch)
}


def load_config(path: str | Path) -> dict:
    """Read and validate a TOML config: [model], [train], [data]; unknown keys are refused."""
    cfg = read_config(path, {"model": {f.name for f in fields(RnnConfig)} - {"vocab_size"}, "train": set(TRAIN_DEFAULTS),
                             "data": {f.name for f in fields(ExampleConfig)}, "name": None, "description": None})
    model = RnnConfig(vocab_size=V.VOCAB_SIZE, **cfg.get("model", {}))
    data = ExampleConfig(**cfg.get("data", {}))
    data.transpose = tuple(data.transpose)
    if data.seq_len > model.max_len:
        raise ValueError(f"{path}: data.seq_len ({data.seq_len}) exceeds model.max_len ({model.max_len})")
    return {"name": config_name(cfg, path), "model": model, "data": data,
            "train": {**TRAIN_DEFAULTS, **cfg.get("train", {})}}


def train(data_dir, out_dir, config=None, progress=None, minutes=None, device="auto", init_from=None) -> dict:
    """The registry's trainer (`cadenza train --engine rnn [--from FOLDER]`); it shows its own tqdm
    bar, so `progress` is not called."""
    return train_rnn(config, data_dir, out_dir, minutes=minutes, device=device, init_from=init_from)


def _start_from(init_from: str, mc: RnnConfig, styles: list) -> tuple[dict, RnnConfig, list]:
    init_cfg = fine_tune_config(init_from, "rnn", "resuming rnn training needs an rnn")
    return init_cfg, RnnConfig(**init_cfg["model"]), fine_tune_styles(list(init_cfg.get("styles", [])), styles)


def train_rnn(config_path, data_dir, out_dir, minutes=None, device="auto", log=print, init_from=None) -> dict:
    """Train the GRU from the TOML `config_path` (DEFAULT_CONFIG when None) on `data_dir` into the
    model folder `out_dir` for `minutes` of wall time (the config's budget when None), optionally
    starting from the model folder `init_from`; returns the summary."""
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
    if init_from:
        init_cfg, mc, styles = _start_from(init_from, mc, styles)
    maker, train_idx, val_idx, val_batches = training_split(ds, dc, styles, data_dir, tc["val_clips"], tc["batch_size"])

    model = MusicGRU(mc)
    if init_cfg is not None:
        load_weights(model, Path(init_from), init_cfg["weights"])
        prev = init_cfg.get("training", {})
        log(f"starting from the weights in {init_from} (trained {prev.get('minutes', '?')} min)")
    model = model.to(device)
    autocast = lambda: torch.autocast("cpu", enabled=False)  # noqa: E731  fp32 throughout
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": tc["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=tc["lr"], betas=(0.9, 0.99))
    out = Path(out_dir)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    TokenizerConfig(styles=styles).save(out / "tokenizer.json")
    steps_per_epoch = max(1, min(math.ceil(len(train_idx) / tc["batch_size"]), tc["epoch_steps"]))
    budget = budget_text(minutes, tc["max_steps"])
    log(f"training {cfg['name']}: {model.n_params() / 1e6:.2f}M parameters ({mc.n_layers} x GRU {mc.hidden}) on "
        f"{device}, {torch.get_num_threads()} thread(s); {len(train_idx)} train / {len(val_idx)} val clips; budget {budget}")
    t0 = time.time()
    step, epoch, tokens, best, history, weights, ck = run_epochs(
        model, model, opt, maker, _sampler(ds, train_idx, float(tc["balance"]), rng), rng, val_batches, tc, device,
        autocast, out, steps_per_epoch, minutes, t0, log)
    summary = {
        "name": cfg["name"], "config": str(config_path), "device": device, "precision": "fp32",
        "params": model.n_params(), "steps": step, "epochs": epoch, "tokens": tokens,
        "minutes": round((time.time() - t0) / 60, 2), "best_val_loss": round(best, 4),
        "final_train_loss": history[-1]["train_loss"], "history": history, "out_dir": str(out),
        "checkpoint": ck, "data": data_facts(ds, train_idx, val_idx), "threads": torch.get_num_threads(),
    }
    if prev:  # resumed: keep every earlier run's facts and the totals
        summary["resumed_from"] = {k: prev.get(k) for k in ("out_dir", "device", "minutes", "steps", "tokens", "best_val_loss")}
        summary["runs"] = runs_of(prev) + runs_of({k: v for k, v in summary.items() if k != "resumed_from"})
        summary.update(totals(prev, summary["minutes"], step))
        summary["total_tokens"] = prev.get("total_tokens", prev.get("tokens", 0)) + tokens
    config = {
        "engine": "rnn", "name": out.name, "model": mc.to_dict(), "weights": weights, "tokenizer": "tokenizer.json",
        "styles": styles, "roles": list(ROLES), "moods": list(MOODS),
        **data_defaults(ds, maker.usable["train"]), "training": summary,
        "cpu_runtime": "torch-fp32", "cpu_threads": 1,
    }
    if dc.uncond_rate > 0:  # trained with guidance's unconditional prefix: serve guided by default
        config["guidance"] = GUIDANCE
    if tc["export_onnx"]:
        from bridge.engines.rnn.export import export_onnx
        from bridge.engines.rnn.runtime import read_model

        (out / "config.json").write_text(config_json(config))
        export_onnx(read_model(out, config), out / "model-int8.onnx", int8=True)  # the best weights, not the last
        config.update(cpu_runtime="onnx-int8", onnx="model-int8.onnx")
    # Never "default": the daemon's default is the shipped one unless `cadenza serve --default`.
    (out / "config.json").write_text(config_json(config))
    from bridge.engines.rnn.card import write_card

    write_card(out)
    summary = {k: v for k, v in summary.items() if k != "history"}  # the per-epoch table is in config.json
    summary["val_loss_by_epoch"] = [h["val_loss"] for h in history]
    log(f"done: {step} steps, {epoch} epochs, {summary['minutes']} min on {device}; best val loss {best:.4f}; "
        f"model folder {out}")
    return summary
