"""The daemon against independent clients: python-osc over UDP and TCP, liblo's oscsend and
oscdump, and a Pure Data patch run headless. Real sockets on loopback, real shipped models."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer
from pythonosc.tcp_client import SimpleTCPClient
from pythonosc.udp_client import SimpleUDPClient

from bridge.server.client import Client, RemoteError
from bridge.server.osc import encode_bundle, encode_message
from tests.oscutil import UdpProbe

REPO = Path(__file__).resolve().parent.parent


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notes_of(replies, req_id):
    out = {}
    for address, args in replies:
        if address == "/cadenza/result/notes" and args[0] == req_id:
            flat = args[2:]
            out.setdefault(args[1], []).extend(tuple(flat[i : i + 4]) for i in range(0, len(flat), 4))
    return out


def test_python_osc_udp_with_reply_port(daemon):
    got, done = [], threading.Event()
    disp = Dispatcher()

    def on_any(address, *args):
        got.append((address, list(args)))
        if address in ("/cadenza/done", "/cadenza/error"):
            done.set()

    disp.set_default_handler(on_any)
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), disp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = SimpleUDPClient(daemon.host, daemon.port)
        client.send_message("/cadenza/generate", [7, "bars", 2, "seed", 1, "reply_port", server.server_address[1]])
        assert done.wait(30), got
    finally:
        server.shutdown()
    addresses = [a for a, _ in got]
    assert addresses[0] == "/cadenza/accepted"
    assert addresses[-1] == "/cadenza/done", got[-1]
    begin = next(args for a, args in got if a == "/cadenza/result/begin")
    assert begin[:2] == [7, 0] and begin[3] == 8.0
    notes = notes_of(got, 7)[0]
    assert len(notes) == begin[2] > 0
    for p, s, d, v in notes:
        assert 0 <= p <= 127 and 0 <= s < 8.0 and d > 0 and s + d <= 8.0 + 1e-4 and 1 <= v <= 127


def test_python_osc_tcp_slip(daemon):
    client = SimpleTCPClient(daemon.host, daemon.port)  # OSC 1.1, SLIP
    try:
        client.send_message("/cadenza/ping", [3])
        client.send_message("/cadenza/generate", [8, "bars", 4, "seed", 5, "variations", 2])
        replies = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(a == "/cadenza/done" for a, _ in replies):
            for m in client.get_messages(1):
                replies.append((m.address, list(m.params)))
    finally:
        client.close()
    assert ("/cadenza/pong", [3, replies[0][1][1]]) == replies[0]
    by_var = notes_of(replies, 8)
    assert sorted(by_var) == [0, 1]
    assert by_var[0] != by_var[1], "two variations should differ"


def test_same_seed_same_notes_and_status_models(daemon):
    with Client(daemon.host, daemon.port) as c:
        a = c.request("generate", {"bars": 4, "seed": 1234, "variations": 3})
        b = c.request("generate", {"bars": 4, "seed": 1234, "variations": 3})
        assert a.variations == b.variations
        assert a.info["seed"] == 1234
        models = c.query("models")
        status = dict(zip(*(lambda kv: (kv[::2], kv[1::2]))(c.query("status")[0][1])))
    assert sum(1 for _, args in models if args[5] == 1) == 1, "exactly one default model"
    for _, args in models:
        name, engine, device, quant, *kv = args
        opts = dict(zip(kv[::2], kv[1::2]))
        assert {"default", "styles", "roles", "moods"} <= set(opts)
        assert "melody" in opts["roles"].split(",")
    assert status["version"] and status["queue_depth"] >= 0 and status["uptime"] >= 0


def test_bundle_messages_handled_as_if_alone(daemon):
    p = UdpProbe(daemon.host, daemon.port)
    try:
        p.send_raw(encode_bundle(None, [encode_message("/cadenza/ping", 61), encode_message("/cadenza/ping", 62)]))
        p.collect(lambda a, g: a == "/cadenza/pong" and g[0] == 62)
        assert [g[0] for a, g in p.replies if a == "/cadenza/pong"] == [61, 62]
    finally:
        p.close()


def test_cancel_a_queued_request(daemon):
    p = UdpProbe(daemon.host, daemon.port)
    try:
        big = ["model", "transformer", "bars", 16, "variations", 8, "role", "keys"]  # a few seconds of work
        p.send_raw(encode_bundle(None, [
            encode_message("/cadenza/generate", 71, *big),
            encode_message("/cadenza/generate", 72, *big),
            encode_message("/cadenza/cancel", 72),
        ]))
        code, message = p.error_for(72, timeout=30)
        assert code == "cancelled"
        assert p.terminal(71, timeout=120)[0] in ("/cadenza/done", "/cadenza/error")
        p.send("/cadenza/cancel", 73)
        assert p.error_for(73)[0] == "bad_request"
    finally:
        p.close()


def test_busy_when_the_queue_is_full(daemon_factory):
    d = daemon_factory({"CADENZA_QUEUE_SIZE": "1"})
    p = UdpProbe(d.host, d.port)
    try:
        big = ["model", "transformer", "bars", 16, "variations", 8, "role", "keys"]  # a few seconds of work
        p.send_raw(encode_bundle(None, [encode_message("/cadenza/generate", i, *big) for i in range(1, 6)]))
        codes = []
        for i in range(1, 6):
            address, args = p.terminal(i, timeout=120)
            codes.append(args[1] if address == "/cadenza/error" else "done")
        assert "busy" in codes and "done" in codes, codes
        assert p.ping_ok()
    finally:
        p.close()


def test_request_timeout(daemon):
    """A request that waits behind a long one past its own `timeout` ends with `timeout`."""
    p = UdpProbe(daemon.host, daemon.port)
    try:
        p.send_raw(encode_bundle(None, [
            encode_message("/cadenza/generate", 81, "model", "transformer", "bars", 16, "variations", 8, "role", "keys"),
            encode_message("/cadenza/generate", 82, "bars", 2, "timeout", 0.05),
        ]))
        code, message = p.error_for(82, timeout=30)
        assert code == "timeout" and "0.05" in message
        assert p.terminal(81, timeout=120)[0] == "/cadenza/done"
        assert p.ping_ok()
    finally:
        p.close()


@pytest.mark.skipif(shutil.which("oscsend") is None or shutil.which("oscdump") is None, reason="liblo-tools missing")
def test_oscsend_request_oscdump_replies(daemon):
    port = free_udp_port()
    dump = subprocess.Popen(["oscdump", "-L", str(port)], stdout=subprocess.PIPE, text=True)
    lines = []
    try:
        time.sleep(0.3)
        subprocess.run(["oscsend", daemon.host, str(daemon.port), "/cadenza/generate", "isisssi",
                        "9", "bars", "2", "role", "bass", "reply_port", str(port)], check=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = dump.stdout.readline()
            lines.append(line.strip())
            if "/cadenza/done" in line or "/cadenza/error" in line:
                break
    finally:
        dump.kill()
    text = "\n".join(lines)
    assert "/cadenza/accepted ii 9 0" in text
    assert "/cadenza/result/begin iiif 9 0" in text
    assert "/cadenza/done if 9" in text, text
    notes = [l for l in lines if "/cadenza/result/notes" in l]
    assert notes and all(len(l.split()[2]) <= 2 + 4 * 64 for l in notes)


@pytest.mark.skipif(shutil.which("pd") is None, reason="puredata-core missing")
def test_pure_data_patch_headless(daemon, tmp_path):
    reply = free_udp_port()
    patch = (REPO / "examples/puredata/cadenza_generate.pd").read_text()
    patch = patch.replace("127.0.0.1 7500", f"127.0.0.1 {daemon.port}").replace("7501", str(reply))
    (tmp_path / "gen.pd").write_text(patch)
    out = subprocess.run(["pd", "-nogui", "-nosound", "-nomidi", "-stderr", "-open", str(tmp_path / "gen.pd")],
                         capture_output=True, text=True, timeout=40)
    log = out.stderr
    assert "cadenza: cadenza accepted 7" in log, log
    assert "cadenza: cadenza done 7" in log, log
    note_lines = [l for l in log.splitlines() if l.startswith("cadenza: cadenza result notes 7 0")]
    assert note_lines, log
    values = note_lines[0].split()[6:]
    assert len(values) % 4 == 0 and len(values) >= 4
    pitch, start, dur, vel = (float(x) for x in values[:4])
    assert 0 <= pitch <= 127 and start >= 0 and dur > 0 and 1 <= vel <= 127


def test_cancel_a_running_request(daemon):
    """A running request stops: one `cancelled` error, no results after it, the daemon serves on."""
    p = UdpProbe(daemon.host, daemon.port)
    try:
        p.send("/cadenza/generate", 91, "model", "transformer", "bars", 64, "variations", 8, "role", "keys")
        p.collect(lambda a, g: a == "/cadenza/accepted" and g[0] == 91)
        import time as _t
        _t.sleep(0.3)
        p.send("/cadenza/cancel", 91)
        code, _ = p.error_for(91, timeout=30)
        assert code == "cancelled"
        late = p.quiet(1.0)
        assert not [a for a, g in late if g and g[0] == 91], late
        assert p.ping_ok()
    finally:
        p.close()


def test_progress_only_moves_forward(daemon):
    """32 bars of a line are decoded in segments, each variation's on its own after the first:
    inside the engine each reports the same stretch again; the client's bar must never step back."""
    from tests.oscutil import UdpProbe

    p = UdpProbe(daemon.host, daemon.port)
    try:
        p.send("/cadenza/generate", 71, "model", "transformer", "bars", 32, "variations", 4, "seed", 1)
        p.terminal(71, timeout=120)
        seen = [g[1] for a, g in p.replies if a == "/cadenza/progress" and g and g[0] == 71]
    finally:
        p.close()
    assert len(seen) >= 2, seen
    assert seen == sorted(seen), seen
    assert all(0 < f < 1 for f in seen)
