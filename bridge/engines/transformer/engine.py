"""The Transformer engine: loads a model folder once, keeps it resident, answers requests.

Load does no slow work: build the network, read safetensors, quantize the Linear layers to int8
(CPU) or move to bf16 and wrap the step in a CUDA graph (GPU), allocate the KV cache. Each request
gets a torch.Generator seeded from its `seed` (drawn when absent), so a seed reproduces its notes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from bridge.music.clip import Clip, monophonic_legato
from bridge.music.theory import MOODS, ROLES
from bridge.music.request import Request
from bridge.engines.base import Engine, ModelInfo, ProgressFn
from bridge.engines.decoding.composer import Composer, _clip_bars
from bridge.engines.decoding.tokenizer import TokenizerConfig, bar_ticks
from bridge.engines.device import resolve_device
from bridge.engines.resolve import meter_of
from bridge.engines.transformer.weights import read_model

log = logging.getLogger(__name__)


class TransformerEngine(Engine):
    """A conditioned decoder-only Transformer, resident with its KV cache on the chosen runtime
    (torch int8 or ONNX on the CPU, bf16 with a captured step on CUDA).

    Shared checks (operation, clip, role, style, seed, infill range, valid output) happen in
    `Engine.run`; `_run` seeds a torch.Generator from the request's seed and hands the request
    to the Composer, which does everything musical.
    """

    engine_name = "transformer"

    def __init__(self, folder, config, info, composer: Composer, runtime: str):
        super().__init__(folder, config, info)
        self.composer = composer
        self.runtime = runtime

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "TransformerEngine":
        import bridge.engines.transformer.runtime as rt

        folder = Path(folder)
        device = resolve_device(device)
        tok = TokenizerConfig.load(folder / config.get("tokenizer", "tokenizer.json"))
        runtime = config.get("cpu_runtime", "torch-int8")
        onnx_file = folder / config.get("onnx", "model-int8.onnx")
        params = _param_count(config)
        threads = int(config.get("cpu_threads", 1))  # 0: the library's default
        if device.startswith("cuda"):
            stepper = rt.CudaGraphStepper(read_model(folder, config), compile=config.get("cuda_graph", True))
            runtime, quant = "cuda-graph", "bf16"
        elif runtime == "onnx-int8" and onnx_file.is_file():
            stepper, quant = rt.OrtStepper(onnx_file, threads=threads, max_len=int(config["model"]["max_len"])), "int8"  # the torch weights are not needed
        elif runtime == "torch-fp32":
            stepper, quant = rt.TorchStepper(read_model(folder, config), int8=False, threads=threads), "none"
        else:
            runtime = "torch-int8"
            stepper, quant = rt.TorchStepper(read_model(folder, config), int8=True, threads=threads), "int8"
        _warm_up(stepper)
        styles = tuple(tok.styles)
        info = ModelInfo(
            name=config.get("name", folder.name), engine="transformer", device="cuda" if device.startswith("cuda") else "cpu",
            quantization=quant, styles=styles, roles=tuple(config.get("roles", ROLES)),
            moods=tuple(config.get("moods", MOODS)), default=bool(config.get("default", False)),
            extra={"runtime": runtime, "params": params},
        )
        composer = Composer(stepper, tok, int(config["model"]["max_len"]), config.get("style_by_role", {}),
                            guidance=config.get("guidance"))
        log.info("loaded transformer %s (%s, %s)", info.name, info.device, runtime)
        return cls(folder, config, info, composer, runtime)

    def _clip_bars(self, request: Request, clip: Clip) -> int:
        meter = meter_of(request, clip)
        bar_ticks(meter)  # refuses meters the tokens cannot express, before the range is checked
        return _clip_bars(clip, meter)

    def _run(self, request: Request, clip: Clip | None, role: str, seed: int, progress: ProgressFn) -> list[Clip]:
        op = request.operation
        gen = torch.Generator().manual_seed(int(seed) & 0xFFFFFFFF)
        c = self.composer
        if op == "generate":
            clips = c.generate(request, role, gen, progress)
        elif op == "continue":
            clips = c.continue_(request, clip, role, gen, progress)
        elif op == "infill":
            clips = c.infill(request, clip, role, gen, progress)
        else:
            clips = c.restyle(request, clip, role, gen, progress)
        if role in ("melody", "bass") and op in ("generate", "continue"):
            for out in clips:  # a single line: no note rings over the next onset
                out.notes = monophonic_legato(out.notes)
        progress(1.0)
        return clips


def _warm_up(stepper) -> None:
    """One short prefill and step, so the first request does not pay for lazy kernel setup."""
    import bridge.engines.decoding.vocab as V

    logits = stepper.prefill([V.BOS, V.ROLE_OFFSET, V.STYLE_OFFSET], 2)
    stepper.step(torch.full((2,), V.BAR, dtype=torch.long), 3)
    assert logits.shape[-1] == V.VOCAB_SIZE


def _param_count(config: dict) -> int:
    m = config["model"]
    d, ff, n, v = m["d_model"], m["d_ff"], m["n_layers"], m["vocab_size"]
    return v * d + n * (4 * d * d + 2 * d * ff + 2 * d) + d
