"""Test helpers: a raw UDP OSC endpoint that records every reply."""

from __future__ import annotations

import socket
import time

from bridge.server.osc import decode_packet, encode_message


class UdpProbe:
    """Sends raw datagrams to the daemon and collects decoded replies on its own port."""

    def __init__(self, host: str, port: int):
        self.addr = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.replies: list = []
        self.used: set = set()  # indices of terminal replies already returned

    def close(self):
        self.sock.close()

    def send_raw(self, data: bytes):
        self.sock.sendto(data, self.addr)

    def send(self, address: str, *args):
        self.send_raw(encode_message(address, *args))

    def collect(self, until, timeout: float = 10.0) -> list:
        """Read replies until `until(address, args)` is true for one; return all read so far."""
        for address, args in self._incoming(timeout):
            self.replies.append((address, args))
            if until(address, args):
                return self.replies
        raise AssertionError(f"no matching reply in {timeout} s; got {self.replies[-10:]}")

    def terminal(self, req_id: int, timeout: float = 30.0):
        """Wait for the terminal reply (done or error) of `req_id` (it may have come already)."""
        def is_terminal(a, g):
            return a in ("/cadenza/done", "/cadenza/error") and bool(g) and g[0] == req_id

        for i, (a, g) in enumerate(self.replies):
            if i not in self.used and is_terminal(a, g):
                self.used.add(i)
                return a, g
        self.collect(is_terminal, timeout)
        self.used.add(len(self.replies) - 1)
        return self.replies[-1]

    def error_for(self, req_id: int, timeout: float = 10.0):
        address, args = self.terminal(req_id, timeout)
        assert address == "/cadenza/error", f"expected an error for {req_id}, got {address} {args}"
        return args[1], args[2]

    def ping_ok(self) -> bool:
        self.send("/cadenza/ping", 999_001)
        self.collect(lambda a, g: a == "/cadenza/pong" and g[:1] == [999_001], 5.0)
        return True

    def quiet(self, seconds: float = 0.3) -> list:
        """Everything that arrives in the next `seconds` (to check that nothing does)."""
        return list(self._incoming(seconds))

    def _incoming(self, seconds: float):
        """Decoded (address, args) as they arrive, for at most `seconds`; every datagram is checked
        against the 1,400-byte limit."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                return
            assert len(data) <= 1400, f"daemon sent a {len(data)}-byte datagram"
            for address, args, _ in decode_packet(data):
                yield address, args
