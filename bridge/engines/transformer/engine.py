"""The Transformer engine: loads a model folder once, keeps it resident, answers requests.

Load does no slow work: open the int8 ONNX graph (CPU, the shipped model's runtime: numpy and
onnxruntime, no torch), or build the network, read safetensors and quantize the Linear layers to
int8 (CPU, torch) or move to bf16 and wrap the step in a CUDA graph (GPU); allocate the KV cache.
Each request gets a numpy Generator seeded from its `seed` (drawn when absent), so a seed
reproduces its notes.

A model folder whose config.json says `"accompany": true` (training wrote it: the model saw context
examples) also answers accompany, and infill/continue with context tracks (decoding/context.py).
"""

from __future__ import annotations

from dataclasses import replace

import importlib.util
import logging
import os
import sys
from pathlib import Path

import numpy as np

from bridge.errors import BadRequest, MissingExtra
from bridge.music.clip import Clip
from bridge.music.theory import MOODS, ROLES
from bridge.music.request import Request
from bridge.engines.base import Engine, ModelInfo, ProgressFn
from bridge.engines.decoding.composer import Composer, _clip_bars, one_line
import bridge.engines.decoding.context as context
from bridge.engines.decoding.tokenizer import TokenizerConfig, bar_ticks
from bridge.engines.resolve import meter_of
import bridge.engines.transformer.runtime as rt
from bridge.engines.transformer.runtime import GPU_EXTRA, TRAIN_EXTRA, require_torch

log = logging.getLogger(__name__)


class TransformerEngine(Engine):
    """A conditioned decoder-only Transformer, resident with its KV cache on the chosen runtime
    (ONNX Runtime int8 or torch int8 on the CPU, bf16 with a captured step on CUDA).

    Shared checks (operation, clip, role, style, seed, infill range, valid output) happen in
    `Engine.run`; `_run` seeds a numpy Generator from the request's seed and hands the request
    to the Composer, which does everything musical.
    """

    engine_name = "transformer"
    context_operations = ("accompany", "continue", "infill")  # the operations that take context tracks

    def __init__(self, folder, config, info, composer: Composer, runtime: str):
        super().__init__(folder, config, info)
        self.composer = composer
        self.runtime = runtime
        if config.get("accompany"):  # trained beside other parts: accompany joins the operations
            self.operations = (*Engine.operations, "accompany")

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "TransformerEngine":
        folder = Path(folder)
        device = _device(device)
        tok = TokenizerConfig.load(folder / config.get("tokenizer", "tokenizer.json"))
        runtime = config.get("cpu_runtime", "torch-int8")
        onnx_file = folder / config.get("onnx", "model-int8.onnx")
        params = _param_count(config)
        threads = int(config.get("cpu_threads", 1))  # 0: the library's default
        if device.startswith("cuda"):
            stepper = rt.CudaGraphStepper(_read_model(folder, config, "the CUDA runtime", GPU_EXTRA),
                                          compile=config.get("cuda_graph", True))
            runtime, quant = "cuda-graph", "bf16"
        elif runtime == "onnx-int8" and onnx_file.is_file():
            stepper, quant = rt.OrtStepper(onnx_file, threads=threads, max_len=int(config["model"]["max_len"])), "int8"  # the torch weights are not needed
        elif runtime == "torch-fp32":
            stepper, quant = rt.TorchStepper(_read_model(folder, config, "runtime torch-fp32"), int8=False,
                                             threads=threads), "none"
        else:
            what = f"runtime {runtime}" if runtime != "onnx-int8" else \
                f"{folder.name} has no {onnx_file.name}; its fallback, runtime torch-int8,"
            runtime = "torch-int8"
            stepper, quant = rt.TorchStepper(_read_model(folder, config, what), int8=True, threads=threads), "int8"
        _warm_up(stepper)
        styles = tuple(tok.styles)
        info = ModelInfo(
            name=config.get("name", folder.name), engine="transformer", device="cuda" if device.startswith("cuda") else "cpu",
            quantization=quant, styles=styles, roles=tuple(config.get("roles", ROLES)),
            moods=tuple(config.get("moods", MOODS)), default=bool(config.get("default", False)),
            extra={"runtime": runtime, "params": params,
                   **{k: float(config[k]) for k in ("guidance", "temperature") if config.get(k) is not None}},
        )
        composer = Composer.from_config(stepper, tok, int(config["model"]["max_len"]), config)
        log.info("loaded transformer %s (%s, %s)", info.name, info.device, runtime)
        return cls(folder, config, info, composer, runtime)

    def _clip_bars(self, request: Request, clip: Clip) -> int:
        meter = meter_of(request, clip)
        bar_ticks(meter)  # refuses meters the tokens cannot express, before the range is checked
        return _clip_bars(clip, meter)

    def _run(self, request: Request, clip: Clip | None, role: str, seed: int, progress: ProgressFn) -> list[Clip]:
        op = request.operation
        if "temperature" not in request.given and self.config.get("temperature") is not None:
            request = replace(request, temperature=float(self.config["temperature"]))  # the model's tuned default
        gen = np.random.default_rng(int(seed) & 0xFFFFFFFF)
        c = self.composer
        if request.context and op not in self.context_operations:
            raise BadRequest(f"{op} takes no context tracks; context goes with "
                             f"{', '.join(self.context_operations)}")
        if request.context and op != "accompany":
            _check_context_tracks(request)
        if op == "accompany":
            clips = context.accompany(c, request, role, gen, progress)
        elif request.context and op == "continue":
            clips = context.continue_with(c, request, clip, role, gen, progress)
        elif request.context and op == "infill":
            clips = context.infill_with(c, request, clip, role, gen, progress)
        else:
            clips = c.answer(request, clip, role, gen, progress)
        if request.context:  # the context paths write a part afresh too
            one_line(clips, role, op)
        progress(1.0)
        return clips


