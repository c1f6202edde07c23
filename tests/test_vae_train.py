"""The VAE trainer on a tiny real dataset (three Bach chorales from music21): the tiny config
trains a few steps with falling loss, writes a servable folder (safetensors, ONNX graphs,
attribute vectors, card), resumes from it, and the ONNX runtime matches torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import bridge.engines.decoding.vocab as V
from bridge.data.dataset import Dataset
from bridge.engines.registry import load_model
from bridge.engines.transformer.devdata import build
from bridge.engines.vae.export import read_model
from bridge.engines.vae.model import DecoderInit, DecoderStep, MusicVAE, VAEConfig
from bridge.engines.vae.runtime import OrtBackend, TorchBackend
from bridge.engines.vae.train import load_config, train_vae
from bridge.engines.vae.windows import WindowConfig, WindowMaker, collate
from bridge.music.request import Request

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "configs" / "vae-tiny.toml"


@pytest.fixture(scope="module")
def chorales(tmp_path_factory):
    pytest.importorskip("music21")
    return build(tmp_path_factory.mktemp("chorales") / "ds", chorales=3)


@pytest.fixture(scope="module")
def tiny(chorales, tmp_path_factory):
    out = tmp_path_factory.mktemp("vae") / "tiny"
    summary = train_vae(TINY, chorales, out)
    return out, summary


def test_windows_hold_exactly_the_window_bars(chorales):
    ds = Dataset.load(chorales)
    maker = WindowMaker(ds, list(ds.styles), 2, 320, WindowConfig())
    rng = np.random.default_rng(0)
    wins = [w for i in maker.usable["train"][:30] if (w := maker.random_window(int(i), rng)) is not None]
    assert len(wins) >= 10
    for w in wins:
        assert w.seq[0] == V.BOS and w.seq[V.PREFIX_LEN - 1] == V.bars_token(2) and w.seq[-1] == V.EOS
        assert w.enc == w.seq[V.PREFIX_LEN:-1] and w.enc.count(V.BAR) == 2
        assert (w.notes[:, 0] < 2 * 48).all()  # 4/4 chorales: two bars of 48 ticks
    x, y, enc, ln = collate(wins[:5])
    assert x.shape == y.shape and (y[:, : V.PREFIX_LEN - 1] == V.PAD).all() and list(ln) == [len(w.enc) for w in wins[:5]]


def test_tiny_training_loss_falls_and_writes_a_servable_folder(tiny, capsys):
    out, summary = tiny
    hist = json.loads((out / "config.json").read_text())["training"]["history"]
    assert summary["steps"] == 24 and len(hist) == 3
    first, last = hist[0], hist[-1]
    assert last["val_recon"] + last["val_kl"] < first["val_recon"] + first["val_kl"] - 5, hist  # nats a window
    assert last["train_recon"] < first["train_recon"], hist
    kl = summary["kl_per_dim"]
    assert kl["of"] == 16 and kl["mean"] > 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["engine"] == "vae" and cfg["onnx"]["step"] in ("step-int8.onnx", "step.onnx")
    for f in ("model.safetensors", "attributes.safetensors", "tokenizer.json", "encoder.onnx", "init.onnx",
              "MODEL_CARD.md"):
        assert (out / f).is_file(), f
    assert not list(out.glob("*.pt")) and not list(out.glob("*.pkl"))
    card = (out / "MODEL_CARD.md").read_text()
    assert "Trained on **CPU**" in card and "KL per latent dimension" in card and "cadenza-eval:begin" in card


def test_tiny_model_serves_generate(tiny):
    out, _ = tiny
    eng = load_model(out)
    assert eng.info.engine == "vae" and eng.info.extra["runtime"] == "onnx"
    clips = eng.run(Request(operation="generate", role="bass", bars=3, seed=5, variations=2), None, lambda f: None)
    assert len(clips) == 2 and all(c.length == 12.0 for c in clips)


def test_resume_continues_from_the_folder(tiny, chorales, tmp_path, capsys):
    out, summary = tiny
    again = train_vae(TINY, chorales, tmp_path / "again", init_from=out, export=False)
    assert "resuming from the weights" in capsys.readouterr().out
    cfg = json.loads((tmp_path / "again" / "config.json").read_text())
    assert cfg["training"]["total_steps"] == 48 and again["resumed_from"]["steps"] == 24


def test_config_refuses_unknown_keys(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nz_dims = 8\n")
    with pytest.raises(ValueError, match="unknown keys in \\[model\\]: \\['z_dims'\\]"):
        load_config(bad)
    assert load_config(TINY)["model"].z_dim == 16


def test_step_form_is_the_trained_gru():
    """The serving step (gate arithmetic over folded tables) gives nn.GRU's numbers."""
    torch.manual_seed(0)
    m = MusicVAE(VAEConfig(d_emb=16, enc_hidden=8, dec_hidden=24, z_dim=6)).eval()
    x = torch.randint(8, V.VOCAB_SIZE, (3, 11))
    z = torch.randn(3, 6)
    with torch.no_grad():
        want = m.decode(x, z)  # [3, 11, V]
        h, zc = DecoderInit(m)(z)
        step = DecoderStep(m)
        got = []
        for t in range(11):
            logits, h = step(x[:, t], h, zc)
            got.append(logits)
    assert torch.allclose(torch.stack(got, 1), want, atol=1e-4)


def test_onnx_runtime_matches_torch(tiny):
    out, _ = tiny
    cfg = json.loads((out / "config.json").read_text())
    ref = TorchBackend(read_model(out))
    fp32 = OrtBackend(out, {**cfg["onnx"], "step": "step.onnx"})
    toks = [V.BAR, V.pos_token(0), V.pitch_token(60), V.dur_token(12), V.BAR, V.pitch_token(62), V.dur_token(24)]
    mu_t, lv_t = ref.encode(toks)
    mu_o, lv_o = fp32.encode(toks)
    np.testing.assert_allclose(mu_o, mu_t, atol=1e-4)
    np.testing.assert_allclose(lv_o, lv_t, atol=1e-4)
    z = np.stack([mu_t, -mu_t])
    (h_t, zc_t), (h_o, zc_o) = ref.init(z), fp32.init(z)
    np.testing.assert_allclose(h_o, h_t, atol=1e-5)
    for t in toks:
        tok = np.full(2, t, dtype=np.int64)
        (l_t, h_t), (l_o, h_o) = ref.step(tok, h_t, zc_t), fp32.step(tok, h_o, zc_o)
        np.testing.assert_allclose(l_o, l_t, atol=1e-3)


def test_cadenza_train_engine_vae(chorales, tmp_path):
    from click.testing import CliRunner

    from bridge.cli import cli

    out = tmp_path / "cli-vae"
    r = CliRunner().invoke(cli, ["train", "--engine", "vae", "--config", str(TINY), "--data", str(chorales),
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "val recon" in r.output and "trained vae:" in r.output and "kl_per_dim" in r.output
    assert json.loads((out / "config.json").read_text())["engine"] == "vae"
