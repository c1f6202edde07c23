"""Clip uploads: `/cadenza/clip/begin` and `/cadenza/clip/notes`, and the store that keeps each
upload until a continue/restyle/infill request takes it, or until it expires.

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
from bridge.music.limits import MAX_BARS, MAX_NOTES, MAX_TEMPO, MIN_TEMPO
from bridge.music.theory import parse_key, parse_meter
from bridge.server.admission import reply_peer, request_id
from bridge.server.config import MAX_UPLOAD_NOTES
from bridge.server.osc import is_integral
from bridge.server.replies import send_error
from bridge.server.router import ROOT

log = logging.getLogger("cadenza.protocol")

CLIP_BEGIN_KEYS = ("meter", "tempo", "key", "reply_port")


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

    def clip(self) -> Clip:
        return Clip(sorted(self.notes, key=lambda n: (n.start, n.pitch)), self.length, self.meter, self.tempo, self.key)


class UploadStore:
    """Unfinished uploads by (scope, id), at most `max_per_client` per client scope and at most
    `max_notes` notes in all of them together (memory for clients that may never come back)."""

    def __init__(self, ttl: float, max_per_client: int, max_notes: int = MAX_UPLOAD_NOTES):
        self.ttl = ttl
        self.max_per_client = max_per_client
        self.max_notes = max_notes
        self.notes_held = 0
        self._uploads: dict = {}  # (scope, id) -> Upload

    def register(self, router) -> None:
        router.map(f"{ROOT}/clip/begin", self.clip_begin)
        router.map(f"{ROOT}/clip/notes", self.clip_notes)

    def get(self, key) -> Upload | None:
        return self._uploads.get(key)

    def pop(self, key) -> Upload | None:
        up = self._uploads.pop(key, None)
        if up is not None:
            self.notes_held -= len(up.notes)
        return up

    def drop_scope(self, scope) -> int:
        """Forget every upload of one client (its TCP connection closed); how many there were."""
        keys = [k for k in self._uploads if k[0] == scope]
        for k in keys:
            self.pop(k)
        return len(keys)

    # -- handlers ------------------------------------------------------------------------------
    def clip_begin(self, args, peer):
        req_id = request_id(args)
        if len(args) < 2 or isinstance(args[1], (str, bool)) or not isinstance(args[1], (int, float)):
            raise BadRequest("clip/begin needs: id length_beats [meter \"4/4\"] [tempo 120] [key \"D minor\"]")
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
        self.expire()
        scope_count = sum(1 for (scope, _) in self._uploads if scope == peer.scope)
        if (peer.scope, req_id) not in self._uploads and scope_count >= self.max_per_client:
            raise TooLarge(
                f"at most {self.max_per_client} unfinished uploads per client; "
                "use or cancel the ones you started"
            )
        self.pop((peer.scope, req_id))  # a new begin under the same id starts over
        self._uploads[(peer.scope, req_id)] = Upload(req_id, peer, length, meter, float(tempo), key)

    def clip_notes(self, args, peer):
        req_id = request_id(args)
        up = self._uploads.get((peer.scope, req_id))
        if up is None:
            raise NoClip(f"no clip upload open for id {req_id}: send {ROOT}/clip/begin {req_id} length_beats first")
        flat = args[1:]
        if len(flat) % 4:
            raise BadRequest(f"clip/notes takes groups of 4 numbers (pitch start duration velocity), got {len(flat)} values")
        if len(up.notes) + len(flat) // 4 > MAX_NOTES:
            self.pop((peer.scope, req_id))
            raise TooLarge(f"a clip holds at most {MAX_NOTES} notes; upload {req_id} was dropped")
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
                self.pop(key)
                log.info("upload id %s from %s expired after %.0f s unused", up.req_id, up.peer, self.ttl)
                send_error(up.peer, up.req_id, Timeout(
                    f"the clip uploaded under id {up.req_id} expired after {self.ttl:g} s "
                    "without a continue/restyle/infill request"
                ))
