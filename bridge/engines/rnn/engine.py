"""The RNN engine: a conditioned GRU, resident with an O(1) decode state, answering requests through
the shared composer (generate, continue, infill, restyle) exactly as the Transformer does.

Load opens the int8 ONNX step graph (numpy and onnxruntime, no torch) when the folder has one and
its config.json says `"cpu_runtime": "onnx-int8"`; otherwise, or with `"cpu_runtime": "torch-fp32"`,
it builds the network from safetensors in torch. The GRU always serves on the CPU: its step is a
few small matrix products, too little work to pay for a trip to a GPU and back each token.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from bridge.music.clip import Clip
from bridge.music.request import Request
from bridge.music.theory import MOODS, ROLES
from bridge.engines.base import Engine, ModelInfo, ProgressFn
from bridge.engines.decoding.composer import Composer, _clip_bars
from bridge.engines.decoding.tokenizer import TokenizerConfig, bar_ticks
import bridge.engines.decoding.vocab as V
from bridge.engines.resolve import meter_of
from bridge.engines.rnn.runtime import OrtStepper, TorchStepper, read_model

log = logging.getLogger(__name__)
RUNTIMES = ("onnx-int8", "torch-fp32")


class RnnEngine(Engine):
    """A conditioned GRU. Shared checks happen in `Engine.run`; `_run` seeds a numpy Generator from
    the request's seed and hands the request to the Composer, which does everything musical."""

    engine_name = "rnn"

    def __init__(self, folder, config, info, composer: Composer, runtime: str):
        super().__init__(folder, config, info)
        self.composer = composer
        self.runtime = runtime

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "RnnEngine":
        folder = Path(folder)
        tok = TokenizerConfig.load(folder / config.get("tokenizer", "tokenizer.json"))
        runtime = config.get("cpu_runtime", "onnx-int8")
        if runtime not in RUNTIMES:
            raise ValueError(f"{folder}/config.json: cpu_runtime {runtime!r} is not one of {', '.join(RUNTIMES)}")
        threads = int(config.get("cpu_threads", 1))  # 0: the library's default
        onnx_file = folder / config.get("onnx", "model-int8.onnx")
        if runtime == "onnx-int8" and onnx_file.is_file():
            stepper, quant = OrtStepper(onnx_file, threads=threads), "int8"
        else:
            if runtime == "onnx-int8":
                log.warning("%s has no %s; serving it with torch-fp32", folder.name, onnx_file.name)
            runtime, quant = "torch-fp32", "none"
            stepper = TorchStepper(read_model(folder, config), threads=threads)
        _warm_up(stepper)
        m = config["model"]
        info = ModelInfo(
            name=config.get("name", folder.name), engine="rnn", device="cpu", quantization=quant,
            styles=tuple(tok.styles), roles=tuple(config.get("roles", ROLES)),
            moods=tuple(config.get("moods", MOODS)), default=bool(config.get("default", False)),
            extra={"runtime": runtime, "params": int(config.get("training", {}).get("params", 0)),
                   "state": f"{m['n_layers']} x {m['hidden']}"},
        )
        composer = Composer.from_config(stepper, tok, int(m["max_len"]), config)
        log.info("loaded rnn %s (cpu, %s)", info.name, runtime)
        return cls(folder, config, info, composer, runtime)

    def _clip_bars(self, request: Request, clip: Clip) -> int:
        meter = meter_of(request, clip)
        bar_ticks(meter)  # refuses meters the tokens cannot express, before the range is checked
        return _clip_bars(clip, meter)

    def _run(self, request: Request, clip: Clip | None, role: str, seed: int, progress: ProgressFn) -> list[Clip]:
        gen = np.random.default_rng(int(seed) & 0xFFFFFFFF)
        clips = self.composer.answer(request, clip, role, gen, progress)
        progress(1.0)
        return clips


def _warm_up(stepper) -> None:
    """One short prefill and step, so the first request does not pay for lazy kernel setup."""
    logits = stepper.prefill([V.BOS, V.ROLE_OFFSET, V.STYLE_OFFSET], 2)
    stepper.step(np.full(2, V.BAR, dtype=np.int64), 3)
    assert logits.shape[-1] == V.VOCAB_SIZE
