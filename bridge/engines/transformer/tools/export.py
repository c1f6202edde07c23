"""ONNX export of the decode graph, optionally quantized to int8 with ONNX Runtime.

The exported graph is `model.ExternalCacheStep`, the model's forward with the cache outside the
network: tokens [B, t] and each layer's cached keys and values (`past_k0, past_v0, past_k1, ...`,
[P, B, H, hd], time first) -> logits of the last position [B, vocab] and the keys/values of the t
new positions (`new_k0, ...`, [t, B, H, hd]). The same graph serves prefill (P = 0) and one-token
steps, so ONNX Runtime runs the whole decode loop with the cache in buffers allocated once
(runtime.OrtStepper). `parity` runs a prompt through both and reports the largest logit difference.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

import bridge.engines.decoding.vocab as V
from bridge.engines.transformer.model import ExternalCacheStep


def cache_names(n_layers: int, prefix: str) -> list[str]:
    return [f"{prefix}_{kv}{i}" for i in range(n_layers) for kv in ("k", "v")]


def export_onnx(model, path: str | Path, int8: bool = False, opset: int = 17) -> Path:
    """Write the fp32 graph (and, with int8, quantize its MatMul weights dynamically) to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.float().eval()
    cfg = model.cfg
    hd = cfg.d_model // cfg.n_heads
    # an example of 3 new tokens: the traced graph keeps the causal mask that a prefill needs
    tokens = torch.tensor([[V.BOS, V.BAR, V.BAR]], dtype=torch.long)  # [1, 3]
    past = [torch.zeros(2, 1, cfg.n_heads, hd) for _ in range(2 * cfg.n_layers)]  # each [P=2, 1, H, hd]
    ins, outs = cache_names(cfg.n_layers, "past"), cache_names(cfg.n_layers, "new")
    axes = {"tokens": {0: "batch", 1: "new"}, "logits": {0: "batch"}}
    axes.update({n: {0: "past", 1: "batch"} for n in ins})
    axes.update({n: {0: "new", 1: "batch"} for n in outs})
    target = path if not int8 else Path(tempfile.mkdtemp()) / "fp32.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        # an eval-mode wrapper: the exporter restores the wrapper's mode afterwards, recursively, and
        # a wrapper left in training mode would switch dropout back on in `model`
        torch.onnx.export(
            ExternalCacheStep(model).eval(), (tokens, *past), str(target), dynamo=False,
            input_names=["tokens", *ins], output_names=["logits", *outs], dynamic_axes=axes,
            opset_version=opset,
        )
    model.eval()
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(target), str(path), weight_type=QuantType.QInt8)
    return path


def parity(model, onnx_path: str | Path, prompt: list[int], steps: list[int]) -> float:
    """Largest |logit difference| between PyTorch (the model's KV-cache forward) and ONNX Runtime over
    a prefill of `prompt` then one step per token of `steps`."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    cfg = model.cfg
    hd = cfg.d_model // cfg.n_heads
    names = cache_names(cfg.n_layers, "past")
    model.setup_cache(1)
    past = [np.zeros((0, 1, cfg.n_heads, hd), dtype=np.float32) for _ in names]
    worst = 0.0
    pos = 0
    with torch.no_grad():
        for chunk in [prompt] + [[t] for t in steps]:
            ids = np.array([chunk], dtype=np.int64)
            ref = model(torch.from_numpy(ids), pos).numpy()  # [1, V]
            got, *new = sess.run(None, {"tokens": ids, **dict(zip(names, past))})
            past = [np.concatenate([a, b]) for a, b in zip(past, new)]
            worst = max(worst, float(np.abs(ref - got).max()))
            pos += len(chunk)
    return worst
