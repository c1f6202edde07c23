"""`cadenza eval MODEL`: score a model folder and write the report into its model card."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bridge.cli.files import write_atomic
from bridge.music.limits import DEFAULT_BARS, MAX_BARS, MAX_VARIATIONS


def _default_data(model: Path) -> Path | None:
    """The dataset the model was trained on (its config says), else the newest user dataset."""
    try:
        config = json.loads((model / "config.json").read_text())
    except (OSError, ValueError):
        config = {}
    ds = config.get("dataset") or (config.get("training") or {}).get("data")  # markov / transformer
    path = ds.get("path") if isinstance(ds, dict) else ds if isinstance(ds, str) else None
    if path and (Path(path) / "manifest.json").is_file():
        return Path(path)
    from bridge.data.locate import newest_dataset

    return newest_dataset()


def _engine_of(model: Path) -> str | None:
    try:
        return json.loads((model / "config.json").read_text()).get("engine")
    except (OSError, ValueError):
        return None


@click.command(name="eval")
@click.argument("model", type=click.Path(exists=True, file_okay=False))
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="Dataset folder [the one the model was trained on, else the newest user dataset].")
@click.option("--n", "n", type=click.IntRange(1, 512), default=8, show_default=True,
              help="Generated clips per style and role.")
@click.option("--variations", type=click.IntRange(2, MAX_VARIATIONS), default=4, show_default=True,
              help="Variations per request (distinctness is measured among them).")
@click.option("--bars", type=click.IntRange(1, MAX_BARS), default=DEFAULT_BARS, show_default=True, help="Bars per generated clip.")
@click.option("--seed", type=int, default=1234, show_default=True, help="First request seed.")
@click.option("--max-real", type=click.IntRange(1, 100000), default=200, show_default=True,
              help="Real test clips per style and role for the reference statistics.")
@click.option("--max-style-fit", type=click.IntRange(2, 100000), default=150, show_default=True,
              help="Real train clips per style the gradient-boosted style model is fitted on.")
@click.option("--baseline", type=click.Path(exists=True, file_okay=False), default=None,
              help="Markov model to report beside MODEL [models/markov next to MODEL, when MODEL is not markov].")
@click.option("--no-baseline", is_flag=True, help="Do not add the Markov baseline row.")
@click.option("--out-card/--no-out-card", default=True, show_default=True,
              help="Write the report into MODEL/MODEL_CARD.md (and MODEL/eval.json).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
def eval_cmd(model, data, n, variations, bars, seed, max_real, max_style_fit, baseline, no_baseline, out_card, device):
    """Score MODEL against held-out clips and write the report into its model card.

    \b
    The report: validation loss; per style and role, key adherence (no scale lock), bars/meter
    exactness, a style classifier's accuracy on generated vs real clips, pitch-class and rhythm
    histogram overlap, variation distinctness and originality (longest run copied from training
    data). Then the musical columns against real clips of the same style and role, each as a
    ratio to its real-vs-real ceiling (tonality, pitch variety, rhythm, drums, bass roots,
    structure, velocity), a gradient-boosted style model's recall, one summary score per model,
    the verdict against the Markov baseline (which gets a row of its own) and issue 10's targets
    as pass/fail lines. The style models are fitted on every run (seconds to minutes a role on
    a large dataset; progress is printed). See docs/EVAL.md.

    \b
    Examples:
      cadenza eval models/markov
      cadenza eval models/transformer --n 16
      cadenza eval models/markov --data ~/.local/share/cadenza/datasets/v1-permissive --no-out-card
    """
    from bridge.errors import CadenzaError
    from bridge.evaluation.card import write_section
    from bridge.evaluation.report import render, summary_lines
    from bridge.evaluation.runner import EvalSettings, evaluate

    model = Path(model)
    if not (model / "config.json").is_file():
        raise click.ClickException(f"{model} is not a model folder (it has no config.json)")
    data_dir = Path(data) if data else _default_data(model)
    if data_dir is None or not (data_dir / "manifest.json").is_file():
        raise click.ClickException(
            f"no dataset to evaluate against ({data_dir or 'none found'}); pass --data DIR "
            "or build one with `cadenza data build`"
        )
    models = [model]
    if not no_baseline:
        base = Path(baseline) if baseline else model.parent / "markov"
        if base.resolve() != model.resolve() and (base / "config.json").is_file() and _engine_of(base) == "markov":
            models.append(base)
    settings = EvalSettings(n=n, variations=min(variations, n) if n > 1 else 2, bars=bars, seed=seed,
                            max_real=max_real, max_style_fit=max_style_fit, device=device)
    click.echo(f"evaluating {', '.join(str(m) for m in models)} on {data_dir}", err=True)
    state = {"label": None}

    def progress(what: str, done: int, total: int) -> None:
        if what != state["label"]:
            state["label"] = what
            click.echo(f"  [{done + 1}/{total}] {what}", err=True)

    try:
        result = evaluate(models, data_dir, settings, progress)
    except (CadenzaError, ValueError, OSError) as exc:
        raise click.ClickException(str(getattr(exc, "message", exc))) from None
    text = render(result)
    if out_card:
        write_section(model / "MODEL_CARD.md", text)
        write_atomic(model / "eval.json", json.dumps(result, indent=1, default=str))
    else:
        sys.stdout.write(text + "\n")
    for m in result["models"]:
        if m.get("warning"):
            click.echo(f"warning ({m['name']}): {m['warning']}", err=True)
    click.echo(f"evaluated in {result['seconds']} s:")
    for line in summary_lines(result):
        click.echo("  " + line)
    if out_card:
        click.echo(f"report written to {model / 'MODEL_CARD.md'} and {model / 'eval.json'}")
