"""A test engine family that interpolates, a fixture for the interpolate protocol until the real
VAE engine (bridge/engines/vae/) is merged: it learns nothing and models nothing.

Its morph is real and simple, so a test knows the answer by hand: both clips are cut or repeated
to the request's bars (else the longer clip's), and step k of n keeps each note of clip a with
probability 1 - k/(n-1) and each note of clip b with probability k/(n-1), drawn from the request's
seed. Step 0 is therefore clip a exactly and step n-1 clip b exactly; steps between hold a mix.
A model folder's config may set `step_seconds` (a pause per step, so a test can cancel mid-way).
Register it with one line, as docs/ENGINES.md shows for the toy family:

    registry.register("interp", engine="interp_engine:InterpEngine")
"""

import time
from pathlib import Path

import numpy as np

from bridge.engines.base import Engine, ModelInfo
from bridge.music.clip import Clip, Note


class InterpEngine(Engine):
    """Interpolate only; Engine.interpolate has checked the clips, resolved the role, drawn the seed."""

    engine_name = "interp"
    operations = ("interpolate",)

    @classmethod
    def load(cls, folder, config, device="auto"):
        info = ModelInfo(name=Path(folder).name, engine="interp", styles=tuple(config["styles"]),
                         roles=tuple(config["roles"]))
        return cls(folder, config, info)

    def _interpolate(self, request, a, b, role, seed, progress):
        meter = a.meter
        bars = request.bars or max(meter.nominal_bars(a.length), meter.nominal_bars(b.length))
        length = bars * meter.beats_per_bar
        notes_a, notes_b = fit(a, length), fit(b, length)
        rng = np.random.default_rng(seed & 0xFFFFFFFF)  # the same seed, the same morph
        n = request.steps
        clips = []
        for k in range(n):
            t = k / (n - 1)  # 0 at clip a, 1 at clip b
            keep_a = rng.random(len(notes_a)) < 1 - t
            keep_b = rng.random(len(notes_b)) < t
            notes = [x for x, keep in zip(notes_a, keep_a) if keep] + [x for x, keep in zip(notes_b, keep_b) if keep]
            notes.sort(key=lambda x: (x.start, x.pitch))
            clips.append(Clip(notes, length, meter, request.tempo or a.tempo, request.key or a.key,
                              drums=role == "drums"))
            time.sleep(self.config.get("step_seconds", 0.0))
            progress((k + 1) / n)  # raises Cancelled once the request is cancelled
        return clips


def fit(clip: Clip, length: float) -> list:
    """`clip`'s notes repeated every clip.length beats to fill `length` beats, cut at `length`."""
    out = []
    offset = 0.0
    while offset < length:
        for x in clip.notes:
            start = x.start + offset
            if start < length:
                out.append(Note(start, x.pitch, min(x.duration, length - start), x.velocity))
        offset += clip.length
    return sorted(out, key=lambda x: (x.start, x.pitch))
