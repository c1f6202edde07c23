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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bridge.errors import BadRequest, NoClip
from bridge.music.clip import Clip
from bridge.music.request import Request
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
        if op in self.clip_operations and (clip is None or (self.clip_needs_notes and not clip.notes)):
            raise NoClip(self.no_clip_error.format(op=op))
        role = self._role(request, clip)
        check_style(request, self.info.styles)
        seed = draw_seed(request)
        if op == "infill":
            self._check_infill(request.start_bar, request.end_bar, self._clip_bars(request, clip))
        clips = self._run(request, clip, role, seed, progress)
        for out in clips:
            out.validate()
        return clips

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
