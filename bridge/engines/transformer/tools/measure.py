"""Measure a transformer model folder the way the targets are stated, and record the numbers.

    python -m bridge.engines.transformer.tools.measure MODEL_DIR [--runs 30] [--write]
    python -m bridge.engines.transformer.tools.measure MODEL_DIR --loop [--runs 20]

- load: a fresh Python process loads the folder with bridge.engines.registry.load_model
  (what `cadenza serve` does before it says ready); wall seconds from process start;
- latency: engine-level `run` of an N-bar melody generate (1 variation, new seed each run), p50/p99
  in ms for 4 and 8 bars, in that same process after the load;
- memory: the process's resident set (VmRSS) and peak (VmHWM) after the runs, in MB.
With --write the numbers go into config.json ("measured"), where MODEL_CARD.md reads them.

--loop measures the decode loop against the model alone, in this process, on an ONNX Runtime
model: `decode_region` of an 8-bar melody (1 and 4 variations, a new seed each run) in ms a step,
against `sess.run` alone replaying the same steps (same rows, same cache lengths, feeds built
outside the timer). loop / bare is what the Python between two model steps costs (docs/BENCH.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from bridge.engines.trainkit import config_json

_CHILD = r"""
import time, json, sys, os
t0 = time.perf_counter()
try:
    import torch  # the torch runtimes' process-wide threads, where torch is installed
except ModuleNotFoundError:
    torch = None
from pathlib import Path
from bridge.engines.registry import load_model
from bridge.music.request import parse_request
eng = load_model(Path(sys.argv[1]), device="cpu")
load_s = time.perf_counter() - t0
runs = int(sys.argv[2])
lat = {}
for bars in (4, 8):
    ts, notes = [], []
    for seed in range(runs):
        req = parse_request("generate", ["bars", bars, "role", "melody", "seed", seed], eng.info.styles)
        t = time.perf_counter()
        clip = eng.run(req, None, lambda f: None)[0]
        ts.append((time.perf_counter() - t) * 1000)
        notes.append(len(clip.notes))
    ts.sort()
    lat[f"{bars}_bars"] = {"p50_ms": round(ts[len(ts) // 2], 1), "p99_ms": round(ts[min(len(ts) - 1, int(0.99 * len(ts)))], 1),
                           "mean_notes": round(sum(notes) / len(notes), 1), "runs": runs}
req = parse_request("generate", ["bars", 8, "variations", 8, "seed", 1], eng.info.styles)
t = time.perf_counter(); eng.run(req, None, lambda f: None); v8 = (time.perf_counter() - t) * 1000
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
mb = lambda k: round(int(status[k].split()[0]) / 1024, 1)
print(json.dumps({"load_s": round(load_s, 2), "latency": lat, "8_bars_8_variations_ms": round(v8, 1),
                  "rss_mb": mb("VmRSS"), "peak_rss_mb": mb("VmHWM"), "runtime": eng.info.extra.get("runtime"),
                  "torch_threads": torch.get_num_threads() if torch else None}))
"""


def measure(folder: Path, runs: int = 30) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(runs)], capture_output=True, text=True,
                         check=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["machine"] = f"{platform.machine()}, {os.cpu_count()} CPU cores (shared), {platform.python_version()}"
    return res


def measure_loop(folder: Path, runs: int = 20, bars: int = 8, rows_list=(1, 4)) -> dict:
    """ms a step of decode_region against the bare ONNX Runtime step, by rows (see the docstring).
    Each run is measured three ways back to back, so a shared machine's load weighs on all alike:
    the loop on the model; `sess.run` alone over the same steps; the loop alone, replaying the
    run's recorded logits (what the Python between two model steps costs, without the model)."""
    import time
    from dataclasses import replace

    import numpy as np

    from bridge.engines.decoding.sampling import decode_region
    from bridge.engines.registry import load_model
    from bridge.music.request import parse_request

    eng = load_model(Path(folder), device="cpu")
    if eng.info.extra.get("runtime") != "onnx-int8":
        raise SystemExit(f"--loop measures an onnx-int8 model; {folder} runs {eng.info.extra.get('runtime')}")
    comp, st = eng.composer, eng.composer.stepper

    class Recorder:  # the real stepper, keeping each step's tokens and logits
        def prefill(self, prompt, rows):
            self.steps, self.first = [], st.prefill(prompt, rows)
            return self.first

        def step(self, tokens, pos):
            logits = st.step(tokens, pos)
            self.steps.append((tokens, pos, logits))
            return logits

    class Replay:  # the recorded logits again, no model
        def __init__(self, rec):
            self.rec = rec

        def prefill(self, prompt, rows):
            self.i = 0
            return self.rec.first

        def step(self, tokens, pos):
            self.i += 1
            return self.rec.steps[self.i - 1][2]

    out = {}
    for rows in rows_list:
        req = parse_request("generate", ["bars", bars, "role", "melody", "variations", rows], eng.info.styles)
        cond, _, _ = comp.conditions(req, None, "melody")
        prompt = replace(cond, bars=bars).tokens()
        spec = comp._spec(req, cond, bars, len(prompt))
        loop_s = bare_s = python_s = 0.0
        n = 0
        for seed in range(runs):
            rec = Recorder()
            t = time.perf_counter()
            decode_region(rec, prompt, rows, spec, req.temperature, req.top_p, np.random.default_rng(seed), comp.max_len)
            loop_s += time.perf_counter() - t
            n += len(rec.steps)
            for tokens, pos, _ in rec.steps:
                feed = dict(zip(st.names, st.bufs))  # the buffers as the run left them
                feed["tokens"] = tokens.reshape(-1, 1)
                feed["start"] = np.array([pos], dtype=np.int64)
                t = time.perf_counter()
                st.one.run(None, feed)
                bare_s += time.perf_counter() - t
            t = time.perf_counter()
            decode_region(Replay(rec), prompt, rows, spec, req.temperature, req.top_p, np.random.default_rng(seed),
                          comp.max_len)
            python_s += time.perf_counter() - t
        loop_ms, bare_ms, python_ms = (1000 * x / n for x in (loop_s, bare_s, python_s))
        out[f"{rows}_rows"] = {"steps_a_run": round(n / runs, 1), "loop_ms_a_step": round(loop_ms, 3),
                               "bare_ms_a_step": round(bare_ms, 3), "python_ms_a_step": round(python_ms, 3),
                               "loop_over_bare": round(loop_ms / bare_ms, 2),
                               "loop_steps_per_s": round(1000 / loop_ms), "bare_steps_per_s": round(1000 / bare_ms)}
    out["machine"] = f"{platform.machine()}, {os.cpu_count()} CPU cores, load {os.getloadavg()[0]:.1f}"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="Measure load time, latency and memory of a transformer model.")
    ap.add_argument("model", type=Path)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--write", action="store_true", help="record the numbers in config.json")
    ap.add_argument("--loop", action="store_true", help="decode loop against the bare ONNX Runtime step")
    a = ap.parse_args()
    if a.loop:
        print(json.dumps(measure_loop(a.model, a.runs), indent=1))
        return
    res = measure(a.model, a.runs)
    print(json.dumps(res, indent=1))
    if a.write:
        path = a.model / "config.json"
        cfg = json.loads(path.read_text())
        cfg["measured"] = res
        path.write_text(config_json(cfg))
        print(f"wrote measured numbers into {path}")


if __name__ == "__main__":
    main()
