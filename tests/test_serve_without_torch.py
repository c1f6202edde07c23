"""Serving needs no PyTorch: `cadenza serve`, with torch hidden from the interpreter, serves every
shipped model on the CPU (the Transformer from its int8 ONNX graph, sampling and constraints in
numpy) to a real OSC client over loopback; a model folder that asks for a torch runtime is skipped
at load with one line naming the extra, and the daemon serves the others."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bridge.server.client import Client, RemoteError

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"

# A finder ahead of every other: `import torch` fails as it does where torch is not installed.
HIDE_TORCH = """
import importlib.abc, sys
class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoTorch())
try:
    import torch
except ModuleNotFoundError:
    pass
else:
    raise SystemExit("torch is still importable")
"""


def _python_without_torch(code: str, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", HIDE_TORCH + code, *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120, **kw)


def _models_dir(tmp_path: Path) -> Path:
    """The shipped models, plus `torchy`: the shipped Transformer's weights with cpu_runtime
    torch-int8 (what a model folder chosen for torch on another machine says)."""
    d = tmp_path / "models"
    d.mkdir()
    for name in ("markov", "transformer", "rnn", "vae", "gan", "groove"):
        (d / name).symlink_to(MODELS / name, target_is_directory=True)
    torchy = d / "torchy"
    torchy.mkdir()
    for f in (MODELS / "transformer").iterdir():
        if f.name not in ("config.json", "model-int8.onnx"):
            (torchy / f.name).symlink_to(f)
    cfg = json.loads((MODELS / "transformer" / "config.json").read_text())
    cfg.update(name="torchy", cpu_runtime="torch-int8")
    (torchy / "config.json").write_text(json.dumps(cfg))
    return d


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    if not (MODELS / "transformer" / "model-int8.onnx").is_file():
        pytest.skip("the shipped transformer has no ONNX graph")
    tmp = tmp_path_factory.mktemp("notorch")
    log_path = tmp / "daemon.log"
    code = ("import runpy\nsys.argv = ['cadenza', 'serve', '--port', '0', '--models', sys.argv[1]]\n"
            "runpy.run_module('bridge.cli', run_name='__main__')\n")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-c", HIDE_TORCH + code, str(_models_dir(tmp))], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=log, text=True,
                                env=dict(os.environ, PYTHONUNBUFFERED="1"))
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    deadline = time.monotonic() + 60
    while not any(l.startswith("cadenza ready") for l in lines):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the daemon did not start without torch:\n{log_path.read_text()}")
        time.sleep(0.05)
    ready = next(l for l in lines if l.startswith("cadenza ready"))
    port = int(re.search(r":(\d+) \|", ready).group(1))
    yield port, ready, log_path
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)


def test_every_shipped_model_serves_without_torch(daemon):
    port, ready, _ = daemon
    assert "markov" in ready and "transformer (default)" in ready and "device: cpu" in ready
    with Client(port=port) as c:
        models = {args[0]: args for _, args in c.query("models")}
        assert set(models) == {"markov", "transformer", "rnn", "vae", "gan", "groove"}  # torchy was skipped
        assert models["transformer"][3] == "int8"
        assert models["rnn"][3] == "int8"
        for model in ("transformer", "markov", "rnn", "vae", "gan"):
            for role in ("melody", "drums"):
                res = c.request("generate", {"model": model, "role": role, "bars": 4, "seed": 7, "variations": 2})
                assert sorted(res.variations) == [0, 1]
                for v in res.variations.values():
                    assert v["length_beats"] == 16.0 and v["notes"], (model, role)
                    assert all(0 <= s < 16.0 and 0 < d and 1 <= vel <= 127 for _, s, d, vel in v["notes"])


def test_a_band_serves_without_torch(daemon):
    port, _, _ = daemon
    with Client(port=port) as c:
        res = c.request("generate", {"role": "band", "bars": 2, "seed": 3, "style": "rock"})
    assert res.info["model"] == "gan" and res.info["roles"] == "drums,bass,chords,melody"
    assert [v["role"] for _, v in sorted(res.variations.items())] == ["drums", "bass", "chords", "melody"]
    assert all(v["length_beats"] == 8.0 for v in res.variations.values())


def test_groove_serves_without_torch(daemon):
    port, _, _ = daemon
    beat = {"length_beats": 4.0, "notes": [[42, e / 2, 0.25, 100] for e in range(8)] + [[36, 0.0, 0.25, 100]]}
    with Client(port=port) as c:
        a = c.request("groove", {"seed": 3, "swing": 0.5}, clip=beat)
        b = c.request("groove", {"seed": 3, "swing": 0.5}, clip=beat)
    assert a.info["model"] == "groove" and a.variations == b.variations
    notes = a.variations[0]["notes"]
    assert sorted(p for p, *_ in notes) == sorted(p for p, *_ in beat["notes"]) and a.variations[0]["length_beats"] == 4.0


def test_same_seed_same_notes_without_torch(daemon):
    port, _, _ = daemon
    args = {"model": "transformer", "bars": 8, "seed": 1234, "variations": 3, "key": "A minor", "scale_lock": 1}
    with Client(port=port) as c:
        a, b = c.request("generate", args), c.request("generate", args)
        other = c.request("generate", dict(args, seed=1235))
    notes = lambda r: [r.variations[v]["notes"] for v in sorted(r.variations)]  # noqa: E731
    assert notes(a) == notes(b)
    assert notes(a) != notes(other)
    assert all(p % 12 in (9, 11, 0, 2, 4, 5, 7) for v in notes(a) for p, *_ in v)


def test_bad_input_gets_an_error_and_the_daemon_keeps_serving(daemon):
    port, _, _ = daemon
    with Client(port=port) as c:
        with pytest.raises(RemoteError, match="this model knows"):
            c.request("generate", {"model": "transformer", "style": "dubstep"})
        assert c.request("generate", {"model": "transformer", "bars": 1, "seed": 2}).variations[0]["notes"]


def test_a_torch_runtime_is_skipped_at_load_in_one_line(daemon):
    _, _, log_path = daemon
    log = log_path.read_text()
    line = next(l for l in log.splitlines() if "torchy" in l)
    assert "runtime torch-int8 needs PyTorch, which is not installed: pip install 'cadenza[train]'" in line
    assert "Traceback" not in log


def test_load_without_torch_names_the_extra():
    """Called directly: the ONNX model loads with torch hidden and torch is never imported; a torch
    runtime or an explicit CUDA device is refused with a MissingExtra naming the extra."""
    code = """
