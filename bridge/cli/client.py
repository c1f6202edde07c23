"""Client commands: `cadenza ping|status|models|generate|continue|restyle|infill|interpolate|accompany|groove|drumify`.

Each one talks to the running daemon (TCP by default) and imports nothing heavy, so the REAPER
scripts and shell users get an answer fast. Errors are one clean line on stderr and exit code 1;
with `--out FILE.json` the error is also written there for front ends that poll a file. What the
generating commands share (options, clip files, the request, the answer's files) is in ask.py.
"""

from __future__ import annotations

import json

import click

from bridge.cli.ask import (_client, _connection_options, _context_option, _fail, _generation_options, _groove_options,
                           _run)
from bridge.errors import CadenzaError
from bridge.music.limits import DEFAULT_STEPS, MAX_INTERPOLATE_BARS, MAX_STEPS, MIN_STEPS
from bridge.music.theory import ROLES
from bridge.server.client import model_rows


@click.command()
@_connection_options
def ping(host, port, transport):
    """Check that the daemon answers; print its version and the round trip."""
    import time

    try:
        with _client(host, port, transport, 5) as c:
            t0 = time.perf_counter()
            version = c.ping()
            click.echo(f"pong from cadenza {version} at {c.host}:{c.port} in {(time.perf_counter() - t0) * 1000:.1f} ms")
    except CadenzaError as exc:
        _fail(exc.message, code=exc.code)


def _query(host, port, transport, what: str) -> list:
    try:
        with _client(host, port, transport, 5) as c:
            return c.query(what)
    except CadenzaError as exc:
        _fail(exc.message, code=exc.code)


@click.command()
@_connection_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(host, port, transport, as_json):
    """Show the daemon's version, models, device, queue depth and uptime."""
    replies = _query(host, port, transport, "status")
    info = {}
    for _, args in replies:
        info.update(dict(zip(args[::2], args[1::2])))
    if "uptime" in info:  # float32 on the wire: 6.956999778747559
        info["uptime"] = round(float(info["uptime"]), 1)
    if as_json:
        click.echo(json.dumps(info, indent=1))
    else:
        for k, v in info.items():
            click.echo(f"{k:>14}: {format_uptime(v) if k == 'uptime' else v}")


