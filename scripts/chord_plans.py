"""Write a dataset's chord plans into a model folder's config.json.

    python scripts/chord_plans.py models/transformer [--data ~/.local/share/cadenza/datasets/v1-permissive]

Chord plans are opt-in (measured and not shipped: docs/MODEL.md "Chord plans"). The plans are the bar-by-bar chords of the training chord parts, per style
and mode, as counted 8-bar windows (decoding/plan.py); a bass or chord part asked for alone
follows one when the folder's config.json also has a `plan_prior` naming its role, e.g.
{"chords": {"tone": 0.6}}.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bridge.data.dataset import Dataset
from bridge.data.locate import newest_dataset
from bridge.engines.trainkit import chord_plans


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--data", type=Path, default=None, help="dataset folder [the newest]")
    args = ap.parse_args()
    ds = Dataset.load(args.data or newest_dataset())
    path = args.model / "config.json"
    config = json.loads(path.read_text())
    config["chord_plans"] = chord_plans(ds, ds.indices("train"))
    path.write_text(json.dumps(config, indent=1))
    plans = config["chord_plans"]
    print(f"wrote chord_plans into {path}: {len(plans)} styles, "
          f"{sum(len(w) for m in plans.values() for w in m.values())} windows "
          f"({', '.join(f'{s} {sum(len(w) for w in m.values())}' for s, m in list(plans.items())[:6])}, ...)")


if __name__ == "__main__":
    main()
