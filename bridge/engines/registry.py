"""Engine families and model-folder loading.

One table: family name -> where its engine class, its trainer and its card writer live, as lazy
"module:attr" strings imported on use, so `cadenza train --help` and other light tools never
import torch. A new family is one package plus one `register(...)` line (docs/ENGINES.md):

    register("toy", engine="mypkg.toy:ToyEngine", trainer="mypkg.toy:train")

Contracts of the named objects:
- engine: an `Engine` subclass; `load(folder, config, device)` builds it from a model folder.
- trainer: `train(data_dir, out_dir, config=None, progress=None, **options) -> summary dict`;
  `config` is a TOML file or None, `progress(done, total, label)` may be called, `options` are the
  family's `train_options` (e.g. minutes, device) as `cadenza train` received them.
- card: the function that writes the family's MODEL_CARD.md (its trainer calls it; the block
  `cadenza eval` maintains is kept through bridge.engines.card).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Callable

from bridge.errors import CadenzaError, UnknownModel
from bridge.engines.base import Engine, ModelInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Family:
    name: str
    engine: str  # "module:Class" of the Engine subclass
    trainer: str | None = None  # "module:function", see the contract above; None: not trainable here
    card: str | None = None  # "module:function" writing MODEL_CARD.md
    train_options: tuple = ()  # `cadenza train` options passed to the trainer as keyword arguments


FAMILIES: dict[str, Family] = {}


def register(name: str, engine: str, trainer: str | None = None, card: str | None = None,
             train_options: tuple = ()) -> Family:
    """Add (or replace) an engine family; every path is imported only when it is used."""
    FAMILIES[name] = Family(name, engine, trainer, card, tuple(train_options))
    return FAMILIES[name]


register("markov", engine="bridge.engines.markov.engine:MarkovEngine", trainer="bridge.engines.markov.train:train",
         card="bridge.engines.markov.card:write_card")
register("transformer", engine="bridge.engines.transformer:TransformerEngine",
         trainer="bridge.engines.transformer.train:train", card="bridge.engines.transformer.card:write_card",
         train_options=("minutes", "device"))


def _resolve(path: str):
    module, attr = path.split(":")
    return getattr(import_module(module), attr)


def family(name: str) -> Family:
    if name not in FAMILIES:
        raise UnknownModel(f"unknown engine {name!r}; known engines: {', '.join(FAMILIES)}")
    return FAMILIES[name]


def engine_class(name: str) -> type[Engine]:
    return _resolve(family(name).engine)


def trainer(name: str) -> Callable[..., dict]:
    """The family's trainer (importing it, and whatever it needs, such as torch)."""
    fam = family(name)
    if fam.trainer is None:
        raise UnknownModel(f"engine {name!r} has no trainer; trainable engines: "
                           f"{', '.join(n for n, f in FAMILIES.items() if f.trainer)}")
    return _resolve(fam.trainer)


def card_writer(name: str) -> Callable | None:
    fam = family(name)
    return _resolve(fam.card) if fam.card else None


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
        except CadenzaError as e:  # a known reason (such as a missing extra): one line, no traceback
            log.error("could not load model folder %s; skipping it: %s", folder, e)
        except Exception:
            log.exception("could not load model folder %s; skipping it", folder)
    if models and not any(m.info.default for m in models.values()):
        pick = next((m for m in models.values() if m.info.engine == "transformer"), None)
        (pick or next(iter(models.values()))).info.default = True
    return models


__all__ = ["Engine", "ModelInfo", "Family", "FAMILIES", "register", "family", "engine_class", "trainer",
           "card_writer", "load_model", "load_models"]
