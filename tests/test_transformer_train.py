"""Tiny-config transformer training on a tiny real dataset (three Bach chorales from music21)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from bridge.engines.registry import load_model
from bridge.engines.transformer.devdata import build
from bridge.engines.transformer.examples import ExampleConfig, ExampleMaker, collate
from bridge.engines.transformer.train import load_config, train_transformer
import bridge.engines.decoding.vocab as V
from bridge.data.dataset import Dataset
from bridge.music.request import parse_request

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "configs" / "transformer-tiny.toml"


@pytest.fixture(scope="module")
def chorales(tmp_path_factory):
    pytest.importorskip("music21")
    return build(tmp_path_factory.mktemp("chorales") / "ds", chorales=3)


def test_examples_cover_plain_and_fill_in_the_middle(chorales):
    ds = Dataset.load(chorales)
    maker = ExampleMaker(ds, ExampleConfig(seq_len=384, fim_rate=0.5), list(ds.styles))
    rng = __import__("numpy").random.default_rng(0)
    seqs = [maker.example(int(i), rng) for i in maker.usable["train"][:40]]
    assert all(s[0] == V.BOS and len(s) <= 384 for s in seqs)
    fim = [s for s in seqs if V.MID in s]
    assert 5 < len(fim) < 35  # about half
    for s in fim:
        k = s[s.index(V.MID) + 1] - V.BARS_OFFSET + 1
        assert s[s.index(V.MID) + 2 :].count(V.BAR) == k  # the middle holds exactly k bars
    x, y = collate(seqs[:4])
    assert x.shape == y.shape and (y[:, : V.PREFIX_LEN - 1] == V.PAD).all()


def test_tiny_training_loss_falls_and_writes_a_servable_folder(chorales, tmp_path, capsys):
    out = tmp_path / "tiny"
    summary = train_transformer(TINY, chorales, out)
    hist = json.loads((out / "config.json").read_text())["training"]["history"]
    assert summary["val_loss_by_epoch"] == [h["val_loss"] for h in hist]
    assert summary["steps"] == 30 and len(hist) >= 3
    assert hist[-1]["val_loss"] < hist[0]["val_loss"] - 0.3, hist
    assert hist[-1]["train_loss"] < hist[0]["train_loss"], hist
    assert math.isfinite(summary["best_val_loss"])
    printed = capsys.readouterr()
    assert "val loss" in printed.out and "done:" in printed.out
    assert "Trained on **CPU**" in (out / "MODEL_CARD.md").read_text()
    config = json.loads((out / "config.json").read_text())
    assert config["engine"] == "transformer" and config["weights"]
    # chorales are notation: every (style, role) it learnt is flat, and the card says how it decodes
    assert config["flat_velocity"] and all(x == 1.0 for v in config["flat_velocity"].values() for x in v.values())
    assert "## Decoding settings" in (out / "MODEL_CARD.md").read_text()
    # and the tonal profile of what it learnt: each pitched role's degrees at the beats, as shares
    prof = config["tonal_profile"]
    assert prof and all(abs(sum(m[at]) - 1) < 1e-3 for r in prof.values() for m in r.values() for at in ("down", "beat"))
    assert config["kit_profile"] == {}  # written too, and empty: chorales have no drum parts
    for name in config["weights"] + [p.name for p in (out / "checkpoints").glob("*.safetensors")]:
        size = (out / name).stat().st_size if (out / name).exists() else (out / "checkpoints" / name).stat().st_size
        assert size <= 16 * 1024 * 1024
    assert "emb.weight" in load_file(str(out / config["weights"][0]))
    eng = load_model(out)
    req = parse_request("generate", ["bars", 2, "seed", 5, "variations", 2], eng.info.styles)
    clips = eng.run(req, None, lambda f: None)
    assert len(clips) == 2 and all(c.length == 8.0 for c in clips)


def test_time_budget_stops_training(chorales, tmp_path):
    endless = tmp_path / "endless.toml"
    endless.write_text(TINY.read_text().replace("max_steps = 30", "max_steps = 1000000"))
    summary = train_transformer(endless, chorales, tmp_path / "b", minutes=0.04)
    assert 0 < summary["steps"] < 1000000 and 0.03 < summary["minutes"] < 0.5


def test_config_is_validated(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nwidth = 3\n")
    with pytest.raises(ValueError, match="unknown keys in \\[model\\]"):
        load_config(bad)
    for name in ("tiny", "cpu", "gpu"):
        cfg = load_config(REPO / "configs" / f"transformer-{name}.toml")
        assert cfg["model"].vocab_size == V.VOCAB_SIZE and cfg["data"].seq_len <= cfg["model"].max_len


def test_unconditional_prefix_and_style_dropout_are_learned(chorales):
    """Guidance needs the model to have seen the unconditional prefix: with uncond_rate 1 every
    example says "any style, any mood, any key"; with both rates 0 none does."""
    ds = Dataset.load(chorales)
    rng = __import__("numpy").random.default_rng(0)
    idx = ExampleMaker(ds, ExampleConfig(), list(ds.styles)).usable["train"][:20]
    always = ExampleMaker(ds, ExampleConfig(uncond_rate=1.0, fim_rate=0.0), list(ds.styles))
    for i in idx:
        s = always.example(int(i), rng)
        assert s[2] == V.STYLE_ANY and s[3] == V.MOOD_ANY and s[4] == V.KEY_ANY, [V.token_name(t) for t in s[:9]]
    never = ExampleMaker(ds, ExampleConfig(cond_dropout=0.0, fim_rate=0.0), list(ds.styles))
    for i in idx:
        s = never.example(int(i), rng)
        assert s[2] != V.STYLE_ANY and s[3] != V.MOOD_ANY and s[4] != V.KEY_ANY


def test_balanced_sampling_draws_rare_pairs_more_often():
    import numpy as np

    from bridge.data.dataset import COL
    from bridge.engines.transformer.train import _sampler

    class FakeDs:  # 90 clips of one (style, role), 10 of another
        clips = np.zeros((100, len(COL)), dtype=np.int64)

    FakeDs.clips[90:, COL["style"]] = 1
    idx = np.arange(100)
    rng = np.random.default_rng(0)
    uniform = np.concatenate([_sampler(FakeDs, idx, 0.0, rng)() for _ in range(20)])
    balanced = np.concatenate([_sampler(FakeDs, idx, 1.0, rng)() for _ in range(20)])
    assert abs(np.mean(uniform >= 90) - 0.10) < 0.01  # a permutation: exactly the dataset's share
    assert abs(np.mean(balanced >= 90) - 0.50) < 0.05  # every pair alike
