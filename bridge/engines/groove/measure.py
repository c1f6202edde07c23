"""What the groove model does, measured on held-out played parts (the pairs' test split):

- timing MAE (ms, at each part's tempo, and in hundredths of a beat) of the model's mean offset,
  against (a) the quantised input (offset 0) and (b) the average offset of the training parts of
  the same style and role (and, a stronger baseline, of the same style, role and place in the beat);
- velocity MAE of the model's mean velocity against (a) one flat velocity (the training mean of
  the style and role) and (b) the training average of the same style, role and place in the beat;
- the overlap of the histograms of offsets and of velocities drawn at temperature 1 with the
  real ones (sum of bin-wise minima: 1.0 is the same histogram);
- the swing ratio of a straight eighth-note hi-hat bar grooved at swing 0.0, 0.5, 1.0.

    python -m bridge.engines.groove.measure MODEL_DIR [PAIRS_DIR]     (writes config.json "measured")
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from bridge.data.groove_pairs import NCOL, PCOL, GroovePairs
from bridge.music.clip import Clip, Note
from bridge.music.grid import swing_ratio
from bridge.music.request import Request
from bridge.music.theory import ROLES, TICKS_PER_BEAT, Meter
from bridge.engines.groove.features import (OFFSET_SCALE, VEL_CENTER, VEL_SCALE, mixture, note_features,
                                            sample_mixture)

OFFSET_BINS = np.linspace(-0.125, 0.125, 25)  # beats: the widest a grid gap lets an offset be, in 1/96ths
VELOCITY_BINS = np.arange(0, 129, 8)
MAX_TEST_NOTES = 60_000  # test parts measured (the first notes of each part, in split order)


def overlap(a: np.ndarray, b: np.ndarray, bins: np.ndarray) -> float | None:
    if not len(a) or not len(b):
        return None
    ha = np.histogram(np.clip(a, bins[0], bins[-1]), bins)[0].astype(float)
    hb = np.histogram(np.clip(b, bins[0], bins[-1]), bins)[0].astype(float)
    return round(float(np.minimum(ha / ha.sum(), hb / hb.sum()).sum()), 4)


def _mean_table(pairs: GroovePairs, idx, key_fn, column: str, only_velocity: bool = False) -> dict:
    acc = defaultdict(list)
    for i in idx:
        r = pairs.parts[i]
        if only_velocity and not r[PCOL["has_velocity"]]:
            continue
        nt = pairs.part_notes(int(i))
        for key, vals in key_fn(r, nt, column).items():
            acc[key].append(vals)
    return {k: float(np.concatenate(v).mean()) for k, v in acc.items()}


def _by_style_role(r, nt, column):
    return {(int(r[PCOL["style"]]), int(r[PCOL["role"]])): nt[:, NCOL[column]]}


def _by_position(r, nt, column):
    pos = nt[:, NCOL["tick"]].astype(int) % TICKS_PER_BEAT
    return {(int(r[PCOL["style"]]), int(r[PCOL["role"]]), int(p)): nt[pos == p, NCOL[column]] for p in np.unique(pos)}


def measure(engine, pairs: GroovePairs, seed: int = 0) -> dict:
    train_idx, test_idx = pairs.indices("train"), pairs.indices("test")
    if not len(test_idx):
        test_idx = pairs.indices("val")
    off_sr = _mean_table(pairs, train_idx, _by_style_role, "offset")
    off_pos = _mean_table(pairs, train_idx, _by_position, "offset")
    vel_sr = _mean_table(pairs, train_idx, _by_style_role, "velocity", True)
    vel_pos = _mean_table(pairs, train_idx, _by_position, "velocity", True)
    glob_off = float(pairs.notes[:, NCOL["offset"]].mean())
    glob_vel = float(pairs.notes[:, NCOL["velocity"]].mean())
    rng = np.random.default_rng(seed)
    rows = defaultdict(list)
    done = 0
    for i in test_idx:
        if done >= MAX_TEST_NOTES:
            break
        r = pairs.parts[int(i)]
        nt = pairs.part_notes(int(i))[: MAX_TEST_NOTES - done]
        done += len(nt)
        style, role, tempo = int(r[PCOL["style"]]), int(r[PCOL["role"]]), float(r[PCOL["tempo"]])
        bpb = r[PCOL["meter_num"]] * 4 / r[PCOL["meter_den"]]
        x = note_features(nt[:, NCOL["tick"]], nt[:, NCOL["dur"]], nt[:, NCOL["pitch"]], bool(r[PCOL["drum"]]), bpb, tempo)
        out = engine.backend.run(x[None], [role], [style], [(tempo - 120.0) / 60.0])[0]
        mix = mixture(out, engine.k)
        (ow, om, osg), (vw, vm, vsg) = mix["offset"], mix["velocity"]
        ms = 60000.0 / tempo
        real = nt[:, NCOL["offset"]].astype(np.float64)
        pos = nt[:, NCOL["tick"]].astype(int) % TICKS_PER_BEAT
        pred = sample_mixture(ow, om, osg, 0.0, rng) / OFFSET_SCALE
        drawn = sample_mixture(ow, om, osg, 1.0, rng) / OFFSET_SCALE
        b_sr = np.full(len(nt), off_sr.get((style, role), glob_off))
        b_pos = np.array([off_pos.get((style, role, int(p)), b_sr[0]) for p in pos])
        rows["off_model"].append(np.abs(pred - real) * ms)
        rows["off_zero"].append(np.abs(real) * ms)
        rows["off_style"].append(np.abs(b_sr - real) * ms)
        rows["off_pos"].append(np.abs(b_pos - real) * ms)
        rows["off_beats_model"].append(np.abs(pred - real))
        rows["off_beats_zero"].append(np.abs(real))
        rows["off_real"].append(real)
        rows["off_drawn"].append(drawn)
        if r[PCOL["has_velocity"]]:
            vreal = nt[:, NCOL["velocity"]].astype(np.float64)
            vpred = sample_mixture(vw, vm, vsg, 0.0, rng) * VEL_SCALE + VEL_CENTER
            vdraw = sample_mixture(vw, vm, vsg, 1.0, rng) * VEL_SCALE + VEL_CENTER
            v_sr = np.full(len(nt), vel_sr.get((style, role), glob_vel))
            v_pos = np.array([vel_pos.get((style, role, int(p)), v_sr[0]) for p in pos])
            rows["vel_model"].append(np.abs(vpred - vreal))
            rows["vel_flat"].append(np.abs(v_sr - vreal))
            rows["vel_pos"].append(np.abs(v_pos - vreal))
            rows["vel_real"].append(vreal)
            rows["vel_drawn"].append(np.clip(np.rint(vdraw), 1, 127))
    cat = {k: np.concatenate(v) for k, v in rows.items()}
    mean = lambda k: round(float(cat[k].mean()), 2) if k in cat and len(cat[k]) else None  # noqa: E731
    return {
        "test_parts": int(len(test_idx)), "test_notes": int(len(cat.get("off_real", []))),
        "timing_mae_ms": {"model": mean("off_model"), "quantised_input": mean("off_zero"),
                          "style_role_average": mean("off_style"), "style_role_position_average": mean("off_pos")},
        "timing_mae_beats_x100": {"model": round(100 * float(cat["off_beats_model"].mean()), 3),
                                  "quantised_input": round(100 * float(cat["off_beats_zero"].mean()), 3)},
        "velocity_mae": {"model": mean("vel_model"), "flat_style_role_average": mean("vel_flat"),
                         "style_role_position_average": mean("vel_pos")},
        "offset_histogram_overlap": {"model_t1": overlap(cat["off_drawn"], cat["off_real"], OFFSET_BINS),
                                     "quantised_input": overlap(np.zeros(1), cat["off_real"], OFFSET_BINS)},
        "velocity_histogram_overlap": {"model_t1": overlap(cat.get("vel_drawn", np.zeros(0)),
                                                           cat.get("vel_real", np.zeros(0)), VELOCITY_BINS)},
        "swing_ratio": swing_ratios(engine),
    }


def hat_bar(bars: int = 2) -> Clip:
    """Straight eighth-note closed hats with a kick on 1 and 3 and a snare on 2 and 4."""
    notes = []
    for b in range(bars):
        for e in range(8):
            notes.append(Note(4 * b + e / 2, 42, 0.25, 100))
        for q in range(4):
            notes.append(Note(4 * b + q, 36 if q % 2 == 0 else 38, 0.25, 100))
    return Clip(notes, 4.0 * bars, Meter(4, 4), 120.0, None, drums=True)


def swing_ratios(engine, swings=(0.0, 0.5, 1.0)) -> dict:
    """Swing ratio of the hat line of `hat_bar` grooved (amount 1, temperature 0.05: near the mean)."""
    out = {}
    for sw in swings:
        req = Request(operation="groove", role="drums", amount=1.0, swing=sw, temperature=0.05, seed=1)
        clip = engine.run(req, hat_bar(), lambda f: None)[0]
        hats = np.array([n.start for n in clip.notes if n.pitch == 42])
        ratio = swing_ratio(hats)
        out[f"{sw:.1f}"] = None if ratio is None else round(ratio, 3)
    return out


def section(result: dict, name: str) -> str:
    """The card's evaluation block for a groove model (`cadenza eval` writes it)."""
    tm, tv = result["timing_mae_ms"], result["velocity_mae"]
    oh, vh = result["offset_histogram_overlap"], result["velocity_histogram_overlap"]
    rows = [("timing MAE, ms", tm["model"], tm["quantised_input"], tm["style_role_average"],
             tm["style_role_position_average"]),
            ("velocity MAE", tv["model"], "-", tv["flat_style_role_average"], tv["style_role_position_average"])]
    lines = ["## Evaluation", "", f"`cadenza eval` of {name} on {result['test_parts']} held-out played parts "
             f"({result['test_notes']} notes): the model's mean against the baselines (lower is better).", "",
             "| | model | quantised input | style+role average | style+role+place average |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    lines += ["", f"Histogram overlap with the real parts, drawn at temperature 1 (1.0 is the same): offsets "
              f"{oh['model_t1']} (quantised input {oh['quantised_input']}), velocities {vh['model_t1']}.", "",
              "Swing ratio of straight eighth hats grooved at swing " +
              ", ".join(f"{k}: {v}" for k, v in result["swing_ratio"].items()) + " (1.0 straight, 2.0 triplet)."]
    return "\n".join(lines) + "\n"


def measure_folder(folder: Path, pairs: GroovePairs, log=print) -> dict:
    from bridge.engines.registry import load_model

    folder = Path(folder)
    result = measure(load_model(folder), pairs)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["measured"] = result
    (folder / "config.json").write_text(json.dumps(cfg, indent=1))
    t, v = result["timing_mae_ms"], result["velocity_mae"]
    log(f"test parts: timing MAE model {t['model']} ms, quantised {t['quantised_input']} ms, style average "
        f"{t['style_role_average']} ms; velocity MAE model {v['model']}, flat {v['flat_style_role_average']}; "
        f"offset histogram overlap {result['offset_histogram_overlap']['model_t1']}; swing ratios {result['swing_ratio']}")
    return result


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m bridge.engines.groove.measure MODEL_DIR [PAIRS_DIR]")
    folder = Path(sys.argv[1])
    cfg = json.loads((folder / "config.json").read_text())
    pairs = GroovePairs.load(Path(sys.argv[2]) if len(sys.argv) == 3 else Path(cfg["pairs"]))
    measure_folder(folder, pairs)
    from bridge.engines.groove.card import write_card

    write_card(folder)
