"""Shared by the interpolate tests: a real daemon on loopback serving the shipped Markov model and
the interp test family (tests/interp_engine.py, a fixture until the VAE lands), two clips, and a
python-osc client that records every reply."""

from __future__ import annotations

import json
import queue
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient

from bridge.engines import registry
from bridge.music.clip import Clip, Note
from bridge.music.theory import Meter
from bridge.server.config import ServerConfig
from bridge.server.daemon import Daemon

REPO = Path(__file__).resolve().parent.parent
ROLES = ("melody", "bass", "chords", "keys", "drums")

# Clip a: two bars of a C major arpeggio in quarters. Clip b: one bar of G-D eighths, a different
# length so the default bars (the longer clip's, 2) repeat b.
CLIP_A = Clip([Note(float(i), p, 1.0, 90) for i, p in enumerate([60, 64, 67, 72, 67, 64, 60, 55])], 8.0)
CLIP_B = Clip([Note(i / 2, 67 if i % 2 == 0 else 74, 0.5, 80) for i in range(8)], 4.0)


def notes_of(clip: Clip, length: float | None = None) -> list:
    """A clip's notes as the wire shows them ([pitch, start, duration, velocity], sorted), repeated
    to `length` beats the way the interp engine fits a clip."""
    length = length or clip.length
    out, offset = [], 0.0
    while offset < length:
        out += [[n.pitch, n.start + offset, min(n.duration, length - n.start - offset), n.velocity]
                for n in clip.notes if n.start + offset < length]
        offset += clip.length
    return sorted(out, key=lambda n: (n[1], n[0]))


def models_folder(tmp: Path, slow: bool = False) -> Path:
    """A models folder: the shipped Markov model (the daemon's default, which cannot interpolate)
    and an interp model (with slow=True also `interp-slow`, 0.5 s a step, for cancellation)."""
    folder = tmp / "models"
    folder.mkdir()
    (folder / "markov").symlink_to(REPO / "models" / "markov")
    for name, step_s in [("interp", 0.0)] + ([("interp-slow", 0.5)] if slow else []):
        (folder / name).mkdir()
        (folder / name / "config.json").write_text(json.dumps(
            {"engine": "interp", "styles": ["irish-folk"], "roles": list(ROLES), "step_seconds": step_s}))
    return folder


@contextmanager
def interp_daemon(tmp: Path, slow: bool = False, **config):
    """A started in-process daemon (real UDP and TCP sockets on a free loopback port)."""
    registry.register("interp", engine="interp_engine:InterpEngine")  # the one line
    try:
        d = Daemon(ServerConfig(host="127.0.0.1", port=0, models_dir=models_folder(tmp, slow), **config)).start()
        try:
            yield d
        finally:
            d.stop()
    finally:
        registry.FAMILIES.pop("interp", None)


def flat(clip: Clip) -> list:
    """clip/notes arguments: pitch start duration velocity ..."""
    out: list = []
    for n in clip.notes:
        out += [n.pitch, float(n.start), float(n.duration), n.velocity]
    return out


class OscPeer:
    """A python-osc client (SimpleUDPClient, one source port) with a python-osc server on its
    reply port that queues every reply."""

    def __init__(self, port: int):
        self.replies: queue.Queue = queue.Queue()
        self.seen: list = []
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(lambda address, *args: self.replies.put((address, list(args))))
        self.server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.reply_port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.client = SimpleUDPClient("127.0.0.1", port)

    def send(self, address: str, *args) -> None:
        self.client.send_message(address, list(args))

    def upload(self, req_id: int, slot: str | None, clip: Clip, meter: str | None = None) -> None:
        extra = (["meter", meter] if meter else []) + (["slot", slot] if slot else [])
        self.send("/cadenza/clip/begin", req_id, float(clip.length), *extra, "reply_port", self.reply_port)
        self.send("/cadenza/clip/notes", req_id, *([slot] if slot else []), *flat(clip))

    def until_terminal(self, req_id: int, timeout: float = 30.0) -> list:
        """Every reply for `req_id` up to and including its done or error."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            address, args = self.replies.get(timeout=max(0.01, deadline - time.monotonic()))
            self.seen.append((address, args))
            if args and args[0] == req_id:
                got.append((address, args))
                if address in ("/cadenza/done", "/cadenza/error"):
                    return got

    def error(self, req_id: int) -> tuple:
        address, args = self.until_terminal(req_id)[-1]
        assert address == "/cadenza/error", f"expected an error for {req_id}, got {address} {args}"
        return args[1], args[2]

    def serving(self) -> bool:
        self.send("/cadenza/ping", 424242, "reply_port", self.reply_port)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            address, args = self.replies.get(timeout=5)
            if address == "/cadenza/pong" and args[:1] == [424242]:
                return True
        return False

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def variations(replies: list) -> dict:
    """variation -> {"begin": [count, length], "notes": [[p, s, d, v], ...], "ended": bool}, and
    the order their result/begin came in."""
    out: dict = {}
    for address, args in replies:
        if address == "/cadenza/result/begin":
            out[args[1]] = {"begin": args[2:], "notes": [], "ended": False}
        elif address == "/cadenza/result/notes":
            f = args[2:]
            out[args[1]]["notes"] += [[f[i], round(f[i + 1], 4), round(f[i + 2], 4), f[i + 3]]
                                      for i in range(0, len(f), 4)]
        elif address == "/cadenza/result/end":
            out[args[1]]["ended"] = True
    return out


__all__ = ["CLIP_A", "CLIP_B", "Meter", "OscPeer", "interp_daemon", "notes_of", "variations", "flat"]
