"""ONNX export of a VAE model folder: three graphs that serve without torch.

    encoder.onnx        tokens [1, T] int64 -> mu [1, Z], logvar [1, Z]   (fp32: runs once a window)
    init.onnx           z [R, Z] -> h0 [R, H], zc [R, 3H]                  (fp32: once a window)
    step-int8.onnx      token [R], h [R, H], zc [R, 3H] -> logits [R, V], h (int8 dynamic MatMuls)

    python -m bridge.engines.vae.export MODEL_DIR [--no-int8]

`export_folder` also measures the int8 step against fp32 on real windows (greedy-token agreement
and the largest logit difference) and keeps int8 only when the decoded tokens agree (QUALITY_AGREE);
the verdict goes into config.json ("onnx" and "onnx_quality").
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from bridge.engines.vae.model import DecoderInit, DecoderStep, Encoder, MusicVAE, VAEConfig

ENCODER, INIT, STEP_FP32, STEP_INT8 = "encoder.onnx", "init.onnx", "step.onnx", "step-int8.onnx"
OPSET = 17
QUALITY_AGREE = 0.97  # share of greedy next tokens int8 must agree with fp32 on, to be served


def read_model(folder: Path) -> MusicVAE:
    from safetensors.torch import load_file

    cfg = json.loads((Path(folder) / "config.json").read_text())
    model = MusicVAE(VAEConfig(**cfg["model"]))
    model.load_state_dict(load_file(str(Path(folder) / cfg["weights"][0])))
    return model.eval()


def export_graphs(model: MusicVAE, folder: Path, int8: bool = True) -> list[str]:
    folder = Path(folder)
    c = model.cfg
    with torch.no_grad(), warnings.catch_warnings():
        # the TorchScript exporter's deprecation notice, and its GRU batch-size note (the encoder
        # graph runs one unpadded window at a time, so its batch is always 1)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        w = torch.full((1, 12), 3, dtype=torch.int64)
        torch.onnx.export(Encoder(model), (w,), str(folder / ENCODER), input_names=["tokens"],
                          output_names=["mu", "logvar"], dynamic_axes={"tokens": {1: "time"}}, opset_version=OPSET,
                          dynamo=False)
        z = torch.zeros(2, c.z_dim)
        torch.onnx.export(DecoderInit(model), (z,), str(folder / INIT), input_names=["z"], output_names=["h", "zc"],
                          dynamic_axes={"z": {0: "rows"}, "h": {0: "rows"}, "zc": {0: "rows"}}, opset_version=OPSET,
                          dynamo=False)
        tok, h, zc = torch.zeros(2, dtype=torch.int64), torch.zeros(2, c.dec_hidden), torch.zeros(2, 3 * c.dec_hidden)
        torch.onnx.export(DecoderStep(model), (tok, h, zc), str(folder / STEP_FP32), input_names=["token", "h", "zc"],
                          output_names=["logits", "h_out"],
                          dynamic_axes={k: {0: "rows"} for k in ("token", "h", "zc", "logits", "h_out")},
                          opset_version=OPSET, dynamo=False)
    out = [ENCODER, INIT, STEP_FP32]
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(folder / STEP_FP32), str(folder / STEP_INT8), weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul"])
        out.append(STEP_INT8)
    return out


def step_agreement(folder: Path, windows: list[list[int]], z: np.ndarray) -> dict:
    """Teacher-forced over `windows` (token lists) with latents z [len(windows), Z]: the share of
    positions where int8's and fp32's top token agree, and the largest absolute logit difference."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    init = ort.InferenceSession(str(Path(folder) / INIT), so, providers=["CPUExecutionProvider"])
    fp = ort.InferenceSession(str(Path(folder) / STEP_FP32), so, providers=["CPUExecutionProvider"])
    q = ort.InferenceSession(str(Path(folder) / STEP_INT8), so, providers=["CPUExecutionProvider"])
    agree = total = 0
    worst = 0.0
    for seq, zz in zip(windows, z):
        h, zc = init.run(None, {"z": zz[None].astype(np.float32)})
        h1 = h2 = h
        for t in seq[:-1]:
            tok = np.array([t], dtype=np.int64)
            l1, h1 = fp.run(None, {"token": tok, "h": h1, "zc": zc})
            l2, h2 = q.run(None, {"token": tok, "h": h2, "zc": zc})
            agree += int(l1.argmax() == l2.argmax())
            total += 1
            worst = max(worst, float(np.abs(l1 - l2).max()))
    return {"greedy_agreement": round(agree / max(total, 1), 4), "max_logit_diff": round(worst, 3),
            "positions": total}


def export_folder(folder: Path, int8: bool = True, windows: list | None = None) -> dict:
    """Export the graphs of a trained folder, measure int8 against fp32, choose the served step."""
    folder = Path(folder)
    model = read_model(folder)
    export_graphs(model, folder, int8=int8)
    cfg = json.loads((folder / "config.json").read_text())
    verdict = {"step": STEP_FP32}
    if int8:
        if windows is None:
            rng = np.random.default_rng(0)
            windows = [[1, 8 + int(rng.integers(0, 5))] + [3] + [int(t) for t in rng.integers(250, 531, 30)]
                       for _ in range(4)]
        with torch.no_grad():
            z = np.random.default_rng(1).standard_normal((len(windows), model.cfg.z_dim)).astype(np.float32)
        verdict.update(step_agreement(folder, windows, z))
        if verdict["greedy_agreement"] >= QUALITY_AGREE:
            verdict["step"] = STEP_INT8
    cfg["onnx"] = {"encoder": ENCODER, "init": INIT, "step": verdict["step"]}
    cfg["onnx_quality"] = verdict
    cfg["cpu_runtime"] = "onnx"
    (folder / "config.json").write_text(json.dumps(cfg, indent=1))
    return verdict


if __name__ == "__main__":
    print(export_folder(Path(sys.argv[1]), int8="--no-int8" not in sys.argv))
