"""Write a dataset's decoding defaults into a model folder's config.json.

    python scripts/data_defaults.py models/transformer [--data ~/.local/share/cadenza/datasets/v1-permissive] [--chord-plans]

`cadenza train` writes them itself (trainkit.data_defaults); this refreshes a folder trained
before one of them existed, or after its dataset was rebuilt: each role's default style, the
share of each (style, role)'s training clips whose notes share one velocity (the composer leaves
that share of clips flat), each (style, role)'s share of repeated notes (what a `repeat_prior`
pulls toward), its register (the band a `register_prior` keeps a part in) and each role's tonal
profile (the degrees of the key its notes take at the beats, what a `tonal_prior` leans a part
on), and where each (style, role)'s onsets fall in the bar (what an `onset_prior` leans a part's
rhythm on). Decoding settings chosen on val (guidance, temperatures, priors) are kept. `--only NAME`
(repeatable) writes just those defaults and leaves the others as they are, so one change can be
measured alone.

`--chord-plans` also writes the bar-by-bar chords of the training chord parts, per style and mode,
as counted 8-bar windows (decoding/plan.py); a bass or chord part asked for alone follows one when
the folder's config.json also has a `plan_prior` naming its role, e.g. {"chords": {"tone": 0.6}}.
Opt-in (the trainers do not write them); the shipped Transformer has them, for its chords
(docs/MODEL.md "Chord plans" and "Eleventh session").
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bridge.data.dataset import Dataset
from bridge.data.locate import newest_dataset
from bridge.engines.trainkit import chord_plans, config_json, data_defaults


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--data", type=Path, default=None, help="dataset folder [the newest]")
    ap.add_argument("--chord-plans", action="store_true", help="also write the chord plans (opt-in)")
    ap.add_argument("--only", action="append", default=None, metavar="NAME",
                    help="write just this default, one of those trainkit.data_defaults writes (repeatable)")
    args = ap.parse_args()
    ds = Dataset.load(args.data or newest_dataset())
    path = args.model / "config.json"
    config = json.loads(path.read_text())
    defaults = data_defaults(ds, ds.indices("train"))
    unknown = set(args.only or ()) - set(defaults)
    if unknown:
        ap.error(f"--only {', '.join(sorted(unknown))}: the defaults are {', '.join(defaults)}")
    config.update({k: v for k, v in defaults.items() if args.only is None or k in args.only})
    if args.chord_plans:
        config["chord_plans"] = chord_plans(ds, ds.indices("train"))
        print(f"chord_plans: {len(config['chord_plans'])} styles")
    path.write_text(config_json(config))
    flat = sorted(f"{r}/{s}" for r, v in config["flat_velocity"].items() for s, x in v.items() if x == 1.0)
    rep = config["repeat_share"].get("bass", {})
    print(f"wrote {', '.join(k for k in defaults if args.only is None or k in args.only)} into {path}; it now has "
          f"flat_velocity for {sum(map(len, config['flat_velocity'].values()))} (style, role) pairs ({len(flat)} "
          f"always flat), repeat_share for {sum(map(len, config['repeat_share'].values()))} (bass: "
          f"{min(rep.values(), default=0):.2f} to {max(rep.values(), default=0):.2f}), register_band for "
          f"{sum(map(len, config['register_band'].values()))}, a tonal_profile for "
          f"{', '.join(config.get('tonal_profile', {})) or 'no role'}")


if __name__ == "__main__":
    main()
