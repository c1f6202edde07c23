"""The split: by group, deterministic, about 90/5/5, stratified by style."""

from __future__ import annotations

from collections import Counter

from bridge.data.split import assign_splits, split_pieces


def test_split_is_deterministic_and_about_90_5_5():
    groups = {"a": {f"a{i}" for i in range(1000)}, "b": {f"b{i}" for i in range(40)}}
    one, two = assign_splits(groups), assign_splits({k: set(sorted(v)) for k, v in groups.items()})
    assert one == two
    count = Counter(one[g] for g in groups["a"])
    assert count == {"train": 900, "val": 50, "test": 50}
    small = Counter(one[g] for g in groups["b"])
    assert small["val"] >= 1 and small["test"] >= 1 and small["train"] >= 35


def test_every_style_with_three_groups_gets_val_and_test():
    out = assign_splits({"tiny": {"x", "y", "z"}, "pair": {"p", "q"}})
    assert sorted(out[g] for g in "xyz") == ["test", "train", "val"]
    assert {out["p"], out["q"]} == {"train"}


def test_pieces_of_one_group_share_a_split():
    pieces = [{"id": f"q/mvt{m}/{n}", "group": f"q{n}", "style": "quartet"} for n in range(30) for m in range(4)]
    split = split_pieces(pieces)
    for n in range(30):
        assert len({split[f"q/mvt{m}/{n}"] for m in range(4)}) == 1
    assert set(split.values()) == {"train", "val", "test"}
