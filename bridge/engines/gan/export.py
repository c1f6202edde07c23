"""ONNX export of a gan model folder: the generator as one graph that serves without torch.

    generator.onnx   z_shared [B, Zs], z_track [B, 4, Zt], cond [B, 5] int64, presence [B, 4]
                     -> roll [B, 4, 2, T, 84]   (fp32)

    python -m bridge.engines.gan.export MODEL_DIR

fp32 only: the graph is ~2.6 MB and one forward pass for a whole batch of bands takes
milliseconds, so int8 would save nothing a listener or a front end could notice, while it moves
probabilities near the onset thresholds. `export_folder` checks the graph against torch on random
latents (largest absolute difference, and the share of roll cells on the same side of the
thresholds) and records the result in config.json ("onnx", "onnx_parity", "cpu_runtime").
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from bridge.engines.gan.model import GANConfig, Generator
from bridge.engines.gan.roll import TRACKS

GRAPH = "generator.onnx"
OPSET = 17
INPUTS = ("z_shared", "z_track", "cond", "presence")


def read_generator(folder: Path) -> Generator:
    from safetensors.torch import load_file

    cfg = json.loads((Path(folder) / "config.json").read_text())
    g = Generator(GANConfig(**cfg["model"]))
    g.load_state_dict(load_file(str(Path(folder) / cfg["weights"][0])))
    return g.eval()


def example_inputs(c: GANConfig, b: int, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    k = len(TRACKS)
    cond = torch.stack([torch.randint(0, n + 1, (b,), generator=gen) for n in (c.n_styles, 2, 6, 5, 4)], 1)
    pres = (torch.rand(b, k, generator=gen) < 0.7).float()
    pres[:, 0] = 1.0
    return (torch.randn(b, c.z_shared, generator=gen), torch.randn(b, k, c.z_track, generator=gen), cond, pres)


def export_graph(g: Generator, folder: Path) -> str:
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(g, example_inputs(g.c, 2), str(Path(folder) / GRAPH), input_names=list(INPUTS),
                          output_names=["roll"], dynamic_axes={k: {0: "batch"} for k in (*INPUTS, "roll")},
                          opset_version=OPSET, dynamo=False)
    return GRAPH


def parity(g: Generator, folder: Path, b: int = 16) -> dict:
    """ONNX Runtime against torch on `b` random bands."""
    from bridge.engines.ortsession import ort_session

    x = example_inputs(g.c, b, seed=3)
    with torch.no_grad():
        want = g(*x).numpy()
    got = ort_session(Path(folder) / GRAPH).run(None, {k: v.numpy() for k, v in zip(INPUTS, x)})[0]
    return {"bands": b, "max_abs_diff": float(np.abs(got - want).max()),
            "same_side_of_0.5": float(((got > 0.5) == (want > 0.5)).mean())}


def export_folder(folder: Path) -> dict:
    folder = Path(folder)
    g = read_generator(folder)
    export_graph(g, folder)
    check = parity(g, folder)
    cfg_path = folder / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg.update({"onnx": GRAPH, "onnx_parity": check, "cpu_runtime": "onnx"})
    cfg_path.write_text(json.dumps(cfg, indent=1))
    return check


if __name__ == "__main__":
    print(export_folder(Path(sys.argv[1])))
