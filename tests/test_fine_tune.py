"""`cadenza train --engine transformer --from models/transformer`: fine-tune the shipped weights on a
user's folder of real MIDI files (music21's corpus tunes written as MIDI) in a style the model
lacks; the vocabulary is kept, the new style takes a free slot, and the output serves."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from safetensors.numpy import load_file

from conftest import MODELS

REPO = MODELS.parent
TINY = REPO / "configs" / "transformer-tiny.toml"  # 30 steps: the shape comes from --from


def cadenza(*args, env=None, timeout=900):
    return subprocess.run([sys.executable, "-m", "bridge.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=REPO)


@pytest.fixture(scope="module")
def user_dataset(tmp_path_factory):
    pytest.importorskip("torch")
    corpus = pytest.importorskip("music21.corpus")
    folder = tmp_path_factory.mktemp("my-midi")
    from music21.repeat import ExpanderException

    written = 0
    for path in sorted(p for p in corpus.getPaths() if "ryansMammoth" in str(p)):
        try:
            corpus.parse(str(path)).write("midi", fp=str(folder / f"{path.stem}.mid"))
        except ExpanderException:  # a tune whose repeats music21 cannot unfold: take the next
            continue
        written += 1
        if written == 6:
            break
    out = tmp_path_factory.mktemp("ds") / "my-reels"
    r = cadenza("data", "build", "--midi", folder, "--style", "my-reels", "--out", out, "-q", "-j", 1)
    assert r.returncode == 0, r.stderr
    return out


def test_fine_tune_keeps_the_vocabulary_adds_the_style_and_serves(user_dataset, tmp_path, daemon_factory):
    shipped = json.loads((MODELS / "transformer" / "config.json").read_text())
    assert "my-reels" not in shipped["styles"]
    out = tmp_path / "models" / "my-reels"
    r = cadenza("train", "--engine", "transformer", "--from", MODELS / "transformer", "--data", user_dataset,
                "--config", TINY, "--device", "cpu", "--out", out)
    assert r.returncode == 0, r.stderr[-3000:]
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == shipped["model"]  # same shape and vocabulary as the shipped model
    assert config["styles"] == shipped["styles"] + ["my-reels"]  # old slots kept, the new one after them
    assert config["fine_tuned_from"]["styles_added"] == ["my-reels"] and "default" not in config
    # the weights learnt guidance's unconditional row: the fine-tune decodes with the same scale
    assert shipped.get("guidance") and config.get("guidance") == shipped["guidance"]
    tok = json.loads((out / "tokenizer.json").read_text())
    assert tok["styles"] == config["styles"] and tok["vocab_size"] == shipped["model"]["vocab_size"]
    # the weights moved from the shipped ones (fine-tuned, not copied, not from scratch)
    old, new = {}, {}
    for name in shipped["weights"]:
        old.update(load_file(str(MODELS / "transformer" / name)))
    for name in config["weights"]:
        new.update(load_file(str(out / name)))
    assert old.keys() == new.keys()
    moved = [k for k in old if old[k].shape == new[k].shape and abs(old[k].astype("f4") - new[k].astype("f4")).max() > 0]
    assert moved and all(old[k].shape == new[k].shape for k in old)
    # it serves beside the shipped models, in its new style, and is not the default
    d = daemon_factory(models_dir=out.parent, only=False)
    assert "transformer (default)" in d.ready_line and "my-reels" in d.ready_line
    r = cadenza("generate", "--port", d.port, "--model", "my-reels", "--style", "my-reels", "--bars", 2,
                "--seed", 1, "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["model"] == "my-reels" and res["style"] == "my-reels" and res["variations"][0]["notes"]


def test_from_a_markov_model_is_refused(user_dataset, tmp_path):
    r = cadenza("train", "--engine", "transformer", "--from", MODELS / "markov", "--data", user_dataset,
                "--config", TINY, "--out", tmp_path / "x")
    assert r.returncode == 1 and "fine-tuning needs a transformer" in r.stderr and "Traceback" not in r.stderr
    r = cadenza("train", "--engine", "markov", "--from", MODELS / "transformer", "--data", user_dataset,
                "--out", tmp_path / "y")
    assert r.returncode == 2 and "cannot start from a model" in r.stderr
