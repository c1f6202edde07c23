"""Sockets: OSC over UDP and OSC 1.1 (SLIP) over TCP on the same port.

Transports know nothing about music: they hand decoded bytes and a `Peer` to a packet handler
and give peers a way to send bytes back. Nothing here sends while holding a lock another client
needs: a TCP peer queues its packets for its own writer thread. No work runs on a socket thread beyond decoding and
the cheap handlers; generation happens on the queue's worker.
"""

from __future__ import annotations

import collections
import errno
import itertools
import logging
import socket
import threading
import time

from bridge.server.config import MAX_CONNECTIONS, MAX_TCP_PACKET, TCP_IDLE_S
from bridge.server.osc import MAX_DATAGRAM, OscDecodeError, SlipDecoder, slip_encode

log = logging.getLogger("cadenza.transport")
_conn_ids = itertools.count(1)
LISTEN_BACKLOG = 512  # pending connections the kernel keeps (clamped to net.core.somaxconn)
MAX_OUTGOING_BYTES = 8 << 20  # a TCP client's unsent replies beyond this drop it (a full 8-variation answer is < 2 MiB)
SEND_TIMEOUT_S = 10.0  # one send to a TCP client that takes longer than this drops it
BIND_TRIES = 20  # port 0: numbers tried until one is free for both UDP and TCP
ACCEPT_BACKOFF_S = 0.05  # first pause when out of file descriptors; doubles up to 1 s


class Peer:
    """Where a packet came from and how to answer it.

    `scope` identifies the client for request ids and uploads. Over UDP it is the source address
    and a port: the port the message names with `reply_port`, else the one an earlier message from
    this source port named (see the daemon's `ClientPorts`), else the source port itself; so Max
    (one source port, another reply port) and oscsend (a new source port each time, naming
    reply_port) both stay one client, and two programs on one machine never share ids. Over TCP
    the scope is the connection.
    """

    kind = "peer"

    def __init__(self, ip: str, port: int):
        self.ip, self.port = ip, port
        self.reply_port: int | None = None

    @property
    def scope(self):
        raise NotImplementedError

    def send(self, packet: bytes) -> None:
        raise NotImplementedError

    def with_reply_port(self, port: int | None) -> "Peer":
        raise NotImplementedError

    def as_client(self, port: int | None) -> "Peer":
        """The same peer, counted as the client whose port is `port` (UDP only)."""
        return self

    def __str__(self):
        return f"{self.kind}:{self.ip}:{self.reply_port or self.port}"


class UdpPeer(Peer):
    kind = "udp"

    def __init__(self, sock: socket.socket, ip: str, port: int, reply_port: int | None = None,
                 client_port: int | None = None, limiter=None):
        super().__init__(ip, port)
        self.sock = sock
        self.reply_port = reply_port
        self.client_port = client_port or port
        self.limiter = limiter  # ReplyLimiter or None: caps reply bytes per source address

    @property
    def scope(self):
        return ("udp", self.ip, self.client_port)

    def send(self, packet: bytes) -> None:
        if len(packet) > MAX_DATAGRAM:  # a bug upstream; never let it reach a client or kill a thread
            log.error("dropped a %d-byte reply to %s (limit %d)", len(packet), self, MAX_DATAGRAM)
            return
        if self.limiter is not None and not self.limiter.allow(self.ip, len(packet)):
            return
        try:
            self.sock.sendto(packet, (self.ip, self.reply_port or self.port))
        except OSError as exc:  # the client went away: nothing to do but log
            log.debug("udp send to %s failed: %s", self, exc)

    def with_reply_port(self, port):
        return UdpPeer(self.sock, self.ip, self.port, port, self.client_port, self.limiter) if port else self

    def as_client(self, port):
        return UdpPeer(self.sock, self.ip, self.port, self.reply_port, port or self.port, self.limiter)