def _check_context_tracks(request: Request) -> None:
    """Context beside an infill or continue: one meter and one bar count among the tracks (the
    accompany rule, Engine._check_context, less its role rule: the clip names the part)."""
    meters = {c.meter for _, c in request.context}
    if len(meters) > 1:
        raise BadRequest(f"context clips must share one meter, got {', '.join(sorted(map(str, meters)))}")
    bars = {c.meter.nominal_bars(c.length) for _, c in request.context}
    if len(bars) > 1:
        raise BadRequest(f"context clips must have the same number of bars, got {', '.join(map(str, sorted(bars)))}")


def _device(device: str | None) -> str:
    """The device to serve on, by bridge.engines.device's rule, without importing torch where it
    cannot matter: without torch "auto" is the CPU (an explicit CUDA device is refused in one line),
    and on a Linux machine with no NVIDIA or AMD GPU device file "auto" is the CPU too, so a CPU
    daemon never pays torch's start-up time and memory for a question it knows the answer to."""
    if device == "cpu":
        return device
    if "torch" not in sys.modules:
        if not _torch_installed():
            if device in ("auto", None):
                return "cpu"
            raise MissingExtra(f"device {device} needs PyTorch with CUDA, which is not installed: {GPU_EXTRA}")
        if device in ("auto", None) and sys.platform.startswith("linux") and not any(
                os.path.exists(f) for f in ("/dev/nvidiactl", "/dev/kfd")):
            return "cpu"
    from bridge.engines.device import resolve_device  # imports torch

    return resolve_device(device)


def _torch_installed() -> bool:
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):  # hidden or half-removed: as good as absent
        return False


def _read_model(folder: Path, config: dict, what: str, extra: str = TRAIN_EXTRA):
    """The torch network for a torch runtime; without torch, MissingExtra naming `what` needs it."""
    require_torch(what, extra)
    from bridge.engines.transformer.weights import read_model

    return read_model(folder, config)


def _warm_up(stepper) -> None:
    """One short prefill and step, so the first request does not pay for lazy kernel setup."""
    import bridge.engines.decoding.vocab as V

    logits = stepper.prefill([V.BOS, V.ROLE_OFFSET, V.STYLE_OFFSET], 2)
    stepper.step(np.full(2, V.BAR, dtype=np.int64), 3)
    assert logits.shape[-1] == V.VOCAB_SIZE


def _param_count(config: dict) -> int:
    m = config["model"]
    d, ff, n, v = m["d_model"], m["d_ff"], m["n_layers"], m["vocab_size"]
    return v * d + n * (4 * d * d + 2 * d * ff + 2 * d) + d
