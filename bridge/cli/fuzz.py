"""The hostile-input campaign, kept in the project: a seeded, bounded fuzzer of OSC packets and a
runner that throws them at a live daemon and checks it is still serving.

`tests/fuzz/` runs a few thousand packets in CI; `cadenza bench --fuzz N` runs the long version
and prints the numbers. Seeded: the same seed sends the same packets, so a failure can be
replayed (`hostile_packets(seed)` yields them in order). Nothing here knows the daemon's code;
it speaks OSC over UDP and TCP like any client.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from bridge.server.osc import MAX_DATAGRAM, SlipDecoder, decode_packet, encode_bundle, encode_message, slip_encode

ADDRESSES = ["ping", "status", "models", "clip/begin", "clip/notes", "generate", "continue", "restyle",
             "infill", "interpolate", "accompany", "groove", "drumify", "cancel", "stream/start", "stream/set", "stream/stop", "stream/keepalive",
             "nope"]
KEYS = ["bars", "model", "role", "meter", "tempo", "key", "style", "mood", "prompt", "temperature", "top_p",
        "guidance", "seed", "variations", "pitch_low", "pitch_high", "density", "scale_lock", "timeout",
        "reply_port", "strength", "preserve", "lookahead_ms", "channel", "colour", "steps", "slot", "roles",
        "amount", "swing"]
HOSTILE_VALUES = [0, -1, 2**31 - 1, -(2**31), 2**40, 0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1e38,
                  1e-38, "", "x" * 3000, "\u97f3" * 2000, "\U0001f3b5" * 500, "D minor", "4/4", "0/0", "markov",
                  "transformer", True, False, b"\x00" * 64, "\x00", "../../etc/passwd", "%s%n", "a", "b", "c1", "c9"]
TAGS = "ifsbhdtTFNIrm[]cSZ\x00,"
KINDS = ("random", "mutated", "padding", "tags", "bundle", "values", "huge")


def _valid(rng: random.Random, port: int) -> bytes:
    """A plausible request (cheap ones: the daemon should answer, not work)."""
    address = "/cadenza/" + rng.choice(ADDRESSES)
    args: list = [rng.randrange(-5, 50)]
    for _ in range(rng.randrange(0, 4)):
        k = rng.choice(KEYS)
        args += [k, port if k == "reply_port" else rng.choice(HOSTILE_VALUES[:20])]
    if address.endswith("clip/begin") and rng.random() < 0.3:  # a context slot, with or without a role
        args = [args[0], rng.choice([8.0, 4, -1.0, 1e9])] + (args[1:] if rng.random() < 0.2 else [])
        args += ["slot", rng.choice(["c1", "c8", "c9", "a", "c0"])]
        if rng.random() < 0.7:
            args += ["role", rng.choice(["melody", "drums", "tuba", "", 3])]
    if address.endswith("clip/notes"):
        if rng.random() < 0.3:  # a slot name after the id (interpolate's "a"/"b", context's "c1".., or no slot)
            args.insert(1, rng.choice(["a", "b", "c", "", "c1", "c8", "c9"]))
        args += [rng.randrange(0, 128), rng.random() * 8, 0.25, 90] * rng.randrange(0, 3)
    return encode_message(address, *args)


def _bad_bundle(rng: random.Random, port: int) -> bytes:
    head = b"#bundle\0" + struct.pack(">Q", rng.choice([0, 1, 2**63, 2**64 - 1]))
    choice = rng.randrange(6)
    if choice == 0:  # a negative or odd or oversized element size
        size = rng.choice([-4, -1, 0x7FFFFFFF, 3, 6, -(2**31), 0xFFFFFFFC - 2**32])
        return head + struct.pack(">i", size) + _valid(rng, port)[: rng.randrange(0, 40)]
    if choice == 1:  # deep nesting
        inner = _valid(rng, port)
        for _ in range(rng.randrange(5, 20)):
            inner = encode_bundle(None, [inner])
        return inner
    if choice == 2:  # many elements (amplification)
        return encode_bundle(None, [encode_message("/cadenza/models", i) for i in range(rng.randrange(20, 400))])
    if choice == 3:  # truncated
        b = encode_bundle(None, [_valid(rng, port) for _ in range(3)])
        return b[: rng.randrange(8, len(b))]
    if choice == 4:
        return head + b"\0\0\0"
    return encode_bundle(None, [_valid(rng, port), b"garbage!", _valid(rng, port)])


def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randrange(1, 8)):
        op = rng.randrange(4)
        if op == 0 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 1 and b:
            del b[rng.randrange(len(b)) :]
        elif op == 2:
            i = rng.randrange(len(b) + 1)
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
        elif b:
            i = rng.randrange(len(b))
            b[i:i] = b[i : i + rng.randrange(1, 16)] * rng.randrange(1, 4)
    return bytes(b)


def hostile_packet(rng: random.Random, kind: str, port: int) -> bytes:
    """One hostile packet of `kind` (one of KINDS); `port` is the fuzzer's own, for reply_port."""
    if kind == "random":
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 4, 16, 100, 1000, 4000])))
    if kind == "mutated":
        return _mutate(rng, _valid(rng, port))
    if kind == "padding":
        m = _valid(rng, port)
        return m.replace(b"\0\0", b"", rng.randrange(1, 3)) if rng.random() < 0.5 else m + b"\0" * rng.randrange(1, 4)
    if kind == "tags":
        tags = "," + "".join(rng.choice(TAGS) for _ in range(rng.choice([1, 3, 50, 2000])))
        raw = tags.encode("latin-1")
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        return b"/cadenza/ping\0\0\0" + raw + b"\0" * (4 - len(raw) % 4) + body
    if kind == "bundle":
        return _bad_bundle(rng, port)
    if kind == "values":
        address = "/cadenza/" + rng.choice(ADDRESSES)
        args = [rng.choice(HOSTILE_VALUES) for _ in range(rng.randrange(0, 12))]
        return encode_message(address, *args)
    # huge: long strings in every place a string goes
    big = rng.choice(["\u97f3", "\U0001f3b5", "a", "\u00e9"]) * rng.choice([1000, 5000, 15000])
    return encode_message(rng.choice(["/cadenza/generate", "/cadenza/" + big[:3000]]), 1,
                          rng.choice(["style", "prompt", "key", "mood", big[:500]]), big)[:65000]


