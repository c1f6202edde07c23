"""Print one grooved bar note by note beside its input: grid onset, played onset (and its offset
in ms), velocity in and out. The input is bench_groove's 8-bar drum clip (sixteenth hats, kick,
snare) unless --in names a .mid/.json clip.

    python scripts/groove_show.py models/groove [--style funk] [--swing 0.5] [--amount 1] [--bar 0]
"""

from __future__ import annotations

import argparse

from bridge.cli.bench_groove import drum_clip
from bridge.engines.registry import load_model
from bridge.music.clip import read_clip
from bridge.music.request import parse_request

NAMES = {35: "kick", 36: "kick", 38: "snare", 40: "snare", 42: "hat", 44: "hat", 46: "open hat"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--in", dest="clip_in", default=None)
    ap.add_argument("--style", default=None)
    ap.add_argument("--role", default="drums")
    ap.add_argument("--swing", type=float, default=0.0)
    ap.add_argument("--amount", type=float, default=1.0)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bar", type=int, default=0)
    a = ap.parse_args()
    engine = load_model(a.model)
    clip = read_clip(a.clip_in) if a.clip_in else drum_clip()
    args = ["role", a.role, "swing", a.swing, "amount", a.amount, "temperature", a.temperature, "seed", a.seed]
    req = parse_request("groove", args + (["style", a.style] if a.style else []), styles=engine.info.styles)
    out = engine.run(req, clip, lambda f: None)[0]
    bpb = clip.meter.beats_per_bar
    lo, hi = a.bar * bpb, (a.bar + 1) * bpb
    ins = sorted((n for n in clip.notes if lo <= n.start < hi), key=lambda n: (n.start, n.pitch))
    # the answer is sorted by its new onsets: pair each input note with the nearest output of its pitch
    pool = sorted(out.notes, key=lambda n: (n.start, n.pitch))
    ms = 60000.0 / clip.tempo
    print(f"style {req.style}, role {a.role}, amount {a.amount}, swing {a.swing}, temperature {a.temperature}, "
          f"seed {a.seed}, tempo {clip.tempo:g}")
    print(f"{'note':<9}{'input beat':>11}{'grooved':>10}{'moved ms':>10}{'vel in':>8}{'vel out':>8}")
    for n in ins:
        m = min((x for x in pool if x.pitch == n.pitch), key=lambda x: abs(x.start - n.start))
        pool.remove(m)
        print(f"{NAMES.get(n.pitch, str(n.pitch)):<9}{n.start:>11.3f}{m.start:>10.3f}{(m.start - n.start) * ms:>10.1f}"
              f"{n.velocity:>8}{m.velocity:>8}")


if __name__ == "__main__":
    main()
