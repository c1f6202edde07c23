"""Load: 64 clients x 20 requests on TCP and on UDP at once against one daemon (issue 17). Every
request gets exactly one terminal reply (none lost, none twice), and the daemon's memory comes
back to within 10% of where it started. Bounded in time: a client that is not answered fails
the test instead of hanging it. Speed is not asserted (see `cadenza bench`)."""

from __future__ import annotations

import collections
import socket
import threading
import time

from bridge.server.osc import SlipDecoder, decode_packet, encode_message, slip_encode

CLIENTS = 64
REQUESTS = 20
CLIENT_DEADLINE_S = 240  # a generous bound on the whole run, not a speed check
TERMINAL = ("/cadenza/done", "/cadenza/error")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


class LoadClient:
    """One client: REQUESTS requests one after another (generate, or an upload and continue),
    each awaited before the next; counts every terminal reply per id."""

    def __init__(self, host, port, transport, requests=REQUESTS):
        self.addr, self.transport, self.requests = (host, port), transport, requests
        self.terminals: collections.Counter = collections.Counter()
        self.codes: collections.Counter = collections.Counter()
        self.failure: str | None = None
        if transport == "tcp":
            self.sock = socket.create_connection(self.addr, timeout=30)
            self.decoder = SlipDecoder()
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            self.sock.bind(("127.0.0.1", 0))

    def send(self, address, *args):
        packet = encode_message(address, *args)
        if self.transport == "tcp":
            self.sock.sendall(slip_encode(packet))
        else:
            self.sock.sendto(packet, self.addr)

    def read(self, seconds):
        self.sock.settimeout(seconds)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return []
        if self.transport == "tcp":
            return [m for p in self.decoder.feed(data) for m in decode_packet(p)]
        return decode_packet(data)

    def wait_terminal(self, req_id, deadline):
        while time.monotonic() < deadline:
            for address, args, _ in self.read(1.0):
                if address in TERMINAL:
                    self.terminals[args[0]] += 1
                    self.codes["done" if address == TERMINAL[0] else args[1]] += 1
            if self.terminals[req_id]:
                return
        raise AssertionError(f"no terminal reply for request {req_id}")

    def run(self, deadline):
        try:
            for r in range(1, self.requests + 1):
                if r % 2:
                    self.send("/cadenza/generate", r, "model", "markov", "bars", 1, "seed", r)
                else:
                    self.send("/cadenza/clip/begin", r, 4.0)
                    self.send("/cadenza/clip/notes", r, *[x for i in range(16) for x in (60 + i % 7, i * 0.25, 0.25, 90)])
                    self.send("/cadenza/continue", r, "model", "markov", "bars", 1, "seed", r)
                self.wait_terminal(r, deadline)
            end = time.monotonic() + 1.0  # late duplicates would arrive now
            while time.monotonic() < end:
                for address, args, _ in self.read(0.2):
                    if address in TERMINAL:
                        self.terminals[args[0]] += 1
        except Exception as exc:
            self.failure = f"{type(exc).__name__}: {exc}"
        finally:
            self.sock.close()


def run_load(host, port, clients=CLIENTS, requests=REQUESTS):
    deadline = time.monotonic() + CLIENT_DEADLINE_S
    everyone = [LoadClient(host, port, t, requests) for t in ("tcp", "udp") for _ in range(clients)]
    threads = [threading.Thread(target=c.run, args=(deadline,), daemon=True) for c in everyone]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic() + 5))
    return everyone


def test_64_clients_on_each_transport_lose_nothing(daemon_factory):
    d = daemon_factory({"CADENZA_QUEUE_SIZE": "256"})
    run_load(d.host, d.port, clients=8, requests=4)  # warm up: caches, thread pools, allocator arenas
    start_kib = rss_kib(d.proc.pid)
    t0 = time.monotonic()
    everyone = run_load(d.host, d.port)
    seconds = time.monotonic() - t0
    failures = [c.failure for c in everyone if c.failure]
    assert not failures, failures[:5]
    lost = sum(1 for c in everyone for r in range(1, REQUESTS + 1) if c.terminals[r] == 0)
    twice = sum(n - 1 for c in everyone for n in c.terminals.values() if n > 1)
    codes = sum((c.codes for c in everyone), collections.Counter())
    print(f"load: {2 * CLIENTS} clients x {REQUESTS} requests in {seconds:.1f} s; lost {lost}, duplicated {twice}, "
          f"replies {dict(codes)}")
    assert lost == 0 and twice == 0
    assert codes["done"] == 2 * CLIENTS * REQUESTS, dict(codes)
    time.sleep(1.0)
    end_kib = rss_kib(d.proc.pid)
    print(f"memory: {start_kib} KiB before, {end_kib} KiB after ({(end_kib / start_kib - 1) * 100:+.1f}%)")
    assert end_kib <= start_kib * 1.10, (start_kib, end_kib)
    assert d.alive()
