"""A toy engine family: eighth notes whose pitches are drawn from each role's pitch histogram."""

import json
from pathlib import Path

import numpy as np

from bridge.data.dataset import Dataset
from bridge.engines.base import Engine, ModelInfo
from bridge.engines.resolve import DEFAULT_TEMPO, meter_of, tempo_of
from bridge.music.clip import Clip, Note


class ToyEngine(Engine):
    """Generate only; Engine.run has checked the request, resolved the role and drawn the seed."""

    engine_name = "toy"
    operations = ("generate",)

    @classmethod
    def load(cls, folder, config, device="auto"):
        info = ModelInfo(name=Path(folder).name, engine="toy", styles=tuple(config["styles"]),
                         roles=tuple(config["pitches"]))
        return cls(folder, config, info)

    def _run(self, request, clip, role, seed, progress):
        rng = np.random.default_rng(seed & 0xFFFFFFFF)  # the same seed, the same notes
        meter, tempo = meter_of(request, clip), tempo_of(request, clip) or DEFAULT_TEMPO
        length = request.effective_bars() * meter.beats_per_bar
        counts = np.array(self.config["pitches"][role], dtype=float)
        clips = []
        for _ in range(request.variations):
            pitches = rng.choice(128, size=int(length * 2), p=counts / counts.sum())
            notes = [Note(i / 2, int(p), 0.5, 90) for i, p in enumerate(pitches)]
            clips.append(Clip(notes, length, meter, tempo, None, drums=role == "drums"))
        progress(1.0)
        return clips


def train(data_dir, out_dir, config=None, progress=None):
    """Count each role's pitches over the training split into out_dir/config.json."""
    ds, pitches = Dataset.load(data_dir), {}
    for i in ds.indices("train"):
        counts = pitches.setdefault(ds.labels(int(i))["role"], [0] * 128)
        for p in ds.clip_notes(int(i))[:, 2]:
            counts[int(p)] += 1
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    config = {"engine": "toy", "styles": list(ds.styles), "pitches": pitches}
    (Path(out_dir) / "config.json").write_text(json.dumps(config))
    return {"roles": sorted(pitches), "styles": list(ds.styles)}
