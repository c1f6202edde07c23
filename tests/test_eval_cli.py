"""`cadenza eval` on a Markov model trained here: the card gets one report section, replaced on
each run, with a baseline row when a Markov model sits next to the evaluated one."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from test_markov_support import tiny_dataset_path, tiny_model_path

from bridge.cli import cli
from bridge.evaluation.card import BEGIN, END


@pytest.fixture()
def models(tmp_path_factory, tmp_path):
    """models/markov and models/mine: two copies of the tiny model, as a user would have them."""
    src = tiny_model_path(tmp_path_factory)
    root = tmp_path / "models"
    shutil.copytree(src, root / "markov")
    shutil.copytree(src, root / "mine")
    return root


def test_eval_writes_and_replaces_the_card_section(models, tmp_path_factory):
    data = tiny_dataset_path(tmp_path_factory)
    folder = models / "markov"
    card = folder / "MODEL_CARD.md"
    card.write_text(card.read_text().replace("## Limits", "## Limits\n\nA hand-written line.\n"))
    args = ["eval", str(folder), "--data", str(data), "--n", "4", "--variations", "2"]
    for _ in range(2):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0, res.output
    text = card.read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1 and "A hand-written line." in text
    section = text[text.index(BEGIN):]
    for needle in ("key adherence", "bars & meter exact", "style accuracy", "pitch-class overlap",
                   "rhythm overlap", "variation distinctness", "copying ≥ 16 notes", "nats per onset",
                   "real test clips (reference)", "| markov | irish-folk | melody |"):
        assert needle in section, needle
    result = json.loads((folder / "eval.json").read_text())
    (model,) = result["models"]
    assert model["engine"] == "markov" and model["overall"]["exact"] == 1.0
    assert 0.5 < model["overall"]["key_adherence"] <= 1.0
    assert model["val_loss"]["loss"] > 0
    assert "evaluated in" in res.output and "report written to" in res.output


def test_eval_adds_the_markov_baseline_row(models, tmp_path_factory):
    res = CliRunner().invoke(cli, ["eval", str(models / "mine"), "--data", str(tiny_dataset_path(tmp_path_factory)),
                                   "--n", "2", "--variations", "2"])
    assert res.exit_code == 0, res.output
    result = json.loads((models / "mine" / "eval.json").read_text())
    assert [m["name"] for m in result["models"]] == ["mine", "markov"]
    assert "markov (markov, baseline)" in (models / "mine" / "MODEL_CARD.md").read_text()


def test_eval_without_card_prints_the_report(models, tmp_path_factory):
    before = (models / "mine" / "MODEL_CARD.md").read_text()
    res = CliRunner().invoke(cli, ["eval", str(models / "mine"), "--data", str(tiny_dataset_path(tmp_path_factory)),
                                   "--n", "2", "--no-out-card", "--no-baseline"])
    assert res.exit_code == 0, res.output
    assert "## Evaluation" in res.output and (models / "mine" / "MODEL_CARD.md").read_text() == before
    assert not (models / "mine" / "eval.json").exists()


def test_eval_on_the_val_split_writes_json_and_leaves_the_card(models, tmp_path_factory, tmp_path):
    data = tiny_dataset_path(tmp_path_factory)
    before = (models / "mine" / "MODEL_CARD.md").read_text()
    out = tmp_path / "try.json"
    res = CliRunner().invoke(cli, ["eval", str(models / "mine"), "--data", str(data), "--n", "2", "--no-baseline",
                                   "--split", "val", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert (models / "mine" / "MODEL_CARD.md").read_text() == before and not (models / "mine" / "eval.json").exists()
    tuned = json.loads(out.read_text())
    assert any("--split val" in n for n in tuned["notes"])
    res = CliRunner().invoke(cli, ["eval", str(models / "mine"), "--data", str(data), "--n", "2", "--no-baseline",
                                   "--no-out-card", "--json", str(tmp_path / "test.json")])
    test = json.loads((tmp_path / "test.json").read_text())
    assert tuned["real"]["overall"] != test["real"]["overall"]  # other clips were the reference


def test_eval_errors_are_clean(tmp_path):
    res = CliRunner().invoke(cli, ["eval", str(tmp_path)])
    assert res.exit_code == 1 and "config.json" in res.output


def test_eval_warns_when_the_dataset_changed_since_training(models, tmp_path_factory):
    config = json.loads((models / "mine" / "config.json").read_text())
    config["dataset"]["fingerprint"] = "0000000000000000"
    (models / "mine" / "config.json").write_text(json.dumps(config))
    res = CliRunner().invoke(cli, ["eval", str(models / "mine"), "--data", str(tiny_dataset_path(tmp_path_factory)),
                                   "--n", "2", "--no-baseline"])
    assert res.exit_code == 0, res.output
    assert "dataset changed since this model was trained" in (models / "mine" / "MODEL_CARD.md").read_text()
    res = CliRunner().invoke(cli, ["eval", str(models / "markov"), "--data", str(tiny_dataset_path(tmp_path_factory)),
                                   "--n", "2", "--no-baseline"])
    assert "dataset changed" not in (models / "markov" / "MODEL_CARD.md").read_text()
