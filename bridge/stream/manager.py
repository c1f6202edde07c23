"""Endless real-time streams: `/cadenza/stream/start|set|stop|keepalive`.

A stream generates a few bars ahead of the playhead by continuing its own last bars, and sends
each note as `/cadenza/note id pitch velocity duration_beats [channel]` inside an OSC bundle whose
time tag is the note's start, `lookahead_ms` before that time; `/cadenza/beat id bar beat` goes
out on every beat the same way. Generation runs on one thread per stream (never on the request
queue's worker: bridge/stream/part.py); one shared send thread and a send process
(bridge/stream/clock.py, bridge/stream/sender.py) time every bundle. This module holds the
handlers, the idle rule and the bookkeeping of running streams.

`set` changes conditions at the next bar line that can still be reached: the bars from there on
are regenerated and their unsent bundles replaced. A client that sends nothing at all for
CADENZA_STREAM_IDLE seconds (10) loses its streams. Every stream ends with exactly one terminal
reply: `/cadenza/done id elapsed_ms` (stop, vanished client, daemon shutdown, a finite `bars`
count played out), or `/cadenza/error id code message` (cancel, engine failure).
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time

from bridge.errors import BadRequest, Busy, CadenzaError, Cancelled
from bridge.music.request import BAND, pairs, parse_request
from bridge.server.admission import request_id
from bridge.server.osc import encode_fitted, is_integral
from bridge.server.replies import accepted, info
from bridge.server.router import ROOT
from bridge.server.transport import TcpPeer
from bridge.stream.clock import SendLoop
from bridge.stream.part import Stream

log = logging.getLogger("cadenza.stream")

IDLE_S = 10.0  # a client silent this long loses its streams (env CADENZA_STREAM_IDLE)
LOOKAHEAD_MS_RANGE = (1.0, 2000.0)
STREAM_MODEL = "markov"  # streams use the fast Markov model unless they name another
MAX_STREAMS = 16  # per daemon; each holds a generator thread
SET_KEYS = ("style", "mood", "key", "role", "density", "temperature")


def idle_seconds() -> float:
    raw = os.environ.get("CADENZA_STREAM_IDLE")
    if raw is None:
        return IDLE_S
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"CADENZA_STREAM_IDLE must be a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"CADENZA_STREAM_IDLE must be > 0 seconds, got {raw!r}")
    return value


class StreamManager:
    """Owns the streams, their handlers, the shared send loop and the idle rule.

    A protocol extension of the daemon (see `bridge.server.daemon.Daemon`): it is handed the
    daemon's engines (an EngineHost: streams run engines only through its per-engine locks),
    request admission (the same rules as a queued request) and the daemon's UDP socket (the send
    process sends through it, so bundles come from the daemon's port).
    """

    def __init__(self, engines, admission, udp_sock=None):
        self.engines = engines
        self.admission = admission
        self.idle_s = idle_seconds()
        self.send_loop = SendLoop(udp_sock=udp_sock)
        self.streams: dict = {}  # (scope, id) -> Stream
        self.last_seen: dict = {}  # scope -> monotonic time of its last packet
        self.lock = threading.RLock()
        self.closed = False  # set by stop_all: the daemon is shutting down

    def register(self, router) -> None:
        router.map(f"{ROOT}/stream/start", self.handle_start)
        router.map(f"{ROOT}/stream/set", self.handle_set)
        router.map(f"{ROOT}/stream/stop", self.handle_stop)
        router.map(f"{ROOT}/stream/keepalive", self.handle_keepalive)

    # -- hooks the daemon calls ----------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.streams)

    def touch(self, peer) -> None:
        self.last_seen[peer.scope] = time.monotonic()

    def is_active(self, key) -> bool:
        return key in self.streams

    def cancel(self, scope, req_id) -> bool:
        """/cadenza/cancel on a stream: it ends with `/cadenza/error id cancelled`."""
        stream = self.streams.get((scope, req_id))
        if stream is None:
            return False
        stream.finish(Cancelled(f"stream {req_id} was cancelled"))
        return True

    def stop_all(self) -> None:
        self.closed = True
        for stream in list(self.streams.values()):
            stream.finish(None, why="the daemon is shutting down")
        self.send_loop.close()

    def reap_idle(self) -> None:
        now = time.monotonic()
        for stream in list(self.streams.values()):
            if isinstance(stream.peer, TcpPeer) and stream.peer.closed:
                stream.finish(None, why="its TCP connection closed")
            elif now - self.last_seen.get(stream.scope, stream.created) > self.idle_s:
                stream.finish(None, why=f"its client sent nothing for {self.idle_s:g} s")
        active = {s.scope for s in self.streams.values()}
        for scope in [s for s in self.last_seen if s not in active]:
            self.last_seen.pop(scope, None)

    # -- handlers (socket threads; raise bridge.errors types for bad input) --------------------
    def handle_start(self, args, peer) -> None:
        req_id = request_id(args)
        rest, extra = _split_stream_keys(args[1:])
        if STREAM_MODEL in self.engines.models and not any(k == "model" for k, _ in pairs(rest)):
            rest += ["model", STREAM_MODEL]
        a = self.admission.admit("generate", [args[0], *rest], peer, check=_one_part, what="stream")
        if "generate" not in a.engine.operations:  # a stream generates bar after bar (the groove model cannot)
            raise BadRequest(f"model {a.model_name!r} ({a.engine.info.engine} engine) cannot generate, so it cannot "
                             f"stream; its operations: {', '.join(a.engine.operations)}")
        with self.lock:
            if self.closed:
                raise Busy("the daemon is shutting down; no new streams")
            if len(self.streams) >= MAX_STREAMS:
                raise Busy(f"at most {MAX_STREAMS} streams run at once; stop one first")
            stream = Stream(self, req_id, a.peer, a.request, a.model_name, a.engine, **extra)
            self.streams[a.key] = stream
            self.last_seen.setdefault(a.peer.scope, time.monotonic())
        self.send_loop.start()
        a.peer.send(accepted(req_id, 0))
        a.peer.send(info(req_id, stream.info()))
        stream.start()
        log.info("stream id=%s client=%s model=%s tempo=%g lookahead=%gms started",
                 req_id, a.peer, a.model_name, stream.tempo, stream.lookahead_s * 1000)

    def handle_set(self, args, peer) -> None:
        req_id = request_id(args)
        stream = self._find(peer.scope, req_id, "set")
        try:
            kv = pairs(args[1:])
            if not kv:
                raise BadRequest(f"stream/set needs: id key value [key value ...]; keys: {', '.join(SET_KEYS)}")
            for k, _ in kv:
                if k not in SET_KEYS:
                    raise BadRequest(f"stream/set cannot change {k!r}; it changes: {', '.join(SET_KEYS)}")
            parsed = parse_request("generate", list(args[1:]), styles=tuple(stream.engine.info.styles) or None)
        except CadenzaError as exc:
            # Not /cadenza/error: that would read as the stream's terminal reply while it plays on.
            stream.peer.send(encode_fitted(f"{ROOT}/stream/rejected", req_id, exc.code, exc.message))
            log.info("stream id=%s rejected a set: %s", req_id, exc.message)
            return
        stream.request_change({k: getattr(parsed, k) for k, _ in kv})

    def handle_stop(self, args, peer) -> None:
        req_id = request_id(args)
        if len(args) > 1:
            raise BadRequest("stream/stop takes only the stream's id")
        self._find(peer.scope, req_id, "stop").finish(None, why="stopped by its client")

    def handle_keepalive(self, args, peer) -> None:
        # touch() already ran for this packet; an id names a stream that must still be running
        if args:
            self._find(peer.scope, request_id(args), "keepalive")

    def _find(self, scope, req_id, what):
        stream = self.streams.get((scope, req_id))
        if stream is None:
            raise BadRequest(f"stream/{what}: no running stream with id {req_id} from this client")
        return stream

    def forget(self, stream) -> None:
        with self.lock:
            if self.streams.get(stream.key) is stream:
                del self.streams[stream.key]


def _one_part(req) -> None:
    """The stream's own admission rule, checked after the request's keys are parsed."""
    if req.variations != 1:
        raise BadRequest(f"a stream plays one part: variations must be 1, got {req.variations}")
    if req.role == BAND:
        raise BadRequest("a stream plays one part: role \"band\" and roles are for /cadenza/generate; "
                         "start one stream a part")


def _split_stream_keys(args: list) -> tuple[list, dict]:
    """Take `lookahead_ms` and `channel` out of the options; the rest are generate keys."""
    rest, extra = [], {}
    for k, v in pairs(list(args)):
        if k == "lookahead_ms":
            if isinstance(v, (str, bool)) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                    or not LOOKAHEAD_MS_RANGE[0] <= v <= LOOKAHEAD_MS_RANGE[1]:
                raise BadRequest(f"lookahead_ms must be from {LOOKAHEAD_MS_RANGE[0]:g} to "
                                 f"{LOOKAHEAD_MS_RANGE[1]:g} milliseconds, got {v!r}")
            extra["lookahead_s"] = float(v) / 1000
        elif k == "channel":
            if not is_integral(v) or isinstance(v, bool) or not 1 <= int(v) <= 16:
                raise BadRequest(f"channel must be a MIDI channel from 1 to 16, got {v!r}")
            extra["channel"] = int(v)
        else:
            rest += [k, v]
    return rest, extra
