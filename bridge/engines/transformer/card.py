"""MODEL_CARD.md for a transformer model folder, written from what the folder records about itself
(config.json: the network, the training summary and its data facts, the runtime benchmark and the
measured latencies). The evaluation block that `cadenza eval` maintains is kept as it is.

    python -m bridge.engines.transformer.card MODEL_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import bridge.engines.decoding.vocab as V
from bridge.engines.card import data_section, network_section, table, weights_row, write_folder_card


def render(cfg: dict, notes: str = "") -> str:
    m, t = cfg["model"], cfg.get("training", {})
    data, meas, bench = t.get("data", {}), cfg.get("measured", {}), cfg.get("cpu_bench", {})
    hist = t.get("history", [])
    out = [f"# {cfg.get('name', 'transformer')}: the conditioned music Transformer", ""]
    out += ["A decoder-only Transformer over bar/position/pitch/duration/velocity event tokens, conditioned on "
            "role, style, mood, key, meter, tempo, density and bar count, trained with bar-level "
            "fill-in-the-middle so one network generates, continues, infills and restyles. "
            "Architecture, tokens and decoding constraints: docs/MODEL.md.", ""]
    out += network_section([
        ("layers x width", f"{m['n_layers']} x {m['d_model']} ({m['n_heads']} heads, MLP {m['d_ff']})"),
        ("parameters", f"{t.get('params', 0) / 1e6:.2f} M"),
        ("vocabulary", f"{m['vocab_size']} tokens (tokenizer v{V.VERSION})"),
        ("context", f"{m['max_len']} tokens, rotary positions, KV cache allocated once"),
        weights_row(cfg),
    ])
    out += ["## Training", ""]
    minutes, steps, tokens = t.get("total_minutes", t.get("minutes")), t.get("total_steps", t.get("steps")), \
        t.get("total_tokens", t.get("tokens", 0))
    chain = t.get("runs") or []
    runs = ""
    if len(chain) > 1:
        runs = (f" in {len(chain)} runs ({', '.join(str(r.get('minutes')) for r in chain)} min, each resumed from "
                "the previous run's weights)")
    elif t.get("resumed_from"):
        runs = f" in two runs ({t['resumed_from'].get('minutes')} min, then {t.get('minutes')} min resumed from its weights)"
    out += [f"Trained on **{t.get('device', '?').upper()}** ({t.get('precision', 'fp32')}) for "
            f"**{minutes} minutes** of wall time{runs}: {steps} steps, "
            f"{tokens / 1e6:.2f} M target tokens, config `{t.get('config', '?')}`. "
            f"Best validation loss **{t.get('best_val_loss', '?')}** nats/token.", ""]
    if notes:
        out += [notes.strip(), ""]
    if chain:
        runs = [(i + 1, h) for i, r in enumerate(chain) for h in r.get("history", [])]
    else:
        runs = [(1, h) for h in t.get("resumed_from", {}).get("history", [])]
        runs += [(2 if runs else 1, h) for h in hist]
    if runs:
        out += [table([(r, h["epoch"], h["step"], h["train_loss"], h["val_loss"], h["minutes"]) for r, h in runs],
                       ("run", "epoch", "step", "train loss", "val loss", "minutes")), ""]
    out += data_section(cfg, data)
    out += decoding_section(cfg)
    out += ["## Runtime and measured numbers", ""]
    if bench:
        rows = [(k, v["load_ms"], v["b1"]["prefill_ms"], v["b1"]["step_ms"], v["b4"]["step_ms"]) for k, v in bench.items()]
        out += [f"CPU runtime in use: **{cfg.get('cpu_runtime', 'torch-int8')}**, chosen by "
                "`python -m bridge.engines.transformer.tools.choose_runtime MODEL --write` (medians, ms):", "",
                table(rows, ("runtime", "load", "prefill (b1)", "decode step (b1)", "decode step (b4)")), ""]
    if meas:
        lat = meas.get("latency", {})
        rows = [(k.replace("_", " "), v["p50_ms"], v["p99_ms"], v["mean_notes"], v["runs"]) for k, v in lat.items()]
        out += [f"Engine-level generate of a melody (`python -m bridge.engines.transformer.tools.measure`), "
                f"{meas.get('machine', '')}:", "",
                table(rows, ("request", "p50 ms", "p99 ms", "notes (mean)", "runs")), "",
                f"8 bars x 8 variations in one batch: {meas.get('8_bars_8_variations_ms')} ms. "
                f"Process start to model loaded (torch import included): {meas.get('load_s')} s. "
                f"Resident memory after the runs: {meas.get('rss_mb')} MB (peak {meas.get('peak_rss_mb')} MB).", ""]
    out += ["GPU: the bf16 path (`configs/transformer-gpu.toml`, decode step captured with "
            "torch.compile mode=\"reduce-overhead\") exists and its fixed-shape step is checked against the "
            "eager path on CPU, but it was not run for this model: the machine that trained it has no GPU.", ""]
    out += ["## Limits", "",
            "- Small and briefly trained: expect plausible phrases, not long-range form.",
            "- Styles with few training clips (see the data table) are weakly conditioned.",
            "- Sampled onsets sit on the sixteenth and eighth-triplet grid (the corpus is cleaned onto it); "
            "durations are quantized to the vocabulary's 36 values, pitched notes at least a sixteenth.",
            "- Runs 1-4 trained on the uncleaned corpus (builder v5); later runs on the cleaned one (builder "
            "v6, docs/MODEL.md); validation losses of different corpora are not comparable.", ""]
    return "\n".join(out)


def decoding_section(cfg: dict) -> list[str]:
    """The decoding settings in config.json that shape every clip (docs/MODEL.md, Decoding)."""
    rows = [(k, json.dumps(cfg[k])) for k in ("guidance", "role_guidance", "family_temperature", "copy_bias")
            if cfg.get(k) is not None]
    flat = cfg.get("flat_velocity") or {}
    if flat:
        always = sum(x == 1.0 for v in flat.values() for x in v.values())
        rows.append(("flat_velocity", f"{sum(map(len, flat.values()))} (style, role) pairs, {always} always flat "
                                      "(notation sources), the rest drawn at their training share"))
    if cfg.get("harmony_prior"):
        rows.append(("harmony_prior", "on (accompany): " + json.dumps(cfg["harmony_prior"])))
    plans = cfg.get("chord_plans") or {}
    if cfg.get("plan_prior") and plans:
        n = sum(len(w) for m in plans.values() for w in m.values())
        rows.append(("plan_prior", f"on (generate, {', '.join(cfg['plan_prior'])}): {json.dumps(cfg['plan_prior'])}, "
                                   f"over {n} chord-plan windows of {len(plans)} styles"))
    for k, what in (("repeat_prior", "toward the style's share of repeated notes; not on accompany"),
                    ("register_prior", "logit a semitone outside the style's register, a new part's range left open"),
                    ("tonal_prior", "generate with a key: toward the degrees the role's training notes took at the beats"),
                    ("onset_prior", "generate: onsets toward where the style's training onsets fall in the bar"),
                    ("kit_prior", "generate drums: each onset's kit pieces toward those the style's training bars play there")):
        if cfg.get(k):
            rows.append((k, f"{json.dumps(cfg[k])}: {what}"))
    if not rows:
        return []
    return ["## Decoding settings", "", "Chosen on the validation split with `cadenza eval --split val` (docs/MODEL.md):",
            "", table(rows, ("setting", "value")), ""]


def write_card(folder: Path, notes: str = "") -> Path:
    return write_folder_card(folder, render, notes)


if __name__ == "__main__":
    print(write_card(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else ""))
