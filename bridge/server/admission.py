"""Request admission: the one path from a generating request's arguments to an admitted request.

Why one path: a queued request (`/cadenza/generate|continue|restyle|infill`) and a stream
(`/cadenza/stream/start`) must agree on every rule a request passes before any work starts: the
id, the id not already running (in the queue or as a stream), the model, the request's keys, the
reply port, the uploaded clip, the seed. `Admission.admit` applies them in that order; a caller
adds only its own rules (a stream's `variations` check) through `check`.

`request_id` and `reply_peer` are the argument rules every handler shares.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable

from bridge.errors import BadRequest, NoClip, UnknownModel
from bridge.music.request import pairs, parse_request
from bridge.server.osc import is_integral
from bridge.server.router import ROOT

QUERY_KEYS = ("reply_port",)
OPERATIONS_NEEDING_NOTES = ("restyle",)  # an empty uploaded clip is refused for these


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


def reply_peer(peer, args: list, start: int, allowed=QUERY_KEYS):
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


@dataclass
class Admitted:
    """A request that passed admission: who asked, what for, on which model, with which clip."""

    req_id: int
    peer: Any  # with the request's reply port applied
    operation: str
    request: Any  # bridge.music.request.Request, seed drawn
    model_name: str
    engine: Any
    clip: Any  # the uploaded Clip, or None for generate

    @property
    def key(self):
        return (self.peer.scope, self.req_id)


class Admission:
    """Admits generating requests against the resident engines, the uploads and what is running.

    `engines` is the daemon's EngineHost (names, the default, each engine's info); `uploads` the
    UploadStore; `is_running(key)` says whether (scope, id) is queued, running or streaming.
    """

    def __init__(self, engines, uploads, is_running: Callable[[Any], bool], rng: random.Random | None = None):
        self.engines = engines
        self.uploads = uploads
        self.is_running = is_running
        self.rng = rng or random.Random()

    def resolve_model(self, args: list):
        """(name, engine) for the request's `model` key, else the daemon's default model."""
        name = None
        for k, v in pairs(args):
            if k == "model":
                name = v
        if name is None:
            name = self.engines.default
            if name is None:
                raise UnknownModel("no model is loaded: put a model folder in the models directory")
        if name not in self.engines.models:
            raise UnknownModel(f"unknown model {name!r}; loaded: {', '.join(self.engines.models)}")
        return name, self.engines.models[name]

    def admit(self, operation: str, args: list, peer, *, check: Callable[[Any], None] | None = None,
              what: str = "request") -> Admitted:
        """Apply every admission rule to `args` (id first); raise a bridge.errors type on the first
        that fails. `what` names the thing in the duplicate-id message ("request", "stream")."""
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
        if check is not None:
            check(req)
        peer = peer.with_reply_port(req.reply_port)
        key = (peer.scope, req_id)
        if self.is_running(key):
            raise BadRequest(f"request id {req_id} is already running; use a new id for each {what}")
        clip = None
        if operation != "generate":
            up = self.uploads.pop(key)
            if up is None:
                raise NoClip(
                    f"{operation} needs a clip: upload it first with {ROOT}/clip/begin {req_id} length_beats "
                    f"and {ROOT}/clip/notes {req_id} ..."
                )
            clip = up.clip()
            clip.validate()
            if not clip.notes and operation in OPERATIONS_NEEDING_NOTES:
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
            req.seed = self.rng.randrange(0, 2**31 - 1)
        return Admitted(req_id, peer, operation, req, name, engine, clip)
