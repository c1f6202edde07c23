"""The stream examples against a real daemon: the Pure Data patch run headless, the SuperCollider
script run by a headless sclang, the TouchDesigner module driven the way TouchDesigner drives it
(its host globals are stand-ins; the sockets and the daemon are real), and the Max patcher's
messages sent as Max would send them."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from bridge.server.osc import decode_packet, encode_message
from tests.test_streaming import sd  # noqa: F401 - the stream tests' daemon fixture

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("pd") is None, reason="puredata-core missing")
def test_pure_data_stream_patch_headless(sd, tmp_path):  # noqa: F811
    reply = free_udp_port()
    patch = (EXAMPLES / "puredata/cadenza_stream.pd").read_text()
    assert "127.0.0.1 7500" in patch and "reply_port 7502" in patch and "netreceive -u -b 7502" in patch
    patch = patch.replace("127.0.0.1 7500", f"127.0.0.1 {sd.port}").replace("7502", str(reply))
    (tmp_path / "stream.pd").write_text(patch)
    (tmp_path / "driver.pd").write_text(  # stops the stream after 2.5 s, quits 1.5 s later
        "#N canvas 0 0 300 200 12;\n#X obj 20 20 loadbang;\n#X obj 20 50 delay 2500;\n"
        "#X msg 20 80 \\; cadenza-stop bang;\n#X obj 150 50 delay 4000;\n#X msg 150 80 \\; pd quit;\n"
        "#X connect 0 0 1 0;\n#X connect 0 0 3 0;\n#X connect 1 0 2 0;\n#X connect 3 0 4 0;\n"
    )
    out = subprocess.run(["pd", "-nogui", "-nosound", "-nomidi", "-stderr", "-open", str(tmp_path / "stream.pd"),
                          "-open", str(tmp_path / "driver.pd")], capture_output=True, text=True, timeout=40)
    log = out.stderr
    assert "cadenza-stream: accepted 1 0" in log, log
    beats = [tuple(int(float(x)) for x in l.split()[1:]) for l in log.splitlines() if l.startswith("cadenza-beat:")]
    assert len(beats) >= 3 and beats == [(i // 4, i % 4) for i in range(len(beats))], log
    notes = [l.split()[1:] for l in log.splitlines() if l.startswith("cadenza-note:")]
    assert notes, log
    for req_id, pitch, vel, dur in notes:
        assert req_id == "1" and 0 <= float(pitch) <= 127 and 1 <= float(vel) <= 127 and float(dur) > 0
    assert re.search(r"cadenza-end: 1 \d", log), log  # /cadenza/done 1 elapsed_ms after the stop


@pytest.mark.skipif(shutil.which("sclang") is None, reason="supercollider-language missing")
def test_supercollider_stream_headless(sd, tmp_path):  # noqa: F811
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1",
               XDG_RUNTIME_DIR=str(runtime), CADENZA_PORT=str(sd.port), CADENZA_SC_DRY="1",
               CADENZA_SC_SECONDS="2.5")
    out = subprocess.run(["sclang", str(EXAMPLES / "supercollider/cadenza_stream.scd")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, env=env)
    log = out.stdout + out.stderr
    notes = re.findall(r"^cadenza note (\d+) (\d+) ([\d.]+) late_ms (-?[\d.]+)$", log, re.M)
    beats = re.findall(r"^cadenza beat (\d+) (\d+) late_ms (-?[\d.]+)$", log, re.M)
    assert notes and len(beats) >= 3, log[-3000:]
    assert [(int(b), int(x)) for b, x, _ in beats] == [(i // 4, i % 4) for i in range(len(beats))]
    lateness = [float(x[-1]) for x in notes] + [float(x[-1]) for x in beats]
    # played on the time tags: sclang's clock runs each one at its tag, not on arrival 50 ms earlier
    assert all(-1.0 <= x <= 25.0 for x in lateness), lateness
    assert re.search(r"^cadenza done \[", log, re.M), log[-3000:]


class _FakeAbsTime:
    """TouchDesigner's absTime: seconds since the project started (here: since the test did)."""

    def __init__(self):
        self.t0 = time.monotonic()

    @property
    def seconds(self):
        return time.monotonic() - self.t0


class _OscOutDat:
    """An OSC Out DAT: sendOSC(address, args) as one UDP datagram to the daemon."""

    def __init__(self, port: int, sock: socket.socket):
        self.addr, self.sock = ("127.0.0.1", port), sock

    def sendOSC(self, address, args):  # noqa: N802 - TouchDesigner's name
        self.sock.sendto(encode_message(address, *args), self.addr)


class _Chan(list):
    pass


class _ScriptChop:
    def __init__(self):
        self.chans, self.numSamples = {}, 1

    def clear(self):
        self.chans = {}

    def appendChan(self, name):  # noqa: N802
        self.chans[name] = _Chan([0.0])
        return self.chans[name]


