"""Which engine drumifies best: restyle role drums preserve rhythm over held-out pitched clips,
each family with and without the accent rule (bridge/music/drumify.py), scored on

- onset agreement: share of the source's onsets that a drum hit lands on (and of drum hits that
  land on a source onset), within one tick;
- kit overlap: bridge/evaluation/musical_compare.kit_overlap, the onset-position histograms of
  each kit piece against the real drum clips of the same style (test split);
- kit-piece share overlap: the share of kicks, snares, hats, toms and cymbals against the real drums';
- accents: share of bar downbeats with a kick; backbeat (musical.backbeat_share) of the 4/4 outputs.

    python scripts/drumify_measure.py --data DATASET [--clips 24] [--bars 4] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from bridge.data.dataset import COL, Dataset
from bridge.engines.registry import load_model
from bridge.evaluation.musical import DRUM_CLASSES, DRUM_CLASS_OF, ClipArray, backbeat_share
from bridge.evaluation.musical_compare import kit_overlap, profile
from bridge.music.request import parse_request
from bridge.music.theory import ROLES, TICKS_PER_BEAT
from bridge.music.ticks import clip_ticks

MODELS = ("markov", "transformer")


def as_array(clip, bars):
    return ClipArray(clip_ticks(clip).astype(np.int64), clip.meter, bars, None, clip.drums)


def share_hist(clips) -> np.ndarray:
    names = list(DRUM_CLASSES)
    h = np.zeros(len(names) + 1)
    for c in clips:
        for n in c.notes:
            h[names.index(DRUM_CLASS_OF[n.pitch]) if n.pitch in DRUM_CLASS_OF else len(names)] += 1
    return h / max(h.sum(), 1)


def onset_agreement(src, out) -> tuple[float, float]:
    s = np.unique(np.rint(np.array([n.start for n in src.notes]) * TICKS_PER_BEAT))
    d = np.unique(np.rint(np.array([n.start for n in out.notes]) * TICKS_PER_BEAT))
    near = lambda a, b: float(np.mean(np.min(np.abs(a[:, None] - b[None]), 1) <= 1)) if len(a) and len(b) else 0.0  # noqa: E731
    return near(s, d), near(d, s)


def downbeat_kicks(out) -> float | None:
    bpb = out.meter.beats_per_bar
    bars = int(round(out.length / bpb))
    hits = {(round(n.start / bpb), n.pitch) for n in out.notes if abs(n.start / bpb - round(n.start / bpb)) < 1e-6}
    down = {b for b, _ in hits}
    if not down:
        return None
    return float(np.mean([any((b, k) in hits for k in (35, 36)) for b in down if b < bars]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--clips", type=int, default=24)
    ap.add_argument("--bars", type=int, default=4)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    ds = Dataset.load(args.data)
    test = ds.indices("test")
    rows = ds.clips[test]
    mel = test[(rows[:, COL["role"]] == ROLES.index("melody")) & (rows[:, COL["meter_num"]] == 4)
               & (rows[:, COL["meter_den"]] == 4)]
    drums = test[rows[:, COL["role"]] == ROLES.index("drums")]
    styles_with_drums = {ds.styles[int(ds.clips[i][COL["style"]])] for i in drums}
    rng = np.random.default_rng(0)
    rng.shuffle(mel)
    picked = [i for i in mel if ds.styles[int(ds.clips[i][COL["style"]])] in styles_with_drums][: args.clips + 8]
    if len(picked) < args.clips:  # styles without real drums: compare against every real drum clip
        picked += [i for i in mel if i not in picked][: args.clips - len(picked)]
    real_by_style = defaultdict(list)
    for i in drums:
        c = ds.clip(int(i))
        real_by_style[ds.styles[int(ds.clips[i][COL["style"]])]].append(as_array(c, int(round(c.bars))))
    all_real = [a for v in real_by_style.values() for a in v]
    sources = []
    for i in picked:
        c = ds.clip(int(i))
        bpb = c.meter.beats_per_bar
        c = replace(c, notes=[n for n in c.notes if n.start < args.bars * bpb - 1e-9], length=args.bars * bpb)
        if len(c.notes) < 4:
            continue
        sources.append((ds.styles[int(ds.clips[i][COL["style"]])], c))
    results = {}
    for name in MODELS:
        engine = load_model(Path("models") / name)
        for accents in (False, True):
            engine.drumify_accents = accents
            outs, t0 = [], time.time()
            for k, (style, src) in enumerate(sources):
                st = style if style in engine.info.styles else None
                args_ = ["seed", 100 + k] + (["style", st] if st else [])
                req = parse_request("drumify", args_, styles=engine.info.styles)
                req.seed = 100 + k
                outs.append((style, src, engine.run(req, replace(src, drums=False), lambda f: None)[0]))
            agree = np.array([onset_agreement(s, o) for _, s, o in outs])
            by_style = defaultdict(list)
            for style, _, o in outs:
                by_style[style].append(as_array(o, args.bars))
            kits = [kit_overlap(profile(g), profile(real_by_style.get(s) or all_real)) for s, g in by_style.items()]
            kits = [k for k in kits if k is not None]
            real_share = share_hist([ds.clip(int(i)) for i in drums])
            gen_share = share_hist([o for _, _, o in outs])
            bb = [backbeat_share(as_array(o, args.bars)) for _, _, o in outs]
            bb = [b for b in bb if b is not None]
            dk = [downbeat_kicks(o) for _, _, o in outs]
            dk = [d for d in dk if d is not None]
            key = f"{name}{' + accents' if accents else ''}"
            results[key] = {
                "clips": len(outs), "seconds": round(time.time() - t0, 1),
                "source_onsets_hit": round(float(agree[:, 0].mean()), 3),
                "hits_on_source_onsets": round(float(agree[:, 1].mean()), 3),
                "kit_overlap": round(float(np.mean(kits)), 3) if kits else None,
                "kit_share_overlap": round(float(np.minimum(real_share, gen_share).sum()), 3),
                "downbeat_kick": round(float(np.mean(dk)), 3) if dk else None,
                "backbeat": round(float(np.mean(bb)), 3) if bb else None,
            }
            print(key, results[key], flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
