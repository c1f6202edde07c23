"""The `cadenza` command line. Every command but `serve` is a thin client of the running daemon
or a job runner; nothing heavy (torch, music21) is imported until a command needs it, so
`cadenza generate --help` answers at once.
"""

from __future__ import annotations

import importlib

import click

from bridge import __version__
from bridge.errors import MissingExtra

# Sub-commands that live in their own modules: name -> "module:attribute" (imported on use).
LAZY_COMMANDS = {
    "serve": "bridge.cli.serve:serve",
    "ping": "bridge.cli.client:ping",
    "status": "bridge.cli.client:status",
    "models": "bridge.cli.client:models",
    "generate": "bridge.cli.client:generate",
    "continue": "bridge.cli.client:continue_",
    "restyle": "bridge.cli.client:restyle",
    "infill": "bridge.cli.client:infill",
    "interpolate": "bridge.cli.client:interpolate",
    "accompany": "bridge.cli.client:accompany",
    "groove": "bridge.cli.client:groove",
    "drumify": "bridge.cli.client:drumify",
    "render": "bridge.cli.render_cmd:render",
    "data": "bridge.cli.data:data",
    "train": "bridge.cli.train:train",
    "eval": "bridge.cli.eval:eval_cmd",
    "export": "bridge.cli.export:export",
    "bench": "bridge.cli.bench:bench",
}


# One-line help for `cadenza --help`, so listing commands imports none of them.
SHORT_HELP = {
    "serve": "Start the daemon (OSC over UDP and TCP, default 127.0.0.1:7500).",
    "ping": "Check that the daemon answers.",
    "status": "Show the daemon's version, models, device, queue and uptime.",
    "models": "List resident models and the styles, roles and moods they know.",
    "generate": "Generate a new clip from conditions or a prompt.",
    "continue": "Continue a clip (.mid or .json).",
    "restyle": "Rewrite a clip in another style, mood or key.",
    "infill": "Regenerate some bars of a clip.",
    "interpolate": "Morph one clip into another in N steps (a model that interpolates).",
    "accompany": "Write a part that fits other tracks (--context ROLE=FILE, a model that accompanies).",
    "groove": "Play a clip with feel: new timing and velocity, same notes (a model that grooves).",
    "drumify": "Turn a clip's rhythm into a drum part on its onsets.",
    "render": "Draw a clip as a piano-roll PNG and play it into a WAV.",
    "data": "Build and inspect the training corpus.",
    "train": "Train a model (markov, transformer, rnn, vae, groove).",
    "eval": "Evaluate a model and write the report into its model card.",
    "export": "Export the Transformer to ONNX.",
    "bench": "Measure latency, memory and stream timing.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(LAZY_COMMANDS)

    def format_commands(self, ctx, formatter):
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx, name):
        target = LAZY_COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            why = str(exc)  # `exc` is unbound once the except block ends; the command runs later

            @click.command(name=name, help=f"(unavailable: {why})")
            def _missing():
                raise click.ClickException(f"command {name!r} is not available: {why}")

            return _missing


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cadenza")
def cli():
    """Cadenza: an AI composition companion that answers your DAW over OSC.

    \b
    Start the daemon:      cadenza serve
    Ask it for a clip:     cadenza generate --style irish-folk --key "D minor" --bars 8 --out tune.mid
    """


def main(argv: list[str] | None = None):
    """Run the CLI. Usage errors (a bad flag) also land in `--out FILE.json`, so a front end that
    polls that file (REAPER) hears about them at once instead of waiting for its timeout."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        rv = cli.main(args=argv, prog_name="cadenza", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        _write_error_json(argv, exc.format_message())
        exc.show()
        sys.exit(exc.exit_code)
    except ModuleNotFoundError as exc:  # an optional dependency a command needs: one line, no traceback
        top = (exc.name or "").split(".")[0]
        if top not in EXTRAS:
            raise
        message = f"this command needs {top}, which is not installed: pip install 'cadenza[{EXTRAS[top]}]'"
        _write_error_json(argv, message)
        click.echo(f"Error: {message}", err=True)
        sys.exit(1)
    except MissingExtra as exc:
        _write_error_json(argv, exc.message)
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)


# optional modules -> the extra that installs them (pyproject.toml): serving needs none of them
EXTRAS = {"torch": "train", "tqdm": "train", "music21": "train", "symusic": "train", "onnx": "train",
          "onnxscript": "train"}


def _write_error_json(argv: list[str], message: str) -> None:
    out = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--out"), None)
    out = out or next((a.split("=", 1)[1] for a in argv if a.startswith("--out=")), None)
    if out and out.lower().endswith(".json"):
        import json

        from bridge.cli.files import write_atomic

        try:  # best effort: the message still goes to stderr; a missing folder is not created here
            write_atomic(out, json.dumps({"ok": False, "error": {"code": "usage", "message": message}}), parents=False)
        except OSError:
            pass

