"""Protocol v1's request handlers: ping, status, models, the generating requests (interpolate
and accompany included) and cancel.

Handlers receive decoded arguments and a `Peer`; they validate, answer the cheap requests at
once and hand generating requests to the queue. They never touch sockets (the peer does) and
never answer errors themselves: they raise `bridge.errors` types, and the daemon turns every
failure into `/cadenza/error id code message`. Clip uploads have their own module (uploads.py),
streams theirs (in the stream layer, above this one).
"""

from __future__ import annotations

import time
from typing import Callable

from bridge import __version__
from bridge.errors import BadRequest
from bridge.server.admission import reply_peer, request_id
from bridge.server.jobs import Job
from bridge.server.osc import encode_fitted
from bridge.server.replies import accepted, done
from bridge.server.router import ROOT

# the queued generating requests; drumify is restyle role drums preserve rhythm (on the model
# admission picks for it), groove re-times and re-voices a clip (the groove engine)
OPERATIONS = ("generate", "continue", "restyle", "infill", "interpolate", "accompany", "groove", "drumify")


class Handlers:
    """The handlers above, handed what they need: the engines (for /models), a status function,
    request admission, the queue, the request time limit and a cancel function (queue, then streams)."""

    def __init__(self, engines, status: Callable[[], dict], admission, queue, request_timeout: float,
                 cancel: Callable[[object, int], bool]):
        self.engines = engines
        self.status_info = status
        self.admission = admission
        self.queue = queue
        self.request_timeout = request_timeout
        self.cancel_request = cancel

    def register(self, router) -> None:
        router.map(f"{ROOT}/ping", self.ping)
        router.map(f"{ROOT}/status", self.status)
        router.map(f"{ROOT}/models", self.models)
        for operation in OPERATIONS:
            router.map(f"{ROOT}/{operation}", lambda a, p, op=operation: self.work(op, a, p))
        router.map(f"{ROOT}/cancel", self.cancel)

    # -- cheap requests, answered on the socket thread -----------------------------------------
    def ping(self, args, peer):
        if not args or isinstance(args[0], str):  # `/cadenza/ping` or `/cadenza/ping reply_port 9000`
            peer, _ = reply_peer(peer, args, 0)
            peer.send(encode_fitted(f"{ROOT}/pong", __version__))
            return
        req_id = request_id(args)
        peer, _ = reply_peer(peer, args, 1)
        peer.send(encode_fitted(f"{ROOT}/pong", req_id, __version__))

    def status(self, args, peer):
        t0 = time.perf_counter()
        req_id = request_id(args)
        peer, _ = reply_peer(peer, args, 1)
        flat: list = []
        for k, v in self.status_info().items():
            flat += [k, v]
        peer.send(encode_fitted(f"{ROOT}/status", req_id, *flat))
        peer.send(done(req_id, (time.perf_counter() - t0) * 1000))

    def models(self, args, peer):
        t0 = time.perf_counter()
        req_id = request_id(args)
        peer, _ = reply_peer(peer, args, 1)
        for name, engine in self.engines.models.items():
            i = engine.info
            peer.send(encode_fitted(
                f"{ROOT}/model", req_id, name, i.engine, i.device, i.quantization,
                "default", 1 if i.default else 0,
                "styles", ",".join(i.styles), "roles", ",".join(i.roles), "moods", ",".join(i.moods),
                "eval", i.extra.get("eval", "missing"), "operations", ",".join(engine.operations),
                *[x for k in ("guidance", "temperature") if k in i.extra for x in (k, float(i.extra[k]))],
            ))
        peer.send(done(req_id, (time.perf_counter() - t0) * 1000))

    def cancel(self, args, peer):
        req_id = request_id(args)
        if not self.cancel_request(peer.scope, req_id):
            raise BadRequest(f"no queued or running request with id {req_id} to cancel")

    # -- generating requests -------------------------------------------------------------------
    def work(self, operation, args, peer):
        a = self.admission.admit(operation, args, peer)
        req = a.request
        timeout = min(req.timeout or self.request_timeout, self.request_timeout)
        job = Job(a.peer.scope, a.req_id, a.peer, operation, req, a.clip, a.model_name, timeout, a.clip_b)
        position = self.queue.submit(job)
        a.peer.send(accepted(a.req_id, position))
        job.acknowledged.set()