class TcpPeer(Peer):
    """A TCP connection. `send` never blocks: packets wait in a bounded outgoing queue that the
    connection's writer thread sends, so a client that stops reading stalls only itself; when its
    queue passes `max_queued` bytes, or one send waits longer than SEND_TIMEOUT_S, it is dropped."""

    kind = "tcp"

    def __init__(self, conn: socket.socket, ip: str, port: int, max_queued: int = MAX_OUTGOING_BYTES):
        super().__init__(ip, port)
        self.conn = conn
        self.conn_id = next(_conn_ids)
        self.closed = False
        self.max_queued = max_queued
        self._out: collections.deque[bytes] = collections.deque()
        self._queued = 0
        self._cv = threading.Condition()
        self.last_heard = time.monotonic()

    @property
    def scope(self):
        return ("tcp", self.conn_id)

    def send(self, packet: bytes) -> None:
        frame = slip_encode(packet)
        with self._cv:
            if self.closed:
                return
            if self._queued + len(frame) > self.max_queued:
                self._drop(f"its outgoing queue passed {self.max_queued} bytes (the client is not reading)")
                return
            self._out.append(frame)
            self._queued += len(frame)
            self._cv.notify()

    def write_loop(self) -> None:
        """The writer thread: send queued frames until the connection closes."""
        while True:
            with self._cv:
                while not self._out and not self.closed:
                    self._cv.wait()
                if self.closed:
                    return
                frames = list(self._out)
                self._out.clear()
            data = b"".join(frames)
            try:
                self.conn.sendall(data)  # the socket's timeout (SEND_TIMEOUT_S) bounds the whole call
            except socket.timeout:
                with self._cv:
                    self._drop(f"its outgoing queue did not drain in {SEND_TIMEOUT_S:g} s (the client is not reading)")
                return
            except OSError as exc:
                log.debug("tcp send to %s failed: %s", self, exc)
                with self._cv:
                    self._drop(None)
                return
            with self._cv:
                self._queued -= len(data)

    def _drop(self, why: str | None) -> None:
        """Close (the caller holds _cv). The reader thread sees the shutdown and cleans up."""
        if self.closed:
            return
        self.closed = True
        self._out.clear()
        self._cv.notify_all()
        if why:
            log.warning("dropped TCP connection %s: %s", self, why)
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        with self._cv:
            self._drop(None)

    def with_reply_port(self, port):
        return self  # over TCP replies always go back on the connection


