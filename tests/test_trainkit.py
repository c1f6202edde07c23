"""bridge/engines/trainkit.py, the trainers' shared bookkeeping, on hand-made configs and folders:
what it refuses (and in which words), the learning-rate schedule at its ends, the budget, and a
resumed run's totals. No torch: the module must stay importable without it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.engines import trainkit as tk

ALLOWED = {"model": {"width"}, "train": {"lr"}, "name": None, "description": None}


def test_read_config_refuses_unknown_sections_and_keys_naming_what_is_allowed(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('name = "x"\n[model]\nwidth = 4\n')
    assert tk.read_config(good, ALLOWED) == {"name": "x", "model": {"width": 4}}
    assert tk.config_name({}, good) == "good" and tk.config_name({"name": "x"}, good) == "x"
    (tmp_path / "a.toml").write_text("[data]\nx = 1\n")
    with pytest.raises(ValueError, match=r"unknown section \[data\]; allowed: model, train, name, description"):
        tk.read_config(tmp_path / "a.toml", ALLOWED)
    (tmp_path / "b.toml").write_text("[model]\nwidht = 4\n")
    with pytest.raises(ValueError, match=r"unknown keys in \[model\]: \['widht'\]; allowed: \['width'\]"):
        tk.read_config(tmp_path / "b.toml", ALLOWED)


def _folder(tmp_path, engine="gan", styles=("folk", "jazz")):
    f = tmp_path / "m"
    f.mkdir(exist_ok=True)
    (f / "config.json").write_text(json.dumps({"engine": engine, "styles": list(styles), "model": {"width": 4},
                                               "training": {"minutes": 2.5, "steps": 10}}))
    return f


def test_resume_from_checks_the_engine_and_the_styles(tmp_path):
    f = _folder(tmp_path)
    assert tk.resume_from(f, "gan", ["folk", "jazz"]) == ({"width": 4}, {"minutes": 2.5, "steps": 10})
    with pytest.raises(ValueError, match='is not a vae model folder \\(config.json with engine "vae"\\)'):
        tk.resume_from(f, "vae", ["folk", "jazz"])
    with pytest.raises(ValueError, match='is not a gan model folder'):
        tk.resume_from(tmp_path / "nothing", "gan", [])
    with pytest.raises(ValueError, match=r"knows styles \['folk', 'jazz'\]; the pairs' differ: \['folk'\]"):
        tk.resume_from(f, "gan", ["folk"], data="the pairs'")
    with pytest.raises(ValueError, match="the dataset's differ"):
        tk.resume_from(f, "gan", ["folk", "jazz", "rock"])
    assert tk.resume_from(f, "gan", ["folk", "jazz", "rock"], prefix=True)[0] == {"width": 4}  # data may add styles


def test_fine_tune_config_names_the_other_engine(tmp_path):
    f = _folder(tmp_path, engine="rnn")
    assert tk.fine_tune_config(f, "rnn", "x")["engine"] == "rnn"
    with pytest.raises(ValueError, match="is a rnn model; fine-tuning needs a transformer"):
        tk.fine_tune_config(f, "transformer", "fine-tuning needs a transformer")
    with pytest.raises(ValueError, match=r"is not a model folder \(it has no config.json\)"):
        tk.fine_tune_config(tmp_path / "nothing", "rnn", "x")


def test_warmup_then_cosine_and_the_budget():
    tc = {"lr": 1e-3, "warmup_steps": 10, "min_lr_ratio": 0.1}
    assert tk.warmup_cosine(tc, 0, 0.0) == pytest.approx(1e-4)  # first warmup step
    assert tk.warmup_cosine(tc, 10, 0.0) == pytest.approx(1e-3)  # the peak, cosine not yet moved
    assert tk.warmup_cosine(tc, 10, 0.5) == pytest.approx(1e-3 * (0.1 + 0.9 * 0.5))
    assert tk.warmup_cosine(tc, 10, 1.0) == tk.warmup_cosine(tc, 10, 3.0) == pytest.approx(1e-4)  # the floor
    assert tk.budget_text(35, 100) == "35 min" and tk.budget_text(None, 100) == "100 steps"
    assert tk.spent(25, 0.0, None, 100) == 0.25
    assert not tk.out_of_budget(99, 0.0, None, 100) and tk.out_of_budget(100, 0.0, None, 100)
    assert tk.out_of_budget(1, 0.0, 1, 100)  # t0 long ago: a minute has passed
    assert not tk.out_of_budget(1, 1e12, 1, 100)  # t0 in the future: time left


def test_a_resumed_runs_totals_chain_over_earlier_runs():
    first = {"minutes": 2.5, "steps": 10, "device": "cpu"}
    assert tk.resumed_summary(first, ("minutes", "steps"), 1.25, 5) == {
        "resumed_from": {"minutes": 2.5, "steps": 10}, "total_minutes": 3.75, "total_steps": 15}
    second = {**first, "total_minutes": 3.75, "total_steps": 15}
    assert tk.totals(second, 1.0, 1) == {"total_minutes": 4.75, "total_steps": 16}
    assert tk.prior_steps({}) == 0 and tk.resuming_line("m", {}) == "resuming from the weights in m (? min, ? steps)"
    assert not math.isnan(tk.totals({}, 0.0, 0)["total_minutes"])


def test_importing_it_loads_no_torch():
    code = "import sys, bridge.engines.trainkit; print('torch' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])  # `python -c` imports from its folder
    assert run.stdout.strip() == "False"


def test_user_file_gives_a_safetensors_file_the_users_mode(tmp_path):
    import os

    import numpy as np
    from safetensors.numpy import save_file

    from bridge.engines.trainkit import user_file
    path = tmp_path / "w.safetensors"
    save_file({"a": np.zeros(2)}, str(path))
    mask = os.umask(0o022)
    os.umask(mask)
    user_file(path)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~mask
