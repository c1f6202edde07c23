"""Daemon configuration: one typed object with named defaults, overridden by environment
variables (CADENZA_HOST, CADENZA_PORT, CADENZA_MODELS, ...) and then by CLI flags; validated
when built."""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7500
QUEUE_SIZE = 16  # requests waiting beyond this get `busy`
REQUEST_TIMEOUT_S = 60.0  # default per-request limit; a request may ask for less with `timeout`
UPLOAD_TTL_S = 60.0  # an upload (clip/begin) never used expires after this
MAX_UPLOADS_PER_CLIENT = 64
MAX_TCP_PACKET = 1 << 20  # 1 MiB: a SLIP frame beyond this closes the connection
MAX_CONNECTIONS = 256  # TCP connections served at once; one more gets `busy` and is closed
TCP_IDLE_S = 600.0  # a TCP connection that sends nothing for this long is closed
MAX_UPLOAD_NOTES = 200_000  # notes held in all unfinished uploads together (about 60 MB); more get `busy`
REPLY_BYTES_PER_S = 1 << 20  # UDP reply bytes a second to one non-loopback address (spoofed sources)


def default_models_dir() -> Path:
    """The shipped models: $CADENZA_MODELS, else the clone's models/ (an editable install), else
    the copy a wheel installs (pip or pipx: <prefix>/share/cadenza/models), else the user's."""
    env = os.environ.get("CADENZA_MODELS")
    if env:
        return Path(env)
    repo_models = Path(__file__).resolve().parents[2] / "models"  # bridge/server/config.py -> repo
    if repo_models.is_dir():
        return repo_models
    wheel_models = Path(sys.prefix) / "share" / "cadenza" / "models"
    if wheel_models.is_dir():
        return wheel_models
    from platformdirs import user_data_dir

    return Path(user_data_dir("cadenza")) / "models"


@dataclass
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    models_dir: Path = field(default_factory=default_models_dir)  # the shipped models
    extra_models: tuple = ()  # more folders of model folders, served beside the shipped ones (--models)
    only: bool = False  # serve only extra_models, not the shipped ones (--only)
    default_model: str | None = None  # the default model's name (--default); None: the shipped default
    allow: tuple = ()  # extra client networks (ip_network); loopback is always allowed
    queue_size: int = QUEUE_SIZE
    request_timeout: float = REQUEST_TIMEOUT_S
    upload_ttl: float = UPLOAD_TTL_S
    max_uploads_per_client: int = MAX_UPLOADS_PER_CLIENT
    max_upload_notes: int = MAX_UPLOAD_NOTES
    max_connections: int = MAX_CONNECTIONS
    tcp_idle: float = TCP_IDLE_S
    reply_bytes_per_s: int = REPLY_BYTES_PER_S
    limit_loopback: bool = False  # apply the reply limit to loopback too (tests; loopback cannot be spoofed)
    device: str = "auto"

    def __post_init__(self):
        if not 0 <= int(self.port) <= 65535:
            raise ValueError(f"port must be 0..65535, got {self.port}")
        self.port = int(self.port)
        self.models_dir = Path(self.models_dir)
        extra = (self.extra_models,) if isinstance(self.extra_models, (str, Path)) else self.extra_models
        self.extra_models = tuple(Path(p) for p in extra)
        for folder in self.extra_models:
            if not folder.is_dir():
                raise ValueError(f"--models {folder} is not a folder (it should hold model folders, "
                                 "each with a config.json)")
        if self.only and not self.extra_models:
            raise ValueError("--only serves only the --models folders: give at least one --models DIR")
        self.allow = tuple(parse_allow(self.allow) if isinstance(self.allow, str) else self.allow)
        for name in ("queue_size", "max_uploads_per_client", "max_upload_notes", "max_connections",
                     "reply_bytes_per_s"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.tcp_idle > 0:
            raise ValueError(f"tcp_idle must be a positive number of seconds, got {self.tcp_idle}")
        host_ip = _host_ip(self.host)
        if not host_ip.is_loopback and not self.allow:
            raise ValueError(
                f"listening on {self.host} reaches beyond this machine: say which clients may connect "
                "with --allow CIDR[,CIDR...] (for example --allow 192.168.1.0/24)"
            )

    def model_dirs(self) -> list[Path]:
        """The folders whose model folders are served, shipped first (unless --only)."""
        return list(self.extra_models) if self.only else [self.models_dir, *self.extra_models]

    def allowed(self, ip: str) -> bool:
        try:
            addr = ipaddress.ip_address(ip.split("%")[0])
        except ValueError:
            return False
        if addr.is_loopback:
            return True
        return any(addr in net for net in self.allow)

    @classmethod
    def from_env(cls, **overrides) -> "ServerConfig":
        env = {}
        if "CADENZA_HOST" in os.environ:
            env["host"] = os.environ["CADENZA_HOST"]
        if "CADENZA_PORT" in os.environ:
            env["port"] = int(os.environ["CADENZA_PORT"])
        if "CADENZA_ALLOW" in os.environ:
            env["allow"] = os.environ["CADENZA_ALLOW"]
        if os.environ.get("CADENZA_DEFAULT_MODEL"):
            env["default_model"] = os.environ["CADENZA_DEFAULT_MODEL"]
        for var, name in (("CADENZA_QUEUE_SIZE", "queue_size"), ("CADENZA_REQUEST_TIMEOUT", "request_timeout"),
                          ("CADENZA_UPLOAD_TTL", "upload_ttl"), ("CADENZA_MAX_UPLOADS", "max_uploads_per_client"),
                          ("CADENZA_MAX_UPLOAD_NOTES", "max_upload_notes"),
                          ("CADENZA_MAX_CONNECTIONS", "max_connections"), ("CADENZA_TCP_IDLE", "tcp_idle"),
                          ("CADENZA_REPLY_BYTES_PER_S", "reply_bytes_per_s"),
                          ("CADENZA_LIMIT_LOOPBACK", "limit_loopback")):
            if var in os.environ:
                env[name] = type(getattr(cls, name, 0.0) if hasattr(cls, name) else 0.0)(float(os.environ[var]))
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)


def parse_allow(text: str) -> list:
    nets = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"--allow takes networks like 192.168.1.0/24 or 10.0.0.5, got {part!r}") from None
    return nets


def _host_ip(host: str):
    if host in ("localhost", ""):
        return ipaddress.ip_address("127.0.0.1")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        import socket

        return ipaddress.ip_address(socket.gethostbyname(host))