class Transports:
    """Binds UDP and TCP on (host, port) and runs their threads until `close`.

    `on_packet(bytes, peer)` handles every packet; `on_close(peer)` runs once when a TCP
    connection ends (the daemon cancels its work and frees its uploads). At most
    `max_connections` TCP connections are served at once (one more gets `/cadenza/error -1 busy`
    and is closed), a connection that sends nothing for `idle_s` is closed, and running out of
    file descriptors makes the accept loop log once and back off, never stop.
    """

    def __init__(self, host: str, port: int, on_packet, allowed, max_tcp_packet: int = MAX_TCP_PACKET,
                 on_close=None, max_connections: int = MAX_CONNECTIONS, idle_s: float = TCP_IDLE_S,
                 limiter=None):
        self.on_packet = on_packet  # (bytes, Peer) -> None; must not raise
        self.on_close = on_close or (lambda peer: None)
        self.allowed = allowed  # ip -> bool
        self.max_tcp_packet = max_tcp_packet
        self.max_connections = max_connections
        self.idle_s = idle_s
        self.limiter = limiter
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for attempt in range(BIND_TRIES if port == 0 else 1):
            self.udp = socket.socket(family, socket.SOCK_DGRAM)
            self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            self.udp.bind((host, port))
            self.port = self.udp.getsockname()[1]  # port 0 picks a free one; TCP then takes the same
            self.tcp = socket.socket(family, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind((host, self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
                if port != 0 or attempt == BIND_TRIES - 1:
                    raise  # port 0: that number was free for UDP but not TCP; another try picks another
        self.tcp.listen(LISTEN_BACKLOG)
        self.host = host
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: set[TcpPeer] = set()
        self._conns_lock = threading.Lock()

    @property
    def connections(self) -> int:
        return len(self._conns)

    def start(self) -> None:
        for target, name in ((self._udp_loop, "udp"), (self._tcp_accept_loop, "tcp-accept")):
            t = threading.Thread(target=target, name=f"cadenza-{name}", daemon=True)
            t.start()
            self._threads.append(t)

    def _udp_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.udp.recvfrom(65536)
            except OSError:
                if self._stop.is_set():
                    break
                continue  # e.g. ECONNREFUSED from an earlier send to a closed port: keep serving
            if self._stop.is_set() or not addr:
                break
            if not self.allowed(addr[0]):
                log.debug("dropped a datagram from %s (not in --allow)", addr[0])
                continue
            try:
                self.on_packet(data, UdpPeer(self.udp, addr[0], addr[1], limiter=self.limiter))
            except Exception:  # the handler answers errors itself; this is the last line of defence
                log.exception("packet handler failed on a datagram from %s", addr[0])

    def _tcp_accept_loop(self) -> None:
        backoff, out_of_fds = ACCEPT_BACKOFF_S, False
        while not self._stop.is_set():
            try:
                conn, addr = self.tcp.accept()
            except OSError as exc:
                if self._stop.is_set():
                    break
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    if not out_of_fds:  # once per episode, not once per try
                        log.error("out of file descriptors (%s): not accepting TCP connections for a "
                                  "moment; UDP keeps serving", exc.strerror)
                        out_of_fds = True
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, 1.0)
                    continue
                log.debug("accept failed: %s", exc)
                continue
            if out_of_fds:
                log.info("file descriptors are available again: accepting TCP connections")
                out_of_fds, backoff = False, ACCEPT_BACKOFF_S
            try:
                self._admit_connection(conn, addr)
            except Exception:  # e.g. no thread could be started: refuse this one, keep accepting
                log.exception("could not serve a TCP connection from %s", addr[0])
                conn.close()

    def _admit_connection(self, conn: socket.socket, addr) -> None:
        if not self.allowed(addr[0]):
            log.debug("refused a TCP connection from %s (not in --allow)", addr[0])
            conn.close()
            return
        if len(self._conns) >= self.max_connections:
            log.warning("refused a TCP connection from %s: %d connections are open (the limit)",
                        addr[0], self.max_connections)
            try:
                conn.settimeout(0.5)
                conn.sendall(slip_encode(self.refusal))
            except OSError:
                pass
            conn.close()
            return
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(min(SEND_TIMEOUT_S, self.idle_s))  # bounds each sendall; recv wakes as often to check idleness
        peer = TcpPeer(conn, addr[0], addr[1])
        with self._conns_lock:
            self._conns.add(peer)
        try:
            threading.Thread(target=peer.write_loop, name="cadenza-tcp-out", daemon=True).start()
            threading.Thread(target=self._tcp_conn_loop, args=(peer,), name="cadenza-tcp", daemon=True).start()
        except RuntimeError:
            self._forget(peer)
            raise

    refusal = b""  # set by the daemon: the /cadenza/error sent to a connection over the limit

    def _tcp_conn_loop(self, peer: TcpPeer) -> None:
        decoder = SlipDecoder(self.max_tcp_packet)
        try:
            while not self._stop.is_set() and not peer.closed:
                try:
                    data = peer.conn.recv(65536)
                except socket.timeout:
                    if time.monotonic() - peer.last_heard > self.idle_s:
                        log.info("closing TCP connection %s: nothing received for %g s", peer, self.idle_s)
                        break
                    continue
                if not data:
                    break
                peer.last_heard = time.monotonic()
                for packet in decoder.feed(data):
                    try:
                        self.on_packet(packet, peer)
                    except Exception:
                        log.exception("packet handler failed on a TCP packet from %s", peer)
        except OscDecodeError as exc:
            log.warning("closing TCP connection %s: %s", peer, exc)
        except OSError:
            pass
        finally:
            self._forget(peer)

    def _forget(self, peer: TcpPeer) -> None:
        peer.close()
        with self._conns_lock:
            self._conns.discard(peer)
        try:
            peer.conn.close()
        except OSError:
            pass
        try:
            self.on_close(peer)
        except Exception:
            log.exception("cleaning up after TCP connection %s failed", peer)

    def close(self) -> None:
        self._stop.set()
        for s in (self.udp, self.tcp):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for peer in list(self._conns):
            peer.close()
