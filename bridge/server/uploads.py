"""Clip uploads: `/cadenza/clip/begin` and `/cadenza/clip/notes`, and the store that keeps each
upload until a continue/restyle/infill/interpolate/accompany request takes it, or until it expires.

An id holds one upload without a slot (what continue, restyle and infill take), for interpolate
one upload in each slot `a` and `b`, and for accompany (and infill/continue with context) up to
MAX_CONTEXT_TRACKS context uploads in slots `c1` ... `c8`, each with the `role` it plays
(SLOTS): each is its own upload, counted on its own against the per-client limit, and
`clip/notes` without a slot adds to the one last begun.

Why a store with expiry: a clip arrives over several datagrams before the request that uses it,
and a client may never send that request; an unused upload is dropped after `ttl` seconds with a
`timeout` error, so a client's forgotten uploads cannot pile up. The store is not thread-safe by
itself: the daemon calls its handlers, and `expire`, under its one dispatch lock.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

from bridge.errors import BadRequest, Busy, NoClip, Timeout, TooLarge
from bridge.music.clip import Clip, Note
from bridge.music.limits import MAX_BARS, MAX_CONTEXT_TRACKS, MAX_NOTES, MAX_TEMPO, MIN_TEMPO
from bridge.music.theory import ROLES, parse_key, parse_meter
from bridge.server.admission import reply_peer, request_id
from bridge.server.config import MAX_UPLOAD_NOTES
from bridge.server.osc import is_integral
from bridge.server.replies import send_error
from bridge.server.router import ROOT

log = logging.getLogger("cadenza.protocol")

CLIP_BEGIN_KEYS = ("meter", "tempo", "key", "slot", "role", "reply_port")
INTERPOLATE_SLOTS = ("a", "b")  # interpolate's two clips under one id
CONTEXT_SLOTS = tuple(f"c{i}" for i in range(1, MAX_CONTEXT_TRACKS + 1))  # context tracks, in this order
SLOTS = INTERPOLATE_SLOTS + CONTEXT_SLOTS  # no slot (None) is every other request's upload


def check_slot(value) -> str:
    """A slot name as sent by a client: "a", "b" or "c1" ... "c8", else a BadRequest saying so."""
    if not isinstance(value, str) or value not in SLOTS:
        raise BadRequest(f'slot must be "a" or "b" (the two clips of interpolate) or "c1" ... '
                         f'"{CONTEXT_SLOTS[-1]}" (context tracks, at most {MAX_CONTEXT_TRACKS}), got {value!r}; '
                         "leave it out for continue, restyle and infill")
    return value


def check_role(slot, role) -> str | None:
    """The `role` of a clip/begin: required on a context slot, refused on any other upload."""
    if slot not in CONTEXT_SLOTS:
        if role is not None:
            where = f'slot "{slot}"' if slot else "no slot"
            raise BadRequest(f'role is only for context slots "c1" ... "{CONTEXT_SLOTS[-1]}" (what a context '
                             f"track plays); this upload has {where}: leave role out "
                             "(the part to write is the request's own role key)")
        return None
    if role is None:
        raise BadRequest(f'context slot "{slot}" needs role R on clip/begin (what that track plays): '
                         f"one of {', '.join(ROLES)}")
    if not isinstance(role, str) or role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return role


def _named(slot) -> str:
    return f' slot "{slot}"' if slot else ""


@dataclass
class Upload:
    req_id: int
    peer: object
    length: float
    meter: object
    tempo: float
    key: object
    slot: str | None = None  # "a"/"b" for interpolate, "c1".."c8" for context, None for the id's single upload
    role: str | None = None  # context slots only: what the track plays
    notes: list = field(default_factory=list)
    created: float = field(default_factory=time.monotonic)

    def clip(self) -> Clip:
        return Clip(sorted(self.notes, key=lambda n: (n.start, n.pitch)), self.length, self.meter, self.tempo, self.key)


class UploadStore:
    """Unfinished uploads by (scope, id, slot), at most `max_per_client` per client scope (each
    slot counts) and at most `max_notes` notes in all of them together (memory for clients that
    may never come back)."""

    def __init__(self, ttl: float, max_per_client: int, max_notes: int = MAX_UPLOAD_NOTES):
        self.ttl = ttl
        self.max_per_client = max_per_client
        self.max_notes = max_notes
        self.notes_held = 0
        self._uploads: dict = {}  # (scope, id, slot) -> Upload; slot None: the id's single upload
        self._last_slot: dict = {}  # (scope, id) -> the slot last begun there (clip/notes without a slot)

    def register(self, router) -> None:
        router.map(f"{ROOT}/clip/begin", self.clip_begin)
        router.map(f"{ROOT}/clip/notes", self.clip_notes)

    def get(self, key) -> Upload | None:
        """The upload last begun under `key` (scope, id), whatever its slot."""
        return self._uploads.get((*key, self._last_slot.get(key)))

    def pop(self, key, slot: str | None = None) -> Upload | None:
        """Take the upload of `key` (scope, id) in `slot` (None: the id's single upload)."""
        up = self._uploads.pop((*key, slot), None)
        if up is not None:
            self.notes_held -= len(up.notes)
            if self._last_slot.get(key, None) == slot:
                self._last_slot.pop(key, None)
        return up

    def context_slots(self, key) -> list:
        """The context slots `key` (scope, id) holds now, in slot order (nothing is taken)."""
        return [slot for slot in CONTEXT_SLOTS if (*key, slot) in self._uploads]

    def pop_context(self, key) -> list:
        """Take every context upload of `key` (scope, id), in slot order c1 ... c8."""
        return [self.pop(key, slot) for slot in self.context_slots(key)]

    def drop_scope(self, scope) -> int:
        """Forget every upload of one client (its TCP connection closed); how many there were."""
        keys = [k for k in self._uploads if k[0] == scope]
        for scope_, req_id, slot in keys:
            self.pop((scope_, req_id), slot)
        return len(keys)

    # -- handlers ------------------------------------------------------------------------------
    def clip_begin(self, args, peer):
        req_id = request_id(args)
        if len(args) < 2 or isinstance(args[1], (str, bool)) or not isinstance(args[1], (int, float)):
            raise BadRequest("clip/begin needs: id length_beats [meter \"4/4\"] [tempo 120] [key \"D minor\"] "
                             "[slot \"a\"] [role \"melody\"] (role: context slots c1..c8 only)")
        length = float(args[1])
        peer, opts = reply_peer(peer, args, 2, CLIP_BEGIN_KEYS)
        meter = parse_meter(opts["meter"]) if "meter" in opts else parse_meter("4/4")
        if not math.isfinite(length) or length <= 0:
            raise BadRequest(f"length_beats must be a positive number of beats, got {args[1]!r}")
        if length > MAX_BARS * meter.beats_per_bar + 1e-6:
            raise TooLarge(f"a clip is at most {MAX_BARS} bars ({MAX_BARS * meter.beats_per_bar:g} beats in {meter}), got {length:g}")
        tempo = opts.get("tempo", 120.0)
        if isinstance(tempo, str) or not isinstance(tempo, (int, float)) or not math.isfinite(tempo) or not MIN_TEMPO <= tempo <= MAX_TEMPO:
            raise BadRequest(f"tempo must be from {MIN_TEMPO} to {MAX_TEMPO} BPM, got {tempo!r}")
        key = parse_key(opts["key"]) if opts.get("key") else None
        slot = check_slot(opts["slot"]) if "slot" in opts else None
        role = check_role(slot, opts.get("role"))
        self.expire()
        scope_count = sum(1 for (scope, _, _) in self._uploads if scope == peer.scope)
        if (peer.scope, req_id, slot) not in self._uploads and scope_count >= self.max_per_client:
            raise TooLarge(
                f"at most {self.max_per_client} unfinished uploads per client (each slot counts); "
                "use or cancel the ones you started"
            )
        self.pop((peer.scope, req_id), slot)  # a new begin of the same id and slot starts that upload over
        self._uploads[(peer.scope, req_id, slot)] = Upload(req_id, peer, length, meter, float(tempo), key, slot, role)
        self._last_slot[(peer.scope, req_id)] = slot

    def clip_notes(self, args, peer):
        req_id = request_id(args)
        flat = args[1:]
        if flat and isinstance(flat[0], str):  # `clip/notes id "a" ...`: the slot it adds to
            slot, flat = check_slot(flat[0]), flat[1:]
        else:
            slot = self._last_slot.get((peer.scope, req_id))
        up = self._uploads.get((peer.scope, req_id, slot))
        if up is None:
            raise NoClip(f"no clip upload open for id {req_id}{_named(slot)}: send {ROOT}/clip/begin {req_id} "
                         f"length_beats{_named(slot)} first")
        if len(flat) % 4:
            raise BadRequest(f"clip/notes takes groups of 4 numbers (pitch start duration velocity), got {len(flat)} values")
        if len(up.notes) + len(flat) // 4 > MAX_NOTES:
            self.pop((peer.scope, req_id), slot)
            raise TooLarge(f"a clip holds at most {MAX_NOTES} notes; upload {req_id}{_named(slot)} was dropped")
        if self.notes_held + len(flat) // 4 > self.max_notes:
            raise Busy(f"unfinished uploads already hold {self.notes_held} notes (the daemon's limit, "
                       f"max_upload_notes, is {self.max_notes}); these notes were not added, try again "
                       "once uploads are used or expire")
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
        self.notes_held += len(new)

    # -- housekeeping --------------------------------------------------------------------------
    def expire(self) -> None:
        """Drop uploads older than `ttl`, each with a `timeout` error to its client."""
        now = time.monotonic()
        for key, up in list(self._uploads.items()):
            if now - up.created > self.ttl:
                self.pop(key[:2], up.slot)
                log.info("upload id %s%s from %s expired after %.0f s unused", up.req_id, _named(up.slot), up.peer,
                         self.ttl)
                send_error(up.peer, up.req_id, Timeout(
                    f"the clip uploaded under id {up.req_id}{_named(up.slot)} expired after {self.ttl:g} s without "
                    + _user(up.slot)
                ))


def _user(slot) -> str:
    """The requests an upload in `slot` waits for (its expiry message)."""
    if slot in CONTEXT_SLOTS:
        return "an accompany, infill or continue request"
    return "an interpolate request" if slot else "a continue/restyle/infill request"