def test_touchdesigner_module_against_daemon(sd):  # noqa: F811
    reply = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    reply.bind(("127.0.0.1", 0))
    reply.settimeout(0.005)
    out = _OscOutDat(sd.port, socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    chop, printed = _ScriptChop(), []
    td = {"absTime": _FakeAbsTime(), "debug": lambda *a: printed.append(a)}
    module = type("Module", (), {})()
    ops = {"oscout1": out, "cadenza_chop": type("Op", (), {"cook": lambda self, force=False: None})(),
           "cadenza": type("Op", (), {"module": module})()}
    td["op"] = lambda name: ops.get(name)

    def load(name: str) -> dict:
        ns = dict(td)
        exec(compile((EXAMPLES / "touchdesigner" / name).read_text(), name, "exec"), ns)  # noqa: S102
        return ns

    mod_ns = load("cadenza.py")
    mod_ns["REPLY_PORT"] = reply.getsockname()[1]  # the OSC In DAT's Network Port
    mod_ns["TEMPO"] = 240.0
    for k, v in mod_ns.items():
        setattr(module, k, v)
    on_receive = load("osc_in_callbacks.py")["onReceiveOSC"]
    on_frame = load("execute_callbacks.py")["onFrameStart"]
    on_cook = load("script_chop_callbacks.py")["onCook"]
    frames, seen = [], []
    module.start(role="melody", density=0.8)
    t_end = time.monotonic() + 3.0
    stopped = False
    while time.monotonic() < t_end + 1.0:
        if not stopped and time.monotonic() >= t_end:
            module.stop()
            stopped = True
        try:
            data, peer = reply.recvfrom(65536)
            for address, args, _ in decode_packet(data):  # Split Bundles into Messages: one call each
                seen.append(address)
                on_receive(None, 0, None, data, 0.0, address, args, peer)
        except socket.timeout:
            pass
        on_frame(len(frames))
        on_cook(chop)
        frames.append(dict((k, v[0]) for k, v in chop.chans.items()))
    reply.close()
    assert seen[0] == "/cadenza/accepted" and "/cadenza/done" in seen, seen[:5]
    assert module.state["status"] == "ended" and module.state["tempo"] == 240.0
    assert len(frames[-1]) == 128 + 6
    lit = [f for f in frames if f["gate"] == 1.0]
    assert lit, "no note ever sounded in the CHOP"
    assert all(any(f[f"n{p}"] > 0 for p in range(128)) for f in lit)
    assert sum(f["beat_pulse"] for f in frames) >= 8, "beats did not pulse (240 BPM for 3 s)"
    assert max(f["bar"] for f in frames) >= 2
    assert frames[-1]["gate"] == 0.0, "notes kept sounding after the stream ended"


def _max_atoms(text: str) -> list:
    """A Max message box's text as the atoms udpsend turns into OSC (int, float, symbol)."""
    atoms = []
    for tok in shlex.split(text):
        if re.fullmatch(r"-?\d+", tok):
            atoms.append(int(tok))
        elif re.fullmatch(r"-?\d*\.\d*", tok):
            atoms.append(float(tok))
        else:
            atoms.append(tok)
    return atoms


def test_max_patcher_structure_and_messages(sd):  # noqa: F811
    pat = json.loads((EXAMPLES / "max/cadenza_stream.maxpat").read_text())["patcher"]
    boxes = {b["box"]["id"]: b["box"] for b in pat["boxes"]}
    for line in pat["lines"]:
        (src, outlet), (dst, inlet) = line["patchline"]["source"], line["patchline"]["destination"]
        assert src in boxes and dst in boxes, line
        assert outlet < boxes[src]["numoutlets"] and inlet < boxes[dst]["numinlets"], line
    texts = [b.get("text", "") for b in boxes.values()]
    assert "udpsend 127.0.0.1 7500" in texts and "udpreceive 7502" in texts
    route = next(t for t in texts if t.startswith("route "))
    assert route.split()[1:] == ["/cadenza/note", "/cadenza/beat", "/cadenza/done", "/cadenza/error"]
    send_id = next(i for i, b in boxes.items() if b.get("text", "").startswith("udpsend"))
    to_send = {l["patchline"]["source"][0] for l in pat["lines"] if l["patchline"]["destination"][0] == send_id}
    msgs = {boxes[i]["text"].split()[0].rsplit("/", 1)[-1]: _max_atoms(boxes[i]["text"]) for i in to_send}
    assert set(msgs) == {"start", "set", "stop", "keepalive"}

    # Send the patcher's own messages to the daemon, replies to the port the patcher listens on.
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(0.2)
    reply = rx.getsockname()[1]
    got = []

    def send(atoms):
        atoms = [reply if a == 7502 else a for a in atoms]
        rx.sendto(encode_message(atoms[0], *atoms[1:]), ("127.0.0.1", sd.port))

    def wait(pred, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                data = rx.recv(65536)
            except socket.timeout:
                continue
            for address, args, _ in decode_packet(data):
                got.append((address, args))
                if pred(address, args):
                    return True
        return False

    try:
        send(msgs["start"])
        assert wait(lambda a, g: a == "/cadenza/note", 5), got[:5]
        assert got[0] == ("/cadenza/accepted", [1, 0])
        for box in boxes.values():
            if box.get("text", "").startswith("/cadenza/stream/set"):
                send(_max_atoms(box["text"]))
        send(msgs["keepalive"])
        assert wait(lambda a, g: a == "/cadenza/stream/applied", 5), got[-5:]
        send(msgs["stop"])
        assert wait(lambda a, g: a in ("/cadenza/done", "/cadenza/error"), 5)
    finally:
        rx.close()
    assert got[-1][0] == "/cadenza/done", got[-1]
    assert not [g for a, g in got if a in ("/cadenza/stream/rejected", "/cadenza/error")]
