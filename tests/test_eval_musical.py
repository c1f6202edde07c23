"""The musical part of `cadenza eval` (issue 10, section 2) on the tiny real dataset: the columns,
ceilings with their role fallback, the style model, the verdict against the Markov baseline and
the target lines. A made-up model that always plays one repeated note must lose to the Markov
baseline on tonality and pitch variety, and the verdict must say so (STYLE.md habit 15)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from test_markov_support import tiny_dataset_path, tiny_model_path

import bridge.evaluation.musical_compare as MC
from bridge.cli import cli
from bridge.data.dataset import Dataset
from bridge.engines import registry
from bridge.evaluation import musical_run as MR
from bridge.evaluation.musical import ClipArray
from bridge.evaluation.runner import EvalSettings, Reference

pytest.importorskip("sklearn")
pytest.importorskip("muspy")

VARIETY = ("key_match", "pc_entropy", "pitches_used", "pitch_range", "repeated_notes")


@pytest.fixture()
def models(tmp_path_factory, tmp_path):
    """models/markov and models/mine (two copies of the tiny Markov model) and models/onenote."""
    src, root = tiny_model_path(tmp_path_factory), tmp_path / "models"
    shutil.copytree(src, root / "markov")
    shutil.copytree(src, root / "mine")
    ds = Dataset.load(tiny_dataset_path(tmp_path_factory))
    (root / "onenote").mkdir()
    (root / "onenote" / "config.json").write_text(json.dumps(
        {"engine": "onenote", "styles": list(ds.styles), "roles": ["melody", "bass", "chords", "drums"]}))
    registry.register("onenote", engine="one_note_engine:OneNoteEngine")
    yield root
    registry.FAMILIES.pop("onenote")


def _eval(folder, data, *extra):
    res = CliRunner().invoke(cli, ["eval", str(folder), "--data", str(data), "--n", "4", "--variations", "2", *extra])
    assert res.exit_code == 0, res.output
    return json.loads((folder / "eval.json").read_text()), (folder / "MODEL_CARD.md").read_text(), res.output


def test_eval_reports_musical_columns_verdict_and_targets(models, tmp_path_factory):
    result, card, out = _eval(models / "mine", tiny_dataset_path(tmp_path_factory))
    mine, base = result["models"]
    for m in (mine, base):
        for row in m["combos"]:
            cols = row["musical"]["columns"]
            assert set(cols) == {c.name for c in MC.COLUMNS if MC.applies(c, row["style"], row["role"])}
            assert all(v is None or 0.0 <= v <= 1.0 for v in row["musical"]["ratios"].values())
            assert "style_recall" in row and "style_recall_real" in row
        assert 0.0 < m["musical"]["overall"]["score"] <= 1.0
        assert set(m["musical"]["by_role"]) == {"melody", "bass", "chords", "drums"}
    for row in result["real"]["combos"]:  # the real row: its columns are the ceiling, its ratios 1
        assert row["musical"]["columns"] and all(v in (None, 1.0) for v in row["musical"]["ratios"].values())
    assert result["real"]["musical"]["overall"]["score"] == pytest.approx(1.0)
    # two copies of one model on the same seeds: every column ties and neither is better
    v = result["musical"]["verdict"]
    assert v["model"] == "mine" and v["baseline"] == "markov" and v["overall"]["winner"] is None
    assert v["overall"]["line"].startswith("neither model is better")
    assert set(v["by_role"]) == {"melody", "bass", "chords", "drums"}
    names = [t["name"] for t in result["musical"]["targets"]]
    assert names == ["style", "overlap", "originality", "baseline"]
    # the tiny dataset has no style with 20 test clips: the style target cannot be measured
    assert result["musical"]["targets"][0]["passed"] is None
    assert set(result["musical"]["style_models"]) == {"melody", "bass", "chords", "drums"}
    section = card[card.index("## Evaluation"):]
    for needle in ("**Verdict** (musical columns, against the Markov baseline): neither model is better",
                   "### Musical columns", "| real (ceiling) |", "summary score", "#### By role",
                   "Style model (gradient-boosted", "#### Targets (issue 10)", "beats the Markov baseline",
                   "clips copying ≥ 16 notes:", "| mine | irish-folk | melody |", "key adherence"):
        assert needle in section, needle
    assert section.index("**Verdict**") < section.index("| model | validation loss")
    assert "verdict: neither model is better" in out and "target " in out


def test_one_note_model_loses_to_the_markov_baseline(models, tmp_path_factory):
    result, card, _ = _eval(models / "onenote", tiny_dataset_path(tmp_path_factory))
    one, base = (m["musical"]["overall"]["ratios"] for m in result["models"])
    assert result["models"][0]["overall"]["key_adherence"] == 1.0  # the old column is fooled (D4 in key)
    assert one["tonality"] < base["tonality"] - 0.2
    for col in VARIETY:
        assert one[col] < 0.1 < base[col] - 0.3, col
    v = result["musical"]["verdict"]
    assert v["overall"]["winner"] == "markov" and "markov is better" in v["overall"]["line"]
    for role in ("melody", "bass", "chords"):  # drums: a hi-hat on every eighth keeps some drum columns
        assert v["by_role"][role]["winner"] == "markov", role
    targets = {t["name"]: t for t in result["musical"]["targets"]}
    assert targets["baseline"]["passed"] is False and targets["overlap"]["passed"] is False
    assert any(f.startswith("overall pc_entropy") for f in targets["baseline"]["failures"])
    assert "**Verdict** (musical columns, against the Markov baseline): markov is better" in card
    assert "- **FAIL**: onenote beats the Markov baseline" in card


def test_ceilings_fall_back_on_the_role_where_val_is_thin(tmp_path_factory):
    ds = Dataset.load(tiny_dataset_path(tmp_path_factory))
    ref = Reference(ds, EvalSettings(max_style_fit=20))
    mref = ref.musical
    thin = [c for c in ref.combos if mref.val_pieces.get(c, 0) < MR.MIN_VAL_PIECES]
    assert thin, "the tiny dataset's MMA groups have one val piece each"
    for combo in thin:
        style, role = combo
        pooled = mref.draw_ceiling([ca for (s, r), items in mref.val_items.items() if r == role for ca in items],
                                   MC.merge([p for (s, r), p in mref.test.items() if r == role]), style, role,
                                   sum(map(ord, f"{style}/{role}")) + 1)
        for col, v in mref.ceilings[combo].items():
            if MC.COLUMN[col].kind == "overlap" and pooled.get(col):
                assert col in mref.fallback[combo] and v == pooled[col]
    levels = [c for c in ref.combos if mref.val_pieces.get(c, 0) >= MR.MIN_VAL_PIECES]
    for combo in levels:  # a trusted group keeps its own nonzero ceilings
        own = mref.draw_ceiling(mref.val_items[combo], mref.test[combo], *combo, sum(map(ord, "/".join(combo))))
        assert all(mref.ceilings[combo][k] == v for k, v in own.items() if v)
    assert all(v is not None and v > 0 for c in ref.combos for v in mref.ceilings[c].values() if v is not None)


def test_real_clips_as_many_as_a_model_writes_score_one_against_the_ceiling(tmp_path_factory):
    """The ceiling compares as many val clips as a model writes per group with the test clips: real
    music written in that number scores about 1. Against a ceiling of every val clip it would score
    lower however real it is (a histogram of 2 clips overlaps less), which is the bias this removes."""
    ds = Dataset.load(tiny_dataset_path(tmp_path_factory))
    ref = Reference(ds, EvalSettings(n=2, variations=1, max_style_fit=20))  # the tiny dataset has 6-8 val clips a group
    mref = ref.musical
    assert mref.sample_size == 2
    matched, unmatched = [], []
    rng = np.random.default_rng(0)
    for combo, items in mref.val_items.items():
        if len(items) < 6 or combo[1] == "drums":
            continue
        full = MC.ceiling(MC.profile(items), mref.test[combo], *combo)
        for _ in range(20):  # "generated" clips: other draws of real val clips
            gp = MC.profile([items[j] for j in rng.choice(len(items), 2, replace=False)])
            cols = MC.compare(gp, mref.test[combo], *combo)
            drawn = mref.draw_ceiling(items, mref.test[combo], *combo, 7)
            for name, v in cols.items():
                if MC.COLUMN[name].kind == "overlap" and v is not None and drawn.get(name) and full.get(name):
                    matched.append(v / drawn[name])
                    unmatched.append(v / full[name])
    assert len(matched) > 50, "the tiny dataset needs groups with enough val clips"
    assert 0.9 < np.mean(matched) < 1.1, np.mean(matched)
    assert np.mean(unmatched) < np.mean(matched) - 0.05, (np.mean(unmatched), np.mean(matched))


def test_merge_equals_the_profile_of_all_clips(tmp_path_factory):
    ds = Dataset.load(tiny_dataset_path(tmp_path_factory))
    a = [ClipArray.from_dataset(ds, i) for i in range(0, 6)]
    b = [ClipArray.from_dataset(ds, i) for i in range(6, 10)]
    m, whole = MC.merge([MC.profile(a), MC.profile(b)]), MC.profile(a + b)
    assert m.clips == whole.clips and m.grid == whole.grid and m.roots == whole.roots
    assert np.array_equal(m.onset, whole.onset) and np.array_equal(m.duration, whole.duration)
    assert {k: sorted(v) for k, v in m.values.items()} == {k: sorted(v) for k, v in whole.values.items()}


def _row(style, role, recall, real, test_clips, clips=8):
    return {"style": style, "role": role, "clips": clips, "style_recall": recall, "style_recall_real": real,
            "test_clips": test_clips}


def test_style_column_counts_only_styles_with_enough_test_clips():
    rows = [_row("rock", "drums", 0.3, 0.6, 25), _row("pop", "drums", 0.9, 0.6, 40),
            _row("funk", "drums", 0.0, 0.9, 19),  # too few test clips
            _row("march", "drums", 0.5, 0.0, 30)]  # the style model never recognises real march: no ratio
    s = MR.style_summary(rows, {})
    assert s["styles"] == 2 and [g["style"] for g in s["groups"]] == ["rock", "pop"]
    assert s["ratio"] == pytest.approx((0.5 + 1.0) / 2)  # 0.3 / 0.6, and 0.9 / 0.6 capped at 1


def _part(ratios, style=None):
    return {"ratios": ratios, "style": {"ratio": style, "styles": 1, "groups": []}}


def test_beating_the_baseline_needs_a_margin_unless_both_are_at_the_ceiling():
    assert MR._beats(_part({"tonality": 0.9}), _part({"tonality": 0.5})) == []
    assert MR._beats(_part({"tonality": 0.5}), _part({"tonality": 0.5}))  # a tie below the ceiling: not beaten
    assert MR._beats(_part({"on_grid": 1.0}), _part({"on_grid": 1.0})) == []  # nothing left to beat
    assert MR._beats(_part({}, 0.4), _part({}, 0.8)) == ["style 0.40 vs 0.80"]


def test_without_muspy_or_sklearn_the_report_says_so(models, tmp_path_factory, monkeypatch):
    import bridge.evaluation.runner as runner

    monkeypatch.setattr(runner, "missing_dependency", lambda: "the musical columns need MusPy and scikit-learn")
    result, card, _ = _eval(models / "mine", tiny_dataset_path(tmp_path_factory), "--no-baseline")
    assert "musical" not in result and "musical" not in result["models"][0]
    assert "### Musical columns" not in card and "Note: the musical columns need MusPy" in card
    assert "| model | validation loss" in card
