"""`cadenza data build` and `cadenza data stats`. Heavy imports happen inside the commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group()
def data():
    """Build and inspect the training corpus."""


@data.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dataset folder (default: <user data dir>/cadenza/datasets/v1-<licence>).")
@click.option("--licence", "--license", "licence", type=click.Choice(["permissive", "all"]),
              default="permissive", show_default=True,
              help="permissive leaves out Essen (non-commercial) and rights-reserved encodings; "
                   "all keeps everything, for personal models.")
@click.option("--sources", default="music21,debian,mma", show_default=True,
              help="Comma-separated built-in sources to read.")
@click.option("--midi", "midi_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Build from your own folder of MIDI (and ABC/MusicXML) files instead.")
@click.option("--style", default=None, help="Style label for the pieces in --midi (e.g. my-band).")
@click.option("--workers", "-j", type=int, default=None, help="Worker processes (default: every core).")
@click.option("--no-cache", is_flag=True, help="Parse everything again and write no cache.")
@click.option("--limit", type=int, default=None, help="At most N files per source (a quick trial build).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def build(out, licence, sources, midi_dir, style, workers, no_cache, limit, quiet):
    """Turn the music that ships offline into labelled clips with a split.

    \b
    Examples:
      cadenza data build                           # permissive corpus, default folder
      cadenza data build --licence all --out ~/ds  # everything, for a personal model
      cadenza data build --midi ~/my-midi --style my-band
    """
    import os

    from bridge.data.build import BuildConfig, build as run_build
    from bridge.data.stats import format_table

    if style and midi_dir is None:
        raise click.UsageError("--style labels the pieces of --midi DIR; give --midi too")
    cfg = BuildConfig(
        out=out, licence=licence, sources=tuple(s.strip() for s in sources.split(",") if s.strip()),
        midi_dir=midi_dir, style=style, workers=workers or os.cpu_count() or 1, progress=not quiet,
        limit=limit,
    )
    if no_cache:
        cfg.cache_dir = None
    try:
        result = run_build(cfg)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
    ds = result.dataset
    click.echo(format_table(ds.manifest))
    size = sum(f.stat().st_size for f in ds.folder.iterdir() if f.is_file())
    click.echo(f"\nbuilt {ds.folder} in {result.seconds:.1f} s ({result.cached}/{result.tasks} files from cache, "
               f"{len(result.broken)} broken), {size / 1e6:.1f} MB on disk")


@data.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the manifest's counts as JSON.")
def stats(folder, as_json):
    """Print the manifest table of a dataset (default: the permissive build).

    \b
    Example:
      cadenza data stats ~/.local/share/cadenza/datasets/v1-permissive
    """
    import json

    from bridge.data.build import default_out_dir
    from bridge.data.stats import format_table

    folder = folder or default_out_dir("permissive")
    manifest_path = Path(folder) / "manifest.json"
    if not manifest_path.exists():
        raise click.ClickException(f"no dataset at {folder} (manifest.json missing): run `cadenza data build`")
    manifest = json.loads(manifest_path.read_text())
    if "counts" not in manifest:
        raise click.ClickException(f"{manifest_path} has no counts: rebuild it with `cadenza data build`")
    if as_json:
        json.dump(manifest["counts"], sys.stdout, indent=1)
        click.echo()
    else:
        click.echo(format_table(manifest))


@data.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Pairs folder (default: <user data dir>/cadenza/groove/pairs-v1).")
@click.option("--sources", default="debian,mma", show_default=True,
              help="Comma-separated played sources to read (debian: freedoom, simutrans, openttd MIDI; mma).")
@click.option("--midi", "midi_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Read your own folder of played MIDI files instead.")
@click.option("--style", default=None, help="Style label for the pieces in --midi.")
@click.option("--dataset", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Clip dataset whose split the pairs follow [the newest dataset].")
@click.option("--limit", type=int, default=None, help="At most N files per source (a quick trial).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def groove(out, sources, midi_dir, style, dataset, limit, quiet):
    """Build the groove engine's training pairs: played parts from the raw sources, before the
    corpus cleaner quantises them, each note beside its grid point (offset and velocity).

    \b
    Examples:
      cadenza data groove
      cadenza data groove --midi ~/played-drums --style my-band --out ~/groove-pairs
      cadenza train --engine groove --data ~/.local/share/cadenza/groove/pairs-v1 --minutes 30
    """
    import json

    from bridge.data.groove_pairs import build_pairs, default_pairs_dir, format_summary, groove_tasks
    from bridge.data.locate import newest_dataset

    if style and midi_dir is None:
        raise click.UsageError("--style labels the pieces of --midi DIR; give --midi too")
    out = out or default_pairs_dir()
    ds = dataset or newest_dataset()
    splits = {}
    if ds is not None and (Path(ds) / "manifest.json").is_file():
        splits = {p["id"]: p["split"] for p in json.loads((Path(ds) / "manifest.json").read_text()).get("pieces", [])
                  if "split" in p}
    try:
        tasks = groove_tasks(tuple(s.strip() for s in sources.split(",") if s.strip()), midi_dir, style, limit=limit)
    except (FileNotFoundError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
    bar = {"bar": None}

    def progress(done, total, label):
        if quiet:
            return
        if bar["bar"] is None:
            bar["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            bar["bar"].__enter__()
        bar["bar"].update(done - bar["bar"].pos)

    try:
        pairs = build_pairs(tasks, splits, progress=progress, log=lambda m: click.echo(m, err=True))
    finally:
        if bar["bar"] is not None:
            bar["bar"].__exit__(None, None, None)
    if not len(pairs.parts):
        raise click.ClickException(f"no played parts in {len(tasks)} files: every part sat on the grid")
    pairs.manifest["split_from"] = str(ds) if splits else "bridge/data/split.py over the groove pieces"
    pairs.save(out)
    click.echo(format_summary(pairs.manifest["summary"]))
    click.echo(f"wrote {out} ({(Path(out) / 'pairs.npz').stat().st_size / 1e6:.1f} MB) in "
               f"{pairs.manifest['build_seconds']} s")
