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
@click.option("--accompany-windows", type=click.IntRange(0, 10000), default=40, show_default=True,
              help="Held-out multi-part windows for the accompany section (models that answer accompany; 0 skips).")
@click.option("--split", type=click.Choice(["test", "val"]), default="test", show_default=True,
              help="Clips to score against: val tunes decoding settings without looking at test "
                   "(the card is then left alone).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the whole report as JSON to this file.")
@click.option("--accompany-only", is_flag=True,
              help="Only the accompany section: print it and write MODEL/eval-accompany.json (the card is left alone).")
def eval_cmd(model, data, n, variations, bars, seed, max_real, max_style_fit, baseline, no_baseline, out_card, device,
             accompany_windows, split, json_out, accompany_only):
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
      cadenza eval /tmp/try-pitch-1.1 --split val --json try.json   (tuning a decoding setting)
    """
    from bridge.errors import CadenzaError
    from bridge.evaluation.card import write_section
    from bridge.evaluation.report import render, summary_lines
    from bridge.evaluation.runner import EvalSettings, evaluate

    model = Path(model)
    if not (model / "config.json").is_file():
        raise click.ClickException(f"{model} is not a model folder (it has no config.json)")
    if _engine_of(model) == "groove":  # it generates nothing: its report is timing and velocity (docs/ENGINES.md)
        _groove_eval(model, Path(data) if data else None, seed, out_card)
        return
    data_dir = Path(data) if data else _default_data(model)
    if data_dir is None or not (data_dir / "manifest.json").is_file():
        raise click.ClickException(
            f"no dataset to evaluate against ({data_dir or 'none found'}); pass --data DIR "
            "or build one with `cadenza data build`"
        )
    if accompany_only:
        _accompany_only(model, data_dir, accompany_windows or 40, bars, seed, device, split, json_out)
        return
    models = [model]
    if not no_baseline:
        base = Path(baseline) if baseline else model.parent / "markov"
        if base.resolve() != model.resolve() and (base / "config.json").is_file() and _engine_of(base) == "markov":
            models.append(base)
    settings = EvalSettings(n=n, variations=min(variations, n) if n > 1 else 2, bars=bars, seed=seed,
                            max_real=max_real, max_style_fit=max_style_fit, device=device,
                            accompany_windows=accompany_windows, split=split)
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
    if json_out:
        write_atomic(Path(json_out), json.dumps(result, indent=1, default=str))
    to_card = out_card and split == "test"  # a val run tunes; the card reports test
    if to_card:
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
    if json_out:
        click.echo(f"report written to {json_out}")
    if to_card:
        click.echo(f"report written to {model / 'MODEL_CARD.md'} and {model / 'eval.json'}")


def _accompany_only(model: Path, data_dir: Path, windows: int, bars: int, seed: int, device: str,
                    split: str = "test", json_out: str | None = None) -> None:
    """`--accompany-only`: the accompany section alone (docs/EVAL.md "Accompany"), into
    MODEL/eval-accompany.json (a test run) and `--json`'s file."""
    from bridge.data.dataset import Dataset
    from bridge.engines.registry import load_model
    from bridge.errors import CadenzaError
    from bridge.evaluation.accompany import AccompanySettings, evaluate_accompany, section

    try:
        engine = load_model(model, device=device)
        if "accompany" not in engine.operations:
            raise click.ClickException(f"{model} does not answer accompany (its operations: "
                                       f"{', '.join(engine.operations)}); train it with data.context_rate > 0")
        acc = evaluate_accompany(engine, Dataset.load(data_dir), AccompanySettings(windows=windows, bars=bars, seed=seed, split=split),
                                 lambda what, done, total: click.echo(f"  [{done + 1}/{total}] {what}", err=True))
    except (CadenzaError, ValueError, OSError) as exc:
        raise click.ClickException(str(getattr(exc, "message", exc))) from None
    outs = ([model / "eval-accompany.json"] if split == "test" else []) + ([Path(json_out)] if json_out else [])
    for out in outs:
        write_atomic(out, json.dumps(acc, indent=1, default=str))
    click.echo("\n".join(section(acc, model.name)))
    for out in outs:
        click.echo(f"written to {out}", err=True)


def _groove_eval(model: Path, data: Path | None, seed: int, out_card: bool) -> None:
    """A groove model's report: bridge/engines/groove/measure.py on the held-out played parts of
    its pairs (--data: a pairs folder; default: the one it was trained on), into the card's block."""
    from bridge.data.groove_pairs import GroovePairs
    from bridge.engines.groove.measure import measure, section
    from bridge.engines.registry import load_model
    from bridge.evaluation.card import write_section

    folder = data or Path(json.loads((model / "config.json").read_text()).get("pairs", ""))
    try:
        pairs = GroovePairs.load(folder)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"no groove pairs to evaluate against ({exc}); pass --data PAIRS "
                                   "(`cadenza data groove` builds them)") from None
    click.echo(f"evaluating {model} on the held-out parts of {folder}", err=True)
    result = measure(load_model(model), pairs, seed=seed)
    text = section(result, model.name)
    if out_card:
        write_section(model / "MODEL_CARD.md", text)
        row = {"name": model.name, "engine": "groove", "overall": {"groove": result}}
        write_atomic(model / "eval.json", json.dumps({"models": [row], "pairs": str(folder)}, indent=1))
        click.echo(f"report written to {model / 'MODEL_CARD.md'} and {model / 'eval.json'}")
    else:
        sys.stdout.write(text + "\n")
