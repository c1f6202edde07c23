"""Request admission: the one path from a generating request's arguments to an admitted request.

Why one path: a queued request (`/cadenza/generate|continue|restyle|infill|interpolate`) and a stream
(`/cadenza/stream/start`) must agree on every rule a request passes before any work starts: the
id, the id not already running (in the queue or as a stream), the model, the request's keys, the
reply port, the uploaded clip, the seed. `Admission.admit` applies them in that order; a caller
adds only its own rules (a stream's `variations` check) through `check`. A band (generate with
role "band" or roles) is answered only by a model whose operations include band, its parts
checked against the model's before the request is queued. Interpolate differs in
two rules, both here: its model must be one whose engine interpolates, and it takes two uploads
(slots a and b) that must share a meter. Accompany is its sibling: its model must list accompany
among its operations, and it takes the context uploads (slots c1..c8, each with a role) into
`Request.context`, which must share one meter and one length in bars; infill and continue take
the context too when the id holds any, under the same model rule.

`request_id` and `reply_peer` are the argument rules every handler shares.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable

from bridge.errors import BadRequest, NoClip, UnknownModel
from bridge.music.limits import MAX_INTERPOLATE_BARS, MAX_STEPS, MIN_STEPS
from bridge.music.context import context_shape
from bridge.music.request import BAND, band_parts, pairs, parse_request
from bridge.server.osc import is_integral
from bridge.server.router import ROOT

QUERY_KEYS = ("reply_port",)
OPERATIONS_NEEDING_NOTES = ("restyle", "groove", "drumify")  # an empty uploaded clip is refused for these
INTERPOLATING_FAMILIES = ("vae",)  # the engine families that interpolate, named when no resident model can
BAND_FAMILIES = ("gan",)  # the engine families that write bands
ACCOMPANYING_FAMILIES = ("transformer",)  # the engine families whose models may accompany (and use context)
GROOVING_FAMILIES = ("groove",)  # the engine families that groove a clip
# /cadenza/drumify is answered by the first resident model of these families, in this order: the
# best at restyle role drums preserve rhythm first, as measured in docs/ENGINES.md ("Drumify")
DRUMIFY_FAMILIES = ("markov", "transformer")
ABLE_FAMILIES = {"interpolate": INTERPOLATING_FAMILIES, "accompany": ACCOMPANYING_FAMILIES,
                 "groove": GROOVING_FAMILIES, "band": BAND_FAMILIES}
CONTEXT_OPERATIONS = ("accompany", "infill", "continue")  # the requests that take context slots c1..c8


def asks_band(args: list) -> bool:
    """A generate request for a band: role "band", or a roles key (docs/PROTOCOL.md, "Band")."""
    return any(k == "roles" or (k == "role" and v == BAND) for k, v in pairs(args))


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
    clip: Any  # the uploaded Clip, or None for generate; interpolate: the clip of slot a
    clip_b: Any = None  # interpolate: the clip of slot b

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

    def resolve_able_model(self, args: list, operation: str, why_here: str = ""):
        """(name, engine) for a request only some models answer (interpolate, accompany, context):
        the `model` key's, which must list `operation`; else the default model when it can, else
        the first resident model that can; else a BadRequest naming the models that can."""
        able = [n for n, e in self.engines.models.items() if operation in e.operations]
        families = ABLE_FAMILIES.get(operation, ACCOMPANYING_FAMILIES)
        named = any(k == "model" for k, _ in pairs(args))
        if named or (self.engines.default in able):
            name, engine = self.resolve_model(args)
            if name in able:
                return name, engine
            why = f"model {name!r} ({engine.info.engine} engine) cannot {operation}{why_here}"
        elif able:
            return able[0], self.engines.models[able[0]]
        else:
            why = f"no resident model can {operation}{why_here}"
        can = (f"models that can: {', '.join(f'{n} ({self.engines.models[n].info.engine})' for n in able)}"
               if able else f"none resident can; put a model of the {' or '.join(families)} "
               f"engine that lists {operation} among its operations in the models folder")
        if operation in ("interpolate", "band"):
            raise BadRequest(f"{why}; {operation} is answered by the {' and '.join(families)} engine; {can}")
        raise BadRequest(f"{why}; {operation} is answered by models whose operations (/cadenza/models) "
                         f"include it; {can}")

    def resolve_drumify_model(self, args: list):
        """(name, engine) for drumify (restyle role drums preserve rhythm): the `model` key's, which
        must restyle drums; else the first resident model of DRUMIFY_FAMILIES' best family; else
        the default model when it can; else a BadRequest naming the families that can."""
        able = [n for n, e in self.engines.models.items()
                if "restyle" in e.operations and "drums" in e.info.roles]
        if any(k == "model" for k, _ in pairs(args)):
            name, engine = self.resolve_model(args)
            if name in able:
                return name, engine
            raise BadRequest(f"model {name!r} ({engine.info.engine} engine) cannot drumify (restyle role drums); "
                             f"models that can: {', '.join(able) or 'none resident'}")
        for fam in DRUMIFY_FAMILIES:
            for n in able:
                if self.engines.models[n].info.engine == fam:
                    return n, self.engines.models[n]
        if self.engines.default in able:
            return self.engines.default, self.engines.models[self.engines.default]
        if able:
            return able[0], self.engines.models[able[0]]
        raise BadRequest(f"no resident model can drumify (restyle role drums); put a model of the "
                         f"{' or '.join(DRUMIFY_FAMILIES)} engine in the models folder")

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
        if operation == "interpolate":
            if any(k == "variations" for k, _ in pairs(rest)):
                raise BadRequest(f"variations is not a key of interpolate: it returns one variation per step; "
                                 f"ask for steps N ({MIN_STEPS}-{MAX_STEPS}) instead")
            name, engine = self.resolve_able_model(rest, "interpolate")
        elif operation in ("accompany", "groove"):
            name, engine = self.resolve_able_model(rest, operation)
        elif operation == "generate" and asks_band(rest):
            name, engine = self.resolve_able_model(rest, "band")
        elif operation == "drumify":
            name, engine = self.resolve_drumify_model(rest)
        elif operation in CONTEXT_OPERATIONS and self.uploads.context_slots((peer.scope, req_id)):
            slots = ", ".join(self.uploads.context_slots((peer.scope, req_id)))
            name, engine = self.resolve_able_model(rest, "accompany", f" (this {operation} has context tracks in "
                                                   f"slots {slots}, which only such a model uses)")
        else:
            name, engine = self.resolve_model(rest)
        req = parse_request(operation, rest, styles=tuple(engine.info.styles) or None)
        if check is not None:
            check(req)
        if req.role == BAND:
            # the parts, checked now: an unknown one is refused before queueing (accompany's are the model's roles)
            band_parts(req, engine.info.roles if operation == "accompany" else engine.band_parts)
        if operation == "accompany" and "role" not in req.given and not req.parts:
            raise BadRequest("accompany needs role R, the part to write (melody, bass, chords, keys or drums), "
                             f"or roles \"bass,chords\" for several: {ROOT}/accompany id role \"bass\" [key value ...]")
        peer = peer.with_reply_port(req.reply_port)
        key = (peer.scope, req_id)
        if self.is_running(key):
            raise BadRequest(f"request id {req_id} is already running; use a new id for each {what}")
        clip = clip_b = None
        if operation in CONTEXT_OPERATIONS:
            req.context = self._context(key, operation)
        if operation == "interpolate":
            clip, clip_b = self._two_clips(key, req)
        elif operation == "accompany":
            self._fit_to_context(req, req.context)
        elif operation != "generate":
            up = self.uploads.pop(key)
            if up is None:
                raise NoClip(
                    f"{operation} needs a clip: upload it first with {ROOT}/clip/begin {req_id} length_beats "
                    f"and {ROOT}/clip/notes {req_id} ..."
                )
            clip = up.clip()
            clip.validate()
            if not clip.notes and operation in OPERATIONS_NEEDING_NOTES:
                raise NoClip(f"the clip uploaded under id {req_id} has no notes to {operation}")
        if operation == "infill":
            total_bars = clip.meter.nominal_bars(clip.length)
            if not 0 <= start_bar < end_bar <= total_bars:
                raise BadRequest(
                    f"infill bars must satisfy 0 <= start_bar < end_bar <= {total_bars} (the clip's bars), "
                    f"got {start_bar}..{end_bar}"
                )
            req.start_bar, req.end_bar = start_bar, end_bar
        if req.context and operation == "infill":
            self._same_bars_as_clip(req.context, clip)
        elif req.context and operation == "continue":
            self._continues_over_context(req, req.context, clip)
        if req.seed is None:
            req.seed = self.rng.randrange(0, 2**31 - 1)
        return Admitted(req_id, peer, operation, req, name, engine, clip, clip_b)

    def _two_clips(self, key, req):
        """Interpolate's clips, slot a and slot b, both taken from the store (a request that
        names an id uses up its uploads, whether or not it is admitted)."""
        req_id = key[1]
        ups = {slot: self.uploads.pop(key, slot) for slot in ("a", "b")}
        missing = [slot for slot, up in ups.items() if up is None]
        if missing:
            raise NoClip(
                f"interpolate needs two clips under id {req_id}, slots a and b; missing: "
                f"{' and '.join(missing)}: upload each with {ROOT}/clip/begin {req_id} length_beats slot \"a\" "
                f"(or \"b\") and {ROOT}/clip/notes {req_id} \"a\" ..."
            )
        a, b = ups["a"].clip().validate(), ups["b"].clip().validate()
        if a.meter != b.meter:
            raise BadRequest(f"interpolate needs two clips in one meter: slot a is in {a.meter}, slot b in {b.meter}")
        if req.meter is not None and req.meter != a.meter:
            raise BadRequest(f"meter {req.meter} differs from the clips' {a.meter}; leave it out or give {a.meter}")
        if req.bars is None:
            longer = max(a.meter.nominal_bars(a.length), b.meter.nominal_bars(b.length))
            if longer > MAX_INTERPOLATE_BARS:
                raise BadRequest(f"interpolate spans at most {MAX_INTERPOLATE_BARS} bars and the longer clip has "
                                 f"{longer}; give bars 1-{MAX_INTERPOLATE_BARS} (the clips are cut to it)")
        return a, b

    # -- context (accompany; infill and continue with context) -----------------------------------
    def _context(self, key, operation: str) -> list:
        """The id's context uploads as (role, Clip) pairs in slot order, all taken from the store
        (a request uses up the context it names, admitted or not); one meter and one length in
        bars among them, else a BadRequest naming the two slots that differ."""
        ups = self.uploads.pop_context(key)
        if not ups:
            if operation == "accompany":
                raise NoClip(
                    f"accompany needs context clips under id {key[1]}: upload each track with "
                    f"{ROOT}/clip/begin {key[1]} length_beats slot \"c1\" role \"melody\" (slots c1 ... c8) and "
                    f"{ROOT}/clip/notes {key[1]} \"c1\" ...; a clip uploaded without a slot is not context"
                )
            return []
        out = [(up.role, up.clip().validate()) for up in ups]
        context_shape([(f"slot {up.slot}", clip) for up, (_, clip) in zip(ups, out)])
        return out  # at most MAX_BARS bars each: clip/begin and Clip.validate refuse longer clips (too_large)

    @staticmethod
    def _fit_to_context(req, context: list) -> None:
        """Accompany keeps the context's meter and length: `meter`, if given, must be the context's."""
        meter, bars = _shape(context)
        if req.meter is not None and req.meter != meter:
            raise BadRequest(f"meter {req.meter} differs from the context's {meter}; leave it out or give {meter}")
        req.meter = meter
        _bars_within(req, bars, "")

    @staticmethod
    def _same_bars_as_clip(context: list, clip) -> None:
        """Infill's context lies over the clip's bars: the clip's meter and its number of bars."""
        meter, bars = _shape(context)
        clip_bars = clip.meter.nominal_bars(clip.length)
        if meter != clip.meter:
            raise BadRequest(f"the context is in {meter} and the clip to infill in {clip.meter}; they must share one meter")
        if bars != clip_bars:
            raise BadRequest(f"the context has {bars} bars and the clip to infill {clip_bars}; context for infill "
                             "spans the clip's bars")

    @staticmethod
    def _continues_over_context(req, context: list, clip) -> None:
        """Continue's context spans the continuation (which starts where the clip ends): the clip's meter."""
        meter, bars = _shape(context)
        if meter != clip.meter:
            raise BadRequest(f"the context is in {meter} and the clip to continue in {clip.meter}; they must share "
                             "one meter")
        _bars_within(req, bars, ", which spans the continuation")


def _shape(context: list):
    """(meter, bars) of a context that `_context` has checked: every track shares both."""
    clip = context[0][1]
    return clip.meter, clip.meter.nominal_bars(clip.length)


def _bars_within(req, bars: int, spans: str) -> None:
    """`bars` defaults to the context's `bars` and may not be longer (shorter: its first bars)."""
    if req.bars is not None and req.bars > bars:
        raise BadRequest(f"bars {req.bars} is longer than the context ({bars} bars){spans}; ask for 1-{bars}, "
                         "or upload longer context clips")
    if req.bars is None:
        req.bars = bars
