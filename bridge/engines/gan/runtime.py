"""How the gan engine reaches its generator: ONNX Runtime + numpy (serving, no torch) or torch
(a folder without the graph; parity). Both are one call:

    generate(z_shared [B, Zs], z_track [B, 4, Zt], cond [B, 5] int64, presence [B, 4]) -> roll [B, 4, 2, T, P]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bridge.engines.ortsession import ort_session
from bridge.errors import MissingExtra


class OrtGenerator:
    name, quantization = "onnx", "none"

    def __init__(self, folder: Path, graph: str, threads: int = 1):
        self.session = ort_session(Path(folder) / graph, threads)

    def generate(self, z_shared, z_track, cond, presence) -> np.ndarray:
        feeds = {"z_shared": z_shared.astype(np.float32), "z_track": z_track.astype(np.float32),
                 "cond": cond.astype(np.int64), "presence": presence.astype(np.float32)}
        return self.session.run(None, feeds)[0]


class TorchGenerator:
    name, quantization = "torch", "none"

    def __init__(self, folder: Path, threads: int = 1):
        try:
            import torch
        except ImportError as e:
            raise MissingExtra(f"{Path(folder).name} has no ONNX graph, and its torch runtime needs PyTorch, "
                               "which is not installed: pip install 'cadenza[train]'") from e
        from bridge.engines.gan.export import read_generator

        if threads:
            torch.set_num_threads(threads)
        self.torch, self.g = torch, read_generator(folder)

    def generate(self, z_shared, z_track, cond, presence) -> np.ndarray:
        t = self.torch
        with t.no_grad():
            return self.g(t.from_numpy(z_shared.astype(np.float32)), t.from_numpy(z_track.astype(np.float32)),
                          t.from_numpy(cond.astype(np.int64)), t.from_numpy(presence.astype(np.float32))).numpy()
