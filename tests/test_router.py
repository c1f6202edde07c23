"""The address table and admission: handler modules register their own addresses, an unknown
address gets the same /cadenza/error it always did, and admission refuses an id that a running
stream holds. Real daemons on loopback, real UDP sockets."""

from __future__ import annotations

import pytest

from bridge.errors import UnknownAddress
from bridge.server.config import ServerConfig
from bridge.server.router import ROOT, Router
from bridge.stream.serve import build_daemon
from tests.oscutil import UdpProbe

# Every address of protocol v1, as the old single table (plus the stream handlers) listed them,
# interpolate (issue 12) and accompany (issue 14).
V1_ADDRESSES = sorted(f"/cadenza/{a}" for a in (
    "ping", "status", "models", "clip/begin", "clip/notes", "generate", "continue", "restyle", "infill",
    "interpolate", "accompany", "groove", "drumify", "cancel", "stream/start", "stream/set", "stream/stop", "stream/keepalive",
))


class EchoHandlers:
    """A handler module of the smallest kind: it declares its one address next to its handler."""

    def __init__(self):
        self.seen = []

    def register(self, router) -> None:
        router.map(f"{ROOT}/test/echo", self.echo)

    def echo(self, args, peer) -> None:
        from bridge.server.osc import encode_message

        self.seen.append(list(args))
        peer.send(encode_message(f"{ROOT}/test/echoed", *args))


def test_router_maps_dispatches_and_refuses_a_second_mapping():
    router, calls = Router(), []
    router.map(f"{ROOT}/a", lambda args, peer: calls.append((args, peer)))
    router.dispatch(f"{ROOT}/a", [1], "peer")
    assert calls == [([1], "peer")]
    with pytest.raises(ValueError, match="already mapped"):
        router.map(f"{ROOT}/a", lambda args, peer: None)
    with pytest.raises(UnknownAddress, match=f"unknown address {ROOT}/b; known: {ROOT}/a"):
        router.dispatch(f"{ROOT}/b", [], "peer")


@pytest.fixture
def bare_daemon(tmp_path):
    """An in-process daemon with no models and streams attached, as `cadenza serve` builds it."""
    d = build_daemon(ServerConfig(port=0, models_dir=tmp_path / "no-models"), models={})
    echo = EchoHandlers()
    echo.register(d.router)
    d.start()
    yield d, echo
    d.stop()


def test_a_handler_module_registers_an_address(bare_daemon):
    d, echo = bare_daemon
    assert sorted(set(d.router.addresses()) - {f"{ROOT}/test/echo"}) == V1_ADDRESSES
    p = UdpProbe("127.0.0.1", d.port)
    try:
        p.send(f"{ROOT}/test/echo", 7, "hi")
        p.collect(lambda a, g: a == f"{ROOT}/test/echoed", 5.0)
        assert p.replies[-1] == (f"{ROOT}/test/echoed", [7, "hi"])
        assert echo.seen == [[7, "hi"]]
        assert p.ping_ok()
    finally:
        p.close()


def test_an_unknown_address_gets_the_same_error_as_before(bare_daemon):
    d, _ = bare_daemon
    p = UdpProbe("127.0.0.1", d.port)
    try:
        p.send("/cadenza/nope", 12, "x", 1)
        code, message = p.error_for(12)
        known = sorted([*V1_ADDRESSES, f"{ROOT}/test/echo"])
        assert code == "unknown_address"
        assert message == f"unknown address /cadenza/nope; known: {', '.join(known)}"
        p.send("/elsewhere")  # no id: the error carries -1
        assert p.error_for(-1)[0] == "unknown_address"
    finally:
        p.close()


def test_admission_refuses_an_id_a_running_stream_holds(daemon):
    p = UdpProbe(daemon.host, daemon.port)
    try:
        p.send("/cadenza/stream/start", 4101, "tempo", 240.0)
        p.collect(lambda a, g: a in ("/cadenza/accepted", "/cadenza/error") and g[:1] == [4101], 10.0)
        assert p.replies[-1] == ("/cadenza/accepted", [4101, 0]), p.replies[-1]
        p.send("/cadenza/generate", 4101, "bars", 1)
        code, message = p.error_for(4101)
        assert code == "bad_request" and "request id 4101 is already running" in message
        p.send("/cadenza/stream/stop", 4101)
        address, args = p.terminal(4101)
        assert address == "/cadenza/done", (address, args)
    finally:
        p.close()
