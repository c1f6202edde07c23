"""The groove engine: an uploaded clip comes back played, with new onsets and velocities.

Operation `groove` only (docs/PROTOCOL.md, "Groove"). The clip's notes are read onto the grid
(clean.py's rule, bridge/data/groove_pairs.quantise), described note by note (features.py) and
run through the WaveNet once; each variation draws its offsets and velocities from the predicted
mixtures (`temperature` scales a draw's distance from the mixture's mean: near 0 the mean, 1 a
true draw). Then, per note:

    base   = sent onset + swing shift (off-beat eighths or sixteenths toward the triplet point)
    onset  = base + amount x (grid point + swing shift + predicted offset - base)
    vel    = sent velocity + amount x (predicted velocity - sent velocity)

so `amount 0` and `swing 0` return the clip as sent. Pitches, note count, durations (but where
the clip's end cuts them) and the clip's length, meter and tempo are kept; no onset falls before
0 or later than a 64th before the clip's end, and no note runs past the end.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from bridge.errors import BadRequest
from bridge.data.groove_pairs import quantise
from bridge.music.clip import Clip, Note
from bridge.music.grid import swing_shift
from bridge.music.request import Request
from bridge.music.theory import ROLES, TICKS_PER_BEAT
from bridge.engines.base import Engine, ModelInfo, ProgressFn
from bridge.engines.groove.features import (OFFSET_SCALE, VEL_CENTER, VEL_SCALE, mixture, note_features,
                                            sample_mixture)
from bridge.engines.groove.runtime import backend_for

MIN_DURATION = 1 / 16  # beats: a 64th, the shortest note the answer holds
OPERATIONS = ("groove",)


class GrooveEngine(Engine):
    engine_name = "groove"
    operations = OPERATIONS
    clip_operations = OPERATIONS
    clip_needs_notes = True
    operation_error = ("operation {op!r} is not one of {allowed}: the groove engine only re-times and re-voices an "
                       "uploaded clip (/cadenza/groove); ask another model to generate, continue, restyle or infill")
    no_clip_error = "{op} needs an uploaded clip with notes: send /cadenza/clip/begin and /cadenza/clip/notes first"
    thread_safe = False

    def __init__(self, folder, config, info, backend):
        super().__init__(folder, config, info)
        self.backend = backend
        self.k = int(config["model"]["mixtures"])
        self.styles = list(config["styles"])

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "GrooveEngine":
        if device not in ("auto", "cpu", None):
            raise BadRequest(f"the groove engine serves on the CPU only (device cpu or auto), got {device!r}")
        backend = backend_for(folder, config)
        info = ModelInfo(name=Path(folder).name, engine="groove", device="cpu", quantization="none",
                         styles=tuple(config["styles"]), roles=tuple(config["roles"]),
                         extra={"default_style": config.get("default_style")})
        return cls(Path(folder), config, info, backend)

    def _role(self, request: Request, clip: Clip | None) -> str:
        """The clip's role: the request's (groove's default is drums), drums for a drums clip; the
        model must have learnt it."""
        role = "drums" if clip is not None and clip.drums else request.role
        if role not in self.info.roles:
            raise BadRequest(f"role must be one of {', '.join(self.info.roles)} (the roles this groove model learnt), "
                             f"got {role!r}")
        return role

    def predict(self, clip: Clip, role: str, style: str | None) -> tuple[np.ndarray, dict]:
        """The clip's notes sorted by (start, pitch), as an index array into clip.notes, and the
        network's mixtures for them (target units)."""
        notes = clip.notes
        order = np.array(sorted(range(len(notes)), key=lambda i: (notes[i].start, notes[i].pitch)), dtype=np.int64)
        starts = np.array([notes[i].start for i in order])
        durs = np.array([notes[i].duration for i in order])
        pitches = np.array([notes[i].pitch for i in order])
        drum = role == "drums"
        ticks, grid_durs, _ = quantise(starts, durs, drum)
        x = note_features(ticks, grid_durs, pitches, drum, clip.meter.beats_per_bar, clip.tempo)
        s = self.styles.index(style) if style in self.styles else len(self.styles)
        out = self.backend.run(x[None], [ROLES.index(role)], [s], [(clip.tempo - 120.0) / 60.0])[0]
        return order, {"ticks": ticks, "mix": mixture(out, self.k)}

    def _run(self, request: Request, clip: Clip | None, role: str, seed: int, progress: ProgressFn) -> list[Clip]:
        style = request.style or self.info.extra.get("default_style") or self.styles[0]
        request.style = style  # /cadenza/info reports the feel that was borrowed
        order, pred = self.predict(clip, role, style)
        progress(0.5)
        rng = np.random.default_rng(seed & 0xFFFFFFFF)
        (ow, om, osg), (vw, vm, vsg) = pred["mix"]["offset"], pred["mix"]["velocity"]
        clips = []
        for _ in range(request.variations):
            offsets = sample_mixture(ow, om, osg, request.temperature, rng) / OFFSET_SCALE
            vels = sample_mixture(vw, vm, vsg, request.temperature, rng) * VEL_SCALE + VEL_CENTER
            clips.append(apply_groove(clip, order, pred["ticks"], offsets, vels, request.amount, request.swing))
        progress(1.0)
        return clips


def apply_groove(clip: Clip, order: np.ndarray, ticks: np.ndarray, offsets: np.ndarray, vels: np.ndarray,
                 amount: float, swing: float) -> Clip:
    """The clip with the notes at `order` (sorted by start) moved to their grid points `ticks`
    plus `offsets` (beats) and re-voiced toward `vels`, by `amount`; swing applied on its own."""
    if amount == 0 and swing == 0:
        return replace(clip, notes=list(clip.notes))  # as sent, exactly (no clamping, no re-rounding)
    shift = swing_shift(ticks, swing)
    new = list(clip.notes)
    length = clip.length
    for j, i in enumerate(order):
        n = clip.notes[i]
        base = n.start + shift[j]
        target = ticks[j] / TICKS_PER_BEAT + shift[j] + offsets[j]
        start = base + amount * (target - base)
        start = float(min(max(start, 0.0), max(0.0, length - MIN_DURATION)))
        dur = float(min(n.duration, length - start))
        vel = int(np.clip(np.rint(n.velocity + amount * (vels[j] - n.velocity)), 1, 127))
        new[i] = Note(start, n.pitch, dur, vel)
    return replace(clip, notes=sorted(new, key=lambda m: (m.start, m.pitch)))
