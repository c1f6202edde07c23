"""The band GAN trains: a tiny config on the suite's tiny dataset moves both losses, writes a
servable folder (safetensors, config.json, ONNX graph equal to torch, card), resumes with --from,
and serves bands from that folder without torch's network (the ONNX runtime)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from test_markov_support import tiny_dataset_path  # noqa: E402

from bridge.engines.registry import load_model  # noqa: E402
from bridge.engines.gan.roll import PHRASE_BARS, TRACKS, notes_to_steps, roll_of, to_c_shift  # noqa: E402
from bridge.engines.gan.windows import bands  # noqa: E402
from bridge.data.dataset import Dataset  # noqa: E402
from bridge.music.request import parse_request  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "configs" / "gan-tiny.toml"
_CACHE: dict = {}


def tiny_gan(tmp_path_factory) -> tuple[Path, dict]:
    if "gan" not in _CACHE:
        from bridge.engines.gan.train import train_gan

        out = tmp_path_factory.mktemp("gan") / "gan-tiny"
        summary = train_gan(TINY, tiny_dataset_path(tmp_path_factory), out, log=lambda *a: None)
        _CACHE["gan"] = (out, summary)
    return _CACHE["gan"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return tiny_gan(tmp_path_factory)


def test_band_windows_hold_aligned_parts_moved_to_c(tmp_path_factory):
    ds = Dataset.load(tiny_dataset_path(tmp_path_factory))
    got = bands(ds)
    assert got and all(b.bars >= PHRASE_BARS for b in got)
    assert any(b.presence.sum() >= 2 for b in got)  # parts of one piece and window play together
    assert {to_c_shift(t) for t in range(12)} == set(range(-5, 7))
    assert all((to_c_shift(t) + t) % 12 == 0 for t in range(12))


def test_roll_layout_marks_onsets_inside_holds():
    notes = notes_to_steps(np.array([[0, 12, 62, 90], [12, 3, 62, 90], [6, 1, 36, 100]]), shift=-2, drums=False)
    assert notes.tolist() == [[0, 4, 60], [4, 1, 60], [2, 1, 34]]  # D moved to C, a tick rounds up to a step
    roll = roll_of([None, notes, None, None], 16)
    assert roll.shape == (len(TRACKS), 2, 16, 84)
    assert roll[1, 1].sum() == 3 and (roll[1, 1] <= roll[1, 0]).all()  # every onset is held
    assert roll[1, 0, :, 60 - 24].tolist()[:6] == [1, 1, 1, 1, 1, 0]


def test_tiny_gan_losses_move_and_the_folder_is_servable(trained):
    out, summary = trained
    hist = summary["final"], json.loads((out / "config.json").read_text())["training"]["history"]
    first, last = hist[1][0], hist[1][-1]
    assert summary["steps"] == 24 and len(hist[1]) == 3
    assert first["loss_d"] != last["loss_d"] and first["loss_g"] != last["loss_g"]
    assert first["fake_onsets"] != last["fake_onsets"]  # the generator's output changed
    for f in ("generator.safetensors", "critic.safetensors", "generator.onnx", "MODEL_CARD.md"):
        assert (out / f).is_file() and (out / f).stat().st_size < 16 << 20
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["engine"] == "gan" and cfg["cpu_runtime"] == "onnx" and cfg["onnx_parity"]["max_abs_diff"] < 1e-4
    assert set(cfg["onset_threshold"]) == set(TRACKS)
    assert "cadenza-eval:begin" in (out / "MODEL_CARD.md").read_text()
    engine = load_model(out)
    assert engine.info.extra["runtime"] == "onnx" and "band" in engine.operations
    req = parse_request("generate", ["role", "band", "bars", 2, "seed", 1])
    clips = engine.run(req, None, lambda f: None)
    assert req.parts == TRACKS and len(clips) == 4 and all(c.length == 8.0 for c in clips)


def test_resume_from_the_folder_continues_the_count(trained, tmp_path_factory):
    from bridge.engines.gan.train import train_gan

    out, summary = trained
    again = train_gan(TINY, tiny_dataset_path(tmp_path_factory), tmp_path_factory.mktemp("gan2") / "more",
                      init_from=out, log=lambda *a: None, export=False)
    assert again["resumed_from"]["steps"] == summary["steps"]
    assert again["total_steps"] == 2 * summary["steps"]


def test_config_refuses_unknown_keys(tmp_path):
    from bridge.engines.gan.train import load_config

    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nz_shared = 8\nwidth = 3\n")
    with pytest.raises(ValueError, match="unknown keys in \\[model\\]: \\['width'\\]"):
        load_config(bad)
