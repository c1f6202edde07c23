"""ONNX export of the decode graph, optionally quantized to int8 with ONNX Runtime.

The exported graph is `forward_past`: tokens [B, t] and the cache passed in ([L, B, H, P, hd]
keys and values) -> logits of the last position [B, vocab] and the cache with t more positions.
The same graph serves prefill (P = 0) and one-token steps, so ONNX Runtime can run the whole
decode loop (runtime.OrtStepper). `parity` runs a prompt through both and reports the largest
logit difference.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from . import vocab as V


class _PastWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, tokens, past_k, past_v):
        return self.model.forward_past(tokens, past_k, past_v)


def export_onnx(model, path: str | Path, int8: bool = False, opset: int = 17) -> Path:
    """Write the fp32 graph (and, with int8, quantize its MatMul weights dynamically) to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.float().eval()
    cfg = model.cfg
    hd = cfg.d_model // cfg.n_heads
    tokens = torch.tensor([[V.BOS, V.BAR, V.BAR]], dtype=torch.long)
    past = torch.zeros(cfg.n_layers, 1, cfg.n_heads, 2, hd)
    target = path if not int8 else Path(tempfile.mkdtemp()) / "fp32.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _PastWrapper(model), (tokens, past, past.clone()), str(target), dynamo=False,
            input_names=["tokens", "past_k", "past_v"], output_names=["logits", "present_k", "present_v"],
            dynamic_axes={"tokens": {0: "batch", 1: "new"}, "past_k": {1: "batch", 3: "past"},
                          "past_v": {1: "batch", 3: "past"}, "logits": {0: "batch"},
                          "present_k": {1: "batch", 3: "total"}, "present_v": {1: "batch", 3: "total"}},
            opset_version=opset,
        )
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(target), str(path), weight_type=QuantType.QInt8)
    return path


def parity(model, onnx_path: str | Path, prompt: list[int], steps: list[int]) -> float:
    """Largest |logit difference| between PyTorch (forward_cached) and ONNX Runtime over a prefill
    of `prompt` then one step per token of `steps`."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    cfg = model.cfg
    hd = cfg.d_model // cfg.n_heads
    model.setup_cache(1)
    k = v = np.zeros((cfg.n_layers, 1, cfg.n_heads, 0, hd), dtype=np.float32)
    worst = 0.0
    seq = [prompt] + [[t] for t in steps]
    pos = 0
    with torch.no_grad():
        for chunk in seq:
            ids = np.array([chunk], dtype=np.int64)
            ref = model.forward_cached(torch.from_numpy(ids), pos).numpy()
            got, k, v = sess.run(None, {"tokens": ids, "past_k": k, "past_v": v})
            worst = max(worst, float(np.abs(ref - got).max()))
            pos += len(chunk)
    return worst
