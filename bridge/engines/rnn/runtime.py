"""Resident runtimes for the GRU's decode loop: the decoding.sampling `Stepper` over an O(1) state.

The state of a request is one array [n_layers, rows, hidden], whatever the length of the music so
far: no cache grows, nothing is sliced, a step costs the same at bar 1 and at bar 64, which is
what an endless stream wants.

- "onnx-int8" (`OrtStepper`): ONNX Runtime running the exported, dynamically quantised step graph
  (export.py) with numpy holding the state. Needs no torch: this is how the shipped model serves.
- "torch-fp32" (`TorchStepper`): the same step in eager PyTorch, fp32 (training, evaluation, and
  the reference the ONNX graph is checked against).

Prefill feeds the prompt one token at a time through the same step (an RNN reads a prompt in
order either way); `prefill_groups` does so for several prompts as one batch, then fans each
prompt's state out to its `rows` rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bridge.engines.decoding.sampling import Stepper
from bridge.engines.ortsession import ort_session
from bridge.engines.transformer.runtime import require_torch

def read_model(folder: Path, config: dict | None = None):
    """Build the GRU from config.json and load its safetensors weights (fp32, eval mode)."""
    require_torch("reading the rnn model's torch weights")
    from bridge.engines.rnn.model import MusicGRU, RnnConfig
    from bridge.engines.transformer.weights import load_weights

    folder = Path(folder)
    config = config or json.loads((folder / "config.json").read_text())
    model = MusicGRU(RnnConfig(**config["model"]))
    load_weights(model, folder, config["weights"])
    return model.eval()


class _StateStepper(Stepper):
    """The shared prefill logic; a subclass supplies `_run(tokens [rows], state) -> (logits, state)`
    and `_zero(rows)`."""

    state = None
    pos = 0

    def _feed(self, prompts: list[list[int]]) -> np.ndarray:
        groups = len(prompts)
        state = self._zero(groups)
        arr = np.asarray(prompts, dtype=np.int64)  # [G, P]
        logits = None
        for t in range(arr.shape[1]):
            logits, state = self._run(arr[:, t], state)
        self.state, self.pos = state, arr.shape[1]
        return logits  # [G, V]

    def prefill(self, prompt, rows):
        logits = self._feed([prompt])
        self.state = self._fan_out(self.state, rows)
        return np.repeat(logits, rows, axis=0)  # [rows, V]

    def prefill_groups(self, prompts, rows):
        logits = self._feed(prompts)
        self.state = self._fan_out(self.state, rows)  # prompt g -> rows g*rows .. g*rows+rows-1
        return np.repeat(logits, rows, axis=0)  # [G * rows, V]

    def step(self, tokens, pos):
        assert pos == self.pos, (pos, self.pos)
        logits, self.state = self._run(np.asarray(tokens, dtype=np.int64), self.state)
        self.pos = pos + 1
        return logits


class OrtStepper(_StateStepper):
    """ONNX Runtime over the int8 step graph; numpy holds the state [L, rows, H]."""

    def __init__(self, onnx_path: Path, threads: int = 1):
        self.sess = ort_session(onnx_path, threads)
        self.layers, _, self.hidden = self.sess.get_inputs()[1].shape  # [L, rows, H]

    def _zero(self, rows):
        return np.zeros((self.layers, rows, self.hidden), dtype=np.float32)

    def _fan_out(self, state, rows):
        return np.repeat(state, rows, axis=1)

    def _run(self, tokens, state):
        logits, new = self.sess.run(None, {"token": tokens, "state": state})
        return logits, new


class TorchStepper(_StateStepper):
    """Eager PyTorch, fp32, over `model.step`."""

    def __init__(self, model, threads: int = 0):
        self.torch = require_torch("the rnn torch runtime")
        if threads:
            self.torch.set_num_threads(threads)  # process-wide: torch serves only this engine in the daemon
        self.model = model.eval()

    def _zero(self, rows):
        return self.model.zero_state(rows)

    def _fan_out(self, state, rows):
        return state.repeat_interleave(rows, dim=1)

    def _run(self, tokens, state):
        with self.torch.inference_mode():
            logits, new = self.model.step(self.torch.from_numpy(tokens), state)
        return logits.float().numpy(), new
