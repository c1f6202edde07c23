"""`cadenza bench`: measured speed and memory, end to end over OSC.

Starts a fresh daemon subprocess (so start-to-ready is real), then measures ping round trips
over UDP and TCP, generate latency for 4 and 8 bars per model, the daemon's resident memory, and
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


def _pct(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


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


def run_bench(models_dir=None, rounds: int = 30, stream_seconds: float = 8.0, progress=print) -> dict:
    from bridge.server.client import Client

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
            report[f"ping_{transport}_ms"] = {"p50": round(_pct(rtts, 50), 3), "p99": round(_pct(rtts, 99), 3)}
            progress(f"ping over {transport}: p50 {_pct(rtts, 50):.2f} ms, p99 {_pct(rtts, 99):.2f} ms")
        with Client("127.0.0.1", port, "tcp", timeout=120) as c:
            models = [args[0] for _, args in c.query("models")]
            report["generate"] = {}
            for model in models:
                for bars in (4, 8):
                    times = []
                    c.request("generate", {"model": model, "bars": bars, "seed": 0})  # warm-up
                    for i in range(rounds):
                        t0 = time.perf_counter()
                        c.request("generate", {"model": model, "bars": bars, "role": "melody", "seed": i})
                        times.append((time.perf_counter() - t0) * 1000)
                    key = f"{model}/{bars}bars"
                    report["generate"][key] = {"p50_ms": round(_pct(times, 50), 1), "p99_ms": round(_pct(times, 99), 1),
                                               "mean_ms": round(statistics.mean(times), 1)}
                    progress(f"generate {key} melody: p50 {_pct(times, 50):.1f} ms, p99 {_pct(times, 99):.1f} ms")
        report["rss_mb"] = round(_rss_mb(proc.pid), 1)
        progress(f"daemon resident memory: {report['rss_mb']} MB")
        if stream_seconds > 0:
            from bridge.cli.bench_stream import bench_stream

            report["stream"] = bench_stream("127.0.0.1", port, seconds=stream_seconds)
            progress(f"stream: {report['stream']}")
    finally:
        _stop_daemon(proc)
    return report


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
    lines.append(f"| daemon resident memory | {r['rss_mb']:.0f} MB |")
    s = r.get("stream")
    if s:
        lines.append(f"| stream median lead / p99 jitter / max late | {s.get('median_lead_ms')} / "
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
def bench(models_dir, rounds, stream_seconds, json_out, markdown_out, fuzz_count, seed):
    """Measure start-up, round trips, generation latency, memory and stream timing.

    \b
    Examples:
      cadenza bench --rounds 50 --markdown-out docs/BENCH.md
      cadenza bench --fuzz 100000          # the hostile-input campaign, long version
    """
    echo = lambda m: click.echo(m, err=True)  # noqa: E731
    if fuzz_count:
        r = run_fuzz_bench(models_dir, fuzz_count, seed, progress=echo)
        md = fuzz_markdown(r)
    else:
        r = run_bench(models_dir, rounds, stream_seconds, progress=echo)
        md = to_markdown(r)
    click.echo(md)
    if json_out:
        Path(json_out).write_text(json.dumps(r, indent=1))
    if markdown_out:
        Path(markdown_out).write_text(md + "\n")
