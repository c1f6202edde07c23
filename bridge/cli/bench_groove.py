"""`cadenza bench --groove MODEL`: the latency of grooving an 8-bar drum clip, in process.

The clip is fixed and written out here (8 bars of 4/4 at 120 BPM: sixteenth hats, kick on 1 and
the "and" of 3, snare on 2 and 4; 160 notes), so every run measures the same request: groove it
with amount 0.8, swing 0.3, `rounds` seeds, through Engine.run (the daemon's own call, without
the transport). Timings are reported, never asserted; docs/BENCH.md records them with the load.
"""

from __future__ import annotations

import os
import statistics

from bridge.cli.timing import pct, time_rounds
from bridge.music.clip import Clip, Note
from bridge.music.request import Request


def drum_clip(bars: int = 8) -> Clip:
    notes = []
    for b in range(bars):
        for s in range(16):
            notes.append(Note(4.0 * b + s / 4, 42, 0.25, 100))
        for t, p in ((0.0, 36), (1.0, 38), (2.5, 36), (3.0, 38)):
            notes.append(Note(4.0 * b + t, p, 0.25, 100))
    return Clip(sorted(notes), 4.0 * bars, drums=True)


def bench_groove(folder, rounds: int = 30, progress=print) -> dict:
    from bridge.engines.registry import load_model

    engine = load_model(folder)
    if "groove" not in engine.operations:
        raise ValueError(f"{folder} does not answer groove (its operations: {', '.join(engine.operations)})")
    clip = drum_clip()
    ask = lambda seed: Request(operation="groove", role="drums", amount=0.8, swing=0.3, seed=seed)  # noqa: E731
    times, _, load = time_rounds(lambda seed: engine.run(ask(seed), clip, lambda f: None), rounds)
    r = {"model": str(folder), "runtime": getattr(engine.backend, "name", "?"), "rounds": rounds,
         "notes": len(clip.notes), "p50_ms": round(pct(times, 50), 2), "p99_ms": round(pct(times, 99), 2),
         "mean_ms": round(statistics.mean(times), 2), "load_avg_1min": load,
         "cpus": os.cpu_count()}
    progress(f"groove (8-bar drum clip, {r['notes']} notes) in process: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms "
             f"(load {r['load_avg_1min'][0]}-{r['load_avg_1min'][1]} on {r['cpus']} CPUs)")
    return r


def markdown(r: dict) -> str:
    return "\n".join(["| measure | value |", "| --- | --- |",
                      f"| groove an 8-bar drum clip ({r['notes']} notes), in process ({r['runtime']}) p50 / p99 | "
                      f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f} ms |",
                      f"| load average (1 min) before / after on {r['cpus']} CPUs | "
                      f"{r['load_avg_1min'][0]} / {r['load_avg_1min'][1]} |"])