def format_uptime(seconds: float) -> str:
    """7 s, 2 min 05 s, 3 h 02 min."""
    s = int(round(float(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


@click.command()
@_connection_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def models(host, port, transport, as_json):
    """List resident models with their engine, device, quantization and vocabularies."""
    rows = model_rows(_query(host, port, transport, "models"))
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    width = max([len(r["name"]) for r in rows] + [12]) + 2
    click.echo(f"  {'name':<{width}} {'engine':<12} {'device':<6} {'quant':<6} eval   (* = default)")
    for r in rows:
        star = "*" if r.get("default") else " "
        click.echo(f"{star} {r['name']:<{width}} {r['engine']:<12} {r['device']:<6} {r['quantization']:<6} "
                   f"{r.get('eval', 'missing')}")
        for k in ("operations", "styles", "roles", "moods"):
            click.echo(f"    {k}: {r.get(k, '')}")
        defaults = ", ".join(f"{k} {r[k]:g}" for k in ("guidance", "temperature") if k in r)
        if defaults:
            click.echo(f"    defaults: {defaults}")


@click.command()
@click.option("--roles", default=None,
              help='A band\'s parts, comma-separated, e.g. "drums,bass,chords" (implies --role band; a model '
                   "whose operations include band, the gan engine).")
@_generation_options
def generate(**kw):
    """Generate a new clip from conditions or a free-text prompt.

    With --role band (every part of the model) or --roles drums,bass the answer is a band: one
    clip a part and take, written as one multi-track MIDI file (one track a part, drums on
    channel 10) and, as JSON, with each variation's role and take.

    \b
    Examples:
      cadenza generate --style irish-folk --key "D minor" --bars 8 --out tune.mid
      cadenza generate -p "calm folk tune in D minor, 8 bars" --json
      cadenza generate --role drums --style rock -n 4 --out beats.mid
      cadenza generate --style irish-folk -n 2 --out tune.mid --png tune.png --wav tune.wav
      cadenza generate --role band --style rock --bars 4 --out band.mid
      cadenza generate --roles drums,bass --style funk --json
    """
    _run("generate", kw)


@click.command(name="continue")
@click.option("--in", "clip_in", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The clip to continue (.mid or .json).")
@_context_option
@_generation_options
def continue_(clip_in, context, **kw):
    """Continue a clip: the answer is the continuation alone, starting at beat 0.

    With --context the continuation fits the other tracks, which span the continuation's bars
    (they start where the clip ends); it needs a model that accompanies.

    \b
    Examples:
      cadenza continue --in verse.mid --bars 4 --out next.mid
      cadenza continue --in bass.mid --context melody=chorus-lead.mid --role bass --out next.mid
    """
    _run("continue", kw, clip_in, context_paths=context)


@click.command()
@click.option("--in", "clip_in", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The clip to restyle (.mid or .json).")
@click.option("--preserve", type=click.Choice(["rhythm", "contour", "none"]), default=None,
              help="What to keep of the original.")
@click.option("--strength", type=float, default=None, help="0 (unchanged) to 1 (fully rewritten).")
@_generation_options
def restyle(clip_in, preserve, strength, **kw):
    """Rewrite a clip in another style, mood or key.

    \b
    Example:
      cadenza restyle --in riff.mid --style baroque-chorale --strength 0.7 --out bach.mid
    """
    _run("restyle", kw, clip_in, extra={"preserve": preserve, "strength": strength})


@click.command()
@click.option("--in", "clip_in", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The clip to play with feel (.mid or .json).")
@click.option("--amount", type=float, default=None,
              help="0 (the clip as sent) to 1 (the model's timing and velocity) [1].")
@click.option("--swing", type=float, default=None, help="0 (straight) to 1 (off-beats on the triplet point) [0].")
@_groove_options
def groove(clip_in, amount, swing, **kw):
    """Play a clip with feel: the same notes, new onsets and velocities (a model that grooves).

    \b
    Examples:
      cadenza groove --in beat.mid --amount 0.8 --swing 0.3 --style funk --out played.mid
      cadenza groove --in bass.mid --role bass --style rock -n 3 --out takes.mid
    """
    _run("groove", kw, clip_in, extra={"amount": amount, "swing": swing})


@click.command()
@click.option("--in", "clip_in", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The clip whose rhythm the drums follow (.mid or .json).")
@click.option("--strength", type=float, default=None, help="0 (unchanged) to 1 (fully rewritten).")
@_generation_options
def drumify(clip_in, strength, **kw):
    """Turn a clip's rhythm into a drum part on its onsets (restyle role drums preserve rhythm, on
    the model docs/ENGINES.md names best at it unless --model names one).

    \b
    Example:
      cadenza drumify --in tune.mid --style rock --out drums.mid
    """
    _run("drumify", kw, clip_in, extra={"strength": strength})


@click.command()
@click.option("--in", "clip_in", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The clip to fill (.mid or .json).")
@click.option("--start-bar", type=int, required=True, help="First bar to regenerate (0-based).")
@click.option("--end-bar", type=int, required=True, help="Bar after the last one to regenerate.")
@_context_option
@_generation_options
def infill(clip_in, start_bar, end_bar, context, **kw):
    """Regenerate bars start..end (end exclusive) of a clip, keeping the rest as context.

    With --context the new bars also fit the other tracks over the same bars (each as long as
    the clip); it needs a model that accompanies.

    \b
    Examples:
      cadenza infill --in song.mid --start-bar 4 --end-bar 6 --out fixed.mid
      cadenza infill --in bass.mid --start-bar 2 --end-bar 4 --context melody=lead.mid --role bass --out fixed.mid
    """
    _run("infill", kw, clip_in, positional=(start_bar, end_bar), context_paths=context)


@click.command()
@click.option("--a", "clip_a", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The clip to start from (.mid or .json): the first step.")
@click.option("--b", "clip_b", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The clip to arrive at (.mid or .json, in the same meter as --a): the last step.")
@click.option("--steps", type=int, default=None,
              help=f"How many clips, both ends included ({MIN_STEPS}-{MAX_STEPS}) [default: {DEFAULT_STEPS}].")
@_generation_options(variations=False, bars_max=MAX_INTERPOLATE_BARS)
def interpolate(clip_a, clip_b, steps, **kw):
    """Morph one clip into another: one variation per step, in order from --a to --b.

    Needs a model whose engine interpolates (the vae engine; `cadenza models` lists each model's
    operations).

    \b
    Example:
      cadenza interpolate --a verse.mid --b chorus.mid --steps 5 --out morph.mid
    """
    kw["variations"] = None
    _run("interpolate", kw, extra={"steps": steps}, slot_paths={"a": clip_a, "b": clip_b})


@click.command()
@_context_option
@click.option("--roles", default=None,
              help='Several parts, comma-separated, e.g. "bass,chords": each written over the context and the '
                   "parts before it (a harmonisation), one track a part in the .mid.")
@_generation_options
def accompany(context, **kw):
    """Write the part for --role that fits the other tracks (--context ROLE=FILE, up to 8).

    With --roles bass,chords the parts are written in that order, each over the context and the
    parts before it: given a soprano, a bass and then the inner voices.

    The answer keeps the context's meter, length (--bars may ask for fewer) and key (estimated
    from the pitched tracks unless --key says otherwise). Needs a model that accompanies
    (`cadenza models` lists each model's operations).

    \b
    Examples:
      cadenza accompany --context melody=lead.mid --role bass --out bass.mid
      cadenza accompany --context melody=lead.mid --context drums=beat.mid --role chords -n 3 --out chords.mid
      cadenza accompany --context melody=tune.json --role bass --json
      cadenza accompany --context melody=soprano.mid --roles bass,chords --style baroque-chorale --out satb.mid
    """
    if not context:
        raise click.UsageError("accompany needs at least one --context ROLE=FILE (the other tracks), "
                               "e.g. --context melody=lead.mid")
    if not kw.get("role") and not kw.get("roles"):
        raise click.UsageError(f"accompany needs --role, the part to write (one of {', '.join(ROLES)}), "
                               "or --roles for several, e.g. --roles bass,chords")
    if kw.get("role") and kw.get("roles"):
        raise click.UsageError("give --role (one part) or --roles (several), not both")
    _run("accompany", kw, context_paths=context)
