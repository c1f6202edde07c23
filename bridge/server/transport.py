"""Sockets: OSC over UDP and OSC 1.1 (SLIP) over TCP on the same port.

Transports know nothing about music: they hand decoded bytes and a `Peer` to a packet handler
and give peers a way to send bytes back. No work runs on a socket thread beyond decoding and
the cheap handlers; generation happens on the queue's worker.
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading

from bridge.server.config import MAX_TCP_PACKET
from bridge.server.osc import MAX_DATAGRAM, OscDecodeError, SlipDecoder, slip_encode

log = logging.getLogger("cadenza.transport")
_conn_ids = itertools.count(1)


class Peer:
    """Where a packet came from and how to answer it.

    `scope` identifies the client for request ids: ("udp", ip) over UDP, because oscsend and Pd
    send each message from a fresh source port; ("tcp", connection number) over TCP.
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

    def __str__(self):
        return f"{self.kind}:{self.ip}:{self.reply_port or self.port}"


class UdpPeer(Peer):
    kind = "udp"

    def __init__(self, sock: socket.socket, ip: str, port: int, reply_port: int | None = None):
        super().__init__(ip, port)
        self.sock = sock
        self.reply_port = reply_port

    @property
    def scope(self):
        return ("udp", self.ip)

    def send(self, packet: bytes) -> None:
        if len(packet) > MAX_DATAGRAM:  # a bug upstream; never let it reach a client or kill a thread
            log.error("dropped a %d-byte reply to %s (limit %d)", len(packet), self, MAX_DATAGRAM)
            return
        try:
            self.sock.sendto(packet, (self.ip, self.reply_port or self.port))
        except OSError as exc:  # the client went away: nothing to do but log
            log.debug("udp send to %s failed: %s", self, exc)

    def with_reply_port(self, port):
        return UdpPeer(self.sock, self.ip, self.port, port) if port else self


class TcpPeer(Peer):
    kind = "tcp"

    def __init__(self, conn: socket.socket, ip: str, port: int):
        super().__init__(ip, port)
        self.conn = conn
        self.conn_id = next(_conn_ids)
        self.lock = threading.Lock()
        self.closed = False

    @property
    def scope(self):
        return ("tcp", self.conn_id)

    def send(self, packet: bytes) -> None:
        if self.closed:
            return
        try:
            with self.lock:
                self.conn.sendall(slip_encode(packet))
        except OSError as exc:
            self.closed = True
            log.debug("tcp send to %s failed: %s", self, exc)

    def with_reply_port(self, port):
        return self  # over TCP replies always go back on the connection


class Transports:
    """Binds UDP and TCP on (host, port) and runs their threads until `close`."""

    def __init__(self, host: str, port: int, on_packet, allowed, max_tcp_packet: int = MAX_TCP_PACKET):
        self.on_packet = on_packet  # (bytes, Peer) -> None; must not raise
        self.allowed = allowed  # ip -> bool
        self.max_tcp_packet = max_tcp_packet
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.udp = socket.socket(family, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.udp.bind((host, port))
        self.port = self.udp.getsockname()[1]  # port 0 picks a free one; TCP then takes the same
        self.tcp = socket.socket(family, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.tcp.bind((host, self.port))
        except OSError:
            self.udp.close()
            raise
        self.tcp.listen(16)
        self.host = host
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: set[TcpPeer] = set()

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
                break
            if self._stop.is_set() or not addr:
                break
            if not self.allowed(addr[0]):
                log.debug("dropped a datagram from %s (not in --allow)", addr[0])
                continue
            try:
                self.on_packet(data, UdpPeer(self.udp, addr[0], addr[1]))
            except Exception:  # the handler answers errors itself; this is the last line of defence
                log.exception("packet handler failed on a datagram from %s", addr[0])

    def _tcp_accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, addr = self.tcp.accept()
            except OSError:
                break
            if not self.allowed(addr[0]):
                log.debug("refused a TCP connection from %s (not in --allow)", addr[0])
                conn.close()
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer = TcpPeer(conn, addr[0], addr[1])
            self._conns.add(peer)
            threading.Thread(target=self._tcp_conn_loop, args=(peer,), name="cadenza-tcp", daemon=True).start()

    def _tcp_conn_loop(self, peer: TcpPeer) -> None:
        decoder = SlipDecoder(self.max_tcp_packet)
        try:
            while not self._stop.is_set():
                data = peer.conn.recv(65536)
                if not data:
                    break
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
            peer.closed = True
            self._conns.discard(peer)
            try:
                peer.conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        for s in (self.udp, self.tcp):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for peer in list(self._conns):
            try:
                peer.conn.shutdown(socket.SHUT_RDWR)
                peer.conn.close()
            except OSError:
                pass
