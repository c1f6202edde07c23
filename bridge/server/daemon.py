"""The daemon: loads every model once, binds the transports, runs the queue's worker and sends
results. `cadenza serve` builds one of these; tests build one in-process or as a subprocess."""

from __future__ import annotations

import logging
import random
import threading
import time

from bridge import __version__
from bridge.server.config import ServerConfig
from bridge.errors import CadenzaError, Internal
from bridge.server.jobs import Job, WorkQueue
from bridge.server.osc import encode_message, result_messages
from bridge.server.protocol import ROOT, Protocol
from bridge.server.transport import Transports

log = logging.getLogger("cadenza.daemon")
PROGRESS_INTERVAL_S = 0.1  # at most 10 progress replies a second


class Daemon:
    def __init__(self, config: ServerConfig, models: dict | None = None):
        self.config = config
        self.started = time.monotonic()
        t0 = time.perf_counter()
        if models is None:
            from bridge.engines.registry import load_models

            models = load_models(config.models_dir, device=config.device) if config.models_dir.is_dir() else {}
        self.models = models
        self.load_seconds = time.perf_counter() - t0
        self.default_model = next((n for n, m in models.items() if m.info.default), next(iter(models), None))
        self.rng = random.Random()
        self.extra_handlers: dict = {}  # address -> handler, for protocol extensions (streams)
        self.protocol = Protocol(self)
        self.queue = WorkQueue(config.queue_size, self._run_job, self._fail_job)
        self.transports = Transports(config.host, config.port, self.protocol.handle_packet, config.allowed)
        self.port = self.transports.port
        self.streams = None
        try:
            from bridge.stream.manager import StreamManager

            self.streams = StreamManager(self)
        except ImportError:
            pass
        self._stop = threading.Event()
        self._janitor = threading.Thread(target=self._janitor_loop, name="cadenza-janitor", daemon=True)

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

    @property
    def device(self) -> str:
        devices = sorted({m.info.device for m in self.models.values()})
        return ",".join(devices) or "cpu"

    def stop(self) -> None:
        self._stop.set()
        if self.streams is not None:
            self.streams.stop_all()
        self.queue.stop()
        self.transports.close()

    def _janitor_loop(self):
        while not self._stop.wait(1.0):
            try:
                self.protocol.expire_uploads()
                if self.streams is not None:
                    self.streams.reap_idle()
            except Exception:
                log.exception("janitor failed")

    # -- hooks used by the protocol ------------------------------------------------------------
    def touch(self, peer) -> None:
        if self.streams is not None:
            self.streams.touch(peer)

    def cancel_stream(self, scope, req_id) -> bool:
        return self.streams is not None and self.streams.stop(scope, req_id)

    def status_info(self) -> dict:
        return {
            "version": __version__,
            "protocol": 1,
            "models": ",".join(self.models),
            "default_model": self.default_model or "",
            "device": self.device,
            "queue_depth": self.queue.depth,
            "uptime": round(time.monotonic() - self.started, 3),
            "streams": self.streams.count if self.streams is not None else 0,
        }

    # -- the worker ----------------------------------------------------------------------------
    def _run_job(self, job: Job) -> None:
        peer, req = job.peer, job.request
        last = [0.0]

        def progress(fraction: float) -> None:
            job.check()
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S and 0 < fraction < 1:
                last[0] = now
                peer.send(encode_message(f"{ROOT}/progress", job.req_id, float(fraction)))

        t0 = time.perf_counter()
        try:
            job.check()
            clips = job.engine.run(req, job.clip, progress)
            for c in clips:
                c.validate()
            job.check()
            info = self._info(job, clips)
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
        peer.send(encode_message(f"{ROOT}/info", job.req_id, *info))
        for v, c in enumerate(clips):
            for packet in result_messages(job.req_id, v, c):
                peer.send(packet)
        ms = (time.perf_counter() - t0) * 1000
        peer.send(encode_message(f"{ROOT}/done", job.req_id, float(ms)))
        log.info(
            "request id=%s client=%s op=%s model=%s notes=%d ms=%.1f",
            job.req_id, peer, job.operation, job.model_name, sum(len(c.notes) for c in clips), ms,
        )

    @staticmethod
    def _info(job: Job, clips: list) -> list:
        """What the request resolved to, as key/value pairs for /cadenza/info: the seed to reuse,
        the model, and the key/meter/tempo the answer is in (the clip's when the request named none)."""
        req, first = job.request, clips[0] if clips else None
        bars = req.bars if req.bars is not None else (round(first.bars) if first else 4)
        info = ["seed", int(req.seed), "model", job.model_name, "role", req.role, "bars", int(bars)]
        for name in ("style", "mood"):
            if getattr(req, name):
                info += [name, getattr(req, name)]
        key = req.key or (first.key if first else None) or (job.clip.key if job.clip else None)
        if key is not None:
            info += ["key", key.name]
        if first is not None:
            info += ["meter", str(first.meter), "tempo", float(first.tempo)]
        if req.unknown_words:
            info += ["unknown", " ".join(req.unknown_words)[:400]]  # keeps the datagram under 1,400 bytes
        return info

    def _fail_job(self, job: Job, exc: Exception) -> None:
        if not job.claim_terminal():
            return
        if not isinstance(exc, CadenzaError):
            exc = Internal(f"internal error: {type(exc).__name__}: {exc}")
        log.info(
            "request id=%s client=%s op=%s model=%s failed: %s %s",
            job.req_id, job.peer, job.operation, getattr(job, "model_name", "?"), exc.code, exc.message,
        )
        self.protocol.error(job.peer, job.req_id, exc)
