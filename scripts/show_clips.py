"""Print clips bar by bar, the way a musician reads them, for the requests issue 10 names.

    python scripts/show_clips.py models/transformer models/markov [--seed 3] [--bars 8]

Each model answers the same four requests (seed 3 by default): a blues bass in E minor, rock
drums, an irish-folk tune in D major 6/8, a classical-quartet part in F major 3/4. Every bar is
one line: onset in beats, then the note name (drums: the GM kit piece) and its length in beats.
The engines run in this process (no daemon), exactly as the daemon runs them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bridge.engines.registry import load_model
from bridge.music.request import parse_request

REQUESTS = (
    ("blues bass, E minor", ["style", "blues", "role", "bass", "key", "E minor"]),
    ("rock drums", ["style", "rock", "role", "drums"]),
    ("irish-folk, D major, 6/8", ["style", "irish-folk", "key", "D major", "meter", "6/8"]),
    ("classical-quartet, F major, 3/4", ["style", "classical-quartet", "key", "F major", "meter", "3/4"]),
)
NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
KIT = {35: "kick", 36: "kick", 37: "stick", 38: "snare", 40: "snare", 39: "clap", 42: "hh", 44: "hh-pedal",
       46: "hh-open", 41: "tom", 43: "tom", 45: "tom", 47: "tom", 48: "tom", 50: "tom", 49: "crash",
       57: "crash", 51: "ride", 59: "ride", 53: "ride-bell", 54: "tamb", 56: "cowbell"}


def name(pitch: int, drums: bool) -> str:
    if drums:
        return KIT.get(pitch, f"drum{pitch}")
    return f"{NAMES[pitch % 12]}{pitch // 12 - 1}"


def show(clip, drums: bool) -> list[str]:
    per_bar = clip.meter.beats_per_bar
    bars = max(1, round(clip.length / per_bar))
    lines = []
    for b in range(bars):
        notes = sorted((n for n in clip.notes if b * per_bar <= n.start < (b + 1) * per_bar),
                       key=lambda n: (n.start, n.pitch))
        cells = [f"{n.start - b * per_bar:g}:{name(n.pitch, drums)}({n.duration:g})" for n in notes]
        lines.append(f"  bar {b + 1}: " + (" ".join(cells) if cells else "(rest)"))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--bars", type=int, default=8)
    a = ap.parse_args()
    for folder in a.models:
        engine = load_model(folder)
        print(f"## {folder.name} ({engine.info.engine})\n")
        for title, args in REQUESTS:
            req = parse_request("generate", args + ["bars", a.bars, "seed", a.seed], engine.info.styles)
            clip = engine.run(req, None, lambda f: None)[0]
            print(f"{title}: {len(clip.notes)} notes")
            print("\n".join(show(clip, req.role == "drums")) + "\n")


if __name__ == "__main__":
    main()
