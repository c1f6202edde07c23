"""ONNX export of the decode graphs, optionally quantized to int8 with ONNX Runtime.

Two graphs from `buffer_step.BufferCacheStep`, the model's forward over a cache buffer that the
runtime owns (runtime.OrtStepper): each layer's keys and values come in whole,
`past_k0, past_v0, ...` [B, H, L, hd] with the first `start` positions written, and the graph
returns the logits of the last position [B, vocab] and the new positions' keys and values
`new_k0, ...` [B, H, t, hd], which the runtime writes into its buffers.

- `path` (model-int8.onnx): any number of new tokens t: the prefill of a prompt.
- `step_path(path)` (model-int8-step.onnx): exactly one new token, every reshape a constant: the
  decode step, which runs once a token and is where the time goes.

Opset 20, so GELU is one node. `parity` runs a prompt and steps through PyTorch and both graphs
and reports the largest logit difference.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

import bridge.engines.decoding.vocab as V
from bridge.engines.transformer.buffer_step import BufferCacheStep
from bridge.engines.transformer.runtime import OrtStepper, step_path

OPSET = 20


def cache_names(n_layers: int, prefix: str) -> list[str]:
    return [f"{prefix}_{kv}{i}" for i in range(n_layers) for kv in ("k", "v")]


def export_onnx(model, path: str | Path, int8: bool = False) -> Path:
    """Write the prefill graph to `path` and the step graph to `step_path(path)` (fp32, or with
    int8 their MatMul weights quantized dynamically); returns `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.float().eval()
    for one_token, target in ((False, path), (True, step_path(path))):
        _export(model, target, one_token, int8)
    model.eval()
    return path


def _export(model, path: Path, one_token: bool, int8: bool) -> None:
    cfg = model.cfg
    hd = cfg.d_model // cfg.n_heads
    # an example of 3 new tokens (1 for the step graph) after 2 written positions of an 8-long buffer
    tokens = torch.tensor([[V.BOS]] if one_token else [[V.BOS, V.BAR, V.BAR]], dtype=torch.long)
    start = torch.tensor([2], dtype=torch.long)
    past = [torch.zeros(1, cfg.n_heads, 8, hd) for _ in range(2 * cfg.n_layers)]
    ins, outs = cache_names(cfg.n_layers, "past"), cache_names(cfg.n_layers, "new")
    axes = {"tokens": {0: "batch"} if one_token else {0: "batch", 1: "new"}, "logits": {0: "batch"}}
    axes.update({n: {0: "batch", 2: "buffer"} for n in ins})
    axes.update({n: {0: "batch"} if one_token else {0: "batch", 2: "new"} for n in outs})
    target = path if not int8 else Path(tempfile.mkdtemp()) / "fp32.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        # an eval-mode wrapper: the exporter restores the wrapper's mode afterwards, recursively, and
        # a wrapper left in training mode would switch dropout back on in `model`
        torch.onnx.export(
            BufferCacheStep(model, one_token=one_token).eval(), (tokens, start, *past), str(target),
            dynamo=False, input_names=["tokens", "start", *ins], output_names=["logits", *outs],
            dynamic_axes=axes, opset_version=OPSET,
        )
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(str(target), str(path), weight_type=QuantType.QInt8)


def parity(model, onnx_path: str | Path, prompt: list[int], steps: list[int]) -> float:
    """Largest |logit difference| between PyTorch (the model's KV-cache forward) and ONNX Runtime
    (runtime.OrtStepper over the graphs at `onnx_path`) over a prefill of `prompt`, then one step
    a token of `steps`."""
    st = OrtStepper(Path(onnx_path), threads=1, max_len=model.cfg.max_len)
    model.setup_cache(1)
    with torch.no_grad():
        ref = model(torch.tensor([prompt]), 0).numpy()
        worst = float(np.abs(ref - st.prefill(prompt, 1)).max())
        for i, t in enumerate(steps):
            ref = model(torch.tensor([[t]]), len(prompt) + i).numpy()
            got = st.step(np.array([t], dtype=np.int64), len(prompt) + i)
            worst = max(worst, float(np.abs(ref - got).max()))
    return worst
