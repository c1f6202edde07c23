"""How the groove engine reaches its network: ONNX Runtime + numpy (serving, no torch) or torch
(a folder without the graph; measurement). Both answer one call:

    run(x [B, T, F], role [B], style [B], tempo [B]) -> out [B, T, 6K] float32
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bridge.errors import MissingExtra
from bridge.engines.ortsession import ort_session


class OrtBackend:
    name = "onnx"

    def __init__(self, path: Path, threads: int = 1):
        self.sess = ort_session(path, threads)

    def run(self, x, role, style, tempo) -> np.ndarray:
        return self.sess.run(None, {"x": np.ascontiguousarray(x, dtype=np.float32),
                                    "role": np.asarray(role, dtype=np.int64), "style": np.asarray(style, dtype=np.int64),
                                    "tempo": np.asarray(tempo, dtype=np.float32)})[0]


class TorchBackend:
    name = "torch"

    def __init__(self, folder: Path, threads: int = 1):
        import torch

        from bridge.engines.groove.export import read_model

        torch.set_num_threads(threads)
        self.torch, self.model = torch, read_model(folder)

    def run(self, x, role, style, tempo) -> np.ndarray:
        t = self.torch
        with t.no_grad():
            return self.model(t.from_numpy(np.asarray(x, np.float32)), t.from_numpy(np.asarray(role, np.int64)),
                              t.from_numpy(np.asarray(style, np.int64)),
                              t.from_numpy(np.asarray(tempo, np.float32))).numpy()


def backend_for(folder: Path, config: dict):
    """The ONNX graph when the folder serves it (config "cpu_runtime": "onnx"), else torch."""
    folder = Path(folder)
    threads = int(config.get("cpu_threads", 1))
    graph = config.get("onnx")
    if config.get("cpu_runtime") == "onnx" and graph and (folder / graph).is_file():
        return OrtBackend(folder / graph, threads)
    try:
        return TorchBackend(folder, threads)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "torch":
            raise
        raise MissingExtra(f"{folder.name} has no ONNX graph ({graph or 'groove.onnx'}), and its torch runtime needs "
                           "PyTorch, which is not installed: pip install 'cadenza[train]'") from None
