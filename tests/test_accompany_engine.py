"""Accompany end to end through Engine.run: a tiny Transformer trained here on context examples of the
tiny real dataset (its loss falls), then the trained accompany model (models/transformer once it
is one, else /work/train/acc; skipped when neither is there) answering with valid clips of exact
bars and meter, drums as GM pitches, range and scale lock kept, seeds reproducing; and the
errors: bars past the context, a meter that differs, context where it does not belong."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bridge.data.dataset import COL, Dataset
from bridge.engines.registry import load_model
from bridge.engines.transformer.train import train_transformer
from bridge.errors import BadRequest
from bridge.evaluation.accompany import AccompanySettings, cut, evaluate_accompany, held_out_windows, section
from bridge.music.request import Request
from bridge.music.theory import ROLES, Key, Meter
from tests.test_markov_support import tiny_dataset_path

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "configs" / "transformer-tiny.toml"
TRAINED = [REPO / "models" / "transformer", Path("/work/train/acc")]


@pytest.fixture(scope="module")
def tiny_ds(tmp_path_factory):
    return tiny_dataset_path(tmp_path_factory)


@pytest.fixture(scope="module")
def tiny_acc(tiny_ds, tmp_path_factory):
    """A tiny model trained 30 steps with 70% context examples."""
    cfg = tmp_path_factory.mktemp("cfg") / "tiny-acc.toml"
    cfg.write_text(TINY.read_text().replace("transpose = [-5, 6]", "transpose = [-5, 6]\ncontext_rate = 0.7"))
    out = tmp_path_factory.mktemp("tiny-acc")
    summary = train_transformer(cfg, tiny_ds, out, log=lambda *a: None)
    return out, summary


@pytest.fixture(scope="module")
def tiny_plain(tiny_ds, tmp_path_factory):
    """The same tiny model trained without context examples."""
    out = tmp_path_factory.mktemp("plain")
    train_transformer(TINY, tiny_ds, out, log=lambda *a: None)
    return out


def _trained() -> Path:
    for folder in TRAINED:
        cfg = folder / "config.json"
        if cfg.is_file() and json.loads(cfg.read_text()).get("accompany"):
            return folder
    pytest.skip("no accompany-trained transformer here (models/transformer is not one; /work/train/acc absent)")


@pytest.fixture(scope="module", params=["tiny", "trained"])
def engine(request, tiny_acc):
    return load_model(tiny_acc[0] if request.param == "tiny" else _trained())


def _window(ds_path, roles: set, bars: int = 4):
    """A held-out window holding the given roles: (clip index by role, cut clips by role)."""
    ds = Dataset.load(ds_path)
    for group in held_out_windows(ds, 1000):
        by_role = {ROLES[ds.clips[i, COL["role"]]]: i for i in group}
        if roles <= set(by_role):
            return ds, {r: cut(ds.clip(i), bars) for r, i in by_role.items()}
    pytest.skip(f"no held-out window with {sorted(roles)}")


def test_context_training_loss_falls_and_marks_the_folder(tiny_acc):
    out, summary = tiny_acc
    config = json.loads((out / "config.json").read_text())
    hist = config["training"]["history"]
    assert config["accompany"] is True and summary["steps"] == 30
    assert hist[-1]["val_loss"] < hist[0]["val_loss"] - 0.3, hist
    assert "accompany" in load_model(out).operations


def test_a_model_without_context_training_does_not_offer_accompany(tiny_plain, tiny_ds):
    eng = load_model(tiny_plain)
    assert "accompany" not in eng.operations
    _, clips = _window(tiny_ds, {"melody", "bass"})
    with pytest.raises(BadRequest, match="operation 'accompany' is not one of"):
        eng.run(Request(operation="accompany", role="bass", context=[("melody", clips["melody"])]), None,
                lambda f: None)


def test_accompany_answers_exact_bars_meter_and_key(engine, tiny_ds):
    _, clips = _window(tiny_ds, {"melody", "bass", "chords"})
    ctx = [("melody", clips["melody"]), ("chords", clips["chords"])]
    req = Request(operation="accompany", role="bass", context=ctx, seed=11, variations=3)
    out = engine.run(req, None, lambda f: None)
    meter = clips["melody"].meter
    assert len(out) == 3
    for c in out:
        assert c.meter == meter and c.length == 4 * meter.beats_per_bar and not c.drums
        assert c.key is not None and all(0 <= n.start < c.length for n in c.notes)
    again = engine.run(replace(req, variations=3), None, lambda f: None)
    assert [c.notes for c in again] == [c.notes for c in out]  # a seed reproduces its notes
    two = engine.run(replace(req, bars=2, variations=1), None, lambda f: None)[0]
    assert two.length == 2 * meter.beats_per_bar


def test_accompany_keeps_range_scale_lock_and_gm_drums(engine, tiny_ds):
    _, clips = _window(tiny_ds, {"drums", "bass"})
    ctx = [(r, c) for r, c in clips.items() if r != "drums"]
    req = Request(operation="accompany", role="melody", context=ctx, seed=3, variations=2, pitch_low=60,
                  pitch_high=72, scale_lock=True, key=Key(2, "major"))
    for c in engine.run(req, None, lambda f: None):
        assert all(60 <= n.pitch <= 72 and n.pitch % 12 in Key(2, "major").pitch_classes for n in c.notes)
        assert c.key == Key(2, "major")
    ctx = [(r, c) for r, c in clips.items() if r != "drums"]
    drums = engine.run(Request(operation="accompany", role="drums", context=ctx, seed=4), None, lambda f: None)[0]
    assert drums.drums and drums.key is None and drums.notes
    assert all(n.duration == pytest.approx(0.25) for n in drums.notes)  # hits, one length
    if not engine.info.name.startswith("tiny-acc"):  # trained: GM percussion keys (27..87), untransposed
        assert all(27 <= n.pitch <= 87 for n in drums.notes)


def test_continue_and_infill_take_context(engine, tiny_ds):
    _, clips = _window(tiny_ds, {"melody", "bass"})
    bass, melody = clips["bass"], clips["melody"]
    first = cut(bass, 2)
    later = replace(cut(melody, 4), notes=[replace(n, start=n.start - 2 * melody.meter.beats_per_bar)
                                           for n in melody.notes if n.start >= 2 * melody.meter.beats_per_bar],
                    length=2 * melody.meter.beats_per_bar)
    cont = engine.run(Request(operation="continue", role="bass", context=[("melody", later)], seed=5), first,
                      lambda f: None)[0]
    assert cont.length == later.length
    req = Request(operation="infill", role="bass", context=[("melody", melody)], start_bar=1, end_bar=3, seed=6)
    filled = engine.run(req, bass, lambda f: None)[0]
    bpb = bass.meter.beats_per_bar
    assert filled.length == bass.length
    keep = lambda c: [n for n in c.notes if n.start < bpb - 1e-9]  # noqa: E731
    assert [n.pitch for n in keep(filled)] == [n.pitch for n in keep(bass)]


def test_context_errors_say_what_is_allowed(engine, tiny_ds):
    _, clips = _window(tiny_ds, {"melody", "bass"})
    ctx = [("melody", clips["melody"])]
    with pytest.raises(BadRequest, match="longer than the context's 4 bars"):
        engine.run(Request(operation="accompany", role="bass", context=ctx, bars=6), None, lambda f: None)
    with pytest.raises(BadRequest, match="differs from the context's"):
        engine.run(Request(operation="accompany", role="bass", context=ctx, meter=Meter(3, 4)), None, lambda f: None)
    with pytest.raises(BadRequest, match="restyle takes no context tracks"):
        engine.run(Request(operation="restyle", role="bass", context=ctx), clips["bass"], lambda f: None)
    with pytest.raises(BadRequest, match="context must cover the clip's bars"):
        engine.run(Request(operation="infill", role="bass", context=[("melody", cut(clips["melody"], 2))],
                           start_bar=0, end_bar=1), clips["bass"], lambda f: None)


def test_eval_section_runs_on_the_tiny_dataset(tiny_acc, tiny_ds):
    eng = load_model(tiny_acc[0])
    acc = evaluate_accompany(eng, Dataset.load(tiny_ds), AccompanySettings(windows=4, bars=2))
    assert acc["parts"] >= 4 and acc["metrics"]
    for name, m in acc["metrics"].items():
        assert 0 <= m["real"] and m["parts"] >= 1, name
    lines = "\n".join(section(acc, "tiny"))
    assert "### Accompany" in lines and "closer to real" in lines
    rows = acc["rows"]
    assert all(set(r["real"]) == set(r["with"]) == set(r["without"]) for r in rows)
    assert np.isfinite([m["with"] for m in acc["metrics"].values()]).all()


def test_bench_and_eval_cli_run_the_accompany_request(tiny_acc, tiny_plain, tiny_ds):
    from click.testing import CliRunner

    from bridge.cli.bench_accompany import bench_accompany, context_tracks, markdown
    from bridge.cli import cli

    assert [r for r, _ in context_tracks()] == ["melody", "chords", "drums"]
    assert all(c.length == 16.0 for _, c in context_tracks())
    r = bench_accompany(tiny_acc[0], rounds=2, progress=lambda m: None)
    assert r["rounds"] == 2 and r["p50_ms"] > 0 and r["mean_notes"] >= 0  # reported, never asserted on
    assert "accompany 4-bar bass" in markdown(r)
    res = CliRunner().invoke(cli, ["eval", str(tiny_acc[0]), "--data", str(tiny_ds), "--accompany-only",
                                   "--accompany-windows", "2", "--bars", "2"])
    assert res.exit_code == 0, res.output
    assert "### Accompany" in res.output and (tiny_acc[0] / "eval-accompany.json").is_file()
    res = CliRunner().invoke(cli, ["bench", "--accompany", str(tiny_plain), "--rounds", "1"])
    assert res.exit_code != 0 and "does not answer accompany" in res.output
