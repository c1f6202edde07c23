"""Is a fine-tuned model closer to a user's style than the shipped one? (issue 16, point 6)

    python scripts/compare_on_user_style.py DATASET SHIPPED FINE_TUNED STYLE [--n 32]

Both models write N clips of the dataset's melody test clips' keys and meters (4 bars each, the
same seeds); the shipped model is asked with no style (its default for the role), the
fine-tuned one with STYLE. Each set is scored with the musical columns of `cadenza eval` against
the dataset's real test clips, as ratios to the real-vs-real ceiling (N val clips against the
test clips, averaged over draws, as `cadenza eval` does); the summary
score is their mean. The shipped model cannot be asked for a style it does not know, which is
why this is a script and not a `cadenza eval` row.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import bridge.evaluation.musical_compare as MC
from bridge.data.dataset import Dataset
from bridge.engines.registry import load_model
from bridge.evaluation.musical import ClipArray
from bridge.evaluation.musical_run import drawn_ceiling
from bridge.music.request import Request


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset")
    ap.add_argument("shipped")
    ap.add_argument("fine_tuned")
    ap.add_argument("style")
    ap.add_argument("--n", type=int, default=32)
    a = ap.parse_args()
    ds = Dataset.load(a.dataset)
    def clips(split):
        return [int(i) for i in ds.indices(split) if ds.labels(int(i))["role"] == "melody"]
    test, val = clips("test"), clips("val")
    real = MC.profile([ClipArray.from_dataset(ds, i) for i in test])
    # as many val clips as each model writes, as `cadenza eval` draws its ceilings (docs/EVAL.md)
    ceil = drawn_ceiling([ClipArray.from_dataset(ds, i) for i in val], real, a.style, "melody", a.n, seed=0)
    rows = {}
    for name, folder, style in (("shipped", a.shipped, None), ("fine-tuned", a.fine_tuned, a.style)):
        engine = load_model(Path(folder))
        items = []
        for k in range(a.n):
            lab = ds.labels(test[k % len(test)])
            req = Request(operation="generate", role="melody", style=style, key=lab["key"], meter=lab["meter"],
                          bars=4, seed=1000 + k)
            req.given = {"role", "key", "meter", "bars", "seed"} | ({"style"} if style else set())
            clip = engine.run(req, None, lambda f: None)[0]
            items.append(ClipArray.of(clip, lab["key"]))
        cols = MC.compare(MC.profile(items), real, a.style, "melody")
        ratios = MC.ratios(cols, ceil)
        rows[name] = (MC.summary_score(ratios), ratios)
    names = [c for c in next(iter(rows.values()))[1] if any(r[1].get(c) is not None for r in rows.values())]
    print(f"{len(test)} real test clips, {len(val)} val clips; {a.n} generated clips per model\n")
    print("| model | summary | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for name, (score, ratios) in rows.items():
        cells = " | ".join("—" if ratios.get(c) is None else f"{ratios[c]:.2f}" for c in names)
        print(f"| {name} | {score:.3f} | {cells} |")


if __name__ == "__main__":
    main()
