"""`cadenza bench`: measured speed and memory, end to end over OSC.

Starts a fresh daemon subprocess (so start-to-ready is real), then measures ping round trips
over UDP and TCP, generate latency for 4 and 8 bars per model, a 4-part band loop of 2 and 4 bars
(bench_band), the daemon's resident memory, and
(when streaming is available) the stream timing. Prints a table and can write JSON/Markdown.
Timings are reported, never asserted.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

from bridge.cli.timing import pct


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _start_daemon(models_dir, extra_env=None, stderr=subprocess.DEVNULL):
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(extra_env or {}))
    cmd = [sys.executable, "-m", "bridge.cli", "serve", "--port", "0", "--log-level", "warning"]
    if models_dir:
        cmd += ["--models", str(models_dir), "--only"]  # measure exactly these models
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
    line = proc.stdout.readline()
    ready_s = time.perf_counter() - t0
    m = re.search(r":(\d+) \|", line)
    if not m:
        proc.kill()
        raise click.ClickException(f"the daemon did not start: {line!r}")
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, int(m.group(1)), ready_s, line.strip()


def run_bench(models_dir=None, rounds: int = 30, stream_seconds: float = 8.0, progress=print,
              stream_model: str | None = None) -> dict:
    from bridge.server.client import Client, model_rows

    report: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    proc, port, ready_s, line = _start_daemon(models_dir)
    report["start_to_ready_s"] = round(ready_s, 3)
    report["ready_line"] = line
    try:
        for transport in ("udp", "tcp"):
            with Client("127.0.0.1", port, transport, timeout=10) as c:
                c.ping()
                rtts = []
                for _ in range(max(rounds, 50)):
                    t0 = time.perf_counter()
                    c.ping()
                    rtts.append((time.perf_counter() - t0) * 1000)
            report[f"ping_{transport}_ms"] = {"p50": round(pct(rtts, 50), 3), "p99": round(pct(rtts, 99), 3)}
            progress(f"ping over {transport}: p50 {pct(rtts, 50):.2f} ms, p99 {pct(rtts, 99):.2f} ms")
        with Client("127.0.0.1", port, "tcp", timeout=120) as c:
            rows = model_rows(c.query("models"))
            models = [r["name"] for r in rows]
            operations = {r["name"]: [o for o in str(r.get("operations", "")).split(",") if o] for r in rows}
            report["generate"] = {}
            for model in models:
                if operations[model] and "generate" not in operations[model]:
                    continue  # e.g. the groove model: it re-times clips, it writes none (its own bench: --groove)
                for bars in (4, 8):
                    times = []
                    c.request("generate", {"model": model, "bars": bars, "seed": 0})  # warm-up
                    for i in range(rounds):
                        t0 = time.perf_counter()
                        c.request("generate", {"model": model, "bars": bars, "role": "melody", "seed": i})
                        times.append((time.perf_counter() - t0) * 1000)
                    key = f"{model}/{bars}bars"
                    report["generate"][key] = {"p50_ms": round(pct(times, 50), 1), "p99_ms": round(pct(times, 99), 1),
                                               "mean_ms": round(statistics.mean(times), 1)}
                    progress(f"generate {key} melody: p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms")
            report["band"] = bench_band(c, models, operations, rounds, progress)
        report["rss_mb"] = round(_rss_mb(proc.pid), 1)
        progress(f"daemon resident memory: {report['rss_mb']} MB")
        if stream_seconds > 0:
            from bridge.cli.bench_stream import bench_stream

            report["stream"] = bench_stream("127.0.0.1", port, seconds=stream_seconds, model=stream_model)
            report["stream"]["model"] = stream_model or "the stream default"
            progress(f"stream: {report['stream']}")
    finally:
        _stop_daemon(proc)
    return report


BAND_PARTS = ("drums", "bass", "chords", "melody")
BAND_BARS = (2, 4)


def bench_band(c, models: list, operations: dict, rounds: int, progress) -> dict:
    """A 4-part loop (drums, bass, chords, melody) of 2 and 4 bars, end to end over OSC: one band
    request to each model that writes bands (one forward pass), and beside it the same loop from
    the Transformer as the four single-part requests it takes there."""
    out: dict = {}
    jobs = [(m, f"{m}/band-{bars}bars", [{"roles": ",".join(BAND_PARTS)}], bars)
            for m in models if "band" in operations.get(m, ()) for bars in BAND_BARS]
    if "transformer" in models:
        jobs += [("transformer", f"transformer/4-parts-{bars}bars (4 requests)",
                  [{"role": r} for r in BAND_PARTS], bars) for bars in BAND_BARS]
    for model, key, asks, bars in jobs:
        c.request("generate", {"model": model, "bars": bars, "seed": 0, **asks[0]})  # warm-up
        times = []
        for i in range(rounds):
            t0 = time.perf_counter()
            for ask in asks:
                c.request("generate", {"model": model, "bars": bars, "seed": i, **ask})
            times.append((time.perf_counter() - t0) * 1000)
        out[key] = {"p50_ms": round(pct(times, 50), 1), "p99_ms": round(pct(times, 99), 1),
                    "mean_ms": round(statistics.mean(times), 1)}
        progress(f"band {key}: p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms")
    return out


def _stop_daemon(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_fuzz_bench(models_dir, count: int, seed: int, progress=print) -> dict:
    """The long hostile-input campaign (bridge/cli/fuzz.py) against a fresh daemon: `count`
    datagrams and count/1000 hostile TCP streams, then a ping; the daemon's memory and log size."""
    import tempfile

    from bridge.cli.fuzz import run_fuzz

    with tempfile.TemporaryFile(mode="w+") as log:
        # a valid request the fuzzer happens to make is cut at 2 s, so the campaign measures input handling
        proc, port, _, _ = _start_daemon(models_dir, {"CADENZA_REQUEST_TIMEOUT": "2"}, stderr=log)
        try:
            rss0 = _rss_mb(proc.pid)
            rep = run_fuzz("127.0.0.1", port, count, seed=seed, tcp_streams=max(10, count // 1000))
            progress(rep.summary())
            alive = proc.poll() is None
            rss1 = _rss_mb(proc.pid)
        finally:
            _stop_daemon(proc)
        log.seek(0, 2)
        log_bytes = log.tell()
    return {"fuzz": {"datagrams": rep.sent, "tcp_streams": rep.tcp_streams, "seed": seed, "seconds": round(rep.seconds, 1),
                     "alive": alive, "ping_after_ms": round(rep.ping_ms[-1], 2) if rep.ping_ms else None,
                     "replies": rep.replies, "largest_reply": rep.largest_reply, "oversized": rep.oversized,
                     "undecodable": rep.undecodable, "log_bytes": log_bytes,
                     "rss_mb_before": round(rss0, 1), "rss_mb_after": round(rss1, 1)}}


def fuzz_markdown(r: dict) -> str:
    f = r["fuzz"]
    return "\n".join([
        "| measure | value |", "| --- | --- |",
        f"| hostile datagrams / TCP streams (seed {f['seed']}) | {f['datagrams']} / {f['tcp_streams']} in {f['seconds']} s |",
        f"| daemon alive afterwards | {'yes' if f['alive'] else 'NO'} |",
        f"| ping answered afterwards | {f['ping_after_ms']} ms |",
        f"| replies / largest / over 1,400 bytes / not OSC | {f['replies']} / {f['largest_reply']} B / {f['oversized']} / {f['undecodable']} |",
        f"| log written (warning level) | {f['log_bytes']} bytes |",
        f"| resident memory before / after | {f['rss_mb_before']} / {f['rss_mb_after']} MB |",
    ])


def to_markdown(r: dict) -> str:
    lines = ["| measure | value |", "| --- | --- |",
             f"| daemon start to ready | {r['start_to_ready_s']:.2f} s |"]
    for t in ("udp", "tcp"):
        p = r[f"ping_{t}_ms"]
        lines.append(f"| ping round trip over {t.upper()} p50 / p99 | {p['p50']:.2f} / {p['p99']:.2f} ms |")
    for key, v in r.get("generate", {}).items():
        lines.append(f"| generate {key} (melody) p50 / p99 | {v['p50_ms']:.0f} / {v['p99_ms']:.0f} ms |")
    for key, v in r.get("band", {}).items():
        lines.append(f"| band loop {key} (drums, bass, chords, melody) p50 / p99 | {v['p50_ms']:.0f} / {v['p99_ms']:.0f} ms |")
    lines.append(f"| daemon resident memory | {r['rss_mb']:.0f} MB |")
    s = r.get("stream")
    if s:
        lines.append(f"| stream ({s.get('model')}) median lead / p99 jitter / max late | {s.get('median_lead_ms')} / "
                     f"{s.get('p99_jitter_ms')} / {s.get('max_late_ms')} ms |")
        lines.append(f"| stream longest gap | {s.get('longest_gap_beats')} beats |")
    return "\n".join(lines)


@click.command()
@click.option("--models", "models_dir", type=click.Path(file_okay=False), default=None,
              help="Folder of model folders [default: the shipped models/].")
@click.option("--rounds", type=int, default=30, show_default=True, help="Requests per measurement.")
@click.option("--stream-seconds", type=float, default=8.0, show_default=True, help="0 skips the stream test.")
@click.option("--json-out", type=click.Path(dir_okay=False), default=None, help="Also write the report as JSON.")
@click.option("--markdown-out", type=click.Path(dir_okay=False), default=None, help="Also write a Markdown table.")
@click.option("--fuzz", "fuzz_count", type=click.IntRange(1, 10_000_000), default=None,
              help="Instead: send N seeded hostile datagrams (and N/1000 hostile TCP streams) and check the daemon lives.")
@click.option("--seed", type=int, default=1, show_default=True, help="The fuzzer's seed (--fuzz): same seed, same packets.")
@click.option("--stream-model", default=None, help="The model the stream test plays [the stream default].")
@click.option("--steps", "steps", is_flag=True,
              help="Instead: ms per decode step and per note of each token-by-token model, in one process.")
@click.option("--accompany", "accompany_model", type=click.Path(exists=True, file_okay=False), default=None,
              help="Instead: the latency of a 4-bar bass beside three 4-bar tracks from this model folder, in process.")
@click.option("--groove", "groove_model", type=click.Path(exists=True, file_okay=False), default=None,
              help="Instead: the latency of grooving an 8-bar drum clip with this model folder, in process.")
def bench(models_dir, rounds, stream_seconds, json_out, markdown_out, fuzz_count, seed, stream_model, steps,
          accompany_model, groove_model):
    """Measure start-up, round trips, generation latency, memory and stream timing.

    \b
    Examples:
      cadenza bench --rounds 50 --markdown-out docs/BENCH.md
      cadenza bench --fuzz 100000          # the hostile-input campaign, long version
      cadenza bench --stream-model rnn     # the stream test played by the rnn
      cadenza bench --steps --rounds 10    # transformer vs rnn: ms a decode step and a note
      cadenza bench --accompany /work/train/acc --rounds 30   # a model trained for accompany
      cadenza bench --groove models/groove --rounds 50        # groove an 8-bar drum clip
    """
    echo = lambda m: click.echo(m, err=True)  # noqa: E731
    if groove_model:
        from bridge.cli.bench_groove import bench_groove, markdown

        try:
            r = bench_groove(groove_model, rounds, progress=echo)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        md = markdown(r)
    elif accompany_model:
        from bridge.cli.bench_accompany import bench_accompany, markdown

        try:
            r = bench_accompany(accompany_model, rounds, progress=echo)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        md = markdown(r)
    elif fuzz_count:
        r = run_fuzz_bench(models_dir, fuzz_count, seed, progress=echo)
        md = fuzz_markdown(r)
    elif steps:
        from bridge.cli.bench_steps import run_steps, steps_markdown
        from bridge.server.config import default_models_dir

        r = run_steps(Path(models_dir) if models_dir else default_models_dir(), rounds=rounds, progress=echo)
        md = steps_markdown(r)
    else:
        r = run_bench(models_dir, rounds, stream_seconds, progress=echo, stream_model=stream_model)
        md = to_markdown(r)
    click.echo(md)
    if json_out:
        Path(json_out).write_text(json.dumps(r, indent=1))
    if markdown_out:
        Path(markdown_out).write_text(md + "\n")
