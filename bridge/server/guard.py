"""What keeps one client, or one packet, from costing everyone else: a rate limit on log lines
(a count per interval instead of a line per bad packet), a byte budget on UDP replies per
source address (spoofed sources cannot turn the daemon into an amplifier), and the table that
tells which UDP client a message without `reply_port` belongs to."""

from __future__ import annotations

import collections
import ipaddress
import logging
import threading
import time

LOG_LINES_PER_INTERVAL = 10  # full lines per kind of warning and interval; the rest are counted
LOG_INTERVAL_S = 10.0
CLIENT_PORTS_KEPT = 4096  # UDP source ports remembered with the reply_port they named (LRU)


class LogLimiter:
    """`warn(logger, fmt, *args)` logs the first LOG_LINES_PER_INTERVAL lines of an interval, then
    counts; the count is logged as one line when the next interval starts."""

    def __init__(self, what: str, lines: int = LOG_LINES_PER_INTERVAL, interval: float = LOG_INTERVAL_S):
        self.what, self.lines, self.interval = what, lines, interval
        self._start = time.monotonic()
        self._logged = self._suppressed = 0
        self._lock = threading.Lock()

    def warn(self, logger: logging.Logger, fmt: str, *args) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._start >= self.interval:
                if self._suppressed:
                    logger.warning("%d more %s in the last %.0f s (not logged one by one)",
                                   self._suppressed, self.what, now - self._start)
                self._start, self._logged, self._suppressed = now, 0, 0
            if self._logged >= self.lines:
                self._suppressed += 1
                return
            self._logged += 1
        logger.warning(fmt, *args)


class ReplyLimiter:
    """A token bucket of reply bytes per source IP: `rate` bytes a second, bursts of 4 seconds'
    worth. Loopback is exempt unless `limit_loopback` (nobody can spoof it from outside)."""

    def __init__(self, rate: int, limit_loopback: bool = False, log: logging.Logger | None = None):
        self.rate, self.burst = float(rate), 4.0 * rate
        self.limit_loopback = limit_loopback
        self._buckets: collections.OrderedDict = collections.OrderedDict()  # ip -> [tokens, time]
        self._lock = threading.Lock()
        self._log = LogLimiter("replies dropped by the per-address reply limit")
        self._logger = log or logging.getLogger("cadenza.transport")

    def allow(self, ip: str, size: int) -> bool:
        if not self.limit_loopback and _is_loopback(ip):
            return True
        with self._lock:
            now = time.monotonic()
            tokens, last = self._buckets.pop(ip, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            ok = tokens >= size
            self._buckets[ip] = (tokens - size if ok else tokens, now)
            while len(self._buckets) > CLIENT_PORTS_KEPT:
                self._buckets.popitem(last=False)
        if not ok:
            self._log.warn(self._logger, "dropped a %d-byte reply to %s: over the reply limit of %d bytes/s", size, ip, int(self.rate))
        return ok


class ClientPorts:
    """UDP source (ip, port) -> the reply_port a message from it last named.

    Why: request ids are per client, and a UDP client is its address and port. Max sends from one
    port and listens on another (reply_port); it names reply_port on clip/begin and generate but
    not on clip/notes or cancel, which come from the same source port: this table makes them one
    client. A message that names reply_port N is client (ip, N); one that names none is client
    (ip, the port its source port named last), else (ip, its source port).
    """

    def __init__(self, kept: int = CLIENT_PORTS_KEPT):
        self.kept = kept
        self._ports: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, ip: str, source_port: int, named: int | None) -> int:
        key = (ip, source_port)
        with self._lock:
            if named is not None:
                self._ports.pop(key, None)
                if named != source_port:
                    self._ports[key] = named
                    while len(self._ports) > self.kept:
                        self._ports.popitem(last=False)
                return named
            port = self._ports.get(key)
            if port is not None:
                self._ports.move_to_end(key)
                return port
            return source_port


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip.split("%")[0]).is_loopback
    except ValueError:
        return False
