"""ONNX export of the GRU's one-token step, optionally quantised to int8 with ONNX Runtime.

The graph is `model.StepGraph`: token [rows] (int64) and state [n_layers, rows, hidden] ->
logits [rows, vocab] and new_state [n_layers, rows, hidden]. Prefill is the same graph run once a
prompt token (runtime.OrtStepper), so one graph serves the whole decode loop. With `int8`, ONNX
Runtime's dynamic quantisation turns the step's MatMuls into int8 matrix products (weights int8,
activations quantised on the fly). `parity` runs a prompt and some steps through torch and ONNX
Runtime and reports the largest logit difference.

    python -m bridge.engines.rnn.export MODEL_DIR        # writes MODEL_DIR/model-int8.onnx
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

import bridge.engines.decoding.vocab as V
from bridge.engines.rnn.model import MusicGRU, StepGraph

INPUTS, OUTPUTS = ["token", "state"], ["logits", "new_state"]


def export_onnx(model: MusicGRU, path: str | Path, int8: bool = False, opset: int = 17) -> Path:
    """Write the fp32 step graph (with `int8`, quantise its MatMul weights dynamically) to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.float().eval()
    token = torch.tensor([V.BOS, V.BAR], dtype=torch.long)  # [rows=2]
    state = model.zero_state(2)  # [L, 2, H]
    axes = {"token": {0: "rows"}, "state": {1: "rows"}, "logits": {0: "rows"}, "new_state": {1: "rows"}}
    target = path if not int8 else Path(tempfile.mkdtemp()) / "fp32.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(StepGraph(model).eval(), (token, state), str(target), dynamo=False,
                          input_names=INPUTS, output_names=OUTPUTS, dynamic_axes=axes, opset_version=opset)
    model.eval()
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(target), str(path), weight_type=QuantType.QInt8)
    return path


def parity(model: MusicGRU, onnx_path: str | Path, prompt: list[int], steps: list[int]) -> float:
    """Largest |logit difference| between torch (`model.step`, fp32) and ONNX Runtime over the
    tokens of `prompt` then `steps`, fed one at a time (two rows, the same tokens)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    model = model.eval()
    ref_state = model.zero_state(2)
    got_state = ref_state.numpy()
    worst = 0.0
    with torch.no_grad():
        for t in list(prompt) + list(steps):
            tok = np.array([t, t], dtype=np.int64)
            ref, ref_state = model.step(torch.from_numpy(tok), ref_state)
            got, got_state = sess.run(None, {"token": tok, "state": got_state})
            worst = max(worst, float(np.abs(ref.numpy() - got).max()))
    return worst


if __name__ == "__main__":
    from bridge.engines.rnn.runtime import read_model

    folder = Path(sys.argv[1])
    print(export_onnx(read_model(folder), folder / "model-int8.onnx", int8=True))
