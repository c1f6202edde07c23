"""What the `cadenza bench` measures share: the nearest-rank percentile of a list of timings, and
timing one in-process request over `rounds` seeds. Timings are reported, never asserted."""

from __future__ import annotations

import os
import time

WARMUP_SEED = 10_000  # the untimed first call's seed: outside the timed seeds 0 .. rounds-1


def pct(values, q: float) -> float:
    """The `q`-th percentile of `values` (nearest rank; nan when there are none)."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def time_rounds(run, rounds: int) -> tuple[list, list, list]:
    """Call `run(seed)` once untimed (a warm-up), then for seeds 0 .. rounds-1, timed. Returns the
    milliseconds of each, what each returned, and the 1-minute load average before and after
    (rounded to 0.01), so a reader can tell a busy machine from a slow model."""
    run(WARMUP_SEED)
    load0 = os.getloadavg()[0]
    times, outs = [], []
    for seed in range(rounds):
        t0 = time.perf_counter()
        outs.append(run(seed))
        times.append((time.perf_counter() - t0) * 1000)
    return times, outs, [round(load0, 2), round(os.getloadavg()[0], 2)]
