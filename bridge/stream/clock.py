"""Stream timing: the beat timeline of a stream and the one thread that times its bundles.

Why a send thread of its own: a note bundle must leave exactly `lookahead_ms` before its time tag,
whatever the engines are doing. UDP bundles are handed FORWARD_S early to the send process
(bridge/stream/sender.py), which has no interpreter lock to share with the engines and does the
precise part; TCP bundles (and UDP ones if that process cannot start) are sent from this thread,
which sleeps until SPIN_S before the send and spins on `time.monotonic()` for the last stretch.

Why monotonic plus an anchor: schedules are kept on `time.monotonic()` (it never steps, and on
Linux it is one clock for every process) and turned into wall-clock OSC time tags through one
(monotonic, wall) pair taken when the stream starts, so time tags never jump even if the system
clock is stepped mid-stream.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

import bridge.stream.sender as stream_sender

log = logging.getLogger("cadenza.stream")

SPIN_S = 0.002  # sleep until this long before a send, then spin: covers OS wake-up and GIL hand-over
FORWARD_S = 0.03  # UDP packets go to the send process this long before their send time
SENDER_START_S = 5.0  # how long the send process may take to answer "ready?"
BATCH_S = 0.0002  # events due within this of each other leave in one wake-up
SWITCH_INTERVAL_S = 0.001  # GIL switch interval once streams run (CPython's default is 5 ms): the send
# thread hands bundles over 30 ms early and sends TCP bundles itself, so it must not wait long for
# the interpreter while an engine runs Python code
SEND_PRIORITY_NICE = -10  # the send thread's nice value where the OS allows it (root); else unchanged
RT_PRIORITY = 10  # SCHED_FIFO priority of the send thread where allowed (low among real-time tasks)
GENERATOR_NICE = 5  # generator threads yield the CPU to the send thread and to the request worker


class Timeline:
    """Beats to monotonic send times and wall-clock time tags, for one stream at a fixed tempo."""

    def __init__(self, start_mono: float, tempo: float, beats_per_bar: float):
        self.mono0 = time.monotonic()
        self.wall0 = time.time()  # taken together with mono0: the one anchor for every time tag
        self.start = start_mono  # monotonic time of beat 0
        self.spb = 60.0 / tempo  # seconds per beat
        self.bpb = beats_per_bar

    def mono(self, beat: float) -> float:
        return self.start + beat * self.spb

    def wall(self, beat: float) -> float:
        return self.wall0 + (self.mono(beat) - self.mono0)

    def bar_at(self, mono: float) -> int:
        """The bar playing at `mono` (-1 before the first bar)."""
        return int((mono - self.start) // (self.spb * self.bpb))


class Event:
    """One packet for one peer at one monotonic send time. Cancelled events are skipped.

    `wake` is when the send thread acts on it: the send time itself for packets it sends, or
    FORWARD_S earlier for packets it hands to the send process (bridge/stream/sender.py).
    """

    __slots__ = ("send_at", "wake", "seq", "peer", "packet", "cancelled", "sent")
    _seq = itertools.count()

    def __init__(self, send_at: float, peer, packet: bytes):
        self.send_at = self.wake = send_at
        self.seq = next(Event._seq)  # keeps insertion order among events due at the same moment
        self.peer = peer
        self.packet = packet
        self.cancelled = False
        self.sent = False  # sent, or handed to the send process (then it can no longer be cancelled)

    def __lt__(self, other: "Event") -> bool:
        return (self.wake, self.seq) < (other.wake, other.seq)


class SendLoop:
    """A heap of events and the thread that sends each at its time. Shared by every stream.

    UDP packets through `udp_sock` are handed to a send process FORWARD_S before their time (no
    GIL there: see bridge/stream/sender.py); others (TCP) are sent from this thread, which sleeps
    until SPIN_S before the send and spins for the rest.
    """

    def __init__(self, udp_sock=None, history: int = 4096):
        self._heap: list[Event] = []
        self._cv = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self.udp_sock = udp_sock
        self.sender: subprocess.Popen | None = None
        self._ctrl: socket.socket | None = None
        self.ready = threading.Event()  # set once the send process serves (or it will not)
        self.lateness = deque(maxlen=history)  # seconds each recent in-process send left after send_at
        self.sent = 0

    # -- control -------------------------------------------------------------------------------
    def start(self) -> None:
        with self._cv:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._loop, name="cadenza-stream-send", daemon=True)
            self._thread.start()
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        if self.udp_sock is not None and os.name == "posix" and hasattr(socket, "SOCK_SEQPACKET"):
            threading.Thread(target=self._start_sender, name="cadenza-stream-sender-start", daemon=True).start()
        else:
            self.ready.set()

    def _start_sender(self) -> None:
        try:
            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            fds = (theirs.fileno(), self.udp_sock.fileno())
            self.sender = subprocess.Popen(
                [sys.executable, "-m", "bridge.stream.sender", *map(str, fds)], pass_fds=fds,
                stdin=subprocess.DEVNULL, cwd=str(Path(__file__).resolve().parents[2]),  # the folder holding bridge/
            )
            theirs.close()
            mine.send(b"ready?")
            mine.settimeout(SENDER_START_S)
            if mine.recv(16) != b"ready":
                raise OSError("the send process did not answer")
            mine.settimeout(None)
            self._ctrl = mine
            log.info("stream send process %d serves", self.sender.pid)
        except OSError as exc:
            log.warning("no stream send process (%s); sending from a thread of the daemon", exc)
            self._stop_sender()
        finally:
            self.ready.set()

    def _stop_sender(self) -> None:
        ctrl, self._ctrl = self._ctrl, None
        if ctrl is not None:
            ctrl.close()  # EOF: the send process sends what it holds and exits
        if self.sender is not None:
            try:
                self.sender.wait(2.0)
            except subprocess.TimeoutExpired:
                self.sender.kill()

    def close(self, drain_s: float = 1.0) -> None:
        """Send what is due now (terminal replies), then stop the thread and the send process."""
        deadline = time.monotonic() + drain_s
        while time.monotonic() < deadline:
            with self._cv:
                if not any(not e.cancelled and e.wake <= time.monotonic() for e in self._heap):
                    break
            time.sleep(0.005)
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        self._stop_sender()

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._stop

    # -- scheduling ----------------------------------------------------------------------------
    def _remote(self, peer) -> bool:
        return self._ctrl is not None and getattr(peer, "sock", None) is self.udp_sock

    def add(self, events: list[Event]) -> None:
        if not events:
            return
        with self._cv:
            first = self._heap[0] if self._heap else None
            for e in events:
                e.wake = e.send_at - FORWARD_S if self._remote(e.peer) else e.send_at
                heapq.heappush(self._heap, e)
            if first is None or self._heap[0] is not first:
                self._cv.notify_all()  # something is due sooner than what the thread waits for

    def send_now(self, peer, packet: bytes, not_before: float = 0.0) -> None:
        """Send through the thread (or the send process), after every packet already handed over
        for `peer` (`not_before`: the latest send time among them). Keeps a stream's terminal reply
        behind its last bundle. Sends at once when the thread is not running."""
        if not self.running:
            peer.send(packet)
            return
        self.add([Event(max(time.monotonic(), not_before), peer, packet)])

    def cancel_unsent(self, events: list[Event]) -> bool:
        """Cancel all of `events` if none has been sent yet (True), else cancel nothing (False)."""
        with self._cv:
            if any(e.sent for e in events):
                return False
            for e in events:
                e.cancelled = True
            return True

    def cancel(self, events) -> None:
        with self._cv:
            for e in events:
                e.cancelled = True

    # -- the send thread -----------------------------------------------------------------------
    def _loop(self) -> None:
        if not realtime():
            _renice(SEND_PRIORITY_NICE)
        heap, cv = self._heap, self._cv
        while True:
            with cv:
                while not self._stop:
                    while heap and heap[0].cancelled:
                        heapq.heappop(heap)
                    if not heap:
                        cv.wait()
                        continue
                    head = heap[0]
                    spin = 0.0 if head.wake < head.send_at else SPIN_S  # forwarding needs no precision
                    delay = head.wake - time.monotonic()
                    if delay <= spin:
                        break
                    cv.wait(delay - spin)
                if self._stop:
                    return
                target = heap[0].wake
            while time.monotonic() < target:  # the last stretch: spin, holding the interpreter
                pass
            due = []
            with cv:
                limit = time.monotonic() + BATCH_S
                while heap and heap[0].wake <= limit:
                    e = heapq.heappop(heap)
                    if not e.cancelled:
                        e.sent = True
                        due.append(e)
            for e in due:
                if e.wake < e.send_at:
                    if not self._forward(e):  # the send process is gone: send it from here, on time
                        with cv:
                            e.wake, e.sent = e.send_at, False
                            heapq.heappush(heap, e)
                    continue
                e.peer.send(e.packet)
                self.lateness.append(time.monotonic() - e.send_at)
            self.sent += len(due)

    def _forward(self, e: Event) -> bool:
        """Hand a UDP packet to the send process; False (send it here) if that process is gone."""
        ctrl = self._ctrl
        if ctrl is None:
            return False
        peer = e.peer
        try:
            ctrl.send(stream_sender.encode(e.send_at, peer.ip, peer.reply_port or peer.port, e.packet))
            return True
        except OSError as exc:
            log.warning("the stream send process is gone (%s); sending from a thread of the daemon", exc)
            self._ctrl = None
            return False

    def lateness_ms(self) -> dict | None:
        """Recent lateness (ms) of the packets this thread sent itself (TCP, or UDP without a send
        process); None when it sent none (the send process logs its own figures when it exits)."""
        xs = sorted(self.lateness)
        if not xs:
            return None
        return {
            "median": round(statistics.median(xs) * 1000, 3),
            "p99": round(xs[min(len(xs) - 1, int(0.99 * len(xs)))] * 1000, 3),
            "max": round(xs[-1] * 1000, 3),
            "n": len(xs),
        }


def realtime() -> bool:
    """Ask for SCHED_FIFO for the calling thread (root, CAP_SYS_NICE or an rtprio limit, as audio
    setups have); False where refused."""
    try:
        os.sched_setscheduler(threading.get_native_id(), os.SCHED_FIFO, os.sched_param(RT_PRIORITY))
        return True
    except (OSError, AttributeError) as exc:
        log.debug("no real-time priority for the send thread: %s", exc)
        return False


def _renice(value: int) -> None:
    """Set the calling thread's nice value (Linux threads have their own); lowering it needs root,
    so a refusal is expected and harmless."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), value)
    except (OSError, AttributeError) as exc:
        log.debug("could not set thread nice value %d: %s", value, exc)


renice = _renice
