"""Endless real-time streams: `/cadenza/stream/start|set|stop|keepalive`.

A stream generates a few bars ahead of the playhead by continuing its own last bars, and sends
each note as `/cadenza/note id pitch velocity duration_beats [channel]` inside an OSC bundle whose
time tag is the note's start, `lookahead_ms` before that time; `/cadenza/beat id bar beat` goes
out on every beat the same way. Generation runs on one thread per stream (never on the request
queue's worker: bridge/stream_part.py); one shared send thread and a send process
(bridge/stream_clock.py, bridge/stream_sender.py) time every bundle. This module holds the
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
from bridge.server.osc import encode_message, is_integral
from bridge.server.protocol import ROOT, request_id
from bridge.music.request import pairs, parse_request
from bridge.stream.clock import Scheduler
from bridge.stream.part import Stream
from bridge.server.transport import TcpPeer

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
    """Owns the streams, their handlers, the shared send thread and the idle rule."""

    def __init__(self, daemon):
        self.d = daemon
        self.idle_s = idle_seconds()
        self.scheduler = Scheduler(udp_sock=getattr(daemon.transports, "udp", None))
        self.streams: dict = {}  # (scope, id) -> Stream
        self.last_seen: dict = {}  # scope -> monotonic time of its last packet
        self.lock = threading.RLock()
        self.closed = False  # set by stop_all: the daemon is shutting down
        for engine in daemon.models.values():
            _serialise(engine)
        daemon.extra_handlers.update({
            f"{ROOT}/stream/start": self.handle_start,
            f"{ROOT}/stream/set": self.handle_set,
            f"{ROOT}/stream/stop": self.handle_stop,
            f"{ROOT}/stream/keepalive": self.handle_keepalive,
        })

    # -- hooks the daemon calls ----------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.streams)

    def touch(self, peer) -> None:
        self.last_seen[peer.scope] = time.monotonic()

    def stop(self, scope, req_id) -> bool:
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
        self.scheduler.close()

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
        if STREAM_MODEL in self.d.models and not any(k == "model" for k, _ in pairs(rest)):
            rest += ["model", STREAM_MODEL]
        name, engine = self.d.protocol.resolve_model(rest)
        req = parse_request("generate", rest, styles=tuple(engine.info.styles) or None)
        if req.variations != 1:
            raise BadRequest(f"a stream plays one part: variations must be 1, got {req.variations}")
        peer = peer.with_reply_port(req.reply_port)
        key = (peer.scope, req_id)
        with self.lock:
            if key in self.streams or self.d.queue.is_active(key):
                raise BadRequest(f"request id {req_id} is already running; use a new id for each stream")
            if self.closed:
                raise Busy("the daemon is shutting down; no new streams")
            if len(self.streams) >= MAX_STREAMS:
                raise Busy(f"at most {MAX_STREAMS} streams run at once; stop one first")
            if req.seed is None:
                req.seed = self.d.rng.randrange(0, 2**31 - 1)
            stream = Stream(self, req_id, peer, req, name, engine, **extra)
            self.streams[key] = stream
            self.last_seen.setdefault(peer.scope, time.monotonic())
        self.scheduler.start()
        peer.send(encode_message(f"{ROOT}/accepted", req_id, 0))
        peer.send(encode_message(f"{ROOT}/info", req_id, *stream.info()))
        stream.start()
        log.info("stream id=%s client=%s model=%s tempo=%g lookahead=%gms started",
                 req_id, peer, name, stream.tempo, stream.lookahead_s * 1000)

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
            stream.peer.send(encode_message(f"{ROOT}/stream/rejected", req_id, exc.code, exc.message[:900]))
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


def _serialise(engine) -> None:
    """Let one thread at a time into `engine.run`. The request worker and the stream threads
    share the resident engines, and an engine may keep state between calls (the Transformer's KV
    cache is allocated once), so each engine gets a lock around its `run`, on this instance only.
    An engine that is safe to call from several threads can say so with `thread_safe = True`."""
    if getattr(engine, "thread_safe", False) or getattr(engine, "run_lock", None) is not None:
        return
    lock = threading.RLock()
    inner = engine.run

    def run(request, clip, progress):
        with lock:
            return inner(request, clip, progress)

    engine.run, engine.run_lock = run, lock


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
