"""MODEL_CARD.md for a groove model folder, from what config.json records: the network, the
training run, the groove pairs and their licences, and the measured numbers (`measured`, written
by measure.py). The block `cadenza eval` maintains is kept as it is.

    python -m bridge.engines.groove.card MODEL_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from bridge.engines.card import WALL_TIME, network_section, table, trained_for, weights_row, write_folder_card


def render(cfg: dict) -> str:
    m, t = cfg["model"], cfg.get("training", {})
    data, meas = t.get("data", {}), cfg.get("measured", {})
    out = [f"# {cfg.get('name', 'groove')}: the WaveNet groove engine (groove: timing and velocity)", ""]
    out += ["A WaveNet over a part's note events: the uploaded clip's notes, read onto the grid, go through "
            f"{m['layers']} gated layers of dilated causal 1-D convolutions (kernel {m['kernel']}, dilations 1 .. "
            f"{2 ** (m['cycle'] - 1)}, repeated; receptive field {t.get('receptive_field', '?')} notes), with "
            "residual and skip connections and role, style and tempo as the global condition. Per note it "
            f"predicts two {m['mixtures']}-component Gaussian mixtures: the onset's offset from its grid point "
            "and the velocity (Magenta GrooVAE's targets). Operation: `groove` (docs/PROTOCOL.md); "
            "how a request uses the mixtures: docs/ENGINES.md, \"Groove\".", ""]
    out += network_section([
        ("layers", f"{m['layers']} gated (tanh x sigmoid), {m['channels']} residual / {m['skip_channels']} skip channels"),
        ("condition", f"role and style embeddings ({m['cond_dim']} each; style {m['n_styles']} = any) + tempo"),
        ("parameters", f"{(t.get('params') or 0) / 1e3:.0f} k"),
        weights_row(cfg),
        ("serving", f"ONNX Runtime `{cfg.get('onnx', '-')}` + numpy sampling (no torch); parity with torch "
                    f"{cfg.get('onnx_parity', {}).get('max_abs_diff', float('nan')):.1e} (largest output difference)"),
        ("styles", ", ".join(cfg.get("styles", []))),
        ("roles", ", ".join(cfg.get("roles", [])) + f"; default style {cfg.get('default_style')}"),
    ])
    out += ["## Training", ""]
    unt = t.get("untrained_val", {})
    out += [trained_for(t, f"windows of {t.get('window')} notes") + " Loss = "
            "offset NLL + velocity NLL (nats a note; velocity only over parts that played velocities). Held-out "
            f"NLL untrained: offset {unt.get('offset', '?')}, velocity {unt.get('velocity', '?')}; best sum "
            f"**{t.get('best_val', '?')}**. " + WALL_TIME, ""]
    hist = t.get("history", [])
    if hist:
        keep = hist if len(hist) <= 20 else hist[:: len(hist) // 10]
        keep = keep if keep[-1] is hist[-1] else keep + hist[-1:]
        out += [table([(h["epoch"], h["step"], h["train_offset_nll"], h["train_velocity_nll"], h["val_offset_nll"],
                         h["val_velocity_nll"], h["minutes"]) for h in keep],
                       ("epoch", "step", "train offset NLL", "train velocity NLL", "val offset NLL",
                        "val velocity NLL", "minutes")), ""]
    out += ["## Data", "",
            f"Groove pairs (`cadenza data groove`, bridge/data/groove_pairs.py; folder `{cfg.get('pairs', '?')}`): "
            "played parts of the raw sources, before the corpus cleaner quantises them, each note paired with "
            "its grid point under clean.py's rule. A part counts as played when 15% or more of its onsets sit "
            "more than 1/96 beat off the grid and the offsets' spread stays under 0.05 beat. "
            f"{data.get('train_parts', '?')} training parts ({data.get('train_notes', '?')} notes) from "
            f"{data.get('train_pieces', '?')} pieces, {data.get('val_parts', '?')} validation and "
            f"{data.get('test_parts', '?')} test parts (split by piece: the shipped dataset's split where it has the "
            "piece, else bridge/data/split.py's rule).", ""]
    if data.get("sources"):
        out += [table([(s, n, data.get("source_notes", {}).get(s, "?")) for s, n in sorted(data["sources"].items())],
                      ("source", "training parts", "notes")), ""]
    if data.get("roles"):
        out += [table(sorted(data["roles"].items()), ("role", "training parts")), ""]
    if data.get("licences"):
        out += [table(sorted(data["licences"].items()), ("licence", "training pieces")), ""]
    out += ["MMA's timing is its humanisation (random offsets and velocities around each pattern's accents, "
            "chords strummed), not a drummer's: most of what the model learnt about timing is that spread, "
            "and its velocities follow MMA's accent patterns. The played game MIDI (simutrans, openttd, freedoom) "
            "is the part with a human feel.", ""]
    if meas:
        tm, tv = meas.get("timing_mae_ms", {}), meas.get("velocity_mae", {})
        out += ["## Measured (held-out test parts)", "", f"{meas.get('test_parts')} test parts, "
                f"{meas.get('test_notes')} notes (`python -m bridge.engines.groove.measure MODEL_DIR`).", "",
                table([("timing MAE (ms)", tm.get("model"), tm.get("quantised_input"), tm.get("style_role_average"),
                        tm.get("style_role_position_average")),
                       ("velocity MAE", tv.get("model"), "-", tv.get("flat_style_role_average"),
                        tv.get("style_role_position_average"))],
                      ("", "model (mean)", "quantised input (offset 0)", "style+role average",
                       "style+role+place-in-beat average")), "",
                f"Histogram overlap with the real test parts (1.0: the same histogram), drawn at temperature 1: "
                f"offsets {meas.get('offset_histogram_overlap', {}).get('model_t1')} (the quantised input: "
                f"{meas.get('offset_histogram_overlap', {}).get('quantised_input')}), velocities "
                f"{meas.get('velocity_histogram_overlap', {}).get('model_t1')}.", "",
                "Swing ratio (long:short, 1.0 straight, 2.0 triplet) of straight eighth hats grooved at swing "
                + ", ".join(f"{k}: {v}" for k, v in meas.get("swing_ratio", {}).items()) + ".", ""]
    out += ["## Limits", "",
            "- The timing it learnt is mostly MMA's humanisation: small, centred offsets; it is a humaniser with "
            "a style's accents more than a drummer's pocket.",
            "- On the shipped pairs the off-beat sixteenths move out (the \"e\" about 25 ms early, the \"a\" about 23 ms "
            "late at 120 BPM): many MMA library grooves place those hits at 0.2 and 0.8 of a beat, and the model learnt it.",
            "- Velocity over-fits MMA's repeated patterns within a run of this length: held-out velocity NLL is best "
            "early and rises while training NLL falls (the history above); the weights kept are the best offset + "
            "velocity sum.",
            "- Causal: a note's offset reads the notes before it (and the gap to the next onset), not the bar ahead.",
            "- Velocities are predicted from the grid and the kit piece alone: an uploaded clip's velocities are "
            "blended by `amount`, never read by the network.", ""]
    return "\n".join(out)


def write_card(folder: Path) -> Path:
    return write_folder_card(folder, render)


if __name__ == "__main__":
    print(write_card(Path(sys.argv[1])))
