"""How the VAE engine reaches its network: ONNX Runtime + numpy (serving, no torch) or torch
(training, evaluation, parity). Both give the same three calls:

    encode(tokens) -> mu [Z], logvar [Z]          one window's bar tokens
    init(z)        -> h [R, H], zc [R, 3H]        a window's decoding state, one row a latent
    step(tok, h, zc) -> logits [R, V], h          one token a row

and `LatentStepper` wraps them as the shared decode loop's `Stepper` (decoding/sampling.py), so
the composer's constraints (exact bars and meter, scale lock, pitch range, density caps) hold
for the VAE as for the Transformer. Its rows are the request's latents: each row decodes its own z.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bridge.engines.decoding.sampling import Stepper
from bridge.engines.ortsession import ort_session


class OrtBackend:
    """The exported graphs (bridge/engines/vae/export.py) on ONNX Runtime's CPU provider."""

    name = "onnx"

    def __init__(self, folder: Path, files: dict, threads: int = 1):
        self.enc, self.ini, self.stp = (ort_session(Path(folder) / files[k], threads) for k in ("encoder", "init", "step"))
        self.quantization = "int8" if "int8" in files["step"] else "none"

    def encode(self, tokens: list[int]) -> tuple[np.ndarray, np.ndarray]:
        mu, logvar = self.enc.run(None, {"tokens": np.asarray(tokens, dtype=np.int64)[None]})
        return mu[0], logvar[0]

    def init(self, z: np.ndarray):
        return self.ini.run(None, {"z": np.ascontiguousarray(z, dtype=np.float32)})

    def step(self, tok: np.ndarray, h: np.ndarray, zc: np.ndarray):
        return self.stp.run(None, {"token": np.asarray(tok, dtype=np.int64), "h": h, "zc": zc})


class TorchBackend:
    """The torch network (fp32): the reference the ONNX graphs are checked against."""

    name = "torch"
    quantization = "none"

    def __init__(self, model, threads: int = 1):
        import torch

        from bridge.engines.vae.model import DecoderInit, DecoderStep

        if threads:
            torch.set_num_threads(threads)
        self.torch, self.model = torch, model.eval()
        self._init, self._step = DecoderInit(model).eval(), DecoderStep(model).eval()

    def encode(self, tokens):
        with self.torch.no_grad():
            mu, logvar = self.model.encode(self.torch.as_tensor([list(tokens)], dtype=self.torch.int64))
        return mu[0].numpy(), logvar[0].numpy()

    def init(self, z):
        with self.torch.no_grad():
            h, zc = self._init(self.torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32)))
        return h.numpy(), zc.numpy()

    def step(self, tok, h, zc):
        t = self.torch
        with t.no_grad():
            logits, h = self._step(t.from_numpy(np.asarray(tok, dtype=np.int64)), t.from_numpy(h), t.from_numpy(zc))
        return logits.numpy(), h.numpy()


class LatentStepper(Stepper):
    """The decode loop's view of the decoder for one window: row r decodes latent z[r]."""

    def __init__(self, backend, z: np.ndarray):
        self.b = backend
        self.z = np.asarray(z, dtype=np.float32).reshape(len(z), -1)  # [R, Z]
        self.h = self.zc = None

    def _run(self, prompt: list[int], h, zc) -> np.ndarray:
        logits = None
        for t in prompt:
            logits, h = self.b.step(np.full(len(h), t, dtype=np.int64), h, zc)
        self.h, self.zc = h, zc
        return logits

    def prefill(self, prompt: list[int], rows: int) -> np.ndarray:
        if rows != len(self.z):
            raise ValueError(f"the stepper holds {len(self.z)} latents; asked for {rows} rows")
        h, zc = self.b.init(self.z)
        return self._run(prompt, h, zc)

    def step(self, tokens: np.ndarray, pos: int) -> np.ndarray:
        logits, self.h = self.b.step(tokens, self.h, self.zc)
        return logits

    def prefill_groups(self, prompts: list[list[int]], rows: int) -> np.ndarray:
        """Each prompt for every latent (guidance's two rows a latent): [len(prompts) * rows, V]."""
        if len({len(p) for p in prompts}) != 1:
            raise ValueError("prefill_groups needs prompts of one length")
        h, zc = self.b.init(np.concatenate([self.z] * len(prompts)))
        logits, hs = [], []
        for g, p in enumerate(prompts):
            sl = slice(g * rows, (g + 1) * rows)
            logits.append(self._run(p, h[sl], zc[sl]))
            hs.append(self.h)
        self.h, self.zc = np.concatenate(hs), zc
        return np.concatenate(logits)
