"""`cadenza serve`: start the daemon in the foreground."""

from __future__ import annotations

import logging
import signal
import sys
import threading

import click

from bridge.errors import CadenzaError
from bridge.server.config import DEFAULT_HOST, DEFAULT_PORT


@click.command()
@click.option("--host", default=None, help=f"Address to listen on [default: {DEFAULT_HOST}, or $CADENZA_HOST].")
@click.option("--port", type=int, default=None, help=f"UDP and TCP port [default: {DEFAULT_PORT}, or $CADENZA_PORT].")
@click.option("--models", "models_dirs", type=click.Path(file_okay=False), multiple=True,
              help="A folder of model folders served beside the shipped ones (repeatable).")
@click.option("--only", is_flag=True, help="Serve only the --models folders, not the shipped models.")
@click.option("--default", "default_model", default=None,
              help="The default model's name [default: the shipped default, transformer].")
@click.option("--allow", default=None, help="Client networks beyond loopback, e.g. 192.168.1.0/24,10.0.0.7.")
@click.option("--device", default="auto", type=click.Choice(["auto", "cpu", "cuda"]), help="Where models run.")
@click.option("--max-connections", type=click.IntRange(1), default=None,
              help="Concurrent TCP connections; one more is refused with busy [256, or $CADENZA_MAX_CONNECTIONS].")
@click.option("--max-upload-notes", type=click.IntRange(1), default=None,
              help="Notes all unfinished uploads may hold together [200000, or $CADENZA_MAX_UPLOAD_NOTES].")
@click.option("--tcp-idle", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds a silent TCP connection stays open [600, or $CADENZA_TCP_IDLE].")
@click.option("--log-level", default="info", type=click.Choice(["debug", "info", "warning", "error"]))
def serve(host, port, models_dirs, only, default_model, allow, device, max_connections, max_upload_notes,
          tcp_idle, log_level):
    """Start the Cadenza daemon and serve OSC over UDP and TCP.

    \b
    Examples:
      cadenza serve
      cadenza serve --port 9000 --log-level debug
      cadenza serve --host 0.0.0.0 --allow 192.168.1.0/24
      cadenza serve --models ~/cadenza-models                 # yours beside the shipped models
      cadenza serve --models ~/cadenza-models --default mine  # and answer with yours by default
      cadenza serve --models ~/cadenza-models --only          # yours alone
    """
    logging.basicConfig(
        level=getattr(logging, log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from bridge.server.config import ServerConfig
    from bridge.stream.serve import build_daemon

    try:
        config = ServerConfig.from_env(host=host, port=port, extra_models=tuple(models_dirs), only=only,
                                       default_model=default_model, allow=allow, device=device,
                                       max_connections=max_connections, max_upload_notes=max_upload_notes,
                                       tcp_idle=tcp_idle)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        daemon = build_daemon(config)
    except CadenzaError as exc:
        raise click.ClickException(exc.message) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}. "
            "Is another cadenza already running? Try --port."
        ) from None
    if not daemon.models:
        click.echo(f"cadenza: warning: no models found in {', '.join(map(str, config.model_dirs()))}", err=True)
    daemon.start()
    click.echo(daemon.ready_line())
    sys.stdout.flush()
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    daemon.stop()
    click.echo("cadenza stopped")
