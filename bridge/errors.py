"""Typed errors. Each maps to one protocol error code; the OSC edge turns them into
`/cadenza/error id code message` and the CLI edge into one clean line."""


class CadenzaError(Exception):
    """Base class: `code` is the protocol's error code string."""

    code = "internal"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(CadenzaError):
    code = "bad_request"


class UnknownAddress(CadenzaError):
    code = "unknown_address"


class UnknownModel(CadenzaError):
    code = "unknown_model"


class NoClip(CadenzaError):
    code = "no_clip"


class TooLarge(CadenzaError):
    code = "too_large"


class Busy(CadenzaError):
    code = "busy"


class Cancelled(CadenzaError):
    code = "cancelled"


class Timeout(CadenzaError):
    code = "timeout"


class Internal(CadenzaError):
    code = "internal"


class DaemonUnavailable(CadenzaError):
    """The CLI could not reach a daemon (not a protocol code: CLI side only)."""

    code = "unavailable"


class MissingExtra(CadenzaError):
    """A feature needs an optional dependency that is not installed; the message names it and the
    one line that installs it (`pip install 'cadenza[train]'`)."""

    code = "internal"
