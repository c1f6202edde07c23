"""The RNN family end to end without a daemon: the tiny config trains on three real Bach chorales
with falling loss, resumes from its folder, exports an int8 ONNX step that agrees with torch, and
serves through the shared composer with every constraint (bars, meter, key, range) holding and a
seed reproducing its notes."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import bridge.engines.decoding.vocab as V
from bridge.engines.registry import load_model
from bridge.engines.rnn.export import export_onnx, parity
from bridge.engines.rnn.model import MusicGRU, RnnConfig
from bridge.engines.rnn.runtime import OrtStepper, TorchStepper, read_model
from bridge.engines.rnn.train import load_config, train_rnn
from bridge.engines.transformer.devdata import build
from bridge.errors import BadRequest
from bridge.music.clip import Clip, Note
from bridge.music.request import parse_request
from bridge.music.theory import parse_key

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "configs" / "rnn-tiny.toml"


@pytest.fixture(scope="module")
def chorales(tmp_path_factory):
    pytest.importorskip("music21")
    return build(tmp_path_factory.mktemp("chorales") / "ds", chorales=3)


@pytest.fixture(scope="module")
def tiny(chorales, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "rnn-tiny"
    summary = train_rnn(TINY, chorales, out, log=lambda *a: None)
    return out, summary


def test_tiny_training_loss_falls_and_writes_a_servable_folder(tiny):
    out, summary = tiny
    config = json.loads((out / "config.json").read_text())
    hist = config["training"]["history"]
    assert summary["steps"] == 30 and len(hist) >= 3  # an epoch: a pass over the few clips, or 10 steps
    assert hist[-1]["val_loss"] < hist[0]["val_loss"] - 0.3, hist
    assert hist[-1]["train_loss"] < hist[0]["train_loss"], hist
    assert math.isfinite(summary["best_val_loss"])
    assert config["engine"] == "rnn" and config["cpu_runtime"] == "onnx-int8" and config["guidance"] == 2.0
    assert (out / "model-int8.onnx").is_file() and "default" not in config
    for name in config["weights"]:  # safetensors, no pickle, each file under 16 MiB
        assert name.endswith(".safetensors") and (out / name).stat().st_size <= 16 * 2 ** 20
    n = len(hist)  # the two latest checkpoints are kept
    assert sorted(p.name for p in (out / "checkpoints").glob("*.safetensors")) == [
        f"epoch{n - 1:04d}-00001-of-00001.safetensors", f"epoch{n:04d}-00001-of-00001.safetensors"]
    card = (out / "MODEL_CARD.md").read_text()
    assert "Trained on **CPU**" in card and "cadenza-eval:begin" in card
    licences = config["training"]["data"]["licences"]
    assert len(licences) == 1 and "public domain" in next(iter(licences))
    assert next(iter(licences)) in card and "music21-corpus" in card  # licence and source tables


def test_weights_load_back_exactly(tiny):
    """Every tensor is stored (the tied head through the embedding): two loads give one network."""
    out, _ = tiny
    a, b = read_model(out), read_model(out)
    for (k, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), k
    assert a.head.weight.data_ptr() == a.emb.weight.data_ptr()


def test_training_resumes_from_its_folder(tiny, chorales, tmp_path):
    out, first = tiny
    again = tmp_path / "rnn-again"
    summary = train_rnn(TINY, chorales, again, init_from=str(out), log=lambda *a: None)
    t = json.loads((again / "config.json").read_text())["training"]
    assert t["total_steps"] == 60 and len(t["runs"]) == 2 and t["resumed_from"]["steps"] == 30
    assert summary["best_val_loss"] < first["best_val_loss"], (summary["best_val_loss"], first["best_val_loss"])
    assert "in 2 runs" in (again / "MODEL_CARD.md").read_text()


def test_cli_trains_with_progress_and_summary(chorales, tmp_path):
    out = tmp_path / "cli-rnn"
    r = subprocess.run([sys.executable, "-m", "bridge.cli", "train", "--engine", "rnn", "--config", str(TINY),
                        "--data", str(chorales), "--out", str(out), "--minutes", "5"],
                       cwd=REPO, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "val loss" in r.stdout and "trained rnn:" in r.stdout and "best_val_loss" in r.stdout
    assert "epoch 1" in r.stderr  # the progress bar
    assert (out / "model-int8.onnx").is_file()


def test_config_is_validated(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nhiden = 64\n")
    with pytest.raises(ValueError, match="unknown keys in \\[model\\]: \\['hiden'\\]"):
        load_config(bad)
    bad.write_text("[model]\nhidden = 64\nmax_len = 128\n[data]\nseq_len = 256\n")
    with pytest.raises(ValueError, match="exceeds model.max_len"):
        load_config(bad)


def test_step_is_the_trained_recurrence():
    """model.step (the exported graph) computes what nn.GRU computed in training, token by token."""
    torch.manual_seed(0)
    m = MusicGRU(RnnConfig(vocab_size=V.VOCAB_SIZE, hidden=32, n_layers=2)).eval()
    x = torch.randint(0, V.VOCAB_SIZE, (3, 17))  # [B, T]
    with torch.no_grad():
        full = m(x)  # [B, T, V]
        state, steps = m.zero_state(3), []
        for t in range(x.shape[1]):
            logits, state = m.step(x[:, t], state)
            steps.append(logits)
    assert torch.allclose(torch.stack(steps, 1), full, atol=1e-5)


def test_onnx_int8_agrees_with_torch(tiny, tmp_path):
    out, _ = tiny
    model = read_model(out)
    prompt = [V.BOS, V.ROLE_OFFSET, V.STYLE_OFFSET, V.MOOD_ANY, V.KEY_ANY, V.BAR]
    steps = [V.BAR] + list(range(V.PITCH_OFFSET + 50, V.PITCH_OFFSET + 90))
    assert parity(model, export_onnx(model, tmp_path / "fp32.onnx"), prompt, steps) < 1e-4
    assert parity(model, out / "model-int8.onnx", prompt, steps) < 0.25
    # and the two steppers, as the composer drives them, rank the same next tokens
    ort, ref = OrtStepper(out / "model-int8.onnx"), TorchStepper(model)
    a, b = ort.prefill_groups([prompt, prompt[::-1]], 2), ref.prefill_groups([prompt, prompt[::-1]], 2)
    assert a.shape == (4, V.VOCAB_SIZE) and np.abs(a - b).max() < 0.25
    tok = np.array([V.BAR, V.BAR, V.EOS, V.PAD])
    a, b = ort.step(tok, len(prompt)), ref.step(tok, len(prompt))
    assert np.abs(a - b).max() < 0.25 and (a.argmax(1) == b.argmax(1)).all()


@pytest.fixture(scope="module")
def engine(tiny):
    eng = load_model(tiny[0])
    assert eng.info.engine == "rnn" and eng.info.extra["runtime"] == "onnx-int8"
    return eng


def _req(op, start_bar=None, end_bar=None, **kw):
    args = []
    for k, v in kw.items():
        args += [k, v]
    req = parse_request(op, args)
    if op == "infill":  # positional on the wire (/cadenza/infill id start end ...), fields here
        req.start_bar, req.end_bar = start_bar, end_bar
    return req


@pytest.mark.parametrize("role,meter,bars", [("melody", "4/4", 4), ("bass", "3/4", 5), ("drums", "6/8", 2),
                                             ("chords", "4/4", 2)])
def test_generate_exact_bars_and_valid_notes(engine, role, meter, bars):
    clips = engine.run(_req("generate", role=role, meter=meter, bars=bars, key="D minor", scale_lock=1,
                            variations=2, seed=3), None, lambda f: None)
    assert len(clips) == 2
    d_minor = parse_key("D minor").pitch_classes
    for c in clips:
        assert c.length == pytest.approx(bars * c.meter.beats_per_bar) and str(c.meter) == meter
        assert c.notes, "an empty clip"
        for n in c.notes:
            assert 0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 and n.duration > 0
            assert 0 <= n.start < c.length and n.start + n.duration <= c.length + 1e-6
            if role != "drums":
                assert n.pitch % 12 in d_minor


def test_same_seed_same_notes_other_seed_other_notes(engine):
    run = lambda seed: [(n.pitch, n.start, n.duration, n.velocity) for c in engine.run(  # noqa: E731
        _req("generate", role="melody", bars=4, seed=seed, variations=2), None, lambda f: None) for n in c.notes]
    assert run(11) == run(11)
    assert run(11) != run(12)


def test_torch_runtime_serves_the_same_folder(tiny, tmp_path):
    import shutil

    folder = tmp_path / "rnn-torch"
    shutil.copytree(tiny[0], folder)
    (folder / "model-int8.onnx").unlink()
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "cpu_runtime": "torch-fp32"}))
    eng = load_model(folder)
    assert eng.info.extra["runtime"] == "torch-fp32"
    clips = eng.run(_req("generate", role="bass", bars=3, seed=5), None, lambda f: None)
    assert clips[0].length == pytest.approx(12)


def test_continue_infill_restyle(engine):
    notes = [Note(pitch=60 + (i % 5) * 2, start=i * 0.5, duration=0.5, velocity=90) for i in range(16)]
    clip = Clip(notes, 8.0)
    cont = engine.run(_req("continue", bars=2, seed=1), clip, lambda f: None)
    assert cont[0].length == pytest.approx(8.0)
    fill = engine.run(_req("infill", start_bar=0, end_bar=1, seed=1), clip, lambda f: None)
    assert fill[0].length == pytest.approx(8.0)
    assert [n for n in fill[0].notes if n.start >= 4] == [n for n in clip.notes if n.start >= 4]
    rest = engine.run(_req("restyle", preserve="rhythm", strength=1.0, seed=1), clip, lambda f: None)
    assert [n.start for n in rest[0].notes] == [n.start for n in clip.notes]
    with pytest.raises(BadRequest, match="start_bar"):
        engine.run(_req("infill", start_bar=1, end_bar=9), clip, lambda f: None)


def test_shipped_model_onnx_agrees_with_its_weights():
    """models/rnn: the int8 graph it serves is the network its safetensors hold."""
    shipped = REPO / "models" / "rnn"
    if not (shipped / "config.json").is_file():
        pytest.fail(f"{shipped} is missing: the shipped rnn model is part of the repository")
    config = json.loads((shipped / "config.json").read_text())
    assert config["engine"] == "rnn" and config["cpu_runtime"] == "onnx-int8"
    for name in [*config["weights"], config["onnx"]]:
        assert (shipped / name).stat().st_size <= 16 * 2 ** 20, name
    model = read_model(shipped, config)
    prompt = [V.BOS, V.ROLE_OFFSET, V.STYLE_OFFSET + 8, V.MOOD_ANY, V.KEY_ANY, V.BAR]
    steps = [V.POS_OFFSET, V.PITCH_OFFSET + 62, V.DUR_OFFSET + 5, V.VEL_OFFSET + 5] * 12
    assert parity(model, shipped / "model-int8.onnx", prompt, steps) < 0.5
