"""The daemon: loads every model once, binds the transports, runs the queue's worker and sends
results. `cadenza serve` builds one (through the stream layer's serve module, which attaches streams);
tests run that as a subprocess."""

from __future__ import annotations

import logging
import random
import threading
import time

from bridge import PROTOCOL_VERSION, __version__
from bridge.errors import Busy, CadenzaError, Internal
from bridge.server import replies
from bridge.server.admission import Admission
from bridge.server.config import ServerConfig
from bridge.server.guard import ClientPorts, LogLimiter, ReplyLimiter
from bridge.server.handlers import Handlers
from bridge.server.host import EngineHost
from bridge.server.jobs import Job, WorkQueue
from bridge.server.osc import OscDecodeError, decode_packet, is_integral
from bridge.server.router import Router
from bridge.server.transport import Transports
from bridge.server.uploads import UploadStore

log = logging.getLogger("cadenza.daemon")
proto_log = logging.getLogger("cadenza.protocol")  # dispatch messages keep the logger name they always had
PROGRESS_INTERVAL_S = 0.1  # at most 10 progress replies a second


class Daemon:
    """One Cadenza server: the engines, the transports, the queue and the address table.

    The daemon is where the parts are wired, and the only object that knows them all: it owns the
    engines (an EngineHost with one lock per engine), the request queue and its worker, the upload
    store, request admission and the router, and hands each handler module only what it needs.
    Every packet is decoded and dispatched under one lock, so handlers never race each other; a
    handler's error becomes `/cadenza/error` here, and nothing a client sends stops the daemon.

    `extensions` are protocol extensions attached from a higher layer (streams): objects with
    `register(router)`, `touch(peer)` (every packet from that client), `is_active(key)` (for
    admission's duplicate-id check), `cancel(scope, id)`, `reap_idle()` (every second),
    `stop_all()` and `count`. They are built against `engines`, `admission` and `transports`, so
    attach them (`attach`) before `start`.
    """

    def __init__(self, config: ServerConfig, models: dict | None = None):
        self.config = config
        self.started = time.monotonic()
        t0 = time.perf_counter()
        if models is None:
            from bridge.engines.registry import load_models

            models = load_models(config.model_dirs(), device=config.device, default=config.default_model)
        self.engines = EngineHost(models)
        self.load_seconds = time.perf_counter() - t0
        self.extensions: list = []
        self.lock = threading.RLock()  # one message at a time, from the UDP, TCP and janitor threads
        self.router = Router()
        self.uploads = UploadStore(config.upload_ttl, config.max_uploads_per_client, config.max_upload_notes)
        self.queue = WorkQueue(config.queue_size, self._run_job, self._fail_job)
        self.admission = Admission(self.engines, self.uploads, self.is_running, random.Random())
        self.uploads.register(self.router)
        Handlers(self.engines, self.status_info, self.admission, self.queue, config.request_timeout,
                 self.cancel).register(self.router)
        self.client_ports = ClientPorts()
        self._malformed = LogLimiter("malformed packets dropped")
        self.transports = Transports(
            config.host, config.port, self.handle_packet, config.allowed, on_close=self._connection_closed,
            max_connections=config.max_connections, idle_s=config.tcp_idle,
            limiter=ReplyLimiter(config.reply_bytes_per_s, config.limit_loopback))
        self.transports.refusal = replies.error_message(-1, Busy(
            f"the daemon serves at most {config.max_connections} TCP connections at once (max_connections); "
            "close one, or use UDP"))
        self.port = self.transports.port
        self._stop = threading.Event()
        self._janitor = threading.Thread(target=self._janitor_loop, name="cadenza-janitor", daemon=True)

    @property
    def models(self) -> dict:
        return self.engines.models

    @property
    def default_model(self) -> str | None:
        return self.engines.default

    @property
    def device(self) -> str:
        return self.engines.device

    def attach(self, extension) -> None:
        """Add a protocol extension (see the class docstring); its handlers join the router."""
        extension.register(self.router)
        self.extensions.append(extension)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "Daemon":
        self.queue.start()
        self.transports.start()
        self._janitor.start()
        return self

    def ready_line(self) -> str:
        names = ", ".join(f"{n}{' (default)' if m.info.default else ''}" for n, m in self.models.items()) or "none"
        return (
            f"cadenza ready on udp+tcp {self.config.host}:{self.port} | models: {names} | "
            f"device: {self.device} | load: {self.load_seconds:.2f}s"
        )

    def stop(self) -> None:
        self._stop.set()
        for ext in self.extensions:
            ext.stop_all()
        self.queue.stop()
        self.transports.close()

    def _janitor_loop(self):
        while not self._stop.wait(1.0):
            try:
                with self.lock:
                    self.uploads.expire()
                for ext in self.extensions:
                    ext.reap_idle()
            except Exception:
                log.exception("janitor failed")

    # -- what the handlers are handed ----------------------------------------------------------
    def is_running(self, key) -> bool:
        """(scope, id) is queued, running, or an extension's (a stream's)."""
        return self.queue.is_active(key) or any(ext.is_active(key) for ext in self.extensions)

    def cancel(self, scope, req_id) -> bool:
        return self.queue.cancel((scope, req_id)) or any(ext.cancel(scope, req_id) for ext in self.extensions)

    def status_info(self) -> dict:
        return {
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
            "models": ",".join(self.models),
            "default_model": self.default_model or "",
            "device": self.device,
            "queue_depth": self.queue.depth,
            "uptime": round(time.monotonic() - self.started, 3),
            "streams": sum(ext.count for ext in self.extensions),
        }

    # -- entry point from the transports -------------------------------------------------------
    def handle_packet(self, data: bytes, peer) -> None:
        try:
            messages = decode_packet(data)
        except OscDecodeError as exc:
            self._malformed.warn(proto_log, "dropped a malformed packet from %s (%d bytes): %s", peer, len(data), exc)
            for ext in self.extensions:
                ext.touch(peer)
            return
        for address, args, _when in messages:
            with self.lock:
                self.handle_message(address, args, peer)

    def _client(self, args: list, peer):
        """(args, peer) with the message's client decided: the reply_port it names (a trailing
        `reply_port N`, which any message may carry, is applied here and taken off), else the
        one its source port named last (see ClientPorts). TCP peers are their connection."""
        if peer.kind != "udp":
            return args, peer
        named = None
        for i in range(len(args) - 1):
            if args[i] == "reply_port" and _port(args[i + 1]):
                named = int(args[i + 1])
        if named is not None and len(args) >= 2 and args[-2] == "reply_port" and _port(args[-1]):
            args, peer = args[:-2], peer.with_reply_port(named)
        return args, peer.as_client(self.client_ports.resolve(peer.ip, peer.port, named))

    def _connection_closed(self, peer) -> None:
        """A TCP connection ended: its queued and running work is cancelled, its uploads freed."""
        with self.lock:
            uploads = self.uploads.drop_scope(peer.scope)
        jobs = self.queue.cancel_scope(peer.scope, "its TCP connection closed")
        if uploads or jobs:
            log.info("TCP connection %s closed: cancelled %d request(s), freed %d upload(s)", peer, jobs, uploads)

    def handle_message(self, address: str, args: list, peer) -> None:
        req_id = -1
        original = args
        args, peer = self._client(args, peer)
        for ext in self.extensions:
            ext.touch(peer)
        try:
            if args and is_integral(args[0]) and not isinstance(args[0], bool):
                req_id = int(args[0]) if -(2**31) <= int(args[0]) < 2**31 else -1
            self.router.dispatch(address, args, peer)
        except CadenzaError as exc:
            proto_log.info("error %s from %s on %s id %s: %s", exc.code, peer, address, req_id, exc.message)
            replies.send_error(self._error_peer(original, peer, req_id), req_id, exc)
        except Exception as exc:  # never let a request kill a socket thread
            proto_log.error("internal error on %s from %s: %s: %s", address, peer, type(exc).__name__, exc)
            proto_log.debug("traceback", exc_info=True)
            replies.send_error(self._error_peer(original, peer, req_id), req_id,
                               CadenzaError(f"internal error: {type(exc).__name__}: {exc}"))

    def _error_peer(self, args: list, peer, req_id: int):
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

    # -- the worker ----------------------------------------------------------------------------
    def _run_job(self, job: Job) -> None:
        peer, req = job.peer, job.request
        last = [0.0, 0.0]  # when the last progress reply went, and the fraction it carried

        def progress(fraction: float) -> None:
            # An engine may report each variation or segment from 0 again; a client's bar only
            # ever moves forward, so only a fraction beyond the last one sent goes out.
            job.check()
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S and last[1] < fraction < 1:
                last[0], last[1] = now, fraction
                peer.send(replies.progress(job.req_id, fraction))

        t0 = time.perf_counter()
        try:
            job.check()
            clips = self.engines.run_job(job.model_name, job.operation, req, job.clip, job.clip_b, progress)
            for c in clips:
                c.validate()
            job.check()
            info = replies.request_info(req, job.model_name, clips, job.clip)
        except CadenzaError as exc:
            self._fail_job(job, exc)
            return
        except Exception as exc:
            log.debug("engine traceback", exc_info=True)
            log.error("engine %s failed on request %s: %s", job.model_name, job.req_id, exc)
            self._fail_job(job, Internal(f"the {job.model_name} engine failed: {type(exc).__name__}: {exc}"))
            return
        if not job.claim_terminal():
            return  # cancelled or timed out meanwhile: its terminal reply is already sent
        peer.send(replies.info(job.req_id, info))
        for v, c in enumerate(clips):
            for packet in replies.result_messages(job.req_id, v, c, replies.band_label(req, v)):
                peer.send(packet)
        ms = (time.perf_counter() - t0) * 1000
        peer.send(replies.done(job.req_id, ms))
        log.info(
            "request id=%s client=%s op=%s model=%s notes=%d ms=%.1f",
            job.req_id, peer, job.operation, job.model_name, sum(len(c.notes) for c in clips), ms,
        )

    def _fail_job(self, job: Job, exc: Exception) -> None:
        if not job.claim_terminal():
            return
        if not isinstance(exc, CadenzaError):
            exc = Internal(f"internal error: {type(exc).__name__}: {exc}")
        log.info(
            "request id=%s client=%s op=%s model=%s failed: %s %s",
            job.req_id, job.peer, job.operation, job.model_name, exc.code, exc.message,
        )
        replies.send_error(job.peer, job.req_id, exc)


def _port(x) -> bool:
    return is_integral(x) and not isinstance(x, bool) and 1 <= int(x) <= 65535
