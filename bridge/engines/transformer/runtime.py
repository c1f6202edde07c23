"""Resident runtimes for the decode loop: how the model is held and stepped on each device.

- CPU "torch-int8": dynamic int8 quantization of every Linear in the blocks (weights int8, per-row
  activations quantized on the fly), fp32 embedding/head; the KV cache is fp32 and allocated once.
- CPU "onnx-int8": ONNX Runtime running the exported, dynamically quantized decode graphs
  (export.py: a prefill graph and a one-token step graph); the cache is arrays the graphs read
  whole and the runtime writes, never copied per step.
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
from bridge.engines.ortsession import ort_session
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


def step_path(path: str | Path) -> Path:
    """The one-token step graph beside the prefill graph `path` (model-int8.onnx -> model-int8-step.onnx)."""
    path = Path(path)
    return path.with_name(path.stem + "-step" + path.suffix)


class OrtStepper(Stepper):
    """ONNX Runtime over the two int8 graphs from export.py: the prefill graph (`onnx_path`) and
    the one-token step graph beside it (export.step_path). The cache is one array a layer and a
    kind, [rows, H, L, hd], which the graphs read whole (positions >= the step's start are masked
    off inside them): the same contiguous arrays are handed in every step, never sliced or copied,
    and each step's new keys/values are written at its position. L starts at MIN_BUFFER and
    doubles (one copy) whenever the sequence outgrows it, up to the model's max_len."""

    MIN_BUFFER = 64

    def __init__(self, onnx_path: Path, threads: int = 0, max_len: int = 1024):
        onnx_path = Path(onnx_path)
        self.pre = ort_session(onnx_path, threads)
        names = [i.name for i in self.pre.get_inputs()]
        if names[:2] != ["tokens", "start"]:
            raise ValueError(f"{onnx_path.name} was exported by an older Cadenza (its inputs are {names[:2]}); "
                             f"export it again: cadenza export --onnx --int8 --model {onnx_path.parent}")
        step_file = step_path(onnx_path)
        self.one = ort_session(step_file, threads) if step_file.is_file() else self.pre
        self.names = names[2:]  # past_k0, past_v0, ...
        _, self.heads, _, self.hd = self.pre.get_inputs()[2].shape  # [B, H, L, hd]
        self.max_len = max_len
        self.bufs: list[np.ndarray] = []
        self.pos = 0

    def _alloc(self, rows: int, need: int) -> None:
        size = self.MIN_BUFFER
        while size < need:
            size *= 2
        size = min(size, self.max_len)
        self.bufs = [np.zeros((rows, self.heads, size, self.hd), dtype=np.float32) for _ in self.names]

    def _prefill(self, prompts: list[list[int]], rows: int) -> np.ndarray:
        groups, plen = len(prompts), len(prompts[0])
        empty = np.zeros((groups, self.heads, 0, self.hd), dtype=np.float32)
        logits, *new = self.pre.run(None, {"tokens": np.array(prompts, dtype=np.int64),
                                           "start": np.zeros(1, dtype=np.int64), **{n: empty for n in self.names}})
        self._alloc(groups * rows, plen + 1)
        for buf, kv in zip(self.bufs, new):  # kv: [G, H, P, hd], group g into rows g*rows..g*rows+rows-1
            buf[:, :, :plen] = np.repeat(kv, rows, axis=0)
        self.pos = plen
        return np.repeat(logits, rows, axis=0)  # [G * rows, V]

    def prefill(self, prompt, rows):
        return self._prefill([prompt], rows)

    def prefill_groups(self, prompts, rows):
        return self._prefill(prompts, rows)

    chunked = True  # extend runs a chunk through the prefill graph over the cache

    def _room(self, end: int) -> None:
        """Buffers that hold positions < end (outgrown: doubled, keeping what is written)."""
        if end > self.bufs[0].shape[2]:
            old = self.bufs
            self._alloc(old[0].shape[0], end)
            for buf, o in zip(self.bufs, old):
                buf[:, :, :self.pos] = o[:, :, :self.pos]

    def extend(self, tokens, pos):
        """The same run of tokens for every row in one call of the prefill graph, which reads the
        cache whole like the step graph (positions >= pos masked off) -> logits after the last."""
        assert pos == self.pos, (pos, self.pos)
        n = len(tokens)
        self._room(pos + n + 1)
        rows = self.bufs[0].shape[0]
        feed = dict(zip(self.names, self.bufs))
        feed["tokens"] = np.tile(np.asarray(tokens, dtype=np.int64), (rows, 1))  # [rows, n]
        feed["start"] = np.array([pos], dtype=np.int64)
        logits, *new = self.pre.run(None, feed)
        for buf, kv in zip(self.bufs, new):
            buf[:, :, pos:pos + n] = kv  # kv: [rows, H, n, hd]
        self.pos = pos + n
        return logits

    def step(self, tokens, pos):
        assert pos == self.pos, (pos, self.pos)
        self._room(pos + 1)
        feed = dict(zip(self.names, self.bufs))
        feed["tokens"] = np.asarray(tokens, dtype=np.int64).reshape(-1, 1)  # [rows, 1]
        feed["start"] = np.array([pos], dtype=np.int64)
        logits, *new = self.one.run(None, feed)
        for buf, kv in zip(self.bufs, new):
            buf[:, :, pos] = kv[:, :, 0]  # kv: [rows, H, 1, hd]
        self.pos = pos + 1
        return logits
