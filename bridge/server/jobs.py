"""The request queue: bounded, cancellable, with a per-request timeout and exactly one terminal
reply per request. Generation runs only on the worker thread, never on a socket thread."""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from bridge.errors import Busy, Cancelled, Timeout

log = logging.getLogger("cadenza.jobs")


@dataclass
class Job:
    scope: Any
    req_id: int
    peer: Any
    operation: str
    request: Any
    clip: Any
    model_name: str  # the engine that runs it, by name: the daemon's EngineHost holds the engines
    timeout: float
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    acknowledged: threading.Event = field(default_factory=threading.Event)  # /accepted went out first
    _finished: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def key(self):
        return (self.scope, self.req_id)

    def claim_terminal(self) -> bool:
        """True exactly once: whoever gets True sends the one terminal reply."""
        with self._lock:
            if self._finished:
                return False
            self._finished = True
            return True

    @property
    def finished(self) -> bool:
        return self._finished

    def check(self) -> None:
        """Raise if the job was cancelled or ran out of time (engines call this via progress)."""
        if self.cancelled.is_set():
            raise Cancelled(f"request {self.req_id} was cancelled")
        if time.monotonic() - self.submitted > self.timeout:
            raise Timeout(f"request {self.req_id} took longer than {self.timeout:g} s")


class WorkQueue:
    """A bounded FIFO served by one worker thread (the engines share the CPU cores anyway).

    `run(job)` does the work and sends replies; `fail(job, error)` sends an error reply. Both are
    the daemon's; the queue only orders, cancels and times out.
    """

    def __init__(self, size: int, run: Callable[[Job], None], fail: Callable[[Job, Exception], None]):
        self.size = size
        self._run = run
        self._fail = fail
        self._pending: collections.deque[Job] = collections.deque()
        self._active: dict = {}  # key -> Job (queued or running)
        self._cv = threading.Condition()
        self._stop = False
        self._worker = threading.Thread(target=self._loop, name="cadenza-worker", daemon=True)
        self._watchdog = threading.Thread(target=self._watch, name="cadenza-watchdog", daemon=True)

    def start(self):
        self._worker.start()
        self._watchdog.start()

    @property
    def depth(self) -> int:
        return len(self._pending)

    def is_active(self, key) -> bool:
        return key in self._active

    def submit(self, job: Job) -> int:
        with self._cv:
            if len(self._pending) >= self.size:
                raise Busy(f"the queue is full ({self.size} requests waiting); try again in a moment")
            position = len(self._pending) + (1 if any(j.started for j in self._active.values()) else 0)
            self._pending.append(job)
            self._active[job.key] = job
            self._cv.notify_all()
        return position

    def cancel(self, key) -> bool:
        with self._cv:
            job = self._active.get(key)
            if job is None:
                return False
            job.cancelled.set()
            if job in self._pending:
                self._pending.remove(job)
                self._active.pop(key, None)
        # Queued or running, the request ends now; a running engine stops at its next progress call
        # and its late result is dropped (claim_terminal lets one terminal reply through).
        self._fail(job, Cancelled(f"request {job.req_id} was cancelled"))
        return True

    def _loop(self):
        while True:
            with self._cv:
                while not self._pending and not self._stop:
                    self._cv.wait()
                if self._stop:
                    return
                job = self._pending.popleft()
                job.started = time.monotonic()
            job.acknowledged.wait(2.0)  # keep replies in order: accepted before any result
            try:
                if not job.finished:
                    self._run(job)
            except Exception as exc:  # the worker never dies; _run answers errors itself
                log.exception("worker failed on request %s", job.req_id)
                self._fail(job, exc)
            finally:
                with self._cv:
                    self._active.pop(job.key, None)

    def _watch(self):
        """Send `timeout` for jobs past their limit even if the engine never checks."""
        while not self._stop:
            time.sleep(0.2)
            now = time.monotonic()
            for job in list(self._active.values()):
                if not job.finished and now - job.submitted > job.timeout:
                    job.cancelled.set()
                    with self._cv:
                        if job in self._pending:
                            self._pending.remove(job)
                            self._active.pop(job.key, None)
                    self._fail(job, Timeout(f"request {job.req_id} took longer than {job.timeout:g} s"))

    def stop(self):
        with self._cv:
            self._stop = True
            pending = list(self._pending)
            self._pending.clear()
            self._cv.notify_all()
        for job in pending:
            self._fail(job, Cancelled("the daemon is shutting down"))
