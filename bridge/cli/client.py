"""Client commands: `cadenza ping|status|models|generate|continue|restyle|infill`.

Each one talks to the running daemon (TCP by default) and imports nothing heavy, so the REAPER
scripts and shell users get an answer fast. Errors are one clean line on stderr and exit code 1;
with `--out FILE.json` the error is also written there for front ends that poll a file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bridge.server.client import Client, RemoteError, default_host, default_port
from bridge.server.router import ROOT
from bridge.cli.files import write_atomic
from bridge.errors import CadenzaError
from bridge.music.limits import MAX_BARS, MAX_VARIATIONS


def _connection_options(f):
    f = click.option("--udp", "transport", flag_value="udp", help="Talk UDP instead of TCP.")(f)
    f = click.option("--port", type=int, default=None, help="Daemon port [default: 7500 or $CADENZA_PORT].")(f)
    f = click.option("--host", default=None, help="Daemon host [default: 127.0.0.1 or $CADENZA_HOST].")(f)
    return f


def _client(host, port, transport, timeout=60.0) -> Client:
    return Client(host or default_host(), port or default_port(), transport or "tcp", timeout=timeout)


def _fail(message: str, out: str | None = None, code: str = "error"):
    if out and out.lower().endswith(".json"):
        write_atomic(Path(out), json.dumps({"ok": False, "error": {"code": code, "message": message}}))
    click.echo(f"cadenza: {message}", err=True)
    sys.exit(1)


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
    replies = _query(host, port, transport, "models")
    rows = []
    for _, args in replies:
        name, engine, device, quant, *kv = args
        row = {"name": name, "engine": engine, "device": device, "quantization": quant}
        row.update(dict(zip(kv[::2], kv[1::2])))
        rows.append(row)
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    width = max([len(r["name"]) for r in rows] + [12]) + 2
    click.echo(f"  {'name':<{width}} {'engine':<12} {'device':<6} {'quant':<6} eval   (* = default)")
    for r in rows:
        star = "*" if r.get("default") else " "
        click.echo(f"{star} {r['name']:<{width}} {r['engine']:<12} {r['device']:<6} {r['quantization']:<6} "
                   f"{r.get('eval', 'missing')}")
        for k in ("styles", "roles", "moods"):
            click.echo(f"    {k}: {r.get(k, '')}")


OUT_SUFFIXES = {"out": (".mid", ".midi", ".json"), "png": (".png",), "wav": (".wav",)}
SUFFIX_HINTS = {".wav": "for audio use --wav FILE.wav", ".png": "for a picture use --png FILE.png",
                ".mid": "for MIDI use --out FILE.mid", ".midi": "for MIDI use --out FILE.mid",
                ".json": "for JSON use --out FILE.json"}


def _check_suffix(ctx, param, value):
    """--out, --png and --wav each write one kind of file: refuse any other extension."""
    if value is None:
        return value
    allowed = OUT_SUFFIXES[param.name]
    suffix = Path(value).suffix.lower()
    if suffix not in allowed:
        hint = SUFFIX_HINTS.get(suffix) if suffix not in allowed else None
        raise click.BadParameter(f"{value!r} must end in {' or '.join(allowed)}"
                                 f"{'; ' + hint if hint else ''}", param_hint=f"--{param.name}")
    return value


def _generation_options(f):
    opts = [
        click.option("--json", "as_json", is_flag=True, help="Print the JSON result on stdout."),
        click.option("--wav", default=None, callback=_check_suffix,
                     help="Also write a WAV preview (FluidSynth, General MIDI); variations play in turn."),
        click.option("--png", default=None, callback=_check_suffix,
                     help="Also write a piano-roll PNG (one lane and colour per variation)."),
        click.option("--program", type=click.IntRange(0, 127), default=None,
                     help="GM program of the .mid tracks [default by role: melody 73, bass 33, chords/keys 0]."),
        click.option("--out", default=None, callback=_check_suffix,
                     help="Write the result: .mid (one track per variation) or .json."),
        click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait."),
        click.option("--cancel-file", default=None, metavar="FILE",
                     help="Watch FILE while waiting: when it appears, cancel the request (/cadenza/cancel) "
                          "and answer 'cancelled' (exit code 1, nothing written but the --out .json answer)."),
        click.option("--progress", "progress_file", default=None, metavar="FILE",
                     help="While waiting, keep FILE holding the latest /cadenza/progress fraction "
                          "(0..1, one number), written atomically."),
        click.option("--scale-lock", is_flag=True, help="Only notes of the key (a hard mask)."),
        click.option("--density", type=float, default=None, help="0 (sparse) to 1 (dense)."),
        click.option("--pitch-high", type=int, default=None, help="Highest MIDI pitch."),
        click.option("--pitch-low", type=int, default=None, help="Lowest MIDI pitch."),
        click.option("--variations", "-n", type=int, default=None, help=f"How many variations (1-{MAX_VARIATIONS})."),
        click.option("--seed", type=int, default=None, help="Same seed, same notes."),
        click.option("--guidance", "-g", type=float, default=None,
                     help="How closely style, mood and key are followed, 0-5 (1 plain; default: the model's)."),
        click.option("--top-p", type=float, default=None, help="Nucleus sampling, 0.05-1."),
        click.option("--temperature", "-t", type=float, default=None, help="0.05-3; higher is wilder."),
        click.option("--prompt", "-p", default=None, help='Free text: "calm folk tune in D minor, 8 bars".'),
        click.option("--mood", default=None, help="happy, tense, sad or calm."),
        click.option("--style", "-s", default=None, help="A style the model knows (see `cadenza models`)."),
        click.option("--key", "-k", default=None, help='"D minor", "F#", "Bbm", ...'),
        click.option("--tempo", type=float, default=None, help="BPM."),
        click.option("--meter", default=None, help='"4/4", "3/4", "6/8", ...'),
        click.option("--bars", "-b", type=int, default=None, help=f"Length in bars (1-{MAX_BARS})."),
        click.option("--role", "-r", default=None, help="melody, bass, chords, keys or drums."),
        click.option("--model", "-m", default=None, help="Model name (default: the daemon's default)."),
        _connection_options,
    ]
    for o in opts:
        f = o(f)
    return f


OPTION_KEYS = ("model", "role", "bars", "meter", "tempo", "key", "style", "mood", "prompt", "temperature",
               "top_p", "guidance", "seed", "variations", "pitch_low", "pitch_high", "density")


def _run(operation, kw, clip_path=None, positional=(), extra=None):
    out, as_json = kw["out"], kw["as_json"]
    options = {k: kw.get(k) for k in OPTION_KEYS}
    if kw.get("scale_lock"):
        options["scale_lock"] = 1
    options.update(extra or {})
    clip = None
    if clip_path is not None:
        try:
            from bridge.music.clip import read_clip

            c = read_clip(clip_path)
            clip = c.to_dict()
        except CadenzaError as exc:
            _fail(exc.message, out, exc.code)
        except (OSError, ValueError) as exc:
            _fail(f"cannot read {clip_path}: {exc}", out, "bad_request")
    options = {k: (float(v) if k in ("tempo", "temperature", "top_p", "guidance", "density", "strength") and v is not None else v)
               for k, v in options.items()}
    cancel_file = kw.get("cancel_file")
    try:
        with _client(kw["host"], kw["port"], kw["transport"], kw["timeout"]) as c:
            res = c.request(operation, options, clip=clip, positional=positional,
                            on_reply=_progress_writer(kw.get("progress_file")),
                            should_cancel=(lambda: Path(cancel_file).exists()) if cancel_file else None)
    except RemoteError as exc:
        if exc.code == "cancelled" and cancel_file and Path(cancel_file).exists():
            _fail(f"cancelled: {cancel_file} appeared, so {exc.message}; no notes were written", out, "cancelled")
        _fail(f"{exc.code}: {exc.message}", out, exc.code)
    except CadenzaError as exc:
        _fail(exc.message, out, exc.code)
    info = res.info
    result = {
        "ok": True,
        "operation": operation,
        "id": res.req_id,
        "model": info.get("model"),
        "elapsed_ms": round(res.elapsed_ms, 2),
        "seed": info.get("seed"),
        "meter": info.get("meter") or options.get("meter") or (clip or {}).get("meter") or "4/4",
        "tempo": info.get("tempo") or options.get("tempo") or (clip or {}).get("tempo") or 120.0,
        "key": info.get("key"),
        "style": info.get("style"),
        "mood": info.get("mood"),
        "role": info.get("role"),
        "bars": info.get("bars"),
        "unknown_words": info.get("unknown", "").split() if info.get("unknown") else [],
        "variations": [res.variations[v] for v in sorted(res.variations)],
    }
    if result["unknown_words"]:
        click.echo(f"cadenza: prompt words not used: {' '.join(result['unknown_words'])}", err=True)
    if out:
        if out.lower().endswith((".mid", ".midi")):
            from bridge.music.clip import clip_to_midi

            clips = result_clips(result)
            write_atomic(Path(out), writer=lambda tmp: clip_to_midi(clips, tmp, name=f"Cadenza {operation}",
                                                                    role=result["role"], program=kw.get("program")))
        else:
            write_atomic(Path(out), json.dumps(result))
    if kw.get("png") or kw.get("wav"):
        from bridge.cli.render_cmd import write_previews

        write_previews(result_clips(result), kw.get("png"), kw.get("wav"), together=False, out=out)
    if as_json:
        click.echo(json.dumps(result))
    elif not out:
        for var in result["variations"]:
            click.echo(f"variation {var['variation']}: {len(var['notes'])} notes, {var['length_beats']:g} beats")
    if out and not as_json:
        total = sum(len(v["notes"]) for v in result["variations"])
        click.echo(f"wrote {out}: {len(result['variations'])} variation(s), {total} notes, seed {result['seed']}, "
                   f"{result['elapsed_ms']:.0f} ms")


def _progress_writer(path: str | None):
    """An on_reply callback that keeps `path` holding the latest progress fraction, or None."""
    if not path:
        return None

    def on_reply(address: str, args: list) -> None:
        if address == f"{ROOT}/progress" and len(args) >= 2:
            try:
                write_atomic(Path(path), f"{min(1.0, max(0.0, float(args[1]))):.4f}\n")
            except OSError:  # a reader holding the file on Windows: the next fraction comes soon
                pass

    return on_reply


def result_clips(result: dict) -> list:
    """The answer's variations as clips, with the answer's meter, tempo, key and role."""
    from bridge.music.clip import Clip

    return [Clip.from_dict(dict(var, meter=result["meter"], tempo=result["tempo"], key=result["key"],
                                drums=result["role"] == "drums")) for var in result["variations"]]


@click.command()
@_generation_options
def generate(**kw):
    """Generate a new clip from conditions or a free-text prompt.

    \b
    Examples:
      cadenza generate --style irish-folk --key "D minor" --bars 8 --out tune.mid
      cadenza generate -p "calm folk tune in D minor, 8 bars" --json
      cadenza generate --role drums --style rock -n 4 --out beats.mid
      cadenza generate --style irish-folk -n 2 --out tune.mid --png tune.png --wav tune.wav
    """
    _run("generate", kw)


@click.command(name="continue")
@click.option("--in", "clip_in", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The clip to continue (.mid or .json).")
@_generation_options
def continue_(clip_in, **kw):
    """Continue a clip: the answer is the continuation alone, starting at beat 0.

    \b
    Example:
      cadenza continue --in verse.mid --bars 4 --out next.mid
    """
    _run("continue", kw, clip_in)


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
              help="The clip to fill (.mid or .json).")
@click.option("--start-bar", type=int, required=True, help="First bar to regenerate (0-based).")
@click.option("--end-bar", type=int, required=True, help="Bar after the last one to regenerate.")
@_generation_options
def infill(clip_in, start_bar, end_bar, **kw):
    """Regenerate bars start..end (end exclusive) of a clip, keeping the rest as context.

    \b
    Example:
      cadenza infill --in song.mid --start-bar 4 --end-bar 6 --out fixed.mid
    """
    _run("infill", kw, clip_in, positional=(start_bar, end_bar))
