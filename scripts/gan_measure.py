"""How well a band GAN's parts fit each other, against real multi-part windows, and a band printed
bar by bar.

    python scripts/gan_measure.py models/gan --data DATASET [--bands 120] [--write] [--show]

For held-out bands (test split, 4/4 windows with two or more of drums, bass, chords, melody; the
first 4 bars, pitched parts in C as the GAN sees them) it scores, with accompany_metrics.py:

- kick_share: bass onsets on a kick (drums + bass);
- root_share: downbeat bass notes on the bar's chord root (bass + chords or melody);
- melody_chord_tones: the melody's on-beat notes whose pitch class the chords sound;
- harmony_fit: the melody's on-beat notes whose pitch class the bass or chords sound;

for the real band, for a GAN band asked for the same parts, style and mode (seed = the band's
number), and for a control: the same GAN parts, each taken from a different band's answer (parts
that never heard each other). A GAN whose critic taught it to fit scores closer to real than the
control does. `--write` puts the table into config.json ("measured") and rewrites the card.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bridge.evaluation.accompany_metrics as AM  # noqa: E402
from bridge.data.dataset import Dataset  # noqa: E402
from bridge.engines.gan.card import write_card  # noqa: E402
from bridge.engines.gan.roll import PHRASE_BARS, STEPS_PER_BAR, TICKS_PER_STEP, TRACKS  # noqa: E402
from bridge.engines.gan.windows import bands  # noqa: E402
from bridge.engines.registry import load_model  # noqa: E402
from bridge.music.request import parse_request  # noqa: E402
from bridge.music.theory import MODES, Key  # noqa: E402
from bridge.music.ticks import clip_ticks  # noqa: E402

BAR, BEAT = 48, 12  # ticks of a 4/4 bar and beat
METRICS = ("kick_share", "root_share", "melody_chord_tones", "harmony_fit")


def real_parts(band) -> dict:
    """The band's first PHRASE_BARS bars as {track: [n, 4] ticks}, pitched parts in C."""
    end = PHRASE_BARS * STEPS_PER_BAR
    out = {}
    for t, p in zip(TRACKS, band.parts):
        if p is None:
            continue
        p = p[p[:, 0] < end]
        if len(p):
            out[t] = np.stack([p[:, 0] * TICKS_PER_STEP, np.minimum(p[:, 1], end - p[:, 0]) * TICKS_PER_STEP,
                               p[:, 2], np.full(len(p), 90)], 1)
    return out


def fit(parts: dict, key: Key) -> dict:
    """Each metric that applies to a band {track: ticks}."""
    d, b, c, m = (parts.get(t) for t in TRACKS)
    out = {}
    if b is not None and d is not None:
        out["kick_share"] = AM.kick_share(b, d)
    pitched = [x for x in (c, m) if x is not None]
    if b is not None and pitched:
        out["root_share"] = AM.root_share(b, pitched, m, key, BAR, PHRASE_BARS, BEAT)
    if m is not None and c is not None:
        out["melody_chord_tones"] = AM.melody_chord_tones(m, c, BEAT)
    if m is not None and (b is not None or c is not None):
        out["harmony_fit"] = AM.harmony_fit(m, [x for x in (b, c) if x is not None], BEAT)
    return {k: v for k, v in out.items() if v is not None}


def measure(folder: Path, data: Path, n: int) -> dict:
    engine = load_model(folder)
    ds = Dataset.load(data)
    held = [b for b in bands(ds) if b.split == "test" and b.presence.sum() >= 2] or \
        [b for b in bands(ds) if b.split == "val" and b.presence.sum() >= 2]
    held = [held[i] for i in np.linspace(0, len(held) - 1, min(n, len(held))).astype(int)]
    rows = {"real": [], "gan": [], "control": []}
    answers = []
    for i, band in enumerate(held):
        real = real_parts(band)
        roles = [t for t in TRACKS if t in real]
        key = Key(0, MODES[band.mode])
        req = parse_request("generate", ["roles", ",".join(roles), "style", ds.styles[band.style],
                                         "key", f"C {key.mode}", "bars", PHRASE_BARS, "seed", i])
        clips = engine.run(req, None, lambda f: None)
        gan = {r: clip_ticks(c) for r, c in zip(roles, clips)}
        answers.append((roles, gan, key))
        rows["real"].append(fit(real, key))
        rows["gan"].append(fit(gan, key))
    for i, (roles, _, key) in enumerate(answers):  # each part from another band's answer
        mixed = {}
        for k, r in enumerate(roles):
            for j in range(1, len(answers)):
                other = answers[(i + j * (k + 1)) % len(answers)][1]
                if r in other:
                    mixed[r] = other[r]
                    break
        rows["control"].append(fit(mixed, key))
    table = [["measure", "real bands", "gan bands", "gan parts from different bands", "bands scored"]]
    for m in METRICS:
        vals = {k: [r[m] for r in v if m in r] for k, v in rows.items()}
        table.append([m] + [round(float(np.mean(vals[k])), 3) if vals[k] else "-" for k in ("real", "gan", "control")]
                     + [f"{len(vals['real'])} / {len(vals['gan'])} / {len(vals['control'])}"])
    return {"band_fit": table, "band_fit_bands": len(held),
            "band_fit_how": f"{len(held)} held-out 4/4 bands (test split, 2+ parts), first {PHRASE_BARS} bars; "
                            "`python scripts/gan_measure.py`"}


def show_band(folder: Path, args: list) -> str:
    from show_clips import show

    engine = load_model(folder)
    req = parse_request("generate", args)
    clips = engine.run(req, None, lambda f: None)
    out = [f"{' '.join(map(str, args))}  (key {clips[1].key if len(clips) > 1 else clips[0].key})"]
    for role, c in zip(req.parts, clips):
        out.append(f"  {role}:")
        out += [f"    {line}" for line in show(c, c.drums)]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--data", default=str(Path.home() / ".local/share/cadenza/datasets/v1-permissive"))
    ap.add_argument("--bands", type=int, default=120)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--show", action="store_true", help="print two generated bands bar by bar")
    a = ap.parse_args()
    folder = Path(a.model)
    if a.show:
        for args in (["role", "band", "style", "rock", "key", "E minor", "bars", 4, "seed", 3],
                     ["role", "band", "style", "funk", "key", "A minor", "bars", 2, "seed", 5],
                     ["roles", "bass,chords,melody", "style", "pop", "key", "G", "bars", 4, "seed", 7]):
            print(show_band(folder, args), "\n")
    res = measure(folder, Path(a.data), a.bands)
    for row in res["band_fit"]:
        print(" | ".join(str(x) for x in row))
    if a.write:
        cfg_path = folder / "config.json"
        cfg = json.loads(cfg_path.read_text())
        cfg.setdefault("measured", {}).update(res)
        cfg_path.write_text(json.dumps(cfg, indent=1))
        write_card(folder)
        print(f"wrote {cfg_path} and {folder / 'MODEL_CARD.md'}")


if __name__ == "__main__":
    main()
