"""Audit a dataset per source and role: what a model trained on it will copy.

    python scripts/audit_data.py [DATASET] [--tokens]

Prints markdown tables (docs/MODEL.md, "What the model was fed"): clips and notes, the share of
onsets on the sixteenth/triplet grid, the share of notes of one or two ticks, the commonest
durations, how many distinct velocities, notes a bar, the pitch range (5th-95th percentile) and
the onset positions inside the beat. `--tokens` adds the decode steps a note costs per role.
"""

from __future__ import annotations

import argparse
import collections
import sys

import numpy as np

from bridge.data.dataset import COL, Dataset
from bridge.data.locate import newest_dataset


def clip_rows(ds: Dataset, mask: np.ndarray):
    for i in np.nonzero(mask)[0]:
        o, c = ds.clips[i, COL["note_offset"]], ds.clips[i, COL["note_count"]]
        yield i, ds.notes[o : o + c]


def audit(ds: Dataset, out=sys.stdout) -> None:
    pieces, roles = ds.manifest["pieces"], ds.manifest["roles"]
    src = np.array([pieces[int(p)]["source"] for p in ds.clips[:, COL["piece"]]])
    role = np.array([roles[int(r)] for r in ds.clips[:, COL["role"]]])
    print("| source | role | clips | notes | on grid | <= 2 ticks | commonest durations (ticks: notes) "
          "| distinct velocities | notes a bar | pitch p5-p95 |", file=out)
    print("|---|---|---|---|---|---|---|---|---|---|", file=out)
    beat_pos = {}
    for s in sorted(set(src)):
        for r in roles:
            m = (src == s) & (role == r)
            rows = [n for _, n in clip_rows(ds, m)]
            if not rows or not sum(len(n) for n in rows):
                continue
            n = np.concatenate(rows)
            st, du, pi, ve = n.T
            bars = int(ds.clips[m, COL["bars"]].sum())
            grid = np.mean(np.isin(st % 12, (0, 3, 4, 6, 8, 9)))
            top = ", ".join(f"{d}: {c}" for d, c in collections.Counter(du.tolist()).most_common(4))
            print(f"| {s} | {r} | {int(m.sum()):,} | {len(n):,} | {grid:.2f} | {np.mean(du <= 2):.2f} | {top} "
                  f"| {len(set(ve.tolist()))} | {len(n) / max(bars, 1):.1f} "
                  f"| {np.percentile(pi, 5):.0f}-{np.percentile(pi, 95):.0f} |", file=out)
            beat_pos[(s, r)] = np.bincount(st % 12, minlength=12) / len(st)
    print("\nOnset position inside the beat (share of onsets at tick 0..11 of 12):\n", file=out)
    print("| source | role | " + " | ".join(str(t) for t in range(12)) + " |", file=out)
    print("|---|---|" + "---|" * 12, file=out)
    for (s, r), h in beat_pos.items():
        print(f"| {s} | {r} | " + " | ".join(f"{x:.2f}" for x in h) + " |", file=out)


def token_cost(ds: Dataset, out=sys.stdout) -> None:
    """Decode steps per note with the v1 tokens: POS when the onset moves, VEL when the 16-wide
    velocity bin changes (and on each bar's first note), PITCH and DUR, one BAR a bar."""
    roles = ds.manifest["roles"]
    acc = collections.defaultdict(collections.Counter)
    for i in range(len(ds.clips)):
        c = ds.clips[i]
        o, k = c[COL["note_offset"]], c[COL["note_count"]]
        n = ds.notes[o : o + k]
        if not len(n):
            continue
        tpb = int(c[COL["meter_num"]] * 48 // c[COL["meter_den"]])
        bar = n[:, 0] // tpb
        a = acc[roles[c[COL["role"]]]]
        a["notes"] += len(n)
        a["bars"] += int(c[COL["bars"]])
        a["pos"] += int(1 + np.sum(n[1:, 0] != n[:-1, 0]))
        vb = (np.clip(n[:, 3], 1, 127) - 1) // 16
        a["vel"] += int(1 + np.sum((vb[1:] != vb[:-1]) | (bar[1:] != bar[:-1])))
    print("| role | notes | tokens a note |\n|---|---|---|", file=out)
    for r, a in acc.items():
        print(f"| {r} | {a['notes']:,} | {(a['pos'] + a['vel'] + 2 * a['notes'] + a['bars']) / a['notes']:.2f} |",
              file=out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", nargs="?", default=None, help="dataset folder [the newest]")
    ap.add_argument("--tokens", action="store_true", help="also the decode steps a note costs")
    args = ap.parse_args()
    folder = args.dataset or newest_dataset()
    if folder is None:
        sys.exit("no dataset found: build one with `cadenza data build`")
    ds = Dataset.load(folder)
    print(f"dataset {folder}: {len(ds.clips):,} clips, {len(ds.notes):,} notes\n")
    audit(ds)
    if args.tokens:
        print()
        token_cost(ds)


if __name__ == "__main__":
    main()
