"""ONNX export of a groove model folder: one graph that serves without torch.

    groove.onnx    x [B, T, F] float32, role [B] int64, style [B] int64, tempo [B] float32
                   -> out [B, T, 6K] (the two mixtures' logits, means and log sigmas)

    python -m bridge.engines.groove.export MODEL_DIR

A convolution stack is a few matrix products a note, so the graph stays fp32 (quantising it would
save little time and move offsets); `export_folder` checks the graph against torch on random
inputs and records the largest difference in config.json ("onnx_parity").
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from bridge.engines.groove.model import GrooveConfig, GrooveNet

GRAPH = "groove.onnx"
OPSET = 17
PARITY_TOLERANCE = 1e-3  # largest |onnx - torch| output difference accepted


def read_model(folder: Path) -> GrooveNet:
    from safetensors.torch import load_file

    cfg = json.loads((Path(folder) / "config.json").read_text())
    model = GrooveNet(GrooveConfig(**cfg["model"]))
    model.load_state_dict(load_file(str(Path(folder) / cfg["weights"][0])))
    return model.eval()


def export_folder(folder: Path) -> dict:
    """Write groove.onnx, check it against torch, switch the folder to serve it; return the parity."""
    from bridge.engines.ortsession import ort_session

    folder = Path(folder)
    model = read_model(folder)
    c = model.cfg
    x = torch.randn(2, 40, c.n_features)
    role, style, tempo = torch.tensor([0, 4]), torch.tensor([0, c.n_styles]), torch.tensor([0.0, 0.5])
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(model, (x, role, style, tempo), str(folder / GRAPH),
                          input_names=["x", "role", "style", "tempo"], output_names=["out"],
                          dynamic_axes={"x": {0: "batch", 1: "time"}, "role": {0: "batch"}, "style": {0: "batch"},
                                        "tempo": {0: "batch"}, "out": {0: "batch", 1: "time"}},
                          opset_version=OPSET, dynamo=False)
        ref = model(x, role, style, tempo).numpy()
    sess = ort_session(folder / GRAPH)
    got = sess.run(None, {"x": x.numpy(), "role": role.numpy(), "style": style.numpy(), "tempo": tempo.numpy()})[0]
    diff = float(np.abs(got - ref).max())
    if diff > PARITY_TOLERANCE:
        raise RuntimeError(f"groove.onnx differs from torch by {diff:.2e} (tolerance {PARITY_TOLERANCE})")
    cfg = json.loads((folder / "config.json").read_text())
    cfg.update({"onnx": GRAPH, "cpu_runtime": "onnx", "onnx_parity": {"max_abs_diff": diff}})
    (folder / "config.json").write_text(json.dumps(cfg, indent=1))
    return {"max_abs_diff": diff}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bridge.engines.groove.export MODEL_DIR")
    print(export_folder(Path(sys.argv[1])))
