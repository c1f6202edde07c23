"""The groove trainer on tiny made-up played parts (tests/groove_support.py): the tiny config trains
a few steps with falling loss and writes a servable folder (safetensors, ONNX graph, card) that
answers groove with torch absent from the path it serves on, resumes from it, and the ONNX graph
matches torch."""

from __future__ import annotations

import json

import numpy as np
import pytest
from groove_support import played_folder

from bridge.data.groove_pairs import build_pairs
from bridge.data.sources import user_tasks
from bridge.engines.groove.model import GrooveConfig, GrooveNet
from bridge.engines.groove.runtime import OrtBackend, TorchBackend
from bridge.engines.groove.train import load_config, train_groove
from bridge.engines.registry import load_model
from bridge.music.clip import Clip, Note
from bridge.music.request import Request

from pathlib import Path

TINY = Path(__file__).resolve().parent.parent / "configs" / "groove-tiny.toml"


@pytest.fixture(scope="module")
def pairs_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("groove")
    pairs = build_pairs(user_tasks(played_folder(root / "played"), "test"), log=lambda m: None)
    return pairs.save(root / "pairs")


@pytest.fixture(scope="module")
def tiny(pairs_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("groove-model") / "tiny"
    summary = train_groove(TINY, pairs_dir, out, log=lambda m: None)
    return out, summary


def test_the_network_is_causal():
    net = GrooveNet(GrooveConfig(channels=8, skip_channels=8, layers=3, cycle=3, n_styles=2)).eval()
    import torch

    x = torch.randn(1, 20, net.cfg.n_features)
    y = x.clone()
    y[0, 12:] += 1.0  # change the future only
    args = (torch.tensor([0]), torch.tensor([1]), torch.tensor([0.0]))
    with torch.no_grad():
        a, b = net(x, *args), net(y, *args)
    assert torch.allclose(a[0, :12], b[0, :12]) and not torch.allclose(a[0, 12:], b[0, 12:])
    assert net.cfg.receptive_field == 1 + 1 + 2 + 4


def test_tiny_training_loss_falls_and_writes_a_servable_folder(tiny):
    out, summary = tiny
    cfg = json.loads((out / "config.json").read_text())
    hist = cfg["training"]["history"]
    assert summary["steps"] == 40 and len(hist) == 4
    untrained = cfg["training"]["untrained_val"]
    assert hist[-1]["val_offset_nll"] < untrained["offset"] and hist[-1]["val_velocity_nll"] < untrained["velocity"]
    assert {"model.safetensors", "groove.onnx", "config.json", "MODEL_CARD.md"} <= {p.name for p in out.iterdir()}
    assert cfg["engine"] == "groove" and cfg["cpu_runtime"] == "onnx" and cfg["roles"] == ["drums"]
    assert cfg["measured"]["test_notes"] > 0 and "swing_ratio" in cfg["measured"]
    assert "## Measured (held-out test parts)" in (out / "MODEL_CARD.md").read_text()
    assert all(p.stat().st_size <= 16 << 20 for p in out.glob("*.safetensors"))
    engine = load_model(out)
    assert isinstance(engine.backend, OrtBackend) and engine.operations == ("groove",)
    clip = Clip([Note(i / 2, 42, 0.25, 100) for i in range(8)], 4.0, drums=True)
    res = engine.run(Request(operation="groove", role="drums", seed=1), clip, lambda f: None)[0]
    assert sorted(n.pitch for n in res.notes) == [42] * 8 and res.length == 4.0


def test_onnx_matches_torch(tiny):
    out, _ = tiny
    cfg = json.loads((out / "config.json").read_text())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 33, cfg["model"]["n_features"])).astype(np.float32)
    args = (x, [0, 4], [0, 1], [0.0, 0.3])
    a, b = OrtBackend(out / "groove.onnx").run(*args), TorchBackend(out).run(*args)
    assert a.shape == (2, 33, 6 * cfg["model"]["mixtures"]) and np.abs(a - b).max() < 1e-3


def test_resume_continues_from_the_folder(tiny, pairs_dir, tmp_path):
    out, summary = tiny
    again = train_groove(TINY, pairs_dir, tmp_path / "resumed", init_from=out, log=lambda m: None, export=False)
    assert again["resumed_from"]["steps"] == 40 and again["total_steps"] == 80


def test_config_refuses_unknown_keys(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nlayerz = 3\n")
    with pytest.raises(ValueError, match="unknown keys in \\[model\\]: \\['layerz'\\]"):
        load_config(bad)
