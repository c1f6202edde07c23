"""Choose a model's CPU runtime by measurement: fp32 eager, torch dynamic int8, or ONNX Runtime int8.

It does not quantize anything itself (the int8 forms come from runtime.quantize_int8 at load and
export.export_onnx): it times each runtime and records which one the engine should load.

    python -m bridge.engines.transformer.tools.choose_runtime MODEL_DIR [--write]

Times prefill of a typical prompt and single-token decode steps (batch 1 and 4) for each runtime
on this machine, prints a table, and with --write records the fastest int8 runtime in the model's
config.json ("cpu_runtime") together with the measurements ("cpu_bench"); the ONNX file is
written beside the weights when ONNX Runtime wins (it stays out of the folder otherwise).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import bridge.engines.decoding.vocab as V
from bridge.engines.trainkit import config_json
from bridge.engines.transformer.tools.export import export_onnx
from bridge.engines.transformer.runtime import OrtStepper, TorchStepper
from bridge.engines.transformer.weights import read_model

PROMPT = [V.BOS, V.ROLE_OFFSET, V.STYLE_OFFSET, V.MOOD_ANY, V.KEY_ANY, V.meter_token("4/4"), V.TEMPO_ANY,
          V.DENSITY_ANY, V.bars_token(8)]


def time_stepper(stepper, rows: int, steps: int = 150, repeats: int = 3) -> dict:
    """Median milliseconds: one prefill of PROMPT and one decode step (after `steps` warm steps)."""
    pre, step = [], []
    tok = np.full(rows, V.pitch_token(60), dtype=np.int64)
    for _ in range(repeats):
        t = time.perf_counter()
        stepper.prefill(PROMPT, rows)
        pre.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        for i in range(steps):
            stepper.step(tok, len(PROMPT) + i)
        step.append((time.perf_counter() - t) * 1000 / steps)
    return {"prefill_ms": round(statistics.median(pre), 3), "step_ms": round(statistics.median(step), 3)}


def time_runtimes(folder: Path, threads: int = 1) -> tuple[dict, Path]:
    """Load and time every CPU runtime on the model in `folder` -> (measurements by runtime, the
    int8 ONNX file exported for the ONNX Runtime candidate)."""
    folder = Path(folder)
    onnx_path = Path(tempfile.mkdtemp()) / "model-int8.onnx"
    export_onnx(read_model(folder), onnx_path, int8=True)
    runtimes = {
        "torch-fp32": lambda: TorchStepper(read_model(folder), int8=False, threads=threads),
        "torch-int8": lambda: TorchStepper(read_model(folder), int8=True, threads=threads),
        "onnx-int8": lambda: OrtStepper(onnx_path, threads=threads, max_len=read_model(folder).cfg.max_len),
    }
    results = {}
    for name, make in runtimes.items():
        t = time.perf_counter()
        st = make()
        load_ms = (time.perf_counter() - t) * 1000
        results[name] = {"load_ms": round(load_ms, 1), "b1": time_stepper(st, 1), "b4": time_stepper(st, 4)}
    return results, onnx_path


def main() -> None:
    ap = argparse.ArgumentParser(description="Time the CPU runtimes of a transformer model folder and choose one.")
    ap.add_argument("model", type=Path)
    ap.add_argument("--threads", type=int, default=1, help="CPU threads for both runtimes (the engine's default is 1)")
    ap.add_argument("--write", action="store_true", help="record the faster int8 runtime in config.json")
    a = ap.parse_args()
    results, onnx_path = time_runtimes(a.model, a.threads)
    print(f"{'runtime':12} {'load ms':>8} {'prefill b1':>11} {'step b1':>8} {'step b4':>8}")
    for name, r in results.items():
        print(f"{name:12} {r['load_ms']:8.1f} {r['b1']['prefill_ms']:11.2f} {r['b1']['step_ms']:8.3f} {r['b4']['step_ms']:8.3f}")
    score = {n: results[n]["b1"]["step_ms"] + results[n]["b4"]["step_ms"] for n in ("torch-int8", "onnx-int8")}
    best = min(score, key=score.get)
    print(f"faster int8 runtime: {best} ({score[best]:.3f} vs {max(score.values()):.3f} ms for a b1+b4 step)")
    if a.write:
        cfg_path = a.model / "config.json"
        cfg = json.loads(cfg_path.read_text())
        cfg["cpu_runtime"], cfg["cpu_bench"] = best, results
        if best == "onnx-int8":
            (a.model / "model-int8.onnx").write_bytes(onnx_path.read_bytes())
            cfg["onnx"] = "model-int8.onnx"
        cfg_path.write_text(config_json(cfg))
        print(f"wrote cpu_runtime={best} into {cfg_path}")


if __name__ == "__main__":
    main()
