"""The request queue: bounded, cancellable, with a per-request timeout and exactly one terminal
reply per request. Generation runs only on the workers (one per model), never on a socket thread."""

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
    clip_b: Any = None  # interpolate: the clip of slot b (`clip` is slot a's)
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
    """Bounded FIFOs, one per model, each served by its own worker thread.

    Why one worker per model: a 1-bar Markov request must not wait behind a 25-second Transformer
    job; requests for one model still run one at a time (the engine's lock in EngineHost), in the
    order they came. `size` bounds the requests waiting across all models. `run(job)` does the
    work and sends replies; `fail(job, error)` sends an error reply. Both are the daemon's; the
    queue only orders, cancels and times out, and `Job.claim_terminal` lets one terminal reply
    through per request whoever gets there first (worker, cancel, watchdog).
    """

    def __init__(self, size: int, run: Callable[[Job], None], fail: Callable[[Job, Exception], None]):
        self.size = size
        self._run = run
        self._fail = fail
        self._pending: dict[str, collections.deque[Job]] = {}  # model -> waiting jobs
        self._running: dict[str, Job] = {}  # model -> the job its worker runs
        self._workers: dict[str, threading.Thread] = {}
        self._active: dict = {}  # key -> Job (queued or running)
        self._cv = threading.Condition()
        self._stop = False
        self._started = False
        self._watchdog = threading.Thread(target=self._watch, name="cadenza-watchdog", daemon=True)

    def start(self):
        with self._cv:
            self._started = True
            for model in self._pending:
                self._spawn(model)
        self._watchdog.start()

    def _spawn(self, model: str) -> None:
        """Start `model`'s worker if it has none (the caller holds _cv)."""
        if model not in self._workers and self._started:
            t = threading.Thread(target=self._loop, args=(model,), name=f"cadenza-worker-{model}", daemon=True)
            self._workers[model] = t
            t.start()

    @property
    def depth(self) -> int:
        return sum(len(q) for q in self._pending.values())

    def is_active(self, key) -> bool:
        """Queued or running and not yet answered: once a request's terminal reply is claimed, its
        id is free again, even while its worker is still winding down (a client may reuse an id
        the moment it reads done)."""
        job = self._active.get(key)
        return job is not None and not job.finished

    def submit(self, job: Job) -> int:
        """Queue `job`; return how many requests for its model are ahead of it."""
        with self._cv:
            if self._stop:
                raise Busy("the daemon is shutting down")
            if self.depth >= self.size:
                raise Busy(f"the queue is full ({self.size} requests waiting); try again in a moment")
            queue = self._pending.setdefault(job.model_name, collections.deque())
            position = len(queue) + (1 if job.model_name in self._running else 0)
            queue.append(job)
            self._active[job.key] = job
            self._spawn(job.model_name)
            self._cv.notify_all()
        return position

    def _unqueue(self, job: Job) -> bool:
        """Take a waiting job out of its queue (the caller holds _cv); False if it already runs."""
        queue = self._pending.get(job.model_name)
        if queue is not None and job in queue:
            queue.remove(job)
            self._active.pop(job.key, None)
            return True
        return False

    def cancel(self, key) -> bool:
        with self._cv:
            job = self._active.get(key)
            if job is None:
                return False
            job.cancelled.set()
            self._unqueue(job)
        # Queued or running, the request ends now; a running engine stops at its next progress call
        # and its late result is dropped (claim_terminal lets one terminal reply through).
        self._fail(job, Cancelled(f"request {job.req_id} was cancelled"))
        return True

    def cancel_scope(self, scope, why: str) -> int:
        """End every queued or running job of one client (a TCP connection that closed)."""
        with self._cv:
            jobs = [j for j in self._active.values() if j.scope == scope]
            for job in jobs:
                job.cancelled.set()
                self._unqueue(job)
        for job in jobs:
            self._fail(job, Cancelled(f"request {job.req_id} was cancelled: {why}"))
        return len(jobs)

    def _loop(self, model: str):
        while True:
            with self._cv:
                while not self._pending.get(model) and not self._stop:
                    self._cv.wait()
                if self._stop:
                    return
                job = self._pending[model].popleft()
                job.started = time.monotonic()
                self._running[model] = job
            job.acknowledged.wait(2.0)  # keep replies in order: accepted before any result
            try:
                if not job.finished:
                    self._run(job)
            except Exception as exc:  # the worker never dies; _run answers errors itself
                log.exception("worker failed on request %s", job.req_id)
                self._fail(job, exc)
            finally:
                with self._cv:
                    self._running.pop(model, None)
                    if self._active.get(job.key) is job:
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
                        self._unqueue(job)
                    self._fail(job, Timeout(f"request {job.req_id} took longer than {job.timeout:g} s"))

    def stop(self):
        with self._cv:
            self._stop = True
            pending = [j for q in self._pending.values() for j in q]
            for q in self._pending.values():
                q.clear()
            self._cv.notify_all()
        for job in pending:
            self._fail(job, Cancelled("the daemon is shutting down"))
