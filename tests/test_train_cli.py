"""`cadenza train --engine markov` end to end on the tiny real dataset, in a temporary home."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from test_markov_support import tiny_dataset_path

from bridge.cli import cli
from bridge.engines.registry import load_model
from bridge.music.request import parse_request


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """A temporary XDG data home, so the user's real datasets are never touched."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def test_train_markov_writes_a_loadable_model(tmp_path_factory, tmp_path, home):
    data = tiny_dataset_path(tmp_path_factory)
    out = tmp_path / "m"
    res = CliRunner().invoke(cli, ["train", "--engine", "markov", "--data", str(data), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "trained markov" in res.output and "val_loss" in res.output
    config = json.loads((out / "config.json").read_text())
    assert config["engine"] == "markov" and config["dataset"]["train_clips"] > 0
    card = (out / "MODEL_CARD.md").read_text()
    assert "music21-corpus" in card and "public-domain" in card and "cadenza-eval:begin" in card
    eng = load_model(out)
    clip = eng.run(parse_request("generate", ["bars", 2, "seed", 1]), None, lambda f: None)[0]
    assert clip.length == 8.0 and clip.notes


def test_default_data_is_the_newest_dataset_in_the_user_dir(tmp_path_factory, tmp_path, home):
    data = tiny_dataset_path(tmp_path_factory)
    target = home / "cadenza" / "datasets" / "mine"
    shutil.copytree(data, target)
    out = tmp_path / "m"
    res = CliRunner().invoke(cli, ["train", "--engine", "markov", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "config.json").read_text())["dataset"]["path"] == str(target.resolve())


def test_markov_settings_from_a_toml_config(tmp_path_factory, tmp_path, home):
    cfg = tmp_path / "m.toml"
    cfg.write_text("[markov]\nrhythm_order = 2\nmin_count = 3\n")
    out = tmp_path / "m"
    res = CliRunner().invoke(cli, ["train", "--engine", "markov", "--config", str(cfg),
                                   "--data", str(tiny_dataset_path(tmp_path_factory)), "--out", str(out)])
    assert res.exit_code == 0, res.output
    settings = json.loads((out / "config.json").read_text())["settings"]
    assert settings["rhythm_order"] == 2 and settings["min_count"] == 3
    cfg.write_text("[markov]\nbogus = 1\n")
    res = CliRunner().invoke(cli, ["train", "--engine", "markov", "--config", str(cfg),
                                   "--data", str(tiny_dataset_path(tmp_path_factory)), "--out", str(out)])
    assert res.exit_code == 1 and "bogus" in res.output


def test_missing_data_is_one_clean_error(tmp_path, home):
    res = CliRunner().invoke(cli, ["train", "--engine", "markov", "--out", str(tmp_path / "m")])
    assert res.exit_code == 1 and "no dataset found" in res.output and "cadenza data build" in res.output
    res = CliRunner().invoke(cli, ["train", "--engine", "markov", "--data", str(tmp_path)])
    assert res.exit_code == 1 and "manifest.json" in res.output
    res = CliRunner().invoke(cli, ["train", "--engine", "lstm"])
    assert res.exit_code == 2


def test_train_command_as_a_subprocess(tmp_path_factory, tmp_path, home):
    out = tmp_path / "m"
    env = {**os.environ, "XDG_DATA_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "bridge.cli", "train", "--engine", "markov",
         "--data", str(tiny_dataset_path(tmp_path_factory)), "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "next: cadenza eval" in proc.stdout
    assert (out / "melody.safetensors").is_file()
