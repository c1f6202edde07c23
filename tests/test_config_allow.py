"""Who may talk to the daemon: loopback by default, --allow for anything else."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys
import time

import pytest

from bridge.server.config import ServerConfig
from bridge.server.osc import encode_message, slip_encode
from bridge.server.transport import Transports


def test_loopback_always_allowed_and_cidrs_parsed():
    c = ServerConfig(host="127.0.0.1", port=0, allow="192.168.1.0/24, 10.0.0.7")
    assert c.allowed("127.0.0.1") and c.allowed("::1")
    assert c.allowed("192.168.1.77") and c.allowed("10.0.0.7")
    assert not c.allowed("192.168.2.1") and not c.allowed("10.0.0.8") and not c.allowed("garbage")
    assert c.allow == (ipaddress.ip_network("192.168.1.0/24"), ipaddress.ip_network("10.0.0.7/32"))


def test_listening_beyond_loopback_needs_allow():
    with pytest.raises(ValueError, match="--allow"):
        ServerConfig(host="0.0.0.0", port=0)
    with pytest.raises(ValueError, match="192.168.1.0/24"):
        ServerConfig(host="127.0.0.1", port=0, allow="not-a-network")
    r = subprocess.run([sys.executable, "-m", "bridge.cli", "serve", "--host", "0.0.0.0", "--port", "0"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "--allow" in r.stderr and "Traceback" not in r.stderr


def test_clients_outside_the_allow_list_get_nothing():
    """Real sockets: a transport whose allow-list rejects the client answers nothing, UDP or TCP."""
    seen = []
    t = Transports("127.0.0.1", 0, lambda data, peer: (seen.append(data), peer.send(encode_message("/x", 1))),
                   allowed=lambda ip: False)
    t.start()
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(0.5)
        u.sendto(encode_message("/cadenza/ping", 1), ("127.0.0.1", t.port))
        with pytest.raises(socket.timeout):
            u.recvfrom(2048)
        u.close()
        s = socket.create_connection(("127.0.0.1", t.port), timeout=2)
        s.settimeout(1)
        try:
            s.sendall(slip_encode(encode_message("/cadenza/ping", 1)))
            assert s.recv(100) == b""  # closed without an answer
        except (ConnectionResetError, BrokenPipeError):
            pass
        s.close()
        time.sleep(0.1)
        assert seen == []
    finally:
        t.close()
