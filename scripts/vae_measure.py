"""Measure a VAE model folder on held-out windows of a dataset (docs/EVAL.md, the model card):

    python scripts/vae_measure.py models/vae --data ~/.local/share/cadenza/datasets/v1-permissive \
        [--windows 300] [--pairs 30] [--steps 7] [--show 1] [--write]

- reconstruction note-level F1 (bridge/engines/vae/quality.py: onset tick + pitch match) of
  held-out 2-bar windows, by role, at several decode temperatures, on the served runtime and
  (when torch is installed) on the fp32 torch network; with the chance level (F1 against the
  reconstruction of a different window) beside it;
- interpolation between pairs of held-out 4-bar clips of one role and meter: endpoint F1 (step 0
  against a, the last against b), smoothness (rank correlation of the step index with F1 to a and
  to b, the share of pairs whose F1 to a falls monotonically, the mean distance of each step to its
  neighbour against the distance from a to b), and the pitch-class histogram distance along the way;
- `--show N` prints N interpolations bar by bar; `--write` stores the numbers in config.json's
  "measured" and rewrites the card.
Numbers depend only on the seeds, not on the machine; no timing is measured here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bridge.data.dataset import COL, Dataset  # noqa: E402
from bridge.engines.registry import load_model  # noqa: E402
from bridge.engines.vae.quality import histogram_distance, monotone_share, note_f1, onset_f1, spearman  # noqa: E402
from bridge.engines.vae.windows import WindowConfig, WindowMaker  # noqa: E402
from bridge.engines.decoding.tokenizer import bar_ticks, ticks_to_clip  # noqa: E402
from bridge.music.request import Request  # noqa: E402
from bridge.music.theory import ROLES, Key, Meter  # noqa: E402
from bridge.music.ticks import clip_ticks  # noqa: E402

NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def window_clip(ds, w, bars: int):
    row = ds.clips[w.clip]
    meter = Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]]))
    role = ROLES[row[COL["role"]]]
    key = None if role == "drums" else Key(int(row[COL["tonic"]]), ("major", "minor")[row[COL["mode"]]])
    return ticks_to_clip(w.notes, meter, bars, float(row[COL["tempo"]]), key, role == "drums"), role


def reconstruction(eng, ds, wins, temps) -> dict:
    out = {}
    for t in temps:
        eng.decode_temperature = t
        f1s, chance, by_role, onsets = [], [], {}, []
        for k, w in enumerate(wins):
            clip, role = window_clip(ds, w, eng.window_bars)
            req = Request(operation="restyle", role=role, seed=k)
            rec = clip_ticks(eng.reconstruct(req, clip, seed=k))
            f = note_f1(clip_ticks(clip), rec)
            onsets.append(onset_f1(clip_ticks(clip), rec))
            f1s.append(f)
            by_role.setdefault(role, []).append(f)
            other = wins[(k + len(wins) // 2) % len(wins)]
            chance.append(note_f1(clip_ticks(window_clip(ds, other, eng.window_bars)[0]), rec))
        out[t] = {"f1": round(float(np.mean(f1s)), 3), "chance": round(float(np.mean(chance)), 3),
                  "onset_f1": round(float(np.mean(onsets)), 3),
                  "by_role": {r: (round(float(np.mean(v)), 3), len(v)) for r, v in sorted(by_role.items())}}
    return out


def pairs(ds, maker, count: int, rng, bars: int = 4):
    """Pairs of held-out pitched clips (first `bars` bars) of one role and meter, from different pieces."""
    idx = [int(i) for i in maker.usable["test"] if ds.clips[i][COL["bars"]] >= bars
           and ROLES[ds.clips[i][COL["role"]]] in ("melody", "bass")]
    rng.shuffle(idx)
    out, used = [], set()
    for i in idx:
        if i in used:
            continue
        ri = ds.clips[i]
        for j in idx:
            rj = ds.clips[j]
            if j != i and j not in used and rj[COL["role"]] == ri[COL["role"]] and rj[COL["piece"]] != ri[COL["piece"]] \
                    and (rj[COL["meter_num"]], rj[COL["meter_den"]]) == (ri[COL["meter_num"]], ri[COL["meter_den"]]):
                a, b = ds.clip(i), ds.clip(j)
                ca, cb = _cut(a, bars), _cut(b, bars)
                if ca.notes and cb.notes:
                    out.append((ca, cb, ROLES[ri[COL["role"]]]))
                    used |= {i, j}
                break
        if len(out) >= count:
            break
    return out


def _cut(clip, bars):
    from dataclasses import replace

    end = bars * clip.meter.beats_per_bar
    notes = [replace(n, duration=min(n.duration, end - n.start)) for n in clip.notes if n.start < end - 1e-9]
    return replace(clip, notes=notes, length=end)


def interpolation(eng, prs, steps: int) -> dict:
    ends, corr_a, corr_b, mono_a, mono_b, neigh, span, hist = [], [], [], [], [], [], [], []
    for k, (a, b, role) in enumerate(prs):
        clips = eng.interpolate(Request(operation="interpolate", role=role, steps=steps, seed=k), a, b, lambda f: None)
        ta, tb = clip_ticks(a), clip_ticks(b)
        ts = [clip_ticks(c) for c in clips]
        fa, fb = [note_f1(ta, t) for t in ts], [note_f1(tb, t) for t in ts]
        ends += [fa[0], fb[-1]]
        corr_a.append(spearman(range(steps), fa))
        corr_b.append(spearman(range(steps), fb))
        mono_a.append(monotone_share(fa, rising=False))
        mono_b.append(monotone_share(fb, rising=True))
        neigh.append(np.mean([1 - note_f1(ts[i], ts[i + 1]) for i in range(steps - 1)]))
        span.append(1 - note_f1(ts[0], ts[-1]))
        hist.append([histogram_distance(ta, t) for t in ts])
    return {"pairs": len(prs), "steps": steps, "endpoint_f1": round(float(np.mean(ends)), 3),
            "endpoint_f1_min": round(float(np.min(ends)), 3),
            "spearman_step_vs_f1_a": round(float(np.mean(corr_a)), 3),
            "spearman_step_vs_f1_b": round(float(np.mean(corr_b)), 3),
            "monotone_share_f1_a": round(float(np.mean(mono_a)), 3), "monotone_share_f1_b": round(float(np.mean(mono_b)), 3),
            "neighbour_distance": round(float(np.mean(neigh)), 3), "endpoint_distance": round(float(np.mean(span)), 3),
            "pitch_hist_distance_to_a_by_step": [round(float(v), 3) for v in np.mean(hist, 0)]}


def show(eng, a, b, role, steps: int) -> None:
    clips = eng.interpolate(Request(operation="interpolate", role=role, steps=steps, seed=0), a, b, lambda f: None)
    bpb = a.meter.beats_per_bar
    rows = [("a", a)] + [(f"step {i}", c) for i, c in enumerate(clips)] + [("b", b)]
    for name, c in rows:
        bars = []
        for bar in range(int(round(c.length / bpb))):
            ns = [n for n in c.notes if bar * bpb <= n.start < (bar + 1) * bpb]
            bars.append(" ".join(f"{NAMES[n.pitch % 12]}{n.pitch // 12 - 1}@{n.start - bar * bpb:g}" for n in ns) or "-")
        print(f"{name:>7} | " + " | ".join(bars))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--data", required=True)
    ap.add_argument("--windows", type=int, default=300)
    ap.add_argument("--pairs", type=int, default=30)
    ap.add_argument("--steps", type=int, default=7)
    ap.add_argument("--temps", default="0.25,0.5,1.0")
    ap.add_argument("--show", type=int, default=1)
    ap.add_argument("--torch", action="store_true", help="also measure reconstruction on the fp32 torch network")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    folder = Path(args.model)
    eng = load_model(folder)
    served = eng.decode_temperature
    ds = Dataset.load(args.data)
    cfg = json.loads((folder / "config.json").read_text())
    maker = WindowMaker(ds, list(ds.styles), eng.window_bars, eng.max_len, WindowConfig())
    wins = maker.fixed("test", args.windows, seed=99)
    temps = [float(t) for t in args.temps.split(",")]
    rec = reconstruction(eng, ds, wins, temps)
    print(f"reconstruction F1 ({len(wins)} held-out windows, runtime {eng.info.extra['runtime']} "
          f"{eng.info.quantization}):")
    for t, r in rec.items():
        print(f"  decode temperature {t}: F1 {r['f1']} (chance {r['chance']}, onsets only {r['onset_f1']}); "
              f"by role {r['by_role']}")
    result = {"runtime": f"{eng.info.extra['runtime']} {eng.info.quantization}", "reconstruction": rec}
    if args.torch:
        from bridge.engines.vae.engine import torch_backend

        onnx_backend, eng.backend = eng.backend, torch_backend(folder)
        result["reconstruction_torch_fp32"] = reconstruction(eng, ds, wins, [served])[served]
        print(f"  torch fp32 at {served}: {result['reconstruction_torch_fp32']}")
        eng.backend = onnx_backend
    eng.decode_temperature = served
    prs = pairs(ds, maker, args.pairs, np.random.default_rng(5))
    interp = interpolation(eng, prs, args.steps)
    result["interpolation"] = interp
    print(f"interpolation ({interp['pairs']} pairs of 4-bar held-out lines, {args.steps} steps): {json.dumps(interp)}")
    for a, b, role in prs[: args.show]:
        show(eng, a, b, role, args.steps)
    if args.write:
        r = rec.get(served, next(iter(rec.values())))
        cfg["measured"] = {
            "command": "python scripts/vae_measure.py " + " ".join(sys.argv[1:]),
            "held-out windows": len(wins), f"reconstruction note F1 (decode temperature {served})": r["f1"],
            "reconstruction note F1, chance level": r["chance"],
            "reconstruction onset-only F1 (rhythm)": r["onset_f1"],
            **{f"reconstruction note F1 at decode temperature {t}": v["f1"] for t, v in rec.items() if t != served},
            **({"reconstruction note F1, torch fp32": result["reconstruction_torch_fp32"]["f1"]}
               if "reconstruction_torch_fp32" in result else {}),
            "interpolation pairs (4-bar held-out lines)": interp["pairs"], "interpolation steps": interp["steps"],
            "endpoint note F1 (mean)": interp["endpoint_f1"], "endpoint note F1 (worst)": interp["endpoint_f1_min"],
            "rank corr. step vs F1 to a": interp["spearman_step_vs_f1_a"],
            "rank corr. step vs F1 to b": interp["spearman_step_vs_f1_b"],
            "share of steps moving away from a": interp["monotone_share_f1_a"],
            "share of steps moving toward b": interp["monotone_share_f1_b"],
            "distance to the neighbour step (1 - F1)": interp["neighbour_distance"],
            "distance first to last step (1 - F1)": interp["endpoint_distance"],
            "details": result,
        }
        (folder / "config.json").write_text(json.dumps(cfg, indent=1))
        from bridge.engines.vae.card import write_card

        write_card(folder)
        print(f"wrote the numbers into {folder / 'config.json'} and {folder / 'MODEL_CARD.md'}")


if __name__ == "__main__":
    main()
