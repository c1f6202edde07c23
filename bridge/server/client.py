"""A small blocking OSC client for the daemon, over TCP (default: no size limits, no loss) or
UDP. Used by the CLI, the benchmark and tests. Imports nothing heavy."""

from __future__ import annotations

import os
import random
import socket
import time
from dataclasses import dataclass, field

from bridge.errors import CadenzaError, DaemonUnavailable
from bridge.server.osc import NOTES_PER_MESSAGE, SlipDecoder, decode_packet, encode_message, slip_encode
from bridge.server.router import ROOT


def model_rows(replies: list) -> list[dict]:
    """`/cadenza/model` replies (from `Client.query("models")`) as one dict a model: name, engine,
    device, quantization, then the reply's key-value extensions as sent (`operations`, `styles`,
    `default`, ...)."""
    rows = []
    for _, args in replies:
        name, engine, device, quant, *kv = args
        rows.append({"name": name, "engine": engine, "device": device, "quantization": quant,
                     **dict(zip(kv[::2], kv[1::2]))})
    return rows


def default_host() -> str:
    return os.environ.get("CADENZA_HOST", "127.0.0.1")


def default_port() -> int:
    return int(os.environ.get("CADENZA_PORT", "7500"))


class RemoteError(CadenzaError):
    """An error reply from the daemon; `code` is the protocol's code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Result:
    req_id: int
    elapsed_ms: float = 0.0
    variations: dict = field(default_factory=dict)  # variation -> {"length_beats", "notes": [[p,s,d,v]]}
    expected: dict = field(default_factory=dict)  # variation -> note_count from result/begin
    info: dict = field(default_factory=dict)  # /cadenza/info pairs (seed, model, key, ...)
    replies: list = field(default_factory=list)  # every (address, args) seen, in order


class Client:
    """One connection to a daemon, used one request at a time (the CLI, the benchmark, tests).

    Why TCP by default: a result may span many datagrams, and over TCP none is lost and none is
    cut to 1,400 bytes; UDP is there to test what DAW front ends do. Replies that are not for the
    request being waited on are skipped. A daemon that cannot be reached raises DaemonUnavailable
    (with the command that starts one); an error reply raises RemoteError with the daemon's code.
    """

    def __init__(self, host: str | None = None, port: int | None = None, transport: str = "tcp",
                 timeout: float = 60.0):
        self.host = host or default_host()
        self.port = port or default_port()
        self.transport = transport
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self._decoder = SlipDecoder()
        self._backlog: list = []

    # -- connection ----------------------------------------------------------------------------
    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc):
        self.close()

    def _down(self, exc) -> DaemonUnavailable:
        return DaemonUnavailable(
            f"Cadenza daemon not running on {self.host}:{self.port}: start it with `cadenza serve`"
        )

    def connect(self) -> None:
        if self.transport == "tcp":
            try:
                self.sock = socket.create_connection((self.host, self.port), timeout=min(self.timeout, 5.0))
            except OSError as exc:
                raise self._down(exc) from None
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1" if self.host in ("127.0.0.1", "localhost") else "", 0))
            self.sock.connect((self.host, self.port))

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def send(self, address: str, *args) -> None:
        if self.sock is None:
            self.connect()
        packet = encode_message(address, *args)
        try:
            if self.transport == "tcp":
                self.sock.sendall(slip_encode(packet))
            else:
                self.sock.send(packet)
        except OSError as exc:
            raise self._down(exc) from None

    def receive(self, deadline: float, wake: float | None = None):
        """Next (address, args) reply, or raise on timeout. With `wake`, return None when nothing
        came within that many seconds (so a caller can look at something else meanwhile)."""
        while not self._backlog:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RemoteError("timeout", f"no answer from the daemon on {self.host}:{self.port} in time")
            self.sock.settimeout(min(left, wake) if wake else left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                if wake:
                    return None
                continue
            except ConnectionRefusedError as exc:  # UDP: ICMP port unreachable
                raise self._down(exc) from None
            except OSError as exc:
                raise self._down(exc) from None
            if self.transport == "tcp":
                if not data:
                    raise self._down(None)
                packets = self._decoder.feed(data)
            else:
                packets = [data]
            for p in packets:
                self._backlog.extend((a, args) for a, args, _ in decode_packet(p))
        return self._backlog.pop(0)

    # -- requests ------------------------------------------------------------------------------
    @staticmethod
    def new_id() -> int:
        return random.randrange(1, 2**31 - 1)

    def ping(self, timeout: float = 2.0) -> str:
        req_id = self.new_id()
        self.send(f"{ROOT}/ping", req_id)
        deadline = time.monotonic() + timeout
        while True:
            address, args = self.receive(deadline)
            if address == f"{ROOT}/pong" and args and args[0] == req_id:
                return args[1]

    def query(self, what: str, timeout: float = 5.0) -> list:
        """status or models: every reply before done, as (address, args without id)."""
        req_id = self.new_id()
        self.send(f"{ROOT}/{what}", req_id)
        deadline = time.monotonic() + timeout
        out = []
        while True:
            address, args = self.receive(deadline)
            if not args or args[0] != req_id:
                continue
            if address == f"{ROOT}/done":
                return out
            if address == f"{ROOT}/error":
                raise RemoteError(args[1], args[2])
            out.append((address, args[1:]))

    def upload(self, req_id: int, clip_dict: dict, slot: str | None = None, role: str | None = None) -> None:
        """Upload a clip under `req_id`; `slot` ("a" or "b") for interpolate's two clips, "c1" ...
        "c8" with the `role` it plays for a context track."""
        opts = []
        for k in ("meter", "tempo", "key"):
            if clip_dict.get(k) is not None:
                opts += [k, clip_dict[k] if k != "tempo" else float(clip_dict[k])]
        named = [slot] if slot else []
        self.send(f"{ROOT}/clip/begin", req_id, float(clip_dict["length_beats"]), *opts,
                  *(["slot", slot] if slot else []), *(["role", role] if role else []))
        notes = clip_dict["notes"]
        for i in range(0, len(notes), NOTES_PER_MESSAGE):
            flat = []
            for p, s, d, v in notes[i : i + NOTES_PER_MESSAGE]:
                flat += [int(p), float(s), float(d), int(v)]
            self.send(f"{ROOT}/clip/notes", req_id, *named, *flat)

    CANCEL_POLL_S = 0.1  # how often `should_cancel` is asked while waiting
    CANCEL_WAIT_S = 3.0  # after /cadenza/cancel, how long to wait for the daemon's terminal reply

    def request(self, operation: str, options: dict, clip: dict | None = None, req_id: int | None = None,
                positional: tuple = (), on_reply=None, should_cancel=None, slots: dict | None = None,
                context: list | None = None) -> Result:
        """Send one generating request and collect its result (raises RemoteError on /cadenza/error).

        `clip` is uploaded as the id's single clip; `slots` ({"a": clip, "b": clip}) as the slot
        uploads interpolate takes; `context` ([(role, clip), ...], at most 8) as the context
        tracks in slots c1, c2, ... that accompany (and infill and continue) take.

        `should_cancel()` is asked every CANCEL_POLL_S while waiting; once it says yes the request
        is cancelled (/cadenza/cancel) and this raises RemoteError("cancelled"), whatever the
        daemon still sends (a result that raced the cancel is dropped: the caller asked to stop)."""
        req_id = req_id if req_id is not None else self.new_id()
        if clip is not None:
            self.upload(req_id, clip)
        for slot, slot_clip in (slots or {}).items():
            self.upload(req_id, slot_clip, slot)
        for i, (role, context_clip) in enumerate(context or (), start=1):
            self.upload(req_id, context_clip, f"c{i}", role)
        args = []
        for k, v in options.items():
            if v is not None:
                args += [k, v]
        self.send(f"{ROOT}/{operation}", req_id, *positional, *args)
        res = Result(req_id)
        deadline = time.monotonic() + self.timeout
        cancelled = False

        def stopped() -> RemoteError:
            return RemoteError("cancelled", f"request {req_id} was cancelled at the caller's request")

        while True:
            if should_cancel is not None and not cancelled and should_cancel():
                self.send(f"{ROOT}/cancel", req_id)
                cancelled = True
                deadline = min(deadline, time.monotonic() + self.CANCEL_WAIT_S)
            try:
                reply = self.receive(deadline, self.CANCEL_POLL_S if should_cancel and not cancelled else None)
            except RemoteError:
                if cancelled:
                    raise stopped() from None
                raise
            if reply is None:
                continue
            address, rargs = reply
            if cancelled and rargs and rargs[0] == req_id and address in (f"{ROOT}/done", f"{ROOT}/error"):
                raise stopped()
            if not rargs or rargs[0] != req_id:
                continue
            res.replies.append((address, rargs))
            if on_reply:
                on_reply(address, rargs)
            if address == f"{ROOT}/result/begin":
                _, v, count, length = rargs[:4]  # a band's clips carry `role R take v` after these
                res.variations[v] = {"variation": v, "length_beats": float(length), "notes": [],
                                     **dict(zip(rargs[4::2], rargs[5::2]))}
                res.expected[v] = count
            elif address == f"{ROOT}/result/notes":
                notes = res.variations[rargs[1]]["notes"]
                flat = rargs[2:]
                for i in range(0, len(flat), 4):
                    notes.append([int(flat[i]), round(float(flat[i + 1]), 4), round(float(flat[i + 2]), 4), int(flat[i + 3])])
            elif address == f"{ROOT}/info":
                it = rargs[1:]
                res.info.update(dict(zip(it[::2], it[1::2])))
            elif address == f"{ROOT}/done":
                res.elapsed_ms = float(rargs[1])
                for v, count in res.expected.items():
                    if len(res.variations[v]["notes"]) != count:
                        raise RemoteError("internal", f"variation {v}: expected {count} notes, got "
                                          f"{len(res.variations[v]['notes'])} (lost datagrams? use TCP)")
                return res
            elif address == f"{ROOT}/error":
                raise RemoteError(rargs[1], rargs[2])