import json, pathlib, shutil, tempfile
from bridge.errors import MissingExtra
from bridge.engines.registry import load_model
shipped = pathlib.Path(sys.argv[1])
eng = load_model(shipped)
assert eng.info.extra["runtime"] == "onnx-int8" and "torch" not in sys.modules
for device in ("cuda",):
    try:
        load_model(shipped, device=device)
    except MissingExtra as e:
        print("CUDA:", e)
d = pathlib.Path(tempfile.mkdtemp())
for f in shipped.iterdir():
    if f.suffix != ".onnx":
        (d / f.name).symlink_to(f)
try:
    load_model(d)  # its config names model-int8.onnx, which is not there: the torch fallback
except MissingExtra as e:
    print("NO-ONNX:", e)
"""
    out = _python_without_torch(code, str(MODELS / "transformer"))
    assert out.returncode == 0, out.stderr
    lines = dict(l.split(": ", 1) for l in out.stdout.splitlines())
    assert lines["CUDA"] == "device cuda needs PyTorch with CUDA, which is not installed: pip install 'cadenza[gpu]'"
    assert lines["NO-ONNX"].endswith("has no model-int8.onnx; its fallback, runtime torch-int8, needs PyTorch, "
                                     "which is not installed: pip install 'cadenza[train]'")


def test_a_command_that_needs_torch_says_so_in_one_line():
    code = "import runpy\nsys.argv = ['cadenza', 'export', '--onnx']\nrunpy.run_module('bridge.cli', run_name='__main__')\n"
    out = _python_without_torch(code)
    assert out.returncode == 1
    assert out.stderr.strip() == "Error: this command needs torch, which is not installed: pip install 'cadenza[train]'"
