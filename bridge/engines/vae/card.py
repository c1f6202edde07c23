"""MODEL_CARD.md for a vae model folder, from what config.json records: the network, the training
run (device, minutes, per-epoch recon and KL), the KL per latent dimension, the data and its
licences, the ONNX graphs and their int8 check, and the measured numbers (`measured`, written by
scripts/vae_measure.py). The block `cadenza eval` maintains is kept as it is.

    python -m bridge.engines.vae.card MODEL_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import bridge.engines.decoding.vocab as V
from bridge.engines.card import (WALL_TIME, data_section, network_section, table, trained_for, weights_row,
                                 write_folder_card)


def render(cfg: dict) -> str:
    m, t = cfg["model"], cfg.get("training", {})
    data, kl, q, meas = t.get("data", {}), t.get("kl_per_dim", {}), cfg.get("onnx_quality", {}), cfg.get("measured", {})
    out = [f"# {cfg.get('name', 'vae')}: the latent-space VAE (interpolate, attribute sliders, variations)", ""]
    out += ["A MusicVAE-style model of one part over windows of "
            f"{m['window_bars']} bars: a bidirectional GRU encoder over the shared event tokens to a "
            f"{m['z_dim']}-dimensional Gaussian latent, and an autoregressive GRU decoder over the same tokens "
            "conditioned on z (its initial state and every input) and on the condition prefix (role, style, "
            "mood, key, meter, tempo, density, bars). Longer clips chain windows. Operations: generate, "
            "restyle (preserve none), interpolate. How requests move the latent: docs/ENGINES.md.", ""]
    out += network_section([
        ("encoder", f"bidirectional GRU {m['enc_hidden']} x 2 over {m['d_emb']}-wide token embeddings"),
        ("latent", f"{m['z_dim']} dimensions"),
        ("decoder", f"GRU {m['dec_hidden']}, input = token embedding + z, initial state tanh(W z)"),
        ("parameters", f"{(t.get('params') or 0) / 1e6:.2f} M"),
        ("vocabulary", f"{m['vocab_size']} tokens (tokenizer v{V.VERSION}, shared with the Transformer)"),
        weights_row(cfg),
        ("serving", f"ONNX Runtime: {', '.join(f'{k} {v}' for k, v in cfg.get('onnx', {}).items())} (no torch)"),
    ])
    out += ["## Training", ""]
    out += [trained_for(t, "windows") + " Loss per window = recon "
            "(token cross-entropy summed over the window) + beta x KL, beta annealed, with free bits. "
            f"Best held-out recon + KL: **{t.get('best_val', '?')}** nats a window. " + WALL_TIME, ""]
    hist = t.get("history", [])
    if hist:
        out += [table([(h["epoch"], h["step"], h["train_recon"], h["train_kl"], h["val_recon"],
                         h["val_recon_per_token"], h["val_kl"], h["minutes"]) for h in hist],
                       ("epoch", "step", "train recon", "train KL", "val recon", "val recon/token", "val KL",
                        "minutes")), ""]
    if kl:
        out += [f"KL per latent dimension at the end (held-out windows): mean {kl.get('mean')} nats, "
                f"{kl.get('active_dims')} of {kl.get('of')} dimensions above 0.05 nats (max {kl.get('max')}, "
                f"min {kl.get('min')}): the latent is used (no posterior collapse). The free bits "
                f"({t.get('free_bits', 48)} nats a window, {round(t.get('free_bits', 48) / kl.get('of', 1), 3)} a "
                "dimension) are the floor most dimensions sit near: a longer run, or a larger beta with fewer "
                "free bits, is what would let some dimensions carry more.", ""]
    out += data_section(cfg, data, f" (cut into random {m['window_bars']}-bar windows, transposed -5..+6 semitones)")
    out += ["## Runtime and measured numbers", ""]
    if q:
        out += [f"int8 check of the decoder step (teacher-forced on held-out windows, {q.get('positions')} "
                f"positions): greedy next-token agreement with fp32 {q.get('greedy_agreement')}, largest logit "
                f"difference {q.get('max_logit_diff')}; served step: `{q.get('step')}`.", ""]
    if meas:
        rows = [(k, v) for k, v in meas.items() if k != "command" and not isinstance(v, (dict, list))]
        out += [f"Measured by `{meas.get('command', 'python scripts/vae_measure.py')}`:", "",
                table(rows, ("measure", "value")), ""]
    out += ["## Limits", "",
            "- Small and briefly trained on 2 shared CPU cores: reconstructions keep the rhythm and contour of a "
            "window better than its exact pitches.",
            "- Windows are decoded one at a time: a long clip is a chain of 2-bar phrases, joined at bar lines.",
            "- Restyle regenerates rhythm and pitch together (preserve none only).",
            "- Generate is below the Markov baseline on the musical summary (the evaluation below): use the "
            "VAE to interpolate and to vary clips, the Transformer or Markov model to write from nothing.", ""]
    return "\n".join(out)


def write_card(folder: Path) -> Path:
    return write_folder_card(folder, render)


if __name__ == "__main__":
    print(write_card(Path(sys.argv[1])))
