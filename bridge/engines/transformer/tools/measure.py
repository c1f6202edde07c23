"""Measure a transformer model folder the way the targets are stated, and record the numbers.

    python -m bridge.engines.transformer.tools.measure MODEL_DIR [--runs 30] [--write]

- load: a fresh Python process imports torch and loads the folder with bridge.engines.registry.load_model
  (what `cadenza serve` does before it says ready); wall seconds from process start;
- latency: engine-level `run` of an N-bar melody generate (1 variation, new seed each run), p50/p99
  in ms for 4 and 8 bars, in that same process after the load;
- memory: the process's resident set (VmRSS) and peak (VmHWM) after the runs, in MB.
With --write the numbers go into config.json ("measured"), where MODEL_CARD.md reads them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

_CHILD = r"""
import time, json, sys, os
t0 = time.perf_counter()
import torch
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
                  "torch_threads": torch.get_num_threads()}))
"""


def measure(folder: Path, runs: int = 30) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(runs)], capture_output=True, text=True,
                         check=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["machine"] = f"{platform.machine()}, {os.cpu_count()} CPU cores (shared), {platform.python_version()}"
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description="Measure load time, latency and memory of a transformer model.")
    ap.add_argument("model", type=Path)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--write", action="store_true", help="record the numbers in config.json")
    a = ap.parse_args()
    res = measure(a.model, a.runs)
    print(json.dumps(res, indent=1))
    if a.write:
        path = a.model / "config.json"
        cfg = json.loads(path.read_text())
        cfg["measured"] = res
        path.write_text(json.dumps(cfg, indent=1))
        print(f"wrote measured numbers into {path}")


if __name__ == "__main__":
    main()
