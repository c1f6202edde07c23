"""`cadenza train`: build a model folder from a dataset folder.

Every engine family's trainer is found in bridge.engines.registry and imported only when asked
for (the Markov baseline counts n-grams in seconds; the Transformer trains under a time budget
and needs torch), so this module stays light.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from bridge.data.locate import datasets_root, newest_dataset
from bridge.engines import registry  # light: no engine is imported until one is trained


class FamilyChoice(click.Choice):
    """The registered engine families, read when the command runs, so a family registered at run
    time (registry.register) is a valid --engine without touching this module."""

    def __init__(self):
        super().__init__(())

    @property
    def choices(self) -> tuple:
        return tuple(registry.FAMILIES)

    @choices.setter
    def choices(self, _value) -> None:  # click.Choice.__init__ assigns it; the registry is the truth
        pass


def resolve_data(data: str | None) -> Path:
    if data is None:
        found = newest_dataset()
        if found is None:
            raise click.ClickException(
                f"no dataset found under {datasets_root()}; build one with `cadenza data build` "
                "or pass --data DIR"
            )
        return found
    path = Path(data)
    if not (path / "manifest.json").is_file():
        raise click.ClickException(f"--data {path} is not a dataset folder (it has no manifest.json)")
    return path


def _train(engine: str, config, data_dir: Path, out_dir: Path, options: dict) -> dict:
    """Run the family's trainer from the registry, with a progress bar when it reports progress."""
    try:
        fn = registry.trainer(engine)
    except ImportError as exc:
        raise click.ClickException(f"the {engine} trainer is not available: {exc}") from None
    bar = {"bar": None}

    def progress(done: int, total: int, label: str = "training") -> None:
        if bar["bar"] is None:
            bar["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            bar["bar"].__enter__()
        bar["bar"].update(done - bar["bar"].pos)

    wanted = {k: v for k, v in options.items() if k in registry.family(engine).train_options}
    try:
        return fn(data_dir, out_dir, config=config, progress=progress, **wanted)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar["bar"] is not None:
            bar["bar"].__exit__(None, None, None)


def _summary_lines(result: dict) -> list[str]:
    lines = []
    for key, val in result.items():
        if isinstance(val, dict):
            val = ", ".join(f"{k} {v}" for k, v in val.items())
        elif isinstance(val, (list, tuple)):
            val = ", ".join(str(v) for v in val)
        lines.append(f"  {key}: {val}")
    return lines


@click.command()
@click.option("--engine", type=FamilyChoice(), required=True,
              help="Which engine family to train (bridge.engines.registry).")
@click.option("--config", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TOML settings (transformer: tiny/cpu/gpu configs in the repo; markov: optional orders).")
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="Dataset folder [the newest under the user data dir's datasets/].")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Model folder [models/<engine>-<dataset name>]; never a shipped model's folder.")
@click.option("--from", "init_from", type=click.Path(exists=True, file_okay=False), default=None,
              help="Fine-tune or resume: start from this model folder's weights, vocabulary and styles (transformer, rnn, vae, gan, groove).")
@click.option("--minutes", type=float, default=None, help="Time budget (transformer, rnn, vae, gan, groove).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              help="Where to train (transformer, rnn; markov always counts on the CPU).")
def train(engine, config, data, out, init_from, minutes, device):
    """Train a model folder from a dataset.

    \b
    Examples:
      cadenza train --engine markov
      cadenza train --engine markov --data ~/.local/share/cadenza/datasets/v1-permissive --out models/markov
      cadenza train --engine transformer --config configs/transformer-cpu.toml --minutes 20
      cadenza train --engine transformer --from models/transformer --data DATASET --minutes 10
      cadenza train --engine rnn --config configs/rnn-cpu.toml --data DATASET --out models/rnn-mine --minutes 35
      cadenza train --engine gan --config configs/gan-cpu.toml --data DATASET --out models/gan-mine --minutes 35
      cadenza train --engine groove --config configs/groove-cpu.toml --data ~/.local/share/cadenza/groove/pairs-v1 --minutes 28

    \b
    Your own MIDI folder, one style:
      cadenza data build --midi ~/midi/my-tunes --style mine
      cadenza train --engine markov --out models/mine-markov
    """
    if minutes is not None and minutes <= 0:
        raise click.BadParameter(f"must be > 0 minutes, got {minutes}", param_hint="--minutes")
    if init_from is not None and "init_from" not in registry.family(engine).train_options:
        raise click.BadParameter(f"the {engine} trainer cannot start from a model; fine-tune a transformer or resume an rnn",
                                 param_hint="--from")
    data_dir = resolve_data(data)
    out_dir = Path(out) if out else Path("models") / f"{engine}-{data_dir.name}"
    refuse_shipped(out_dir)
    click.echo(f"training {engine} on {data_dir} -> {out_dir}"
               f"{f' (fine-tuning {init_from})' if init_from else ''}", err=True)
    t0 = time.perf_counter()
    result = _train(engine, config, data_dir, out_dir, {"minutes": minutes, "device": device, "init_from": init_from})
    result = dict(result or {})
    result.setdefault("out", str(out_dir))
    result["wall_seconds"] = round(time.perf_counter() - t0, 2)
    click.echo(f"trained {engine}:")
    for line in _summary_lines(result):
        click.echo(line)
    click.echo(f"next: cadenza eval {out_dir}")
    click.echo(f"then: cadenza serve --models {out_dir.parent}   (beside the shipped models; "
               f"--default {out_dir.name} to answer with it by default)")


def refuse_shipped(out_dir: Path) -> None:
    """Training never writes over a shipped model (the daemon's default would silently become
    the new one): the shipped folders are the ones named SHIPPED_DEFAULT or SHIPPED_FALLBACK in
    the shipped models folder."""
    from bridge.server.config import default_models_dir

    shipped = default_models_dir().resolve()
    target = out_dir.resolve()
    if target.parent == shipped and target.name in (registry.SHIPPED_DEFAULT, registry.SHIPPED_FALLBACK):
        raise click.BadParameter(f"{out_dir} is a shipped model's folder; train into another, e.g. "
                                 f"--out {out_dir.parent / (out_dir.name + '-mine')}", param_hint="--out")
