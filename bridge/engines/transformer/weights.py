"""Model folders on disk: weights as safetensors shards (each at most 16 MiB, no pickle), the
config that built the network and the tokenizer config.

Layout of a model folder:
    config.json            {"engine": "transformer", "model": {...ModelConfig}, "weights": [files], ...}
    tokenizer.json         vocabulary version and style slots
    model-00001-of-0000N.safetensors ...
The tied output head is not stored (it is the embedding).
"""

from __future__ import annotations

import json
from pathlib import Path

from bridge.engines.trainkit import user_file
from bridge.engines.transformer.runtime import require_torch

torch = require_torch("reading and writing a model's torch weights")  # serving the ONNX graph never comes here
from safetensors.torch import load_file, save_file  # noqa: E402  (after the guard: it imports torch)

from bridge.engines.transformer.model import ModelConfig, MusicTransformer  # noqa: E402

MAX_SHARD_BYTES = 15 * 1024 * 1024  # under the 16 MiB a file the repository allows
TIED = ("head.weight",)


def save_weights(model: MusicTransformer, folder: Path, prefix: str = "model", dtype=torch.float32) -> list[str]:
    """Write the state dict in shards of at most MAX_SHARD_BYTES; returns the file names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items() if k not in TIED}
    shards, cur, size = [], {}, 0
    for k, v in state.items():
        nbytes = v.numel() * v.element_size()
        if nbytes > MAX_SHARD_BYTES:
            raise ValueError(f"tensor {k} is {nbytes} bytes, over one shard ({MAX_SHARD_BYTES})")
        if cur and size + nbytes > MAX_SHARD_BYTES:
            shards.append(cur)
            cur, size = {}, 0
        cur[k] = v
        size += nbytes
    shards.append(cur)
    for old in folder.glob(f"{prefix}-*-of-*.safetensors"):
        old.unlink()
    names = []
    for i, shard in enumerate(shards):
        name = f"{prefix}-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, str(folder / name), metadata={"format": "pt"})
        user_file(folder / name)
        names.append(name)
    return names


def load_weights(model: MusicTransformer, folder: Path, names: list[str]) -> None:
    state = {}
    for name in names:
        state.update(load_file(str(Path(folder) / name)))  # safetensors: no pickle
    state = {k: v.to(model.emb.weight.dtype) for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if m not in TIED]
    if missing or unexpected:
        raise ValueError(f"weights in {folder} do not fit the model: missing {missing}, unexpected {unexpected}")


def read_model(folder: Path, config: dict | None = None) -> MusicTransformer:
    """Build the network from config.json and load its weights (fp32, eval mode)."""
    folder = Path(folder)
    config = config or json.loads((folder / "config.json").read_text())
    model = MusicTransformer(ModelConfig(**config["model"]))
    load_weights(model, folder, config["weights"])
    return model.eval()
