"""`cadenza bench --accompany MODEL`: the latency of a 4-bar part written beside three 4-bar tracks.

The context is fixed and written out here (a tune, I-vi-IV-V triads and a rock beat in C major,
4/4, 4 bars), so every run measures the same request: a bass for them, `rounds` seeds, in process
through Engine.run (the daemon's own call, without the transport). Timings are reported, never
asserted; docs/BENCH.md records them with the machine's load.
"""

from __future__ import annotations

import os
import statistics

from bridge.cli.timing import pct, time_rounds
from bridge.music.clip import Clip, Note
from bridge.music.request import Request
from bridge.music.theory import Key, Meter

TUNE = (72, 74, 76, 72, 76, 77, 79, 79, 81, 79, 77, 76, 74, 72, 74, 71)  # quarters, four a bar
CHORDS = ((60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62))  # C, Am, F, G


def context_tracks() -> list:
    """[(role, Clip)]: melody (quarters), chords (whole-bar triads), drums (kick, snare, hats)."""
    meter, key = Meter(4, 4), Key(0, "major")
    melody = [Note(float(i), p, 1.0, 90) for i, p in enumerate(TUNE)]
    chords = [Note(4.0 * b, p, 4.0, 70) for b, ch in enumerate(CHORDS) for p in ch]
    drums = []
    for b in range(4):
        for e in range(8):
            t = 4.0 * b + 0.5 * e
            drums.append(Note(t, 42, 0.25, 70))
            if e in (0, 4, 5):
                drums.append(Note(t, 36, 0.25, 100))
            if e in (2, 6):
                drums.append(Note(t, 38, 0.25, 95))
    return [("melody", Clip(melody, 16.0, meter, 120.0, key)), ("chords", Clip(chords, 16.0, meter, 120.0, key)),
            ("drums", Clip(sorted(drums), 16.0, meter, 120.0, None, True))]


def bench_accompany(folder, rounds: int = 30, progress=print) -> dict:
    """p50/p99/mean ms of the request over `rounds` seeds (after one warm-up), the load average
    before and after, and the mean notes written."""
    from bridge.engines.registry import load_model

    engine = load_model(folder)
    if "accompany" not in engine.operations:
        raise ValueError(f"{folder} does not answer accompany (its operations: {', '.join(engine.operations)})")
    ctx = context_tracks()
    ask = lambda seed: Request(operation="accompany", role="bass", context=ctx, seed=seed)  # noqa: E731
    times, outs, load = time_rounds(lambda seed: engine.run(ask(seed), None, lambda f: None), rounds)
    notes = [len(out[0].notes) for out in outs]
    r = {"model": str(folder), "runtime": engine.info.extra.get("runtime"), "rounds": rounds,
         "p50_ms": round(pct(times, 50), 1), "p99_ms": round(pct(times, 99), 1),
         "mean_ms": round(statistics.mean(times), 1), "mean_notes": round(statistics.mean(notes), 1),
         "load_avg_1min": load, "cpus": os.cpu_count()}
    progress(f"accompany (4-bar bass beside melody, chords, drums) in process: p50 {r['p50_ms']} ms, "
             f"p99 {r['p99_ms']} ms (load {r['load_avg_1min'][0]}-{r['load_avg_1min'][1]} on {r['cpus']} CPUs)")
    return r


def markdown(r: dict) -> str:
    return "\n".join(["| measure | value |", "| --- | --- |",
                      f"| accompany 4-bar bass beside 3 tracks, in process ({r['runtime']}) p50 / p99 | "
                      f"{r['p50_ms']:.0f} / {r['p99_ms']:.0f} ms |",
                      f"| load average (1 min) before / after on {r['cpus']} CPUs | "
                      f"{r['load_avg_1min'][0]} / {r['load_avg_1min'][1]} |"])
