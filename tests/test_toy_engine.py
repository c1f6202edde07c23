"""docs/ENGINES.md end to end: a toy family registered with one registry call, trained with
`cadenza train`, served by a real daemon on loopback and scored with `cadenza eval`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_markov_support import tiny_dataset_path

from bridge.cli import cli
from bridge.engines import registry
from bridge.server.client import Client
from bridge.server.config import ServerConfig
from bridge.server.daemon import Daemon

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def toy():
    registry.register("toy", engine="toy_engine:ToyEngine", trainer="toy_engine:train")  # the one line
    yield
    registry.FAMILIES.pop("toy")


def test_the_doc_shows_the_code_the_test_runs():
    doc = (REPO / "docs" / "ENGINES.md").read_text()
    listing = re.search(r"<!-- tests/toy_engine.py -->\n```python\n(.*?)```", doc, re.S).group(1)
    assert listing == (REPO / "tests" / "toy_engine.py").read_text()
    assert 'registry.register("toy", engine="toy_engine:ToyEngine", trainer="toy_engine:train")' in doc


def test_toy_family_trains_serves_and_evaluates(toy, tmp_path_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    data, models = tiny_dataset_path(tmp_path_factory), tmp_path / "models"
    res = CliRunner().invoke(cli, ["train", "--engine", "toy", "--data", str(data), "--out", str(models / "toy")])
    assert res.exit_code == 0, res.output
    assert "trained toy" in res.output

    daemon = Daemon(ServerConfig(host="127.0.0.1", port=0, models_dir=models)).start()
    try:
        with Client("127.0.0.1", daemon.port) as c:
            a = c.request("generate", {"model": "toy", "bars": 2, "seed": 7, "variations": 2})
            b = c.request("generate", {"model": "toy", "bars": 2, "seed": 7, "variations": 2})
    finally:
        daemon.stop()
    assert a.variations == b.variations and len(a.variations) == 2
    assert all(v["length_beats"] == 8.0 and len(v["notes"]) == 16 for v in a.variations.values())

    res = CliRunner().invoke(cli, ["eval", str(models / "toy"), "--data", str(data), "--n", "2",
                                   "--variations", "2", "--bars", "2", "--max-real", "5", "--no-baseline"])
    assert res.exit_code == 0, res.output
    report = json.loads((models / "toy" / "eval.json").read_text())["models"][0]
    assert report["engine"] == "toy" and report["combos"] and report["overall"]["exact"] == 1.0
