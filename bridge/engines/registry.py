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
         train_options=("minutes", "device", "init_from"))
register("rnn", engine="bridge.engines.rnn.engine:RnnEngine", trainer="bridge.engines.rnn.train:train",
         card="bridge.engines.rnn.card:write_card", train_options=("minutes", "device", "init_from"))
register("vae", engine="bridge.engines.vae.engine:VAEEngine", trainer="bridge.engines.vae.train:train",
         card="bridge.engines.vae.card:write_card", train_options=("minutes", "device", "init_from"))
register("gan", engine="bridge.engines.gan.engine:GANEngine", trainer="bridge.engines.gan.train:train",
         card="bridge.engines.gan.card:write_card", train_options=("minutes", "device", "init_from"))
register("groove", engine="bridge.engines.groove.engine:GrooveEngine", trainer="bridge.engines.groove.train:train",
         card="bridge.engines.groove.card:write_card", train_options=("minutes", "device", "init_from"))


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


SHIPPED_DEFAULT = "transformer"  # the daemon's default model unless `cadenza serve --default NAME`
SHIPPED_FALLBACK = "markov"  # the default where the shipped Transformer is not there

# A model is "below baseline" in `cadenza models` when its eval.json's musical summary score is
# under the Markov baseline row's by more than MUSICAL_MARGIN (or its bars-and-meter exactness is
# worse); an eval from before the musical columns falls back to these scores, each against the
# baseline's with BASELINE_MARGIN (absolute, on 0-1 scores).
BASELINE_SCORES = ("key_adherence", "exact", "pc_overlap", "rhythm_overlap")
BASELINE_MARGIN = 0.05
MUSICAL_MARGIN = 0.02  # the musical summary score (0-1): below the baseline's by more than this


def _musical_score(row: dict) -> float | None:
    try:
        return float(row["musical"]["overall"]["score"])
    except (KeyError, TypeError, ValueError):
        return None


EVAL_OK, EVAL_MISSING, EVAL_BELOW = "ok", "missing", "below baseline"


def eval_status(folder: Path) -> str:
    """"ok", "missing" (no eval.json, or one without this model's row) or "below baseline", from
    the model folder's eval.json (written by `cadenza eval`). The baseline is the Markov row of the
    same eval; the baseline itself, or an eval without one, is "ok" once measured."""
    try:
        result = json.loads((Path(folder) / "eval.json").read_text())
        rows = result["models"]
        own, base = rows[0]["overall"], next((r["overall"] for r in rows[1:] if r["engine"] == "markov"), None)
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return EVAL_MISSING
    if base is None:
        return EVAL_OK
    mine_m, base_m = _musical_score(rows[0]), next((_musical_score(r) for r in rows[1:] if r["engine"] == "markov"), None)
    if mine_m is not None and base_m is not None:  # the musical summary (issue 10) is the trusted measure
        exact = own.get("exact")
        return EVAL_BELOW if mine_m < base_m - MUSICAL_MARGIN or exact is None or exact < base.get("exact", 0) \
            - BASELINE_MARGIN else EVAL_OK
    for score in BASELINE_SCORES:
        mine, theirs = own.get(score), base.get(score)
        if mine is None or (theirs is not None and mine < theirs - BASELINE_MARGIN):
            return EVAL_BELOW
    return EVAL_OK


def load_models(models_dirs, device: str = "auto", default: str | None = None) -> dict[str, Engine]:
    """Load every model folder (a sub-folder with config.json) of each folder in `models_dirs` (a
    folder or a list: the shipped models first, then the user's). A name already taken by an
    earlier folder is served as "<parent>-<name>". The default model is `default` when given (an
    unknown name is an UnknownModel error), else the shipped default (SHIPPED_DEFAULT, then
    SHIPPED_FALLBACK) from the first folder, else the first model: never a model only because it
    was trained last, and a "default" flag in a config.json is not obeyed."""
    dirs = [models_dirs] if isinstance(models_dirs, (str, Path)) else list(models_dirs)
    models: dict[str, Engine] = {}
    first_dir: set[str] = set()
    seen: set[Path] = set()
    for n, models_dir in enumerate(dirs):
        models_dir = Path(models_dir)
        if not models_dir.is_dir() or models_dir.resolve() in seen:
            continue
        seen.add(models_dir.resolve())
        for folder in sorted(models_dir.iterdir()):
            if not (folder / "config.json").is_file() or folder.resolve() in seen:
                continue
            seen.add(folder.resolve())
            name = folder.name
            if name in models:
                name = f"{models_dir.name}-{folder.name}"
                k = 2
                while name in models:
                    name, k = f"{models_dir.name}-{folder.name}-{k}", k + 1
                log.warning("a model named %r is already served; serving %s as %r", folder.name, folder, name)
            try:
                engine = load_model(folder, device)
            except CadenzaError as e:  # a known reason (such as a missing extra): one line, no traceback
                log.error("could not load model folder %s; skipping it: %s", folder, e)
                continue
            except Exception:
                log.exception("could not load model folder %s; skipping it", folder)
                continue
            engine.info.name = name
            engine.info.default = False
            engine.info.extra["eval"] = eval_status(folder)
            models[name] = engine
            if n == 0:
                first_dir.add(name)
    if default is not None and default not in models:
        raise UnknownModel(f"--default {default!r} is not a served model; served: {', '.join(models) or 'none'}")
    pick = default or next((m for m in (SHIPPED_DEFAULT, SHIPPED_FALLBACK) if m in first_dir), None)
    if pick is None and models:
        pick = next(iter(sorted(first_dir) or models))
    if pick is not None:
        models[pick].info.default = True
    return models


__all__ = ["Engine", "ModelInfo", "Family", "FAMILIES", "register", "family", "engine_class", "trainer",
           "card_writer", "load_model", "load_models", "eval_status", "SHIPPED_DEFAULT"]
