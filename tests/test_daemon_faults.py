"""Faults a single packet or client could use to stop the service (issue 17): each test here
failed on the daemon before the fix. Real daemon subprocesses, real UDP and TCP sockets on
loopback, the shipped models. Destructive cases get a daemon of their own (daemon_factory)."""

from __future__ import annotations

import os
import resource
import shutil
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

from bridge.server.osc import SlipDecoder, decode_packet, encode_message, slip_encode
from tests.oscutil import UdpProbe

REPO = Path(__file__).resolve().parent.parent


class TcpProbe:
    """A raw SLIP/TCP connection that records decoded replies."""

    def __init__(self, host, port, rcvbuf: int | None = None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(10)
        self.sock.connect((host, port))
        self.decoder = SlipDecoder()
        self.replies: list = []

    def send(self, address, *args):
        self.sock.sendall(slip_encode(encode_message(address, *args)))

    def collect(self, until, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                break
            if not data:
                break
            for packet in self.decoder.feed(data):
                for address, args, _ in decode_packet(packet):
                    self.replies.append((address, args))
                    if until(address, args):
                        return address, args
        raise AssertionError(f"no matching reply in {timeout} s; got {self.replies[-5:]}")

    def reset(self):
        """Vanish: RST instead of FIN (SO_LINGER 0)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self):
        self.sock.close()


def ping_within(d, seconds=5.0) -> bool:
    p = UdpProbe(d.host, d.port)
    try:
        p.send("/cadenza/ping", 4242)
        p.collect(lambda a, g: a == "/cadenza/pong" and g[:1] == [4242], seconds)
        return True
    finally:
        p.close()


def status_of(d) -> dict:
    p = UdpProbe(d.host, d.port)
    try:
        p.send("/cadenza/status", 77)
        _, args = p.collect(lambda a, g: a == "/cadenza/status" and g[0] == 77, 5)[-1]
        return dict(zip(args[1::2], args[2::2]))
    finally:
        p.close()


# -- defect 1: a bundle element of negative size ------------------------------------------------
def test_a_negative_bundle_element_size_does_not_stop_udp(daemon_factory):
    d = daemon_factory()
    bad = b"#bundle\0" + struct.pack(">Q", 1) + struct.pack(">I", 0xFFFFFFFC) + b"/x\0\0"
    p = UdpProbe(d.host, d.port)
    try:
        p.send_raw(bad)
        assert ping_within(d)
        with socket.create_connection((d.host, d.port), timeout=5) as s:
            s.sendall(slip_encode(bad) + slip_encode(encode_message("/cadenza/ping", 5)))
            assert b"/cadenza/pong" in s.recv(4096)
        assert d.alive()
        assert "bundle element" in d.log()
    finally:
        p.close()


@pytest.mark.parametrize("element", [
    struct.pack(">i", 0) + b"",  # zero size
    struct.pack(">i", 6) + b"/cadenza/ping\0\0\0",  # not a multiple of 4
    struct.pack(">i", 4096) + b"/cadenza/ping\0\0\0",  # longer than what is left
])
def test_bad_bundle_element_sizes_are_refused(daemon, element):
    p = UdpProbe(daemon.host, daemon.port)
    try:
        p.send_raw(b"#bundle\0" + struct.pack(">Q", 1) + element)
        assert p.quiet(0.2) == []
        assert p.ping_ok()
    finally:
        p.close()


# -- defect 2: a TCP client that never reads ----------------------------------------------------
def test_a_tcp_client_that_never_reads_does_not_freeze_the_others(daemon_factory):
    d = daemon_factory()
    hog = TcpProbe(d.host, d.port, rcvbuf=4096)
    try:
        blob = slip_encode(encode_message("/cadenza/models", 1)) * 20000  # about 16 MB of replies
        hog.sock.settimeout(2)
        try:
            hog.sock.sendall(blob)
        except OSError:
            pass  # the daemon may drop us first: that is allowed
        time.sleep(1.0)  # the daemon works through the requests and its replies pile up
        assert ping_within(d, 5.0), "a client that does not read froze the daemon"
        other = TcpProbe(d.host, d.port)
        other.send("/cadenza/ping", 6)
        other.collect(lambda a, g: a == "/cadenza/pong" and g[:1] == [6])
        other.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "outgoing queue" not in d.log():
            time.sleep(0.2)
        assert "outgoing queue" in d.log()  # the hog was dropped, and said why
    finally:
        hog.close()


# -- defect 3: out of file descriptors ----------------------------------------------------------
def test_running_out_of_file_descriptors_does_not_kill_tcp(daemon_factory):
    d = daemon_factory()
    fds = len(os.listdir(f"/proc/{d.proc.pid}/fd"))
    _, hard = resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE)
    resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE, (fds + 12, hard))  # as `ulimit -n` low
    conns = []
    try:
        for _ in range(40):
            try:
                conns.append(socket.create_connection((d.host, d.port), timeout=2))
            except OSError:
                break
        time.sleep(1.0)
    finally:
        for c in conns:
            c.close()
    deadline = time.monotonic() + 15
    while True:  # the accept loop backs off, then takes connections again
        try:
            t = TcpProbe(d.host, d.port)
            t.send("/cadenza/ping", 9)
            t.collect(lambda a, g: a == "/cadenza/pong" and g[:1] == [9], 3)
            t.close()
            break
        except (AssertionError, OSError):
            if time.monotonic() > deadline:
                raise
    assert "file descriptors" in d.log()


def test_connections_over_the_cap_are_refused_clearly(daemon_factory):
    d = daemon_factory({"CADENZA_MAX_CONNECTIONS": "3"})
    held = [TcpProbe(d.host, d.port) for _ in range(3)]
    try:
        for i, t in enumerate(held):  # all three are served
            t.send("/cadenza/ping", i)
            t.collect(lambda a, g: a == "/cadenza/pong")
        extra = TcpProbe(d.host, d.port)
        _, args = extra.collect(lambda a, g: a == "/cadenza/error")
        assert args[0] == -1 and args[1] == "busy" and "3 TCP connections" in args[2]
        extra.close()
    finally:
        for t in held:
            t.close()
    time.sleep(0.5)
    t = TcpProbe(d.host, d.port)  # a place was freed
    t.send("/cadenza/ping", 8)
    t.collect(lambda a, g: a == "/cadenza/pong")
    t.close()


# -- defect 5: work for clients that left -------------------------------------------------------
def test_a_reset_connection_takes_its_queued_work_with_it(daemon_factory):
    d = daemon_factory()
    t = TcpProbe(d.host, d.port)
    for i in range(8):
        t.send("/cadenza/generate", 100 + i, "model", "transformer", "bars", 32, "variations", 4)
    t.collect(lambda a, g: a == "/cadenza/accepted" and g[0] == 107)
    t.reset()
    deadline = time.monotonic() + 10
    while status_of(d)["queue_depth"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status_of(d)["queue_depth"] == 0
    p = UdpProbe(d.host, d.port)
    try:
        p.send("/cadenza/generate", 5, "model", "transformer", "bars", 1, "seed", 1)
        assert p.terminal(5, timeout=60)[0] == "/cadenza/done"
    finally:
        p.close()
    assert "connection closed" in d.log()


# -- defect 6: replies cut by characters, not bytes ---------------------------------------------
def test_a_huge_cjk_style_gets_its_error(daemon):
    p = UdpProbe(daemon.host, daemon.port)  # every datagram is checked against 1,400 bytes
    try:
        p.send("/cadenza/generate", 61, "style", "\u97f3" * 10240)
        code, message = p.error_for(61)
        assert code == "bad_request" and "style" in message
        p.send("/cadenza/explode" + "\u97f3" * 300, 62)
        assert p.error_for(62)[0] == "unknown_address"
    finally:
        p.close()


def test_an_emoji_prompt_keeps_its_info(daemon):
    p = UdpProbe(daemon.host, daemon.port)
    try:
        p.send("/cadenza/generate", 63, "prompt", " ".join(chr(0x1F300 + i) * 4 for i in range(200)), "bars", 1, "model", "markov")
        assert p.terminal(63, timeout=30)[0] == "/cadenza/done"
        info = next(g for a, g in p.replies if a == "/cadenza/info" and g[0] == 63)
        assert chr(0x1F300) in info[info.index("unknown") + 1]
    finally:
        p.close()


# -- defect 10: ids keyed by address and port ---------------------------------------------------
def test_udp_clients_on_one_machine_do_not_share_ids(daemon):
    a, b = UdpProbe(daemon.host, daemon.port), UdpProbe(daemon.host, daemon.port)
    try:
        a.send("/cadenza/clip/begin", 7, 8.0)
        a.send("/cadenza/clip/notes", 7, 60, 0.0, 1.0, 90, 64, 1.0, 1.0, 80)
        b.send("/cadenza/clip/notes", 7, 300, 0.0, 1.0, 90)  # b has no upload 7
        assert b.error_for(7)[0] == "no_clip"
        b.send("/cadenza/continue", 7, "bars", 1)  # and cannot take a's
        assert b.error_for(7)[0] == "no_clip"
        assert a.quiet(0.2) == []  # b's errors did not reach a
        a.send("/cadenza/generate", 8, "model", "transformer", "bars", 16, "variations", 2)
        a.collect(lambda x, g: x == "/cadenza/accepted" and g[0] == 8)
        b.send("/cadenza/cancel", 8)
        code, message = b.error_for(8)
        assert code == "bad_request" and "no queued or running request" in message
        a.send("/cadenza/continue", 7, "bars", 1, "model", "markov")
        assert a.terminal(7)[0] == "/cadenza/done"
        a.send("/cadenza/cancel", 8)
        assert a.terminal(8, timeout=60)[0] == "/cadenza/error"
    finally:
        a.close()
        b.close()


def test_a_client_is_its_reply_port_too(daemon):
    """Max sends from one port and listens on another; oscsend sends from a new port each time and
    names reply_port: both keep their uploads and requests."""
    listener = UdpProbe(daemon.host, daemon.port)
    max_out = UdpProbe(daemon.host, daemon.port)
    try:
        max_out.send("/cadenza/clip/begin", 9, 8.0, "reply_port", listener.port)
        max_out.send("/cadenza/clip/notes", 9, 60, 0.0, 1.0, 90)  # same source port, no reply_port
        max_out.send("/cadenza/continue", 9, "bars", 1, "model", "markov", "reply_port", listener.port)
        assert listener.terminal(9)[0] == "/cadenza/done"
        for address, *args in [("/cadenza/clip/begin", 10, 8.0), ("/cadenza/clip/notes", 10, 62, 0.0, 1.0, 90),
                               ("/cadenza/continue", 10, "bars", 1, "model", "markov")]:
            fresh = UdpProbe(daemon.host, daemon.port)
            fresh.send(address, *args, "reply_port", listener.port)
            fresh.close()
        assert listener.terminal(10)[0] == "/cadenza/done"
    finally:
        listener.close()
        max_out.close()


@pytest.mark.skipif(shutil.which("oscsend") is None or shutil.which("oscdump") is None, reason="liblo-tools missing")
def test_the_documented_oscsend_upload_works(daemon):
    """docs/PROTOCOL.md's oscsend lines, as written (each oscsend sends from a new port)."""
    doc = (REPO / "docs/PROTOCOL.md").read_text()
    lines = [l.split("#")[0].split() for l in doc.splitlines() if l.startswith("oscsend 127.0.0.1 7500 /cadenza/c")]
    assert [l[3] for l in lines] == ["/cadenza/clip/begin", "/cadenza/clip/notes", "/cadenza/continue"]
    listener = UdpProbe(daemon.host, daemon.port)
    try:
        for l in lines:
            args = [str(listener.port) if a == "7501" else a for a in l[4:]]
            subprocess.run(["oscsend", daemon.host, str(daemon.port), l[3], *args], check=True)
        assert listener.terminal(8, timeout=60)[0] == "/cadenza/done", listener.replies
    finally:
        listener.close()


def test_the_connection_cap_is_a_serve_flag_too(daemon_factory):
    d = daemon_factory(args=("--max-connections", "2", "--tcp-idle", "30", "--max-upload-notes", "1000"))
    held = [TcpProbe(d.host, d.port) for _ in range(2)]
    try:
        for i, t in enumerate(held):
            t.send("/cadenza/ping", i)
            t.collect(lambda a, g: a == "/cadenza/pong")
        extra = TcpProbe(d.host, d.port)
        _, args = extra.collect(lambda a, g: a == "/cadenza/error")
        assert args[1] == "busy" and "2 TCP connections" in args[2]
        extra.close()
    finally:
        for t in held:
            t.close()
