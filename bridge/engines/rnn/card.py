"""MODEL_CARD.md for an rnn model folder, written from what the folder records about itself
(config.json: the network, the training summary and its data facts, measured step times), in the
Transformer card's shape (transformer/card.py). The block `cadenza eval` maintains is kept.

    python -m bridge.engines.rnn.card MODEL_DIR ["extra notes"]
"""

from __future__ import annotations

import sys
from pathlib import Path

import bridge.engines.decoding.vocab as V
from bridge.engines.card import data_section, network_section, table, weights_row, write_folder_card


def render(cfg: dict, notes: str = "") -> str:
    m, t = cfg["model"], cfg.get("training", {})
    data, meas = t.get("data", {}), cfg.get("measured", {})
    out = [f"# {cfg.get('name', 'rnn')}: the conditioned music GRU", ""]
    out += ["A recurrent language model over the same bar/position/pitch/duration/velocity event tokens as the "
            "Transformer, conditioned by the same prefix (role, style, mood, key, meter, tempo, density, bars) and "
            "trained on the same examples (bar-level fill-in-the-middle, style dropout and unconditional rows for "
            "classifier-free guidance), so the shared composer generates, continues, infills and restyles with it. "
            "Its state is O(1): one step costs the same at bar 1 and bar 64, which suits endless streams. "
            "Engine notes: docs/ENGINES.md.", ""]
    out += network_section([
        ("layers x width", f"{m['n_layers']} x GRU {m['hidden']} (embedding {m['hidden']}, RMS norm, linear head)"),
        ("parameters", f"{t.get('params', 0) / 1e6:.2f} M"),
        ("vocabulary", f"{m['vocab_size']} tokens (tokenizer v{V.VERSION})"),
        ("state", f"[{m['n_layers']}, rows, {m['hidden']}] float32 a request, whatever its length"),
        weights_row(cfg),
        ("serving", f"{cfg.get('cpu_runtime', 'torch-fp32')}"
                    + (f" ({cfg['onnx']}: the one-token step, MatMuls int8 by ONNX Runtime dynamic quantisation; "
                       "no torch needed)" if cfg.get("onnx") else "")),
    ])
    minutes, steps, tokens = t.get("total_minutes", t.get("minutes")), t.get("total_steps", t.get("steps")), \
        t.get("total_tokens", t.get("tokens", 0)) or 0
    chain = t.get("runs") or []
    runs = f" in {len(chain)} runs, each resumed from the previous one's weights" if len(chain) > 1 else ""
    out += ["## Training", "",
            f"Trained on **{str(t.get('device', '?')).upper()}** ({t.get('precision', 'fp32')}, "
            f"{t.get('threads', '?')} torch thread(s), a machine shared with other work) for **{minutes} minutes** "
            f"of wall time{runs}: {steps} steps, {tokens / 1e6:.2f} M target tokens, config `{t.get('config', '?')}`. "
            f"Best validation loss **{t.get('best_val_loss', '?')}** nats/token (the Transformer's examples and "
            "validation clips, so the two losses compare).", ""]
    if notes:
        out += [notes.strip(), ""]
    hist = [(i + 1, h) for i, r in enumerate(chain) for h in r.get("history", [])] if chain else \
        [(1, h) for h in t.get("history", [])]
    if hist:
        out += [table([(r, h["epoch"], h["step"], h["train_loss"], h["val_loss"], h["minutes"]) for r, h in hist],
                       ("run", "epoch", "step", "train loss", "val loss", "minutes")), ""]
    out += data_section(cfg, data)
    if meas:
        out += ["## Measured", "", table([(k, v) for k, v in meas.items() if not isinstance(v, dict)], ("", "")), ""]
    out += ["## Limits", "",
            "- Small and briefly trained on 1 CPU thread: expect plausible phrases, not long-range form; a GRU "
            "remembers less of a long prompt than the Transformer's attention does.",
            "- Styles with few training clips (see the data table) are weakly conditioned.",
            "- Onsets on the sixteenth and eighth-triplet grid, durations from the vocabulary's 36 values.",
            "- Not trained on a GPU: none was available to this work.", ""]
    return "\n".join(out)


def write_card(folder: Path, notes: str = "") -> Path:
    return write_folder_card(folder, render, notes)


if __name__ == "__main__":
    print(write_card(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else ""))
