"""One generating request from the command line: the options every generating command shares,
reading clip files (`--in`, `--a`/`--b`, `--context ROLE=FILE`), the request itself and the
answer's files (`--out`, `--png`, `--wav`, `--progress`, `--cancel-file`). The commands are in
client.py; this module imports nothing heavy either.
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
from bridge.music.limits import MAX_BARS, MAX_CONTEXT_TRACKS, MAX_VARIATIONS
from bridge.music.theory import ROLES


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


def _output_options(program_help: str) -> list:
    """The options of what a command writes and how long it waits, shared by every command that
    answers with clips; `program_help` says how --program defaults for that command."""
    return [
        click.option("--json", "as_json", is_flag=True, help="Print the JSON result on stdout."),
        click.option("--wav", default=None, callback=_check_suffix,
                     help="Also write a WAV preview (FluidSynth, General MIDI); variations play in turn."),
        click.option("--png", default=None, callback=_check_suffix,
                     help="Also write a piano-roll PNG (one lane and colour per variation)."),
        click.option("--program", type=click.IntRange(0, 127), default=None, help=program_help),
        click.option("--out", default=None, callback=_check_suffix,
                     help="Write the result: .mid (one track per variation) or .json."),
        click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait."),
    ]


def _generation_options(f=None, *, variations: bool = True, bars_max: int = MAX_BARS):
    """The options every generating command shares; interpolate has no --variations (its steps
    are its variations) and a shorter --bars."""
    if f is None:
        return lambda g: _generation_options(g, variations=variations, bars_max=bars_max)
    opts = [
        *_output_options("GM program of the .mid tracks [default by role: melody 73, bass 33, chords/keys 0]."),
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
        *([click.option("--variations", "-n", type=int, default=None,
                        help=f"How many variations (1-{MAX_VARIATIONS}).")] if variations else []),
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
        click.option("--bars", "-b", type=int, default=None, help=f"Length in bars (1-{bars_max})."),
        click.option("--role", "-r", default=None, help="melody, bass, chords, keys or drums (generate: or band)."),
        click.option("--model", "-m", default=None, help="Model name (default: the daemon's default)."),
        _connection_options,
    ]
    for o in opts:
        f = o(f)
    return f


def _groove_options(f):
    """The options of `cadenza groove`: a groove request keeps the clip's bars, key and meter, so
    it takes only the keys the protocol gives it (docs/PROTOCOL.md, "Groove")."""
    opts = [
        *_output_options("GM program of the .mid tracks (pitched roles)."),
        click.option("--cancel-file", default=None, metavar="FILE",
                     help="Watch FILE while waiting: when it appears, cancel the request."),
        click.option("--progress", "progress_file", default=None, metavar="FILE",
                     help="While waiting, keep FILE holding the latest progress fraction."),
        click.option("--variations", "-n", type=int, default=None, help=f"How many variations (1-{MAX_VARIATIONS})."),
        click.option("--seed", type=int, default=None, help="Same seed, same timing."),
        click.option("--temperature", "-t", type=float, default=None,
                     help="0.05-3: how far each note's timing and velocity stray from the model's mean."),
        click.option("--style", "-s", default=None, help="Whose feel to borrow (see `cadenza models`)."),
        click.option("--role", "-r", default=None, help="What the clip plays [drums]."),
        click.option("--model", "-m", default=None, help="Model name (default: the first that grooves)."),
        _connection_options,
    ]
    for o in opts:
        f = o(f)
    return f


OPTION_KEYS = ("model", "role", "roles", "bars", "meter", "tempo", "key", "style", "mood", "prompt", "temperature",
               "top_p", "guidance", "seed", "variations", "pitch_low", "pitch_high", "density", "fit")


def _read(path, out) -> dict:
    """A .mid or .json clip file as the dict the client uploads; a clean failure otherwise."""
    try:
        from bridge.music.clip import read_clip

        return read_clip(path).to_dict()
    except CadenzaError as exc:
        _fail(exc.message, out, exc.code)
    except (OSError, ValueError) as exc:
        _fail(f"cannot read {path}: {exc}", out, "bad_request")


def _context_option(f):
    """--context ROLE=FILE, repeatable: the other tracks (context slots c1, c2, ... in order); and
    --fit, how closely the part follows them."""
    f = click.option("--fit", type=click.FloatRange(0.0, 2.0), default=None,
                     help="With --context: how closely the part follows the other tracks' chords, kick and lines "
                          "(0: the model alone, 2: twice its harmony prior) [1].")(f)
    return click.option("--context", "context", multiple=True, callback=_check_context, metavar="ROLE=FILE",
                        help=f"A context track: what it plays ({', '.join(ROLES)}) and its clip (.mid or .json); "
                             f"repeat for up to {MAX_CONTEXT_TRACKS} tracks of the same meter and bars.")(f)


def _check_context(ctx, param, values):
    """ROLE=FILE pairs as [(role, path)], each role one the protocol knows and each file there."""
    if len(values) > MAX_CONTEXT_TRACKS:
        raise click.BadParameter(f"at most {MAX_CONTEXT_TRACKS} context tracks (slots c1..c{MAX_CONTEXT_TRACKS}), "
                                 f"got {len(values)}", param_hint="--context")
    out = []
    for value in values:
        role, sep, path = value.partition("=")
        if not sep or not path:
            raise click.BadParameter(f"{value!r} must be ROLE=FILE, e.g. melody=lead.mid", param_hint="--context")
        if role not in ROLES:
            raise click.BadParameter(f"role {role!r} in {value!r} must be one of {', '.join(ROLES)}",
                                     param_hint="--context")
        if not Path(path).is_file():
            raise click.BadParameter(f"file {path!r} does not exist", param_hint="--context")
        out.append((role, path))
    return out


def _run(operation, kw, clip_path=None, positional=(), extra=None, slot_paths=None, context_paths=None):
    """One request, start to answer. `clip_path` is the clip to upload; `slot_paths` ({"a": path,
    "b": path}) the slot uploads of interpolate; `context_paths` ([(role, path)]) the context
    tracks of accompany, infill and continue."""
    out, as_json = kw["out"], kw["as_json"]
    options = {k: kw.get(k) for k in OPTION_KEYS}
    if kw.get("scale_lock"):
        options["scale_lock"] = 1
    options.update(extra or {})
    clip = _read(clip_path, out) if clip_path is not None else None
    slots = {slot: _read(path, out) for slot, path in (slot_paths or {}).items()} or None
    context = [(role, _read(path, out)) for role, path in (context_paths or ())] or None
    options = {k: (float(v) if k in ("tempo", "temperature", "top_p", "guidance", "density", "strength", "amount",
                                     "swing", "fit") and v is not None else v)
               for k, v in options.items()}
    cancel_file = kw.get("cancel_file")
    try:
        with _client(kw["host"], kw["port"], kw["transport"], kw["timeout"]) as c:
            res = c.request(operation, options, clip=clip, positional=positional, slots=slots, context=context,
                            on_reply=_progress_writer(kw.get("progress_file")),
                            should_cancel=(lambda: Path(cancel_file).exists()) if cancel_file else None)
    except RemoteError as exc:
        if exc.code == "cancelled" and cancel_file and Path(cancel_file).exists():
            _fail(f"cancelled: {cancel_file} appeared, so {exc.message}; no notes were written", out, "cancelled")
        _fail(f"{exc.code}: {exc.message}", out, exc.code)
    except CadenzaError as exc:
        _fail(exc.message, out, exc.code)
    info = res.info
    # the answer's meter and tempo default to the (first) clip's, else the first context track's
    clip = clip or (slots or {}).get("a") or (context[0][1] if context else None)
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
    if info.get("roles"):  # a band: the parts in answer order; each variation says its role and take
        result["roles"] = str(info["roles"]).split(",")
    if context:  # the context's roles, in slot order, as /cadenza/info named them
        result["context"] = info.get("context", ",".join(r for r, _ in context)).split(",")
    if result["unknown_words"]:
        click.echo(f"cadenza: prompt words not used: {' '.join(result['unknown_words'])}", err=True)
    if out:
        if out.lower().endswith((".mid", ".midi")):
            from bridge.music.clip import clip_to_midi

            clips = result_clips(result)
            role = [v.get("role") for v in result["variations"]] if "roles" in result else result["role"]
            write_atomic(Path(out), writer=lambda tmp: clip_to_midi(clips, tmp, name=f"Cadenza {operation}",
                                                                    role=role, program=kw.get("program")))
        else:
            write_atomic(Path(out), json.dumps(result))
    if kw.get("png") or kw.get("wav"):
        from bridge.cli.render_cmd import write_previews

        write_previews(result_clips(result), kw.get("png"), kw.get("wav"), together=False, out=out)
    if as_json:
        click.echo(json.dumps(result))
    elif not out:
        for var in result["variations"]:
            part = f" ({var['role']}, take {var['take']})" if "role" in var else ""
            click.echo(f"variation {var['variation']}{part}: {len(var['notes'])} notes, {var['length_beats']:g} beats")
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
    """The answer's variations as clips, with the answer's meter, tempo, key and role (a band's
    variations each their own role: the drums part carries no key)."""
    from bridge.music.clip import Clip

    out = []
    for var in result["variations"]:
        role = var.get("role", result["role"])
        var = {k: v for k, v in var.items() if k not in ("role", "take")}
        out.append(Clip.from_dict(dict(var, meter=result["meter"], tempo=result["tempo"],
                                       key=None if role == "drums" else result["key"], drums=role == "drums")))
    return out
