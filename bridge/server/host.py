"""The resident engines and the one lock each: the only way anything in the daemon runs an engine.

Why a lock per engine: the request worker and every stream's generator thread share the engines
loaded once at start, and an engine may keep state between calls (the Transformer's KV cache is
allocated once), so one thread at a time may be inside a given engine's `run` or `interpolate`. Different engines
still run at the same time. An engine that is safe to call from several threads says so with a
class attribute `thread_safe = True` and gets no lock.
"""

from __future__ import annotations

import threading


class EngineHost:
    """Engines by model name, the default model, and `run`, which takes the engine's lock."""

    def __init__(self, models: dict):
        self.models = dict(models)  # name -> engine, in load order
        self.default = next((n for n, m in self.models.items() if m.info.default), next(iter(self.models), None))
        self._locks = {
            name: None if getattr(engine, "thread_safe", False) else threading.RLock()
            for name, engine in self.models.items()
        }

    def run(self, name: str, request, clip, progress) -> list:
        """`engine.run(request, clip, progress)` for model `name`, one caller at a time."""
        engine, lock = self.models[name], self._locks[name]
        if lock is None:
            return engine.run(request, clip, progress)
        with lock:
            return engine.run(request, clip, progress)

    def interpolate(self, name: str, request, a, b, progress) -> list:
        """`engine.interpolate(request, a, b, progress)` for model `name`, one caller at a time."""
        engine, lock = self.models[name], self._locks[name]
        if lock is None:
            return engine.interpolate(request, a, b, progress)
        with lock:
            return engine.interpolate(request, a, b, progress)

    def run_job(self, name: str, operation: str, request, clip, clip_b, progress) -> list:
        """The work of one queued request: `interpolate` for interpolate, else `run`."""
        if operation == "interpolate":
            return self.interpolate(name, request, clip, clip_b, progress)
        return self.run(name, request, clip, progress)

    @property
    def device(self) -> str:
        devices = sorted({m.info.device for m in self.models.values()})
        return ",".join(devices) or "cpu"
