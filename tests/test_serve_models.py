"""Safe defaults: `cadenza serve --models DIR` serves DIR beside the shipped models, `--only` serves
DIR alone, the default is the shipped one unless `--default NAME`, a trained model never becomes it,
training never writes over a shipped model, and `cadenza models` marks a missing or weak eval."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from test_markov_support import tiny_dataset_path, tiny_model_path

from bridge.cli import cli
from bridge.engines.registry import EVAL_BELOW, EVAL_MISSING, EVAL_OK, eval_status, load_models
from bridge.errors import UnknownModel

from conftest import MODELS


def cadenza(*args):
    return subprocess.run([sys.executable, "-m", "bridge.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture()
def user_models(tmp_path, tmp_path_factory):
    """A user's models folder: a Markov model trained here, named to sort first, whose config
    even claims to be the default."""
    folder = tmp_path / "my-models"
    shutil.copytree(tiny_model_path(tmp_path_factory), folder / "aaa-mine")
    cfg = json.loads((folder / "aaa-mine" / "config.json").read_text())
    (folder / "aaa-mine" / "config.json").write_text(json.dumps(dict(cfg, default=True)))
    return folder


def served(daemon):
    r = cadenza("models", "--port", daemon.port, "--json")
    assert r.returncode == 0, r.stderr
    return {m["name"]: m for m in json.loads(r.stdout)}


def test_models_dir_is_served_beside_the_shipped_ones(daemon_factory, user_models):
    d = daemon_factory(models_dir=user_models, only=False)
    models = served(d)
    assert {"markov", "transformer", "aaa-mine"} <= set(models)
    assert [n for n, m in models.items() if m["default"]] == ["transformer"]
    assert models["aaa-mine"]["eval"] == EVAL_MISSING and models["transformer"]["eval"] == EVAL_OK
    assert "transformer (default)" in d.ready_line


def test_only_serves_the_folder_alone_and_default_picks(daemon_factory, user_models):
    alone = served(daemon_factory(models_dir=user_models))  # conftest passes --only
    assert set(alone) == {"aaa-mine"} and alone["aaa-mine"]["default"]
    picked = served(daemon_factory(models_dir=user_models, only=False, args=("--default", "aaa-mine")))
    assert [n for n, m in picked.items() if m["default"]] == ["aaa-mine"]


def test_an_unknown_default_is_one_line(user_models):
    r = cadenza("serve", "--port", 0, "--models", user_models, "--default", "nope")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "--default 'nope' is not a served model; served:" in r.stderr and "aaa-mine" in r.stderr
    r = cadenza("serve", "--port", 0, "--only")
    assert r.returncode == 1 and "give at least one --models DIR" in r.stderr


def test_a_clashing_name_is_served_under_its_folder(tmp_path, tmp_path_factory):
    extra = tmp_path / "extra"
    shutil.copytree(tiny_model_path(tmp_path_factory), extra / "markov")
    models = load_models([MODELS, extra, MODELS])  # the shipped folder twice: loaded once
    shipped = {d.name for d in MODELS.iterdir() if (d / "config.json").is_file()}
    assert {"markov", "transformer", "rnn", "vae", "gan", "groove"} <= shipped
    assert set(models) == shipped | {"extra-markov"}
    assert models["transformer"].info.default and not models["extra-markov"].info.default
    with pytest.raises(UnknownModel, match="not a served model"):
        load_models([extra], default="transformer")


def test_eval_status_missing_ok_and_below_baseline(tmp_path):
    assert eval_status(MODELS / "transformer") == EVAL_OK and eval_status(MODELS / "markov") == EVAL_OK
    assert eval_status(tmp_path) == EVAL_MISSING
    result = json.loads((MODELS / "transformer" / "eval.json").read_text())
    weak = json.loads(json.dumps(result))  # the musical summary is what counts when the eval has one
    weak["models"][0]["musical"]["overall"]["score"] = weak["models"][1]["musical"]["overall"]["score"] - 0.1
    (tmp_path / "eval.json").write_text(json.dumps(weak))
    assert eval_status(tmp_path) == EVAL_BELOW
    old = json.loads(json.dumps(result))  # an eval from before the musical columns: the old ones count
    for row in old["models"]:
        row.pop("musical", None)
    old["models"][0]["overall"]["key_adherence"] = old["models"][1]["overall"]["key_adherence"] - 0.2
    (tmp_path / "eval.json").write_text(json.dumps(old))
    assert eval_status(tmp_path) == EVAL_BELOW
    (tmp_path / "eval.json").write_text("{not json")
    assert eval_status(tmp_path) == EVAL_MISSING


def test_train_never_writes_over_a_shipped_model(tmp_path_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    data = tiny_dataset_path(tmp_path_factory)
    res = CliRunner().invoke(cli, ["train", "--engine", "markov", "--data", str(data),
                                   "--out", str(MODELS / "markov")])
    assert res.exit_code == 2 and "is a shipped model's folder" in res.output
    monkeypatch.chdir(tmp_path)  # the default --out: models/<engine>-<dataset>, never models/<engine>
    res = CliRunner().invoke(cli, ["train", "--engine", "markov", "--data", str(data)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "models" / f"markov-{data.name}"
    assert (out / "config.json").is_file() and "default" not in json.loads((out / "config.json").read_text())
    assert f"cadenza serve --models models" in res.output


def test_the_wheel_carries_every_shipped_model():
    """pyproject.toml's data-files put each shipped model folder into the wheel (pip and pipx
    installs serve from there); a model folder added to models/ without its line would be served
    from a clone and silently missing from an install."""
    import tomllib

    files = tomllib.loads((MODELS.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    shipped = sorted(p.name for p in MODELS.iterdir() if (p / "config.json").is_file())
    assert {f"share/cadenza/models/{name}": [f"models/{name}/*"] for name in shipped}.items() <= files.items()
    assert len(shipped) >= 4
