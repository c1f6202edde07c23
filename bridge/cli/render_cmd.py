"""`cadenza render`: a piano-roll PNG and a WAV preview of a clip file, and the same previews for
`--png/--wav` on generate, continue, restyle and infill (bridge/cli/render.py draws and plays)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bridge.cli.files import write_atomic
from bridge.errors import CadenzaError


def write_previews(clips: list, png: str | None, wav: str | None, together: bool, out: str | None = None) -> None:
    """Write the PNG and/or WAV of `clips`; a failure is one line and exit code 1."""
    from bridge.cli.render import render_png, render_wav

    try:
        if png:
            size = {}
            write_atomic(Path(png), writer=lambda tmp: size.setdefault("wh", render_png(clips, tmp)))
            click.echo(f"wrote {png}: piano roll {size['wh'][0]}x{size['wh'][1]} px, {len(clips)} lane(s)", err=True)
        if wav:
            took = {}
            write_atomic(Path(wav), writer=lambda tmp: took.setdefault("s", render_wav(clips, tmp, together)))
            click.echo(f"wrote {wav}: {took['s']:.2f} s of audio", err=True)
    except CadenzaError as exc:
        click.echo(f"cadenza: {exc.message}", err=True)
        sys.exit(1)


def read_clips(path: Path) -> tuple[list, bool]:
    """(clips, play together): a MIDI file's tracks (together), a result JSON's variations (in
    turn) or one JSON clip."""
    from bridge.music.clip import Clip, midi_to_clips

    if path.suffix.lower() in (".mid", ".midi"):
        return midi_to_clips(path), True
    data = json.loads(path.read_text())
    if isinstance(data, dict) and "variations" in data:
        return [Clip.from_dict(dict(v, meter=data.get("meter", "4/4"), tempo=data.get("tempo", 120.0),
                                    key=data.get("key"), drums=data.get("role") == "drums"))
                for v in data["variations"]], False
    return [Clip.from_dict(data)], False


def _suffix(ext):
    def check(ctx, param, value):
        if value is not None and Path(value).suffix.lower() != ext:
            raise click.BadParameter(f"{value!r} must end in {ext}", param_hint=f"--{param.name}")
        return value
    return check


@click.command()
@click.argument("clip_in", metavar="IN", type=click.Path(exists=True, dir_okay=False))
@click.option("--png", default=None, callback=_suffix(".png"), help="Write a piano-roll PNG.")
@click.option("--wav", default=None, callback=_suffix(".wav"), help="Write a WAV preview (FluidSynth, GM soundfont).")
def render(clip_in, png, wav):
    """Draw and play a clip: IN is a .mid file, a clip .json or a `--out` result .json.

    \b
    Examples:
      cadenza render tune.mid --png tune.png --wav tune.wav
      cadenza render ideas.json --png ideas.png

    The WAV needs Debian's fluidsynth and fluid-soundfont-gm (or CADENZA_SOUNDFONT=FILE.sf2).
    """
    if not png and not wav:
        raise click.UsageError("say what to write: --png FILE.png and/or --wav FILE.wav")
    path = Path(clip_in)
    if path.suffix.lower() not in (".mid", ".midi", ".json"):
        raise click.BadParameter(f"{clip_in!r} must be a .mid or .json file", param_hint="IN")
    try:
        clips, together = read_clips(path)
    except CadenzaError as exc:
        raise click.ClickException(exc.message) from None
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {clip_in}: {exc}") from None
    write_previews(clips, png, wav, together)
