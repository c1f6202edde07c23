"""Before/after digests for requests without context: a deterministic numpy stepper, fixed
requests and seeds, and the training examples of the tiny dataset. Imports only what existed
before context (commit 6b414f2), so the same file records the digests there:

    cd BASE_CHECKOUT && PYTHONPATH=. python tests/accompany_golden.py
"""

from __future__ import annotations

import hashlib

import numpy as np

import bridge.engines.decoding.vocab as V
from bridge.data.dataset import Dataset
from bridge.engines.decoding.composer import Composer
from bridge.engines.decoding.sampling import Stepper
from bridge.engines.decoding.tokenizer import TokenizerConfig
from bridge.engines.transformer.examples import ExampleConfig, ExampleMaker
from bridge.music.clip import Clip, Note
from bridge.music.request import parse_request
from bridge.music.theory import Meter


class TableStepper(Stepper):
    """A deterministic stand-in for a model: logits are a fixed random table of (last token) plus
    one of (position), float32, so decoding is reproducible anywhere numpy is. Records what it is fed."""

    def __init__(self):
        g = np.random.default_rng(0)
        self.tok = g.standard_normal((V.VOCAB_SIZE, V.VOCAB_SIZE)).astype(np.float32) * 3
        self.pos = g.standard_normal((1024, V.VOCAB_SIZE)).astype(np.float32)
        self.fed: list[np.ndarray] = []

    def _logits(self, tokens, pos):
        return self.tok[np.asarray(tokens)] + self.pos[pos]

    def prefill(self, prompt, rows):
        self.fed = [np.array(prompt)]
        return np.repeat(self._logits([prompt[-1]], len(prompt) - 1), rows, 0)

    def step(self, tokens, pos):
        self.fed.append(np.array(tokens))
        return self._logits(tokens, pos)

    def prefill_groups(self, prompts, rows):
        return np.concatenate([self.prefill(p, rows) for p in prompts])


def _composer(guidance=None) -> Composer:
    return Composer(TableStepper(), TokenizerConfig(styles=["baroque-chorale", "irish-folk"]), 1024, {},
                    guidance=guidance)


def _digest(clips) -> str:
    rows = [(round(n.start, 4), round(n.duration, 4), n.pitch, n.velocity) for c in clips for n in c.notes]
    rows += [(c.length, str(c.meter), c.key.name if c.key else "") for c in clips]
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


MELODY = Clip([Note(i * 0.5, 60 + (i * 5) % 12, 0.5, 90) for i in range(24)], 16.0, Meter(4, 4), 100.0)

# Recorded at commit 6b414f2 (before context) by running this file there; "infill" re-recorded
# when a gap filled into a clip of one velocity (MELODY: all 90) began to stay at one velocity
# (composer.accent's `flat`, issue 10's sixth session): its notes and timing are as before.
BEFORE = {
    "generate": "8cf7766991de55ba",
    "generate-guided": "e131ca528e659883",
    "continue": "b1342ac246d13553",
    "infill": "809a95923046fbe5",
    "restyle": "44ad8baf070dbe3f",
    "examples": "4c93786466bc2c43",
}


def _no_context_digests(ds_path) -> dict:
    out = {}
    c = _composer()
    req = parse_request("generate", ["role", "melody", "bars", "6", "seed", "5", "variations", "2"], c.tok.styles)
    out["generate"] = _digest(c.generate(req, "melody", np.random.default_rng(5), None))
    g = _composer(guidance=2.0)
    req = parse_request("generate", ["role", "bass", "bars", "4", "key", "D minor"], c.tok.styles)
    out["generate-guided"] = _digest(g.generate(req, "bass", np.random.default_rng(9), None))
    req = parse_request("continue", ["role", "melody", "bars", "3"], c.tok.styles)
    out["continue"] = _digest(_composer().continue_(req, MELODY, "melody", np.random.default_rng(1), None))
    req = parse_request("infill", [], c.tok.styles)
    req.start_bar, req.end_bar = 1, 3
    out["infill"] = _digest(_composer().infill(req, MELODY, "melody", np.random.default_rng(2), None))
    req = parse_request("restyle", ["strength", "0.5"], c.tok.styles)
    out["restyle"] = _digest(_composer().restyle(req, MELODY, "melody", np.random.default_rng(3), None))
    ds = Dataset.load(ds_path)
    maker = ExampleMaker(ds, ExampleConfig(seq_len=384), list(ds.styles))
    rng = np.random.default_rng(0)
    seqs = [maker.example(int(i), rng) for i in maker.usable["train"][:40]]
    out["examples"] = hashlib.sha256(repr(seqs).encode()).hexdigest()[:16]
    return out



if __name__ == "__main__":
    import tempfile
    from pathlib import Path

    from tests.test_markov_support import build_tiny_dataset

    with tempfile.TemporaryDirectory() as tmp:
        build_tiny_dataset(Path(tmp))
        print(_no_context_digests(Path(tmp)))