def hostile_packets(seed: int, count: int, port: int):
    """`count` hostile packets, the same ones for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield hostile_packet(rng, rng.choice(KINDS), port)


@dataclass
class FuzzReport:
    sent: int = 0
    tcp_streams: int = 0
    replies: int = 0
    reply_bytes: int = 0
    largest_reply: int = 0
    oversized: int = 0  # replies over MAX_DATAGRAM: must stay 0
    undecodable: int = 0  # replies that were not valid OSC: must stay 0
    ping_ms: list = field(default_factory=list)  # pings answered after the packets
    seconds: float = 0.0

    @property
    def alive(self) -> bool:
        return bool(self.ping_ms)

    def summary(self) -> str:
        ping = f"{max(self.ping_ms):.1f} ms" if self.ping_ms else "NOT ANSWERED"
        return (f"fuzz: {self.sent} datagrams + {self.tcp_streams} TCP streams in {self.seconds:.1f} s; "
                f"{self.replies} replies ({self.reply_bytes} bytes, largest {self.largest_reply}, "
                f"{self.oversized} over {MAX_DATAGRAM}, {self.undecodable} undecodable); ping afterwards {ping}")


def run_fuzz(host: str, port: int, count: int, seed: int = 1, tcp_streams: int = 20,
             rate: float = 2000.0) -> FuzzReport:
    """Send `count` hostile datagrams (at most `rate` a second) and `tcp_streams` hostile TCP
    streams, then ping; every reply that comes back to the fuzzer is checked."""
    rep = FuzzReport()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.bind(("127.0.0.1", 0))
    my_port = sock.getsockname()[1]
    stop = threading.Event()
    pings: dict = {}  # ping id -> when it was sent
    pongs: dict = {}  # ping id -> seconds until its pong

    def receive():
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            rep.replies += 1
            rep.reply_bytes += len(data)
            rep.largest_reply = max(rep.largest_reply, len(data))
            rep.oversized += len(data) > MAX_DATAGRAM
            try:
                for address, args, _ in decode_packet(data):
                    if address == "/cadenza/pong" and args and args[0] in pings:
                        pongs[args[0]] = time.perf_counter() - pings[args[0]]
            except Exception:
                rep.undecodable += 1

    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    t0 = time.perf_counter()
    try:
        for i, packet in enumerate(hostile_packets(seed, count, my_port)):
            try:
                sock.sendto(packet[:65000], (host, port))
                rep.sent += 1
            except OSError:
                pass
            if rate and i % 50 == 49:
                ahead = (i + 1) / rate - (time.perf_counter() - t0)
                if ahead > 0:
                    time.sleep(ahead)
        rng = random.Random(seed + 1)
        for _ in range(tcp_streams):
            _tcp_stream(host, port, rng, my_port)
            rep.tcp_streams += 1
        time.sleep(0.5)  # let the daemon work through its socket buffer
        for ping_id in range(900_000, 900_005):  # a few tries: a datagram may be lost in a full buffer
            pings[ping_id] = time.perf_counter()
            sock.sendto(encode_message("/cadenza/ping", ping_id), (host, port))
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline and ping_id not in pongs:
                time.sleep(0.001)
            if ping_id in pongs:
                rep.ping_ms.append(pongs[ping_id] * 1000)
                break
        time.sleep(0.2)
    finally:
        rep.seconds = time.perf_counter() - t0
        stop.set()
        reader.join(1)
        sock.close()
    return rep


def _tcp_stream(host: str, port: int, rng: random.Random, my_port: int) -> None:
    """One hostile TCP connection: SLIP frames of hostile packets, raw garbage, a cut-off frame."""
    try:
        with socket.create_connection((host, port), timeout=2) as s:
            s.settimeout(2)
            chunks = [slip_encode(hostile_packet(rng, rng.choice(KINDS), my_port)) for _ in range(rng.randrange(1, 20))]
            if rng.random() < 0.3:
                chunks.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000))))
            s.sendall(b"".join(chunks))
            s.sendall(slip_encode(encode_message("/cadenza/ping", 1)))
            decoder, end = SlipDecoder(), time.monotonic() + 0.3
            s.settimeout(0.1)
            while time.monotonic() < end:
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    break
                if not data:
                    break
                decoder.feed(data)  # replies over TCP are framed; only that they decode matters here
    except OSError:
        pass  # the daemon may hang up on a hostile stream: that is allowed
