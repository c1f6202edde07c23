"""Resident runtimes for the decode loop: how the model is held and stepped on each device.

- CPU "torch-int8": dynamic int8 quantization of every Linear in the blocks (weights int8, per-row
  activations quantized on the fly), fp32 embedding/head; the KV cache is fp32 and allocated once.
- CPU "onnx-int8": ONNX Runtime running the exported, dynamically quantized decode graph
  (export.py); the cache is passed in as slices of buffers allocated once.
- CUDA "bf16": bf16 weights and cache; the one-token step has fixed shapes (the model's forward
  with a position tensor), so it is captured with torch.compile(mode="reduce-overhead"), i.e. a
  CUDA graph. Not run on the CPU-only development machine; its numbers are checked against the
  eager path by the GPU test.

Only "onnx-int8" is needed to serve the shipped model: it runs on numpy and onnxruntime alone. The
torch runtimes import torch when they are built, and without it refuse in one line naming the
extra that brings it (`pip install 'cadenza[train]'`, or `cadenza[gpu]` for CUDA).

Which CPU runtime a model uses is written in its config.json ("cpu_runtime"), chosen by
`python -m bridge.engines.transformer.tools.choose_runtime MODEL --write` on the target machine. A
decode step of a model this small is too little work to split across threads, so the CPU runtimes
use one thread by default ("cpu_threads" in config.json; measurements in docs/MODEL.md).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from bridge.engines.decoding.sampling import Stepper
from bridge.errors import MissingExtra
from bridge.music.limits import MAX_VARIATIONS

MAX_BATCH = 2 * MAX_VARIATIONS  # KV-cache rows: each variation a request may ask for, twice over with guidance
TRAIN_EXTRA = "pip install 'cadenza[train]'"
GPU_EXTRA = "pip install 'cadenza[gpu]'"


def require_torch(what: str, extra: str = TRAIN_EXTRA):
    """torch, imported now; without it a MissingExtra saying what needed it and how to get it."""
    try:
        import torch
    except ModuleNotFoundError as e:
        if e.name != "torch":
            raise
        raise MissingExtra(f"{what} needs PyTorch, which is not installed: {extra}") from None
    return torch


def quantize_int8(model):
    """Dynamic int8 for the blocks' Linear layers (the tied head stays fp32: it is the embedding)."""
    torch = require_torch("int8 quantization")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for blk in model.blocks:
            torch.ao.quantization.quantize_dynamic(blk, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return model


class TorchStepper(Stepper):
    """Eager PyTorch on CPU (fp32 or int8): `forward(tokens, start)` over the model's KV cache,
    allocated once for MAX_BATCH rows; attention reads the written slice of the cache only."""

    def __init__(self, model, int8: bool = True, threads: int = 0):
        torch = require_torch("the torch runtime")
        self.torch = torch
        if threads:
            torch.set_num_threads(threads)  # process-wide: torch serves only this engine in the daemon
        if int8:
            quantize_int8(model)
        model.setup_cache(MAX_BATCH)
        self.model = model

    def prefill(self, prompt, rows):
        torch = self.torch
        with torch.inference_mode():
            x = torch.tensor([prompt], dtype=torch.long, device=self.model.emb.weight.device)  # [1, P]
            logits = self.model(x, 0)  # [1, V]
            if rows > 1:
                self.model.copy_cache_row(0, rows, len(prompt))
            return np.repeat(_numpy(logits), rows, axis=0)

    def step(self, tokens, pos):
        torch = self.torch
        with torch.inference_mode():
            x = torch.as_tensor(np.asarray(tokens, dtype=np.int64)).view(-1, 1).to(self.model.emb.weight.device)  # [rows, 1]
            return _numpy(self.model(x, pos))

    def prefill_groups(self, prompts, rows):
        torch = self.torch
        with torch.inference_mode():
            x = torch.tensor(prompts, dtype=torch.long, device=self.model.emb.weight.device)  # [G, P]
            logits = self.model(x, 0)  # [G, V]
            self.model.fan_out(len(prompts), rows, x.shape[1])
            return np.repeat(_numpy(logits), rows, axis=0)


class CudaGraphStepper(Stepper):
    """CUDA, bf16: prefill eagerly, then a compiled step with fixed shapes: always MAX_BATCH rows,
    the position as a tensor (so attention spans the whole cache under a mask), inputs copied into
    buffers allocated once; that is what a CUDA graph can capture and replay."""

    def __init__(self, model, compile: bool = True):
        torch = require_torch("the CUDA runtime", GPU_EXTRA)
        self.torch = torch
        model = model.to("cuda", torch.bfloat16)
        model.setup_cache(MAX_BATCH, dtype=torch.bfloat16)
        self.model = model
        self._step = torch.compile(model.forward, mode="reduce-overhead", fullgraph=True) if compile \
            else model.forward
        self._tok = torch.zeros(MAX_BATCH, 1, dtype=torch.long, device="cuda")  # [MAX_BATCH, 1]
        self._pos = torch.zeros(1, dtype=torch.long, device="cuda")  # [1]: every row is at the same position

    def prefill(self, prompt, rows):
        torch = self.torch
        with torch.inference_mode():
            x = torch.tensor([prompt], dtype=torch.long, device="cuda")  # [1, P]
            logits = self.model(x, 0)  # [1, V]
            self.model.copy_cache_row(0, MAX_BATCH, len(prompt))
            return np.repeat(_numpy(logits), rows, axis=0)

    def prefill_groups(self, prompts, rows):
        torch = self.torch
        with torch.inference_mode():
            x = torch.tensor(prompts, dtype=torch.long, device="cuda")  # [G, P]
            logits = self.model(x, 0)  # [G, V]
            self.model.fan_out(len(prompts), rows, x.shape[1])
            return np.repeat(_numpy(logits), rows, axis=0)

    def step(self, tokens, pos):
        torch = self.torch
        rows = len(tokens)
        with torch.inference_mode():
            self._tok.zero_()
            self._tok[:rows, 0] = torch.as_tensor(np.asarray(tokens, dtype=np.int64)).to("cuda")
            self._pos.fill_(pos)
            logits = self._step(self._tok, self._pos)  # [MAX_BATCH, V]
            return _numpy(logits[:rows])


def _numpy(logits) -> np.ndarray:
    """A torch tensor of logits [rows, V] (any device, any float) -> float32 numpy on the CPU."""
    return logits.float().cpu().numpy()


class OrtStepper(Stepper):
    """ONNX Runtime (the int8 graph from export.py). The cache is one buffer a layer and a kind,
    max_len positions x the most rows a request has needed, time first: a request with `rows` rows
    views the front of each buffer as [max_len, rows, H, hd], hands ONNX Runtime the contiguous
    slice [:pos], and writes the step's new keys/values into row `pos`."""

    def __init__(self, onnx_path: Path, threads: int = 0, max_len: int = 1024):
        import onnxruntime as ort

        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = threads
        if threads == 1:  # no spin-waiting: on shared cores a spinning pool steals from everyone
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.sess.get_inputs()[1:]]  # past_k0, past_v0, ...
        _, _, self.heads, self.hd = self.sess.get_inputs()[1].shape  # [P, B, H, hd]
        self.max_len = max_len
        # allocated once for the variations a request may ask for; grown once more (see _views) the
        # first time guidance decodes them twice over
        self.store = [np.zeros(max_len * MAX_VARIATIONS * self.heads * self.hd, dtype=np.float32) for _ in self.names]
        self.views: list[np.ndarray] = []
        self.pos = 0

    def prefill(self, prompt, rows):
        empty = np.zeros((0, 1, self.heads, self.hd), dtype=np.float32)
        logits, *new = self.sess.run(None, {"tokens": np.array([prompt], dtype=np.int64),
                                            **{n: empty for n in self.names}})
        self.views = self._views(rows)
        for view, kv in zip(self.views, new):
            view[: len(prompt)] = kv  # [P, 1, H, hd] broadcast to every row
        self.pos = len(prompt)
        return np.repeat(logits, rows, axis=0)  # [rows, V]

    def _views(self, rows: int) -> list[np.ndarray]:
        """Cache buffers for `rows` rows, time first [max_len, rows, H, hd]: the front of the
        buffers, reallocated only when a request needs more rows than any before it (a daemon that
        never guides 8 variations never holds 16 rows' worth)."""
        size = self.max_len * rows * self.heads * self.hd
        if not self.store or self.store[0].size < size:
            self.store = [np.zeros(size, dtype=np.float32) for _ in self.names]
        return [s[:size].reshape(self.max_len, rows, self.heads, self.hd) for s in self.store]

    def prefill_groups(self, prompts, rows):
        groups, plen = len(prompts), len(prompts[0])
        empty = np.zeros((0, groups, self.heads, self.hd), dtype=np.float32)
        logits, *new = self.sess.run(None, {"tokens": np.array(prompts, dtype=np.int64),
                                            **{n: empty for n in self.names}})
        self.views = self._views(groups * rows)
        for view, kv in zip(self.views, new):  # kv: [P, G, H, hd]
            view[:plen] = np.repeat(kv, rows, axis=1)
        self.pos = plen
        return np.repeat(logits, rows, axis=0)  # [G * rows, V]

    def step(self, tokens, pos):
        assert pos == self.pos, (pos, self.pos)
        feed = {n: v[:pos] for n, v in zip(self.names, self.views)}
        feed["tokens"] = np.asarray(tokens, dtype=np.int64).reshape(-1, 1)  # [rows, 1]
        logits, *new = self.sess.run(None, feed)
        for view, kv in zip(self.views, new):
            view[pos] = kv[0]  # kv: [1, rows, H, hd]
        self.pos = pos + 1
        return logits
