"""MODEL_CARD.md for a gan model folder, from what config.json records: the networks, the training
run (device, minutes, per-epoch losses and critic scores), the data and its licences, the ONNX
graph, and the measured numbers (`measured`, written by scripts/gan_measure.py) with what a
generated band sounds like (`listening`, written by hand into config.json). The block `cadenza
eval` maintains is kept as it is.

    python -m bridge.engines.gan.card MODEL_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from bridge.engines.card import WALL_TIME, data_section, network_section, table, trained_for, write_folder_card


def render(cfg: dict) -> str:
    m, t = cfg["model"], cfg.get("training", {})
    data, meas = t.get("data", {}), cfg.get("measured", {})
    out = [f"# {cfg.get('name', 'gan')}: the band GAN (drums, bass, chords and melody in one forward pass)", ""]
    out += ["A MuseGAN-style multi-track generator (Dong et al. 2018), small: from a shared latent, one latent "
            f"per track and the conditions (style, mode, tempo bucket, density bucket, mood, which tracks to "
            f"write) it writes a {cfg.get('phrase_bars', 4)}-bar piano-roll of {', '.join(cfg.get('tracks', []))} "
            "at sixteenth resolution (a hold and an onset channel a track) in one pass; the critic sees all tracks "
            "together. Pitched parts are written in C and moved to the asked key. Operations: generate (one "
            "part) and band (several parts that fit each other). How notes are read off the roll: docs/ENGINES.md.",
            ""]
    out += network_section([
        ("generator", f"shared trunk {m['g_trunk']} ch (bars -> beats x 7 octave slots), per-track branches "
                      f"{m['g_track']} ch (beats -> sixteenths -> 12 pitches an octave); latents {m['z_shared']} "
                      f"shared + {m['z_track']} a track; {(t.get('generator_params') or 0) / 1e6:.2f} M parameters"),
        ("critic", f"per-track stream {m['d_track']} ch + joint chroma stream {m['d_chroma']} ch, merged "
                   f"{m['d_hidden']} ch, projection of the conditions, spectral norm everywhere; "
                   f"{(t.get('critic_params') or 0) / 1e6:.2f} M parameters"),
        ("loss", "hinge (critic), -D(G(z)) (generator); generator weights averaged (EMA) for serving"),
        ("weights", ", ".join(cfg.get("weights", []) + [cfg.get("critic", "")]) + " (safetensors, fp32, "
                    "each file <= 16 MiB; the critic is kept for `--from`)"),
        ("serving", f"ONNX Runtime: {cfg.get('onnx', 'not exported')} (fp32, no torch)"),
        ("onset thresholds", ", ".join(f"{k} {v}" for k, v in cfg.get("onset_threshold", {}).items())),
        ("hold thresholds", ", ".join(f"{k} {v}" for k, v in cfg.get("hold_threshold", {}).items())
         if isinstance(cfg.get("hold_threshold"), dict) else str(cfg.get("hold_threshold", 0.5))),
        ("registers (in C)", ", ".join(f"{k} {v[0]}-{v[1]}" for k, v in cfg.get("registers", {}).items())),
    ])
    out += ["## Training", ""]
    out += [trained_for(t, "band crops") + " " + WALL_TIME + " `val D` is the critic's "
            "mean score on held-out real crops and on generated ones under the same conditions; onsets are "
            "note starts a sixteenth of a present track (generated: at probability 0.5).", ""]
    if t.get("note"):
        out += [t["note"], ""]
    hist = t.get("history", [])
    if hist:
        keep = hist if len(hist) <= 16 else [hist[i] for i in sorted({*range(0, len(hist), len(hist) // 12 + 1),
                                                                       len(hist) - 1})]
        out += [table([(h["epoch"], h["step"], h["loss_d"], h["loss_g"], h["val_d_real"], h["val_d_fake"],
                        h["real_onsets"], h["fake_onsets"], h["minutes"]) for h in keep],
                      ("epoch", "step", "loss D", "loss G", "val D real", "val D fake", "onsets real",
                       "onsets fake", "minutes")), ""]
    out += data_section(cfg, data, f" (aligned parts of one window as bands, random {cfg.get('phrase_bars', 4)}-bar "
                                   "crops, moved to C)")
    if data.get("band_shapes"):
        out += ["Training bands by the tracks they hold (a missing track is zero and masked):", "",
                table(sorted(data["band_shapes"].items(), key=lambda kv: -kv[1]), ("tracks", "bands")), ""]
    if meas:
        out += ["## Measured numbers", ""]
        for k, v in meas.items():
            if isinstance(v, str):
                out += [f"- {k}: {v}"]
        for k, v in meas.items():
            if isinstance(v, list) and v and isinstance(v[0], list):
                out += ["", f"{k}:", "", table([tuple(r) for r in v[1:]], tuple(v[0])), ""]
        out += [""]
    if cfg.get("listening"):
        out += ["## What it sounds like", "", cfg["listening"], ""]
    out += ["## Limits", "",
            "- Small and briefly trained on 2 shared CPU cores: a GAN this size learns texture (where the "
            "drums hit, a bass register, chord-like stacks) before it learns phrasing.",
            "- 4/4 (and 2/2) only; bars beyond one 4-bar phrase chain phrases from a slowly moving latent.",
            "- Onsets are on sixteenths (no triplets); velocities follow the onset probability.", ""]
    return "\n".join(out)


def write_card(folder: Path) -> Path:
    return write_folder_card(folder, render)


if __name__ == "__main__":
    print(write_card(Path(sys.argv[1])))
