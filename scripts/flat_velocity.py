"""Write a dataset's flat-velocity profile into a model folder's config.json.

    python scripts/flat_velocity.py models/transformer [--data ~/.local/share/cadenza/datasets/v1-permissive]

`cadenza train` writes the profile itself (trainkit.data_defaults); this is for a folder trained
before it existed. The profile is the share of each (style, role)'s training clips whose notes all
share one velocity (notation sources carry none); the composer leaves that share of clips flat.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bridge.data.dataset import Dataset
from bridge.data.locate import newest_dataset
from bridge.engines.trainkit import flat_velocity


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--data", type=Path, default=None, help="dataset folder [the newest]")
    args = ap.parse_args()
    ds = Dataset.load(args.data or newest_dataset())
    path = args.model / "config.json"
    config = json.loads(path.read_text())
    config["flat_velocity"] = flat_velocity(ds, ds.indices("train"))
    path.write_text(json.dumps(config, indent=1))
    flat = sorted(f"{r}/{s}" for r, v in config["flat_velocity"].items() for s, x in v.items() if x == 1.0)
    print(f"wrote flat_velocity into {path}: {sum(map(len, config['flat_velocity'].values()))} (style, role) pairs, "
          f"{len(flat)} always flat ({', '.join(flat[:6])}{', ...' if len(flat) > 6 else ''})")


if __name__ == "__main__":
    main()
