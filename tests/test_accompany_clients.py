"""Accompany from clients outside the project: the python-osc example in examples/python/ run as a
user runs it, the Pure Data patch in examples/puredata/ run headless, and the TouchDesigner module in examples/touchdesigner/ with TouchDesigner's globals
(`op`, the OSC Out DAT, Table DATs) played by small stand-ins, both against a real daemon serving
the accomp test family (tests/accomp_engine.py, a protocol fixture until the real model lands)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys

import pytest
from test_accompany_support import BASS_UNDER_CHORDS, BASS_UNDER_MELODY, CHORDS, MELODY, REPO, accomp_daemon

from bridge.server.osc import decode_packet, encode_message

EXAMPLES = REPO / "examples"
EXAMPLE = EXAMPLES / "python" / "cadenza_accompany.py"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with accomp_daemon(tmp_path_factory.mktemp("accomp-clients")) as d:
        yield d


def run_example(*args, port: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLE), *map(str, args), "--port", str(port)],
                          capture_output=True, text=True, timeout=120)


def test_the_python_osc_example_prints_a_bass_for_its_melody(served, tmp_path):
    r = run_example(port=served.port)
    assert r.returncode == 0, r.stderr
    head, notes = r.stdout.splitlines()
    assert head == "bass for melody from accomp: 4 notes, 8 beats, key A minor"
    assert notes == "45@0 40@2 38@4 47@6"  # A2 E2 | D2 B2: the fixture's rule under the built-in tune
    (tmp_path / "tune.json").write_text(json.dumps(MELODY.to_dict()))
    (tmp_path / "chords.json").write_text(json.dumps(CHORDS.to_dict()))
    out = tmp_path / "bass.json"
    r = run_example(tmp_path / "tune.json", "--context", f"chords={tmp_path / 'chords.json'}", "--seed", 2,
                    "--json", "--out", out, port=served.port)
    assert r.returncode == 0, r.stderr
    clip = json.loads(r.stdout)
    assert clip == json.loads(out.read_text())
    assert (clip["length_beats"], clip["meter"], clip["key"]) == (8.0, "4/4", "A minor")
    assert clip["notes"] == BASS_UNDER_CHORDS


@pytest.mark.skipif(shutil.which("pd") is None, reason="puredata-core missing")
def test_the_pure_data_patch_prints_the_bass_for_its_melody(served, tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        reply = s.getsockname()[1]
    patch = (EXAMPLES / "puredata" / "cadenza_accompany.pd").read_text()
    patch = patch.replace("127.0.0.1 7500", f"127.0.0.1 {served.port}").replace("7501", str(reply))
    (tmp_path / "accompany.pd").write_text(patch)
    out = subprocess.run(["pd", "-nogui", "-nosound", "-nomidi", "-stderr", "-open", str(tmp_path / "accompany.pd")],
                         capture_output=True, text=True, timeout=40)
    log = out.stderr
    assert "error:" not in log, log  # every object of the patch exists, every message parses
    assert "cadenza: cadenza info 12 " in log and " context melody " in log, log
    (bass,) = [line for line in log.splitlines() if line.startswith("bass: ")]
    values = [float(x) for x in bass.split()[1:]]
    assert values[:2] == [12, 0]  # request 12, variation 0
    assert [values[i:i + 4] for i in range(2, len(values), 4)] == BASS_UNDER_MELODY  # A2 E2 | D2 B2 under A C E | D B
    assert "cadenza: cadenza done 12" in log, log


def test_the_example_reports_the_daemons_error(served):
    r = run_example("--model", "markov", port=served.port)
    assert r.returncode == 1 and "bad_request" in r.stderr and "cannot accompany" in r.stderr
    r = run_example("--role", "melody", port=served.port)  # the melody's own role
    assert r.returncode == 1 and "already plays melody" in r.stderr


class _Cell:
    def __init__(self, val):
        self.val = str(val)


class _TableDat:
    """A Table DAT: rows of string cells, numRows, [row, col], clear and appendRow."""

    def __init__(self, rows=()):
        self.rows = [[str(x) for x in row] for row in rows]

    @property
    def numRows(self):  # noqa: N802 - TouchDesigner's name
        return len(self.rows)

    def __getitem__(self, rc):
        return _Cell(self.rows[rc[0]][rc[1]])

    def clear(self):
        self.rows = []

    def appendRow(self, row):  # noqa: N802
        self.rows.append([str(x) for x in row])


class _OscOutDat:
    """An OSC Out DAT: sendOSC(address, args) as one UDP datagram to the daemon."""

    def __init__(self, port: int):
        self.addr, self.sock = ("127.0.0.1", port), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def sendOSC(self, address, args):  # noqa: N802
        self.sock.sendto(encode_message(address, *args), self.addr)


def test_the_touchdesigner_module_fills_the_bass_table(served):
    reply = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the OSC In DAT's Network Port
    reply.bind(("127.0.0.1", 0))
    reply.settimeout(10.0)
    melody = _TableDat([["pitch", "start", "duration", "velocity"]] + [[n.pitch, n.start, n.duration, n.velocity]
                                                                      for n in MELODY.notes])
    bass, out = _TableDat(), _OscOutDat(served.port)
    module = type("Module", (), {})()
    ops = {"oscout1": out, "melody": melody, "bass": bass, "accompany": type("Op", (), {"module": module})()}

    def load(name: str) -> dict:
        ns = {"op": ops.get}
        exec(compile((EXAMPLES / "touchdesigner" / name).read_text(), name, "exec"), ns)  # noqa: S102
        return ns

    ns = load("accompany.py")
    ns["REPLY_PORT"] = reply.getsockname()[1]
    for k, v in ns.items():
        setattr(module, k, v)
    on_receive = load("accompany_osc_in_callbacks.py")["onReceiveOSC"]
    try:
        for role in ("bass", "melody"):  # a bass, then a refused request: the module reports the error
            module.send(role=role)
            assert module.state["status"] == "waiting"
            while module.state["status"] == "waiting":
                data, peer = reply.recvfrom(65536)
                for address, args, _ in decode_packet(data):
                    on_receive(None, 0, None, data, 0.0, address, args, peer)
            if role == "bass":
                assert module.state["status"] == "done", module.state
                assert module.state["info"]["context"] == "melody" and module.state["info"]["role"] == "bass"
                assert bass.rows[0] == ["pitch", "start", "duration", "velocity"]
                assert [[int(p), float(s), float(d), int(v)] for p, s, d, v in bass.rows[1:]] == BASS_UNDER_MELODY
        assert module.state["error"][0] == "bad_request" and "already plays melody" in module.state["error"][1]
    finally:
        reply.close()
        out.sock.close()
