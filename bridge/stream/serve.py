"""The daemon as `cadenza serve` runs it: the server with streams attached.

Why here: streams sit above the server, so the server cannot build them; this is the one place
that puts the two together, and everything that runs a daemon (the CLI, and through it the tests
and the benchmark) builds it here, so every running daemon has streams.
"""

from __future__ import annotations

from bridge.server.config import ServerConfig
from bridge.server.daemon import Daemon
from bridge.stream.manager import StreamManager


def build_daemon(config: ServerConfig, models: dict | None = None) -> Daemon:
    """A Daemon (not started) serving `models` (default: those in config.models_dir), with streams."""
    daemon = Daemon(config, models)
    try:
        daemon.attach(StreamManager(daemon.engines, daemon.admission, udp_sock=daemon.transports.udp))
    except BaseException:
        daemon.transports.close()  # free the port, then let the error through
        raise
    return daemon
