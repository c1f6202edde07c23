"""Protocol v1: the OSC address table and its handlers.

Handlers receive decoded arguments and a `Peer`; they validate, answer the cheap requests at
once and hand generating requests to the queue. They never touch sockets (the peer does) and
never raise to the transport: every failure becomes `/cadenza/error id code message`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

from bridge import __version__
from bridge.music.clip import Clip, Note
from bridge.music.limits import MAX_BARS, MAX_NOTES, MAX_TEMPO, MIN_TEMPO
from bridge.errors import BadRequest, CadenzaError, NoClip, TooLarge, UnknownAddress, UnknownModel
from bridge.server.jobs import Job
from bridge.music.theory import parse_key, parse_meter
from bridge.server.osc import OscDecodeError, decode_packet, encode_message, is_integral
from bridge.music.request import pairs, parse_request

log = logging.getLogger("cadenza.protocol")

ROOT = "/cadenza"
CLIP_BEGIN_KEYS = ("meter", "tempo", "key", "reply_port")
QUERY_KEYS = ("reply_port",)


@dataclass
class Upload:
    req_id: int
    peer: object
    length: float
    meter: object
    tempo: float
    key: object
    notes: list = field(default_factory=list)
    created: float = field(default_factory=time.monotonic)


def request_id(args: list, required: bool = True) -> int:
    """The first argument as an int32 id (Pd sends floats: integral floats are accepted)."""
    if not args:
        if required:
            raise BadRequest("missing the request id: the first argument must be an int32 chosen by the client")
        return -1
    a = args[0]
    if isinstance(a, bool) or not is_integral(a) or not -(2**31) <= int(a) < 2**31:
        raise BadRequest(f"the first argument must be an int32 request id, got {a!r}")
    return int(a)


class Protocol:
    """Dispatches packets. `daemon` supplies models, the queue, streams and the start time."""

    def __init__(self, daemon):
        self.d = daemon
        self.uploads: dict = {}  # (scope, id) -> Upload
        self.lock = threading.RLock()  # uploads are touched from UDP, TCP and janitor threads
        self.table = {
            f"{ROOT}/ping": self.ping,
            f"{ROOT}/status": self.status,
            f"{ROOT}/models": self.models,
            f"{ROOT}/clip/begin": self.clip_begin,
            f"{ROOT}/clip/notes": self.clip_notes,
            f"{ROOT}/generate": lambda a, p: self.work("generate", a, p),
            f"{ROOT}/continue": lambda a, p: self.work("continue", a, p),
            f"{ROOT}/restyle": lambda a, p: self.work("restyle", a, p),
            f"{ROOT}/infill": lambda a, p: self.work("infill", a, p),
            f"{ROOT}/cancel": self.cancel,
        }

    # -- entry point from the transports -------------------------------------------------------
    def handle_packet(self, data: bytes, peer) -> None:
        self.d.touch(peer)
        try:
            messages = decode_packet(data)
        except OscDecodeError as exc:
            log.warning("dropped a malformed packet from %s (%d bytes): %s", peer, len(data), exc)
            return
        for address, args, _when in messages:
            with self.lock:
                self.handle_message(address, args, peer)

    def handle_message(self, address: str, args: list, peer) -> None:
        req_id = -1
        try:
            if args and is_integral(args[0]) and not isinstance(args[0], bool):
                req_id = int(args[0]) if -(2**31) <= int(args[0]) < 2**31 else -1
            handler = self.table.get(address) or self.d.extra_handlers.get(address)
            if handler is None:
                raise UnknownAddress(
                    f"unknown address {address}; known: {', '.join(sorted([*self.table, *self.d.extra_handlers]))}"
                )
            handler(args, peer)
        except CadenzaError as exc:
            log.info("error %s from %s on %s id %s: %s", exc.code, peer, address, req_id, exc.message)
            self.error(self._error_peer(address, args, peer, req_id), req_id, exc)
        except Exception as exc:  # never let a request kill a socket thread
            log.error("internal error on %s from %s: %s: %s", address, peer, type(exc).__name__, exc)
            log.debug("traceback", exc_info=True)
            self.error(self._error_peer(address, args, peer, req_id), req_id,
                       CadenzaError(f"internal error: {type(exc).__name__}: {exc}"))

    def _error_peer(self, address: str, args: list, peer, req_id: int):
        """Where an immediate error goes: the request's `reply_port` if it named one (even when the
        request was otherwise malformed), else the port its upload named, else the source port.
        Max and TouchDesigner only listen on their reply port."""
        for i in range(1, len(args) - 1):
            if args[i] == "reply_port" and is_integral(args[i + 1]) and 1 <= int(args[i + 1]) <= 65535:
                return peer.with_reply_port(int(args[i + 1]))
        up = self.uploads.get((peer.scope, req_id))
        if up is not None:
            return up.peer
        return peer

    # -- replies -------------------------------------------------------------------------------
    @staticmethod
    def error(peer, req_id: int, exc: CadenzaError) -> None:
        message = exc.message if len(exc.message) < 1000 else exc.message[:997] + "..."
        peer.send(encode_message(f"{ROOT}/error", req_id, exc.code, message))

    @staticmethod
    def _reply_peer(peer, args: list, start: int, allowed=QUERY_KEYS):
        """Apply a trailing `reply_port N` (an extension for ping/status/models/clip/begin)."""
        opts = dict(pairs(args[start:]))
        for k in opts:
            if k not in allowed:
                raise BadRequest(f"unknown key {k!r}; allowed here: {', '.join(allowed)}")
        port = opts.get("reply_port")
        if port is not None:
            if not is_integral(port) or not 1 <= int(port) <= 65535:
                raise BadRequest(f"reply_port must be a port from 1 to 65535, got {port!r}")
            peer = peer.with_reply_port(int(port))
        return peer, opts

    # -- cheap requests, answered on the socket thread -----------------------------------------
    def ping(self, args, peer):
        if not args or isinstance(args[0], str):  # `/cadenza/ping` or `/cadenza/ping reply_port 9000`
            peer, _ = self._reply_peer(peer, args, 0)
            peer.send(encode_message(f"{ROOT}/pong", __version__))
            return
        req_id = request_id(args)
        peer, _ = self._reply_peer(peer, args, 1)
        peer.send(encode_message(f"{ROOT}/pong", req_id, __version__))

    def status(self, args, peer):
        t0 = time.perf_counter()
        req_id = request_id(args)
        peer, _ = self._reply_peer(peer, args, 1)
        info = self.d.status_info()
        flat: list = []
        for k, v in info.items():
            flat += [k, v]
        peer.send(encode_message(f"{ROOT}/status", req_id, *flat))
        peer.send(encode_message(f"{ROOT}/done", req_id, (time.perf_counter() - t0) * 1000))

    def models(self, args, peer):
        t0 = time.perf_counter()
        req_id = request_id(args)
        peer, _ = self._reply_peer(peer, args, 1)
        for name, engine in self.d.models.items():
            i = engine.info
            peer.send(encode_message(
                f"{ROOT}/model", req_id, name, i.engine, i.device, i.quantization,
                "default", 1 if i.default else 0,
                "styles", ",".join(i.styles), "roles", ",".join(i.roles), "moods", ",".join(i.moods),
            ))
        peer.send(encode_message(f"{ROOT}/done", req_id, (time.perf_counter() - t0) * 1000))

    def clip_begin(self, args, peer):
        req_id = request_id(args)
        if len(args) < 2 or isinstance(args[1], (str, bool)) or not isinstance(args[1], (int, float)):
            raise BadRequest("clip/begin needs: id length_beats [meter \"4/4\"] [tempo 120] [key \"D minor\"]")
        length = float(args[1])
        peer, opts = self._reply_peer(peer, args, 2, CLIP_BEGIN_KEYS)
        meter = parse_meter(opts["meter"]) if "meter" in opts else parse_meter("4/4")
        if not math.isfinite(length) or length <= 0:
            raise BadRequest(f"length_beats must be a positive number of beats, got {args[1]!r}")
        if length > MAX_BARS * meter.beats_per_bar + 1e-6:
            raise TooLarge(f"a clip is at most {MAX_BARS} bars ({MAX_BARS * meter.beats_per_bar:g} beats in {meter}), got {length:g}")
        tempo = opts.get("tempo", 120.0)
        if isinstance(tempo, str) or not isinstance(tempo, (int, float)) or not math.isfinite(tempo) or not MIN_TEMPO <= tempo <= MAX_TEMPO:
            raise BadRequest(f"tempo must be from {MIN_TEMPO} to {MAX_TEMPO} BPM, got {tempo!r}")
        key = parse_key(opts["key"]) if opts.get("key") else None
        self.expire_uploads()
        scope_count = sum(1 for (scope, _) in self.uploads if scope == peer.scope)
        if (peer.scope, req_id) not in self.uploads and scope_count >= self.d.config.max_uploads_per_client:
            raise TooLarge(
                f"at most {self.d.config.max_uploads_per_client} unfinished uploads per client; "
                "use or cancel the ones you started"
            )
        self.uploads[(peer.scope, req_id)] = Upload(req_id, peer, length, meter, float(tempo), key)

    def clip_notes(self, args, peer):
        req_id = request_id(args)
        up = self.uploads.get((peer.scope, req_id))
        if up is None:
            raise NoClip(f"no clip upload open for id {req_id}: send /cadenza/clip/begin {req_id} length_beats first")
        flat = args[1:]
        if len(flat) % 4:
            raise BadRequest(f"clip/notes takes groups of 4 numbers (pitch start duration velocity), got {len(flat)} values")
        if len(up.notes) + len(flat) // 4 > MAX_NOTES:
            del self.uploads[(peer.scope, req_id)]
            raise TooLarge(f"a clip holds at most {MAX_NOTES} notes; upload {req_id} was dropped")
        new = []
        for i in range(0, len(flat), 4):
            p, s, d, v = flat[i : i + 4]
            for name, x in (("pitch", p), ("velocity", v)):
                if not is_integral(x):
                    raise BadRequest(f"note {i // 4}: {name} must be an integer, got {x!r}")
            for name, x in (("start", s), ("duration", d)):
                if isinstance(x, (str, bool)) or not isinstance(x, (int, float)):
                    raise BadRequest(f"note {i // 4}: {name} must be a number of beats, got {x!r}")
            new.append(Note(float(s), int(p), float(d), int(v)).validate())
        up.notes.extend(new)

    def cancel(self, args, peer):
        req_id = request_id(args)
        if not self.d.queue.cancel((peer.scope, req_id)) and not self.d.cancel_stream(peer.scope, req_id):
            raise BadRequest(f"no queued or running request with id {req_id} to cancel")

    # -- generating requests -------------------------------------------------------------------
    def resolve_model(self, args: list):
        name = None
        for k, v in pairs(args):
            if k == "model":
                name = v
        if name is None:
            name = self.d.default_model
            if name is None:
                raise UnknownModel("no model is loaded: put a model folder in the models directory")
        if name not in self.d.models:
            raise UnknownModel(f"unknown model {name!r}; loaded: {', '.join(self.d.models)}")
        return name, self.d.models[name]

    def work(self, operation, args, peer):
        req_id = request_id(args)
        rest = args[1:]
        start_bar = end_bar = None
        if operation == "infill":
            if len(rest) < 2 or not all(is_integral(x) for x in rest[:2]):
                raise BadRequest("infill needs: id start_bar end_bar [key value ...] (bars 0-based, end exclusive)")
            start_bar, end_bar = int(rest[0]), int(rest[1])
            rest = rest[2:]
        name, engine = self.resolve_model(rest)
        req = parse_request(operation, rest, styles=tuple(engine.info.styles) or None)
        peer = peer.with_reply_port(req.reply_port)
        key = (peer.scope, req_id)
        streams = self.d.streams
        if self.d.queue.is_active(key) or (streams is not None and key in streams.streams):
            raise BadRequest(f"request id {req_id} is already running; use a new id for each request")
        clip = None
        if operation != "generate":
            up = self.uploads.pop(key, None)
            if up is None:
                raise NoClip(
                    f"{operation} needs a clip: upload it first with /cadenza/clip/begin {req_id} length_beats "
                    f"and /cadenza/clip/notes {req_id} ..."
                )
            clip = Clip(sorted(up.notes, key=lambda n: (n.start, n.pitch)), up.length, up.meter, up.tempo, up.key)
            clip.validate()
            if not clip.notes and operation in ("restyle",):
                raise NoClip(f"the clip uploaded under id {req_id} has no notes to restyle")
        if operation == "infill":
            total_bars = clip.meter.nominal_bars(clip.length)
            if not 0 <= start_bar < end_bar <= total_bars:
                raise BadRequest(
                    f"infill bars must satisfy 0 <= start_bar < end_bar <= {total_bars} (the clip's bars), "
                    f"got {start_bar}..{end_bar}"
                )
            req.start_bar, req.end_bar = start_bar, end_bar
        if req.seed is None:
            req.seed = self.d.rng.randrange(0, 2**31 - 1)
        timeout = min(req.timeout or self.d.config.request_timeout, self.d.config.request_timeout)
        job = Job(peer.scope, req_id, peer, operation, req, clip, engine, timeout)
        job.model_name = name
        position = self.d.queue.submit(job)
        peer.send(encode_message(f"{ROOT}/accepted", req_id, position))
        job.acknowledged.set()

    # -- housekeeping --------------------------------------------------------------------------
    def expire_uploads(self) -> None:
        with self.lock:
            self._expire_uploads()

    def _expire_uploads(self) -> None:
        now = time.monotonic()
        for key, up in list(self.uploads.items()):
            if now - up.created > self.d.config.upload_ttl:
                del self.uploads[key]
                log.info("upload id %s from %s expired after %.0f s unused", up.req_id, up.peer, self.d.config.upload_ttl)
                self.error(up.peer, up.req_id, _Expired(
                    f"the clip uploaded under id {up.req_id} expired after {self.d.config.upload_ttl:g} s "
                    "without a continue/restyle/infill request"
                ))


class _Expired(CadenzaError):
    code = "timeout"
