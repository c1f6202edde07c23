"""Engine registry and model-folder loading."""

from __future__ import annotations

import json
import logging
from importlib import import_module
from pathlib import Path

from bridge.errors import UnknownModel
from bridge.engines.base import Engine, ModelInfo

log = logging.getLogger(__name__)

# engine name -> "module:Class", imported lazily so the CLI and light tools stay fast
ENGINES = {
    "markov": "bridge.engines.markov.engine:MarkovEngine",
    "transformer": "bridge.engines.transformer:TransformerEngine",
}


def engine_class(name: str) -> type[Engine]:
    if name not in ENGINES:
        raise UnknownModel(f"unknown engine {name!r}; known engines: {', '.join(ENGINES)}")
    module, cls = ENGINES[name].split(":")
    return getattr(import_module(module), cls)


def load_model(folder: Path, device: str = "auto") -> Engine:
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text())
    return engine_class(config["engine"]).load(folder, config, device=device)


def load_models(models_dir: Path, device: str = "auto") -> dict[str, Engine]:
    """Load every model folder (a sub-folder with config.json). The default model is the one whose
    config says "default": true, else the first transformer, else the first by name."""
    models: dict[str, Engine] = {}
    for folder in sorted(Path(models_dir).iterdir()):
        if not (folder / "config.json").is_file():
            continue
        try:
            models[folder.name] = load_model(folder, device)
        except Exception:
            log.exception("could not load model folder %s; skipping it", folder)
    if models and not any(m.info.default for m in models.values()):
        pick = next((m for m in models.values() if m.info.engine == "transformer"), None)
        (pick or next(iter(models.values()))).info.default = True
    return models


__all__ = ["Engine", "ModelInfo", "ENGINES", "engine_class", "load_model", "load_models"]
