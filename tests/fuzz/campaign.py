"""The reliability campaign of issue 17 as one script: each defect's probe against a fresh daemon
of a given source tree, one table row each. Run it on a tree before and after a change:

    python tests/fuzz/campaign.py                       # this checkout
    python tests/fuzz/campaign.py --tree /tmp/old-main  # another checkout (its bridge/ and models/)

Not collected by pytest (the regression tests are tests/test_daemon_faults.py, tests/test_daemon_limits.py,
tests/test_daemon_load.py and tests/fuzz/test_fuzz_daemon.py); numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(HERE))

from bridge.cli.fuzz import run_fuzz  # noqa: E402
from bridge.server.osc import SlipDecoder, decode_packet, encode_bundle, encode_message, slip_encode  # noqa: E402


class Daemon:
    def __init__(self, tree: Path, env: dict | None = None):
        self.log_file = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        e = dict(os.environ, PYTHONPATH=str(tree), PYTHONUNBUFFERED="1", **(env or {}))
        self.proc = subprocess.Popen([sys.executable, "-m", "bridge.cli", "serve", "--port", "0", "--models",
                                      str(tree / "models"), "--log-level", "info"], cwd=tree, env=e,
                                     stdout=subprocess.PIPE, stderr=self.log_file, text=True)
        line = self.proc.stdout.readline()
        self.port = int(re.search(r":(\d+) \|", line).group(1))
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        self.addr = ("127.0.0.1", self.port)

    def log_bytes(self) -> int:
        return os.path.getsize(self.log_file.name)

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        os.unlink(self.log_file.name)


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


def wait_for(sock, pred, seconds):
    """Seconds until a reply matching pred(address, args), or None; also the bytes received."""
    t0, got = time.monotonic(), 0
    while time.monotonic() - t0 < seconds:
        sock.settimeout(max(0.01, seconds - (time.monotonic() - t0)))
        try:
            data = sock.recv(65536)
        except (socket.timeout, OSError):
            break
        got += len(data)
        for a, g, _ in decode_packet(data):
            if pred(a, g):
                return time.monotonic() - t0, got
    return None, got


def ping(d, seconds=5.0):
    s = udp()
    s.sendto(encode_message("/cadenza/ping", 1), d.addr)
    t, _ = wait_for(s, lambda a, g: a == "/cadenza/pong", seconds)
    s.close()
    return f"{t * 1000:.1f} ms" if t is not None else f"no answer in {seconds:g} s"


def p1_negative_bundle(d):
    s = udp()
    s.sendto(b"#bundle\0" + struct.pack(">Q", 1) + struct.pack(">I", 0xFFFFFFFC) + b"/x\0\0", d.addr)
    b0 = d.log_bytes()
    time.sleep(2)
    return f"ping after: {ping(d)}; log grew {(d.log_bytes() - b0) / 1e6:.1f} MB in 2 s"


def p2_non_reader(d):
    hog = socket.socket()
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    hog.connect(d.addr)
    hog.settimeout(5)
    try:
        hog.sendall(slip_encode(encode_message("/cadenza/models", 1)) * 20000)
    except OSError:
        pass
    time.sleep(1)
    out = f"UDP ping while it is connected: {ping(d)}"
    hog.close()
    return out


def p3_fds(d):
    fds = len(os.listdir(f"/proc/{d.proc.pid}/fd"))
    _, hard = resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE)
    resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE, (fds + 12, hard))
    conns = []
    for _ in range(40):
        try:
            conns.append(socket.create_connection(d.addr, timeout=2))
        except OSError:
            break
    time.sleep(1)
    for c in conns:
        c.close()
    time.sleep(2)
    try:
        with socket.create_connection(d.addr, timeout=3) as c:
            c.settimeout(3)
            c.sendall(slip_encode(encode_message("/cadenza/ping", 1)))
            return "TCP after: " + ("answered" if b"pong" in c.recv(4096) else "no answer")
    except OSError as exc:
        return f"TCP after: {type(exc).__name__}"


def p4_upload_memory(d):
    r0 = d.rss_mb()
    c = socket.create_connection(d.addr, timeout=30)
    flat = [x for i in range(10_000) for x in (60 + i % 12, (i % 1000) * 0.25, 0.25, 90)]
    busy = 0
    for u in range(64):
        c.sendall(slip_encode(encode_message("/cadenza/clip/begin", u, 256.0)))
        c.sendall(slip_encode(encode_message("/cadenza/clip/notes", u, *flat)))
    c.sendall(slip_encode(encode_message("/cadenza/ping", 99)))
    dec, buf = SlipDecoder(), []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        data = c.recv(65536)
        buf += [m for p in dec.feed(data) for m in decode_packet(p)]
        if any(a == "/cadenza/pong" for a, _, _ in buf):
            break
    busy = sum(1 for a, g, _ in buf if a == "/cadenza/error" and g[1] == "busy")
    r1 = d.rss_mb()
    c.close()
    time.sleep(2)
    return f"+{r1 - r0:.0f} MB held ({busy} of 64 uploads refused busy); {d.rss_mb() - r0:+.0f} MB 2 s after close"


def p5_reset(d):
    c = socket.create_connection(d.addr, timeout=10)
    for i in range(8):
        c.sendall(slip_encode(encode_message("/cadenza/generate", 100 + i, "model", "transformer", "bars", 32,
                                             "variations", 4)))
    time.sleep(1)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    s = udp()
    s.sendto(encode_message("/cadenza/generate", 5, "model", "transformer", "bars", 1), d.addr)
    t, _ = wait_for(s, lambda a, g: a in ("/cadenza/done", "/cadenza/error") and g[0] == 5, 120)
    return f"next client's 1-bar request: {t:.1f} s" if t is not None else "next client: no answer in 120 s"


def p6_cjk(d):
    s = udp()
    s.sendto(encode_message("/cadenza/generate", 6, "style", "\u97f3" * 10240), d.addr)
    t, got = wait_for(s, lambda a, g: a == "/cadenza/error", 5)
    s.sendto(encode_message("/cadenza/generate", 7, "model", "markov", "bars", 1,
                            "prompt", " ".join(chr(0x1F300 + i) * 4 for i in range(200))), d.addr)
    info = []
    t2, _ = wait_for(s, lambda a, g: (a == "/cadenza/info" and info.append(1)) or a == "/cadenza/done", 30)
    return f"CJK style: {'error received' if t is not None else 'no reply'}; emoji prompt: {'info received' if info else 'no info'}"


def p7_log(d):
    b0 = d.log_bytes()
    s = udp()
    s.sendto(b"/cadenza/ping\0\0\0," + b"Z" * 65000 + b"\0\0\0", d.addr)
    time.sleep(1)
    return f"log from one 65 KB datagram: {(d.log_bytes() - b0) / 1e3:.1f} KB"


def p8_amplify(d):
    s = udp()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 23)
    req = encode_bundle(None, [encode_message("/cadenza/models", i) for i in range(2300)])
    s.sendto(req, d.addr)
    _, got = wait_for(s, lambda a, g: False, 3)
    return f"bundle of 2,300 /models ({len(req)} B) -> {got / 1e6:.2f} MB back"


def p9_fair(d):
    s = udp()
    s.sendto(encode_message("/cadenza/generate", 1, "model", "transformer", "bars", 32, "variations", 4), d.addr)
    time.sleep(0.5)
    s.sendto(encode_message("/cadenza/generate", 2, "model", "markov", "bars", 1), d.addr)
    t, _ = wait_for(s, lambda a, g: a in ("/cadenza/done", "/cadenza/error") and g[0] == 2, 120)
    return f"1-bar markov behind a long transformer job: {t:.2f} s" if t is not None else "no answer"


def p10_ids(d):
    a, b = udp(), udp()
    a.sendto(encode_message("/cadenza/clip/begin", 7, 8.0), d.addr)
    time.sleep(0.1)
    b.sendto(encode_message("/cadenza/clip/notes", 7, 300, 0.0, 1.0, 90), d.addr)
    t, _ = wait_for(a, lambda x, g: x == "/cadenza/error", 1)
    return "b's error for id 7 went to a" if t is not None else "b's error stayed with b"


def p12_small(d):
    s = udp()
    s.sendto(encode_message("/cadenza/generate", 3, "model", "markov", "bars", 1, "timeout", 0.01), d.addr)
    err = []
    wait_for(s, lambda a, g: (a == "/cadenza/error" and err.append(g[2])) or a in ("/cadenza/done", "/cadenza/error"), 5)
    out = subprocess.run(["ss", "-ltnH", f"sport = :{d.port}"], capture_output=True, text=True).stdout.split()
    verdict = "refused: " + err[0][:50] if err and "must be" in err[0] else "accepted"
    return f"timeout 0.01 {verdict}; listen backlog {out[2] if len(out) > 2 else '?'}"


def p_fuzz(d, n):
    r = run_fuzz("127.0.0.1", d.port, n, seed=1, tcp_streams=20)
    return f"{r.sent} datagrams: ping after {r.ping_ms[-1]:.1f} ms, largest reply {r.largest_reply} B" if r.alive \
        else f"{r.sent} datagrams: ping NOT answered"


def p_load(d):
    from tests.test_daemon_load import REQUESTS, run_load

    everyone = run_load("127.0.0.1", d.port)
    lost = sum(1 for c in everyone for r in range(1, REQUESTS + 1) if c.terminals[r] == 0)
    twice = sum(n - 1 for c in everyone for n in c.terminals.values() if n > 1)
    errors = sum(n for c in everyone for k, n in c.codes.items() if k != "done")
    return f"64+64 clients x 20: lost {lost}, duplicated {twice}, error replies {errors}"


PROBES = [("1 negative bundle size", p1_negative_bundle), ("2 TCP client never reads", p2_non_reader),
          ("3 out of file descriptors", p3_fds), ("4 upload memory", p4_upload_memory),
          ("5 reset connection's work", p5_reset), ("6 reply cut by bytes", p6_cjk), ("7 log amplification", p7_log),
          ("8 reply amplification", p8_amplify), ("9 fairness", p9_fair), ("10 ids per client", p10_ids),
          ("12 float32 bound, backlog", p12_small), ("fuzz", None), ("load", p_load)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, default=HERE)
    ap.add_argument("--fuzz", type=int, default=20_000)
    ap.add_argument("--only", default="", help="comma-separated probe numbers/names")
    args = ap.parse_args()
    print("| probe | result |\n| --- | --- |")
    for name, fn in PROBES:
        if args.only and not any(name.startswith(o) for o in args.only.split(",")):
            continue
        env = {"CADENZA_QUEUE_SIZE": "256"} if name == "load" else None
        d = Daemon(args.tree.resolve(), env)
        try:
            result = p_fuzz(d, args.fuzz) if name == "fuzz" else fn(d)
        except Exception as exc:
            result = f"probe failed: {type(exc).__name__}: {exc}"
        finally:
            d.stop()
        print(f"| {name} | {result} |", flush=True)


if __name__ == "__main__":
    main()
