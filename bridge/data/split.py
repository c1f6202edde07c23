"""The train/val/test split: by piece group, deterministic, about 90/5/5, stratified by style.

Within each style the groups are ordered by a hash of their name; the first ~5% go to test,
the next ~5% to val, the rest to train. Every style with 3 groups or more gets at least one
test and one val group. Windows of one piece (and pieces of one group: movements of one
quartet, variants of one MMA groove) never straddle two splits.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

VAL_FRACTION = 0.05
TEST_FRACTION = 0.05


def _h(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()


def assign_splits(groups_by_style: dict[str, set[str]]) -> dict[str, str]:
    """group name -> "train" | "val" | "test"."""
    out: dict[str, str] = {}
    for style in sorted(groups_by_style):
        groups = sorted(groups_by_style[style], key=_h)
        n = len(groups)
        n_test = max(1, round(TEST_FRACTION * n)) if n >= 3 else 0
        n_val = max(1, round(VAL_FRACTION * n)) if n >= 3 else 0
        for i, g in enumerate(groups):
            out[g] = "test" if i < n_test else "val" if i < n_test + n_val else "train"
    return out


def split_pieces(pieces: list[dict]) -> dict[str, str]:
    """piece id -> split, from piece metas holding "id", "group" and "style"."""
    by_style: dict[str, set[str]] = defaultdict(set)
    style_of_group: dict[str, str] = {}
    for p in pieces:
        style = style_of_group.setdefault(p["group"], p["style"])  # a group follows its first style
        by_style[style].add(p["group"])
    group_split = assign_splits(by_style)
    return {p["id"]: group_split[p["group"]] for p in pieces}
