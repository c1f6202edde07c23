"""The engine interface: a validated request (and its uploaded clip) in, clips out.

An engine is loaded once from a model folder and stays resident. The daemon calls `run` on its
worker thread (never on a socket thread); all variations of one request are computed in one call
so an engine can batch them.

A model folder holds `config.json` with at least {"engine": "<name>"}; the engine class reads
the rest (weights as safetensors or JSON, tokenizer config, model card).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bridge.music.clip import Clip
from bridge.music.request import Request

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
    """Subclass and set `engine_name`; implement `load` and `run`."""

    engine_name = "base"
    operations = ("generate", "continue", "restyle", "infill")

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
        raise NotImplementedError
