"""Stream timing benchmark: a real UDP client starts a stream, logs when each bundle arrives, and
reports how far ahead of its time tag it came (lead), how steady that lead is, how late the worst
bundle left and the longest silence between bundles, while the daemon's request worker is kept
busy with other generate requests ("while generation runs").

Arrival times are the kernel's receive timestamps (SO_TIMESTAMPNS) where Linux offers them, so the
receiver's own scheduling does not pollute the numbers. `cadenza bench` calls `bench_stream`;
`python -m bridge.cli.bench_stream --port 7500` runs it alone and prints JSON.
"""

from __future__ import annotations

import json
import random
import socket
import statistics
import struct
import sys
import threading
import time

from bridge.server.osc import decode_packet, encode_message
from bridge.server.router import ROOT

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35 if sys.platform.startswith("linux") else None)
TIMESPEC = struct.Struct("@ll")
KEEPALIVE_S = 2.0  # well inside the daemon's 10 s idle rule


class StreamReceiver:
    """A UDP socket that sends requests and records every datagram it gets back with its arrival
    time (kernel timestamp when available). Also used by the stream tests."""

    def __init__(self, host: str, port: int):
        self.addr = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.kernel_stamps = False
        if SO_TIMESTAMPNS is not None:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                self.kernel_stamps = True
            except OSError:
                pass
        self.sock.bind(("127.0.0.1" if host in ("127.0.0.1", "localhost") else "", 0))
        self.port = self.sock.getsockname()[1]
        self.packets: list = []  # (arrival unix time, time tag or None, [(address, args)], size)

    def send(self, address: str, *args) -> None:
        self.sock.sendto(encode_message(address, *args), self.addr)

    def close(self) -> None:
        self.sock.close()

    def receive(self, timeout: float) -> tuple | None:
        """One datagram as (arrival, tag, messages, size), or None after `timeout` seconds."""
        self.sock.settimeout(max(0.001, timeout))
        try:
            data, anc, _flags, _src = self.sock.recvmsg(65536, 64)
        except (socket.timeout, BlockingIOError):
            return None
        arrival = time.time()
        for level, kind, blob in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(blob) >= TIMESPEC.size:
                sec, nsec = TIMESPEC.unpack_from(blob)
                arrival = sec + nsec / 1e9
        messages = decode_packet(data)
        tag = next((w for _, _, w in messages if w is not None), None)
        rec = (arrival, tag, [(a, g) for a, g, _ in messages], len(data))
        self.packets.append(rec)
        return rec

    def until(self, pred, timeout: float) -> tuple | None:
        """Receive until `pred(address, args)` holds for a message; return that packet or None."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            rec = self.receive(left)
            if rec is not None and any(pred(a, g) for a, g in rec[2]):
                return rec
        return None

    def run_for(self, seconds: float, keepalive_id: int | None = None) -> None:
        """Receive for `seconds`, sending `/cadenza/stream/keepalive id` every KEEPALIVE_S."""
        end = time.monotonic() + seconds
        next_ka = time.monotonic() + KEEPALIVE_S
        while (now := time.monotonic()) < end:
            if keepalive_id is not None and now >= next_ka:
                self.send(f"{ROOT}/stream/keepalive", keepalive_id)
                next_ka = now + KEEPALIVE_S
            self.receive(min(end, next_ka) - now)


def timing_stats(packets: list, req_id: int, tempo: float, lookahead_ms: float) -> dict:
    """Lead, jitter, lateness and gaps of the time-tagged bundles of stream `req_id`."""
    spb = 60.0 / tempo
    mine = [p for p in packets if p[1] is not None and any(g and g[0] == req_id for _, g in p[2])]
    leads = [(tag - arrival) * 1000 for arrival, tag, _, _ in mine]
    if not leads:
        return {"median_lead_ms": None, "p99_jitter_ms": None, "max_late_ms": None, "longest_gap_beats": None,
                "notes": 0, "bundles": 0, "after_tag": 0, "out_of_order": 0, "max_bytes": 0}
    med = statistics.median(leads)
    dev = sorted(abs(x - med) for x in leads)
    tags = [p[1] for p in mine]
    gaps = [(b - a) / spb for a, b in zip(tags, tags[1:])]
    return {
        "median_lead_ms": round(med, 3),
        "p99_jitter_ms": round(dev[min(len(dev) - 1, int(0.99 * len(dev)))], 3),
        "max_late_ms": round(max(0.0, max(lookahead_ms - x for x in leads)), 3),  # vs the planned send
        "longest_gap_beats": round(max(gaps, default=0.0), 3),
        "notes": sum(1 for p in mine for a, _ in p[2] if a == f"{ROOT}/note"),
        "bundles": len(mine),
        "after_tag": sum(1 for x in leads if x < 0),  # arrived after its own time tag
        "out_of_order": sum(1 for g in gaps if g < 0),
        "max_bytes": max(p[3] for p in mine),
    }


def _load_worker(host: str, port: int, stop: threading.Event, counter: list) -> None:
    """Keep the daemon's request worker busy with ordinary generate requests over TCP."""
    from bridge.server.client import Client

    try:
        with Client(host, port, timeout=30.0) as c:
            while not stop.is_set():
                c.request("generate", {"bars": 8, "variations": 2, "role": random.choice(["melody", "chords"])})
                counter[0] += 1
    except Exception as exc:  # a load failure must not hide the stream numbers; it is reported
        counter.append(f"{type(exc).__name__}: {exc}")


