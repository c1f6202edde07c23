"""The engine interface: a validated request (and its uploaded clip) in, clips out.

An engine is loaded once from a model folder and stays resident. The daemon calls `run` on its
worker thread (never on a socket thread); all variations of one request are computed in one call
so an engine can batch them.

A model folder holds `config.json` with at least {"engine": "<name>"}; the engine class reads
the rest (weights as safetensors or JSON, tokenizer config, model card).

`run` is a template: the checks every family needs (operation, uploaded clip, role, style, seed,
infill range, valid output) happen here once, then the family's `_run` does the music. A family
states what differs as class attributes and small hooks, never by copying `run`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from bridge.errors import BadRequest, NoClip
from bridge.music.clip import Clip
from bridge.music.context import context_shape
from bridge.music.limits import MAX_CONTEXT_TRACKS
from bridge.music.request import BAND, Request, band_parts
from bridge.music.drumify import follow_accents
from bridge.engines.resolve import check_style, draw_seed, drums_clip_role

ProgressFn = Callable[[float], None]  # called with 0..1; raises Cancelled when the request was cancelled


@dataclass
class ModelInfo:
    name: str
    engine: str
    device: str = "cpu"
    quantization: str = "none"
    styles: tuple = ()
    roles: tuple = ()
    moods: tuple = ()
    default: bool = False
    extra: dict = field(default_factory=dict)


class Engine:
    """One resident model of one engine family. Subclass, set `engine_name`, implement `load` and
    `_run`; override the hooks below only where the family's rules differ."""

    engine_name = "base"
    operations = ("generate", "continue", "restyle", "infill")
    # Operations refused without an uploaded clip, and whether that clip must hold notes. The
    # wording of each refusal is the family's own (clients have matched on it since before this
    # class existed), so it is a class attribute, not a shared constant.
    clip_operations: tuple = ("continue", "restyle", "infill")
    clip_needs_notes = False
    operation_error = "operation {op!r} is not one of {allowed}"
    no_clip_error = "{op} needs an uploaded clip: send /cadenza/clip/begin and /cadenza/clip/notes first"
    band_parts: tuple = ()  # the parts a band request may ask for, in answer order ("band" in operations)
    # drumify (restyle role drums on a pitched clip): mark the clip's accents with kick and snare
    # (bridge/music/drumify.py); docs/ENGINES.md "Drumify" measures the families with and without
    drumify_accents = True

    def __init__(self, folder: Path, config: dict, info: ModelInfo):
        self.folder = folder
        self.config = config
        self.info = info

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "Engine":
        raise NotImplementedError

    def run(self, request: Request, clip: Clip | None, progress: ProgressFn) -> list[Clip]:
        """Return `request.variations` clips.

        generate: clip is None. continue: clip is the prefix; return the continuation alone,
        starting at 0. restyle: clip is rewritten under the request's conditions. infill: bars
        request.start_bar..request.end_bar (exclusive) of clip are regenerated; return the whole clip.
        Every returned clip is valid (Clip.validate) and lasts exactly `bars` bars of its meter.
        """
        op = request.operation
        if op not in self.operations:
            raise BadRequest(self.operation_error.format(op=op, allowed=", ".join(self.operations)))
        if request.role == BAND:
            return self.harmonise(request, progress) if op == "accompany" else self.band(request, progress)
        if request.context and "accompany" not in self.operations:
            raise BadRequest(f"model {self.info.name!r} ({self.engine_name}) cannot use context tracks; "
                             "ask a model whose operations include accompany")
        if op == "accompany":
            self._check_context(request)
        if op in self.clip_operations and (clip is None or (self.clip_needs_notes and not clip.notes)):
            raise NoClip(self.no_clip_error.format(op=op))
        role = self._role(request, clip)
        drumify = op == "restyle" and role == "drums" and clip is not None and not clip.drums \
            and request.preserve != "none"
        if drumify:
            # a pitched clip's pitches mean nothing on a kit, so every note is redrawn (strength
            # picks which notes keep their pitch; here none can)
            request = replace(request, strength=1.0)
        check_style(request, self.info.styles)
        seed = draw_seed(request)
        if op == "infill":
            self._check_infill(request.start_bar, request.end_bar, self._clip_bars(request, clip))
        clips = self._run(request, clip, role, seed, progress)
        if drumify and self.drumify_accents:
            clips = [follow_accents(out, clip) for out in clips]
        for out in clips:
            out.validate()
        return clips

    def interpolate(self, request: Request, a: Clip, b: Clip, progress: ProgressFn) -> list[Clip]:
        """Return `request.steps` clips morphing from `a` (first) to `b` (last), both endpoints
        included (they reconstruct their inputs), each lasting exactly `bars` bars: the request's,
        else the longer clip's. Only families with "interpolate" in `operations` answer."""
        if "interpolate" not in self.operations:
            raise BadRequest(f"model {self.info.name!r} ({self.engine_name}) cannot interpolate; "
                             "ask a model whose operations include interpolate (the vae engine)")
        if a is None or b is None:
            raise NoClip("interpolate needs two uploaded clips: clip/begin id length slot \"a\" and slot \"b\"")
        if a.meter != b.meter:
            raise BadRequest(f"interpolate needs two clips in one meter, got {a.meter} and {b.meter}")
        if request.meter is not None and request.meter != a.meter:
            raise BadRequest(f"meter {request.meter} differs from the clips' {a.meter}; leave it out or match it")
        role = self._role(request, a)
        check_style(request, self.info.styles)
        seed = draw_seed(request)
        clips = self._interpolate(request, a, b, role, seed, progress)
        if len(clips) != request.steps:
            raise RuntimeError(f"{self.engine_name} returned {len(clips)} clips for {request.steps} steps")
        for out in clips:
            out.validate()
        return clips

    def band(self, request: Request, progress: ProgressFn) -> list[Clip]:
        """A band (generate with role "band" or `roles`): for each variation v and each part i of
        `band_parts(request, ...)` (which sets request.parts), clip v * P + i, all in the request's
        bars, meter and tempo. Only families with "band" in `operations` answer."""
        if "band" not in self.operations:
            raise BadRequest(f"model {self.info.name!r} ({self.engine_name}) cannot write a band; ask a model "
                             "whose operations include band (the gan engine)")
        if request.context:
            raise BadRequest("a band is written from nothing: context tracks are for accompany")
        parts = band_parts(request, self.band_parts)
        check_style(request, self.info.styles)
        seed = draw_seed(request)
        clips = self._band(request, parts, seed, progress)
        if len(clips) != request.variations * len(parts):
            raise RuntimeError(f"{self.engine_name} returned {len(clips)} clips for {request.variations} x {len(parts)}")
        for out in clips:
            out.validate()
        return clips

    def harmonise(self, request: Request, progress: ProgressFn) -> list[Clip]:
        """Accompany with `roles` (docs/PROTOCOL.md, "Harmonise"): for each take v, the parts in
        the order named, each an accompany over the context and the parts of take v written
        before it (soprano -> bass -> inner voices); clip v * P + i is part i of take v, take v
        seeded seed + v. Every part is an ordinary accompany request, checked as one."""
        parts = band_parts(request, tuple(self.info.roles))
        if len(request.context) + len(parts) - 1 > MAX_CONTEXT_TRACKS:
            raise BadRequest(f"{len(request.context)} context tracks and {len(parts)} parts: each part is written over "
                             f"the context and the parts before it, at most {MAX_CONTEXT_TRACKS} tracks; "
                             f"ask for fewer parts or send fewer context tracks")
        seed = draw_seed(request)
        total, out = request.variations * len(parts), []
        for v in range(request.variations):
            ctx = list(request.context)
            for i, part in enumerate(parts):
                k = v * len(parts) + i
                sub = replace(request, role=part, parts=(), variations=1, seed=seed + v, context=list(ctx),
                              given=(set(request.given) | {"role", "seed"}) - {"roles"})
                clip = self.run(sub, None, lambda f, k=k: progress((k + f) / total))[0]
                ctx.append((part, clip))
                out.append(clip)
        return out

    def _band(self, request: Request, parts: tuple, seed: int, progress: ProgressFn) -> list[Clip]:
        """The family's band, on a request `band` has checked: clip v * len(parts) + i is part i of take v."""
        raise NotImplementedError

    def _check_context(self, request: Request) -> None:
        """Accompany's context, the shared rule (a family adds its own limits): at least one
        track; one meter and one length in bars among them; not every track in the asked role."""
        ctx = request.context
        if not ctx:
            raise NoClip("accompany needs context clips: clip/begin id length slot \"c1\" role \"melody\" (up to c8)")
        context_shape([(f"track {k + 1} ({role})", clip) for k, (role, clip) in enumerate(ctx)])
        if all(r == request.role for r, _ in ctx):
            raise BadRequest(f"every context track already plays {request.role}; ask for another role")

    def _interpolate(self, request: Request, a: Clip, b: Clip, role: str, seed: int,
                     progress: ProgressFn) -> list[Clip]:
        """The family's morph, on a request `interpolate` has checked."""
        raise NotImplementedError

    def _run(self, request: Request, clip: Clip | None, role: str, seed: int, progress: ProgressFn) -> list[Clip]:
        """The family's own work, on a request `run` has checked: `role` is resolved, `seed` drawn."""
        raise NotImplementedError

    # --- hooks: the shared rule, overridden where a family's rule differs

    def _role(self, request: Request, clip: Clip | None) -> str:
        """The requested role, which the model must know; a drums clip makes it drums."""
        if request.role not in self.info.roles:
            raise BadRequest(f"role must be one of {', '.join(self.info.roles)}, got {request.role!r}")
        return drums_clip_role(request, clip, request.role)

    def _clip_bars(self, request: Request, clip: Clip) -> int:
        """How many bars an infill request's clip has (the upper end of the infill range)."""
        raise NotImplementedError

    def _check_infill(self, start_bar: int | None, end_bar: int | None, bars: int) -> None:
        if start_bar is None or end_bar is None or not 0 <= start_bar < end_bar <= bars:
            raise BadRequest(f"infill needs start_bar and end_bar with 0 <= start_bar < end_bar <= {bars} "
                             f"(the clip has {bars} bars), got {start_bar} and {end_bar}")

    # --- evaluation hook

    def validation_loss(self, dataset) -> dict | None:
        """Held-out loss over `dataset` ({"loss": ..., "unit": ..., "split": ...}), or None when the
        family cannot compute one at eval time (the runner then reports the loss training recorded)."""
        return None
