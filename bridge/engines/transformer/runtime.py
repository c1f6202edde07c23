"""Resident runtimes for the decode loop: how the model is held and stepped on each device.

- CPU "torch-int8": dynamic int8 quantization of every Linear in the blocks (weights int8, per-row
  activations quantized on the fly), fp32 embedding/head; the KV cache is fp32 and allocated once.
- CPU "onnx-int8": ONNX Runtime running the exported, dynamically quantized decode graph
  (export.py), the cache passed in and out.
- CUDA "bf16": bf16 weights and cache; the one-token step has fixed shapes (step_static), so it is
  captured with torch.compile(mode="reduce-overhead"), i.e. a CUDA graph. Not run on the CPU-only
  development machine; its numbers are checked against the eager path by the GPU test.

Which CPU runtime a model uses is written in its config.json ("cpu_runtime"), chosen by
`python -m bridge.engines.transformer.quantize MODEL --write` on the target machine. One decode step
of a model this small is a few hundred microseconds of work, so the CPU runtimes use one thread by
default ("cpu_threads" in config.json): on 2 shared cores, two threads measured 2-3x slower.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from .sampling import Stepper

MAX_BATCH = 8  # variations a request may ask for (bridge.request.MAX_VARIATIONS)


def quantize_int8(model):
    """Dynamic int8 for the blocks' Linear layers (the tied head stays fp32: it is the embedding)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for blk in model.blocks:
            torch.ao.quantization.quantize_dynamic(blk, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return model


class TorchStepper(Stepper):
    """Eager PyTorch on CPU (fp32 or int8), the KV cache allocated once for MAX_BATCH rows."""

    def __init__(self, model, int8: bool = True, threads: int = 0):
        if threads:
            torch.set_num_threads(threads)  # process-wide: torch serves only this engine in the daemon
        if int8:
            quantize_int8(model)
        model.setup_cache(MAX_BATCH)
        super().__init__(model)

    def prefill(self, prompt, rows):
        with torch.inference_mode():
            return super().prefill(prompt, rows)

    def step(self, tokens, pos):
        with torch.inference_mode():
            return super().step(tokens, pos)


class CudaGraphStepper(Stepper):
    """CUDA, bf16: prefill eagerly, then a compiled fixed-shape step over MAX_BATCH rows."""

    def __init__(self, model, compile: bool = True):
        model = model.to("cuda", torch.bfloat16)
        model.setup_cache(MAX_BATCH, dtype=torch.bfloat16)
        super().__init__(model)
        self._step = torch.compile(model.step_static, mode="reduce-overhead", fullgraph=True) if compile \
            else model.step_static
        self._tok = torch.zeros(MAX_BATCH, 1, dtype=torch.long, device="cuda")
        self._pos = torch.zeros(MAX_BATCH, dtype=torch.long, device="cuda")

    def prefill(self, prompt, rows):
        with torch.inference_mode():
            x = torch.tensor([prompt], dtype=torch.long, device="cuda")
            logits = self.model.forward_cached(x, 0)
            self.model.copy_cache_row(0, MAX_BATCH, len(prompt))
            return logits.float().cpu().expand(rows, -1).clone()

    def step(self, tokens, pos):
        rows = tokens.shape[0]
        with torch.inference_mode():
            self._tok.zero_()
            self._tok[:rows, 0] = tokens.to("cuda")
            self._pos.fill_(pos)
            logits = self._step(self._tok, self._pos)
            return logits[:rows].float().cpu()


class OrtStepper:
    """ONNX Runtime (int8 graph from export.py); the cache lives in numpy arrays it hands back."""

    def __init__(self, onnx_path: Path, threads: int = 0):
        import onnxruntime as ort

        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = threads
        if threads == 1:  # no spin-waiting: on shared cores a spinning pool steals from everyone
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
        shape = self.sess.get_inputs()[1].shape  # [L, B, H, P, hd]
        self.layers, self.heads, self.hd = shape[0], shape[2], shape[4]
        self.k = self.v = None

    def _run(self, ids: np.ndarray):
        logits, self.k, self.v = self.sess.run(None, {"tokens": ids, "past_k": self.k, "past_v": self.v})
        return torch.from_numpy(logits)

    def prefill(self, prompt, rows):
        empty = np.zeros((self.layers, 1, self.heads, 0, self.hd), dtype=np.float32)
        self.k = self.v = empty
        logits = self._run(np.array([prompt], dtype=np.int64))
        self.k, self.v = np.repeat(self.k, rows, axis=1), np.repeat(self.v, rows, axis=1)
        return logits.expand(rows, -1).clone()

    def step(self, tokens, pos):
        return self._run(tokens.view(-1, 1).numpy().astype(np.int64))
