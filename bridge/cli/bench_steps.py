"""`cadenza bench --steps`: the cost of one decode step and of one note, for every token-by-token
model (those whose engine decodes through the shared composer: transformer, rnn), side by side in
one process on one machine, so the numbers compare.

Per model, on its configured CPU runtime (ONNX Runtime int8 for the shipped ones):
- step at context C: prefill a real prompt of C tokens, then time `steps` one-token steps of one
  row (and of 4 rows: four variations in lockstep). A Transformer's step reads its whole KV cache,
  so it grows with C; an RNN's state is O(1), so it should not.
- per note: `engine.run` of an 8-bar melody generate (the daemon's path minus the sockets), wall
  time divided by the notes it returned, median over `rounds` seeds.
Medians in milliseconds. Timings are reported, never asserted: the machine may be shared.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

import bridge.engines.decoding.vocab as V
from bridge.engines.registry import load_model
from bridge.music.request import parse_request

CONTEXTS = (16, 256, 768)  # prompt lengths before the timed steps (a stream's context grows to hundreds)
STEP_FAMILIES = ("transformer", "rnn")  # the families that decode through a Stepper


def _prompt(n: int) -> list[int]:
    """A grammatical prompt of n tokens: the condition prefix, then bars of one repeated note."""
    prefix = [V.BOS, V.ROLE_OFFSET, V.STYLE_OFFSET, V.MOOD_ANY, V.KEY_ANY]
    body, note = [], [V.BAR, V.PITCH_OFFSET + 60, V.DUR_OFFSET + 3]
    while len(prefix) + len(body) < n:
        body += note
    return (prefix + body)[:n]


def _step_ms(stepper, context: int, rows: int, steps: int) -> float:
    stepper.prefill(_prompt(context), rows)
    tok = np.full(rows, V.PITCH_OFFSET + 62, dtype=np.int64)
    times = []
    for i in range(steps):
        t0 = time.perf_counter()
        stepper.step(tok, context + i)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure_model(folder: Path, steps: int = 128, rounds: int = 10) -> dict:
    engine = load_model(folder, device="cpu")
    stepper = engine.composer.stepper
    max_len = engine.composer.max_len
    out = {"engine": engine.info.engine, "runtime": engine.info.extra.get("runtime"),
           "params": engine.info.extra.get("params"), "step_ms": {}}
    for ctx in CONTEXTS:
        if ctx + steps >= max_len:
            continue
        out["step_ms"][ctx] = {"b1": round(_step_ms(stepper, ctx, 1, steps), 3),
                               "b4": round(_step_ms(stepper, ctx, 4, steps), 3)}
    per_note, per_req, notes = [], [], []
    for seed in range(rounds + 1):
        req = parse_request("generate", ["role", "melody", "bars", 8, "seed", seed])
        t0 = time.perf_counter()
        clip = engine.run(req, None, lambda f: None)[0]
        ms = (time.perf_counter() - t0) * 1000
        if seed == 0:
            continue  # warm-up
        per_req.append(ms)
        notes.append(len(clip.notes))
        per_note.append(ms / max(1, len(clip.notes)))
    out["generate_8bars_ms"] = round(statistics.median(per_req), 1)
    out["notes_mean"] = round(statistics.mean(notes), 1)
    out["ms_per_note"] = round(statistics.median(per_note), 3)
    return out


def run_steps(models_dir: Path, steps: int = 128, rounds: int = 10, progress=print) -> dict:
    """Every token-by-token model folder under `models_dir`, measured in turn in this process."""
    import json

    report = {}
    for folder in sorted(Path(models_dir).iterdir()):
        cfg = folder / "config.json"
        if not cfg.is_file() or json.loads(cfg.read_text()).get("engine") not in STEP_FAMILIES:
            continue
        report[folder.name] = r = measure_model(folder, steps, rounds)
        progress(f"{folder.name} ({r['runtime']}): step " + ", ".join(
            f"ctx {c}: {v['b1']} ms (4 rows {v['b4']} ms)" for c, v in r["step_ms"].items())
            + f"; {r['ms_per_note']} ms a note ({r['generate_8bars_ms']} ms for 8 bars, {r['notes_mean']} notes)")
    return report


def steps_markdown(report: dict) -> str:
    ctxs = sorted({c for r in report.values() for c in r["step_ms"]})
    head = ["model", "runtime", "params"] + [f"step @ctx {c} (1 / 4 rows)" for c in ctxs] + \
        ["8-bar melody", "notes", "per note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in report.items():
        cells = [name, r["runtime"], f"{(r['params'] or 0) / 1e6:.2f} M"]
        cells += [f"{r['step_ms'][c]['b1']} / {r['step_ms'][c]['b4']} ms" if c in r["step_ms"] else "-" for c in ctxs]
        cells += [f"{r['generate_8bars_ms']} ms", str(r["notes_mean"]), f"{r['ms_per_note']} ms"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
