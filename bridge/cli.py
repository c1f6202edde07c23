"""The `cadenza` command line. Every command but `serve` is a thin client of the running daemon
or a job runner; nothing heavy (torch, music21) is imported until a command needs it, so
`cadenza generate --help` answers at once.
"""

from __future__ import annotations

import importlib

import click

from . import __version__

# Sub-commands that live in their own modules: name -> "module:attribute" (imported on use).
LAZY_COMMANDS = {
    "serve": "bridge.cli_serve:serve",
    "ping": "bridge.cli_client:ping",
    "status": "bridge.cli_client:status",
    "models": "bridge.cli_client:models",
    "generate": "bridge.cli_client:generate",
    "continue": "bridge.cli_client:continue_",
    "restyle": "bridge.cli_client:restyle",
    "infill": "bridge.cli_client:infill",
    "data": "bridge.data.cli:data",
    "train": "bridge.training_cli:train",
    "eval": "bridge.evaluation.cli:eval_cmd",
    "export": "bridge.engines.transformer.cli:export",
    "bench": "bridge.bench:bench",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx, name):
        target = LAZY_COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            @click.command(name=name, help=f"(unavailable: {exc})")
            def _missing():
                raise click.ClickException(f"command {name!r} is not available: {exc}")

            return _missing


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cadenza")
def cli():
    """Cadenza: an AI composition companion that answers your DAW over OSC.

    \b
    Start the daemon:      cadenza serve
    Ask it for a clip:     cadenza generate --style irish-folk --key "D minor" --bars 8 --out tune.mid
    """


def main():
    cli(prog_name="cadenza")


if __name__ == "__main__":
    main()