def bench_stream(host: str = "127.0.0.1", port: int = 7500, seconds: float = 10, tempo: float = 120.0,
                 lookahead_ms: float = 50.0, load: bool = True, model: str | None = None,
                 role: str = "melody") -> dict:
    """Start a stream, log arrivals for `seconds`, stop it and return the timing summary:
    {"median_lead_ms", "p99_jitter_ms", "max_late_ms", "longest_gap_beats", "notes", "bundles", ...}.
    `max_late_ms` is how much later than planned (tag - lookahead) the worst bundle arrived."""
    req_id = random.randrange(1, 2**31 - 1)
    rx = StreamReceiver(host, port)
    stop, counter = threading.Event(), [0]
    loader = threading.Thread(target=_load_worker, args=(host, port, stop, counter), daemon=True)
    try:
        opts = ["tempo", float(tempo), "lookahead_ms", float(lookahead_ms), "role", role, "density", 0.8]
        opts += ["model", model] if model else []
        rx.send(f"{ROOT}/stream/start", req_id, *opts)
        first = rx.until(lambda a, g: g[:1] == [req_id] and a in (f"{ROOT}/accepted", f"{ROOT}/error"), 10.0)
        if first is None or any(a == f"{ROOT}/error" for a, _ in first[2]):
            raise RuntimeError(f"the daemon did not accept the stream: {first and first[2]}")
        if load:
            loader.start()
        rx.run_for(seconds, keepalive_id=req_id)
        rx.send(f"{ROOT}/stream/stop", req_id)
        end = rx.until(lambda a, g: g[:1] == [req_id] and a in (f"{ROOT}/done", f"{ROOT}/error"), 5.0)
    finally:
        stop.set()
        rx.close()
    out = timing_stats(rx.packets, req_id, tempo, lookahead_ms)
    out.update({
        "seconds": seconds, "tempo": tempo, "lookahead_ms": lookahead_ms,
        "kernel_timestamps": rx.kernel_stamps, "load_requests": counter[0],
        "terminal": end[2][-1][0] if end else None,
    })
    if len(counter) > 1:
        out["load_error"] = counter[1]
    return out


def main(argv=None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description="Measure the timing of a Cadenza stream.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7500)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--tempo", type=float, default=120.0)
    ap.add_argument("--lookahead-ms", type=float, default=50.0)
    ap.add_argument("--no-load", action="store_true", help="do not keep the request worker busy")
    ap.add_argument("--model", default=None)
    a = ap.parse_args(argv)
    print(json.dumps(bench_stream(a.host, a.port, a.seconds, a.tempo, a.lookahead_ms, not a.no_load, a.model)))


if __name__ == "__main__":
    main()
