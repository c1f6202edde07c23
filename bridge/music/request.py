"""A generating request: the protocol's key/value options, validated into one typed object.

The key table here is the single source of truth for what `generate`, `continue`, `restyle`,
`infill` and `stream/start` accept; messages name the allowed values so a client author can fix
a request from the error alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bridge.errors import BadRequest
from bridge.music.limits import (DEFAULT_BARS, DEFAULT_STEPS, MAX_BAND_CLIPS, MAX_BARS, MAX_INTERPOLATE_BARS,
                                 MAX_STEPS, MAX_TEMPO, MAX_VARIATIONS, MIN_STEPS, MIN_TEMPO)
from bridge.music.theory import MOODS, ROLES, Key, Meter, parse_key, parse_meter

PRESERVE = ("rhythm", "contour", "none")
BAND = "band"  # generate's role for several parts at once (docs/PROTOCOL.md, "Band")

# Keys every generating request understands: name -> (kind, help). Kind drives coercion.
COMMON_KEYS = {
    "model": ("str", "model name from /cadenza/models"),
    "role": ("str", "melody, bass, chords, keys or drums"),
    "bars": ("int", f"integer from 1 to {MAX_BARS}"),
    "meter": ("str", 'like "4/4", "3/4", "6/8"'),
    "tempo": ("float", f"BPM from {MIN_TEMPO} to {MAX_TEMPO}"),
    "key": ("str", 'like "D minor", "F#", "Bbm"'),
    "style": ("str", "a style from /cadenza/models"),
    "mood": ("str", "happy, tense, sad or calm"),
    "prompt": ("str", 'free text, e.g. "calm folk tune in D minor, 8 bars"'),
    "temperature": ("float", "from 0.05 to 3.0"),
    "top_p": ("float", "from 0.05 to 1.0"),
    "guidance": ("float", "from 0 to 5: how strongly style, mood and key are followed (1: plain conditioning)"),
    "seed": ("int", "any integer"),
    "variations": ("int", f"integer from 1 to {MAX_VARIATIONS}"),
    "pitch_low": ("int", "integer from 0 to 127"),
    "pitch_high": ("int", "integer from 0 to 127"),
    "density": ("float", "from 0 (sparse) to 1 (dense)"),
    "scale_lock": ("int", "0 (soft key) or 1 (only notes of the key)"),
    "reply_port": ("int", "UDP port from 1 to 65535"),
    "timeout": ("float", "seconds from 0.01 to 300"),
}
RESTYLE_KEYS = {
    "strength": ("float", "from 0 (unchanged) to 1 (fully rewritten)"),
    "preserve": ("str", "rhythm, contour or none"),
}
INFILL_KEYS: dict = {}
CONTEXT_KEYS = {  # accompany, and infill/continue with context tracks; generate: the chord plan, where a model has one
    "fit": ("float", "from 0 (the model alone) to 2: how closely the part follows the context, or alone its key, rhythm and chord plan (1: the model's prior)"),
}
BAND_KEYS = {
    "roles": ("str", 'the parts of a band, comma-separated, e.g. "drums,bass,chords" (implies role band)'),
}
GROOVE_KEYS = {
    "amount": ("float", "from 0 (the clip as sent) to 1 (the model's timing and velocity in full)"),
    "swing": ("float", "from 0 (straight) to 1 (off-beat eighths, or sixteenths, on the triplet point: 2:1)"),
}
# groove keeps the clip's own bars, key and meter; it re-times and re-voices, it writes no notes
GROOVE_COMMON = ("model", "role", "style", "seed", "temperature", "variations", "reply_port", "timeout")
INTERPOLATE_KEYS = {
    "steps": ("int", f"integer from {MIN_STEPS} to {MAX_STEPS}"),
}
KEYS_BY_OPERATION = {
    # role "band" or roles "...": several parts (band_parts); fit scales a model's chord plan (decoding/plan.py)
    "generate": {**COMMON_KEYS, **BAND_KEYS, **CONTEXT_KEYS},
    "continue": {**COMMON_KEYS, **CONTEXT_KEYS},
    "restyle": {**COMMON_KEYS, **RESTYLE_KEYS},
    "infill": {**COMMON_KEYS, **RESTYLE_KEYS, **CONTEXT_KEYS},
    # accompany: a part for `role` over the context clips of slots c1..c8 (Request.context)
    "accompany": {**COMMON_KEYS, **BAND_KEYS, **CONTEXT_KEYS},  # roles "bass,chords": harmonise, each part over the ones before
    # interpolate: `steps` clips from upload slot a to slot b; `steps` replaces `variations`
    "interpolate": {**{k: v for k, v in COMMON_KEYS.items() if k != "variations"}, **INTERPOLATE_KEYS},
    # groove: the uploaded clip played with feel (docs/PROTOCOL.md, "Groove"); role defaults to drums
    "groove": {**{k: COMMON_KEYS[k] for k in GROOVE_COMMON}, **GROOVE_KEYS},
    # drumify: restyle with role drums and preserve rhythm (docs/PROTOCOL.md, "Drumify")
    "drumify": {**COMMON_KEYS, **RESTYLE_KEYS},
}
GROOVE_DEFAULT_ROLE = "drums"  # an uploaded clip carries no drums flag; groove is drums first


@dataclass
class Request:
    """A validated generating request. `None` means "not given": the engine or the prompt decides."""

    operation: str = "generate"
    model: str | None = None
    role: str = "melody"
    bars: int | None = None  # None: DEFAULT_BARS for generate, the clip's length for restyle
    meter: Meter | None = None
    tempo: float | None = None
    key: Key | None = None
    style: str | None = None
    mood: str | None = None
    prompt: str | None = None
    temperature: float = 1.0
    top_p: float = 0.95
    guidance: float | None = None  # None: the model's default (classifier-free guidance scale)
    seed: int | None = None
    variations: int = 1
    pitch_low: int = 0
    pitch_high: int = 127
    density: float | None = None
    scale_lock: bool = False
    strength: float = 0.5
    preserve: str = "rhythm"
    reply_port: int | None = None
    timeout: float | None = None
    steps: int = DEFAULT_STEPS  # interpolate only: clips returned, both endpoints included
    amount: float = 1.0  # groove only: 0 the clip as sent .. 1 the model's timing and velocity
    swing: float = 0.0  # groove only: 0 straight .. 1 off-beats on the triplet point
    fit: float = 1.0  # with context tracks: the scale of the model's harmony prior (0 off .. 2)
    # accompany (and infill/continue with context): the other tracks, (role, Clip) pairs from
    # upload slots c1..c8 in slot order; the server fills it, never a key
    context: list = field(default_factory=list)
    # a band (role "band"): the parts asked for, in answer order; () means every part of the model
    # (band_parts resolves it against the model's parts)
    parts: tuple = ()
    start_bar: int | None = None  # infill only
    end_bar: int | None = None  # infill only, exclusive
    given: set = field(default_factory=set)  # keys the client set explicitly
    unknown_words: list = field(default_factory=list)  # prompt words the parser did not use

    def effective_bars(self) -> int:
        return self.bars if self.bars is not None else DEFAULT_BARS

    def effective_meter(self) -> Meter:
        return self.meter or Meter()

    def effective_tempo(self) -> float:
        return self.tempo if self.tempo is not None else 120.0


def _coerce(name: str, kind: str, value, allowed: str):
    if kind == "str":
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be a string ({allowed}), got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # Pd and some clients send every number as float or as a numeric string.
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise BadRequest(f"{name} must be a number ({allowed}), got {value!r}") from None
        else:
            raise BadRequest(f"{name} must be a number ({allowed}), got {value!r}")
    if not math.isfinite(value):
        raise BadRequest(f"{name} must be a finite number ({allowed}), got {value!r}")
    if kind == "int":
        if float(value) != int(value):
            raise BadRequest(f"{name} must be an integer ({allowed}), got {value!r}")
        return int(value)
    return float(value)


def _check_range(name, value, lo, hi, allowed):
    # OSC floats are float32: 0.01 arrives as 0.0099999998, so float bounds get float32's tolerance
    tol = (lambda b: 1e-6 * max(1.0, abs(b))) if isinstance(value, float) else (lambda b: 0)
    if not lo - tol(lo) <= value <= hi + tol(hi):
        raise BadRequest(f"{name} must be {allowed}, got {value!r}")


def pairs(args: list, what: str = "options") -> list[tuple[str, object]]:
    """Split `key value key value ...` into pairs, rejecting an odd count or a non-string key."""
    if len(args) % 2:
        raise BadRequest(f"{what} must be key/value pairs, got an odd number of arguments ({len(args)})")
    out = []
    for i in range(0, len(args), 2):
        k = args[i]
        if not isinstance(k, str):
            raise BadRequest(f"option keys must be strings, got {k!r} at position {i + 2}")
        out.append((k, args[i + 1]))
    return out


def parse_request(operation: str, args: list, styles: tuple | None = None) -> Request:
    """Build a `Request` from the key/value arguments after the id.

    `styles`, when given, is the set of styles the chosen model knows; unknown ones are
    rejected with the list. Prompt text is parsed here too (see bridge/prompt.py); explicit
    keys win over words in the prompt.
    """
    allowed_keys = KEYS_BY_OPERATION[operation]
    req = Request(operation=operation)
    for key, value in pairs(args):
        if key not in allowed_keys:
            raise BadRequest(
                f"unknown key {key!r} for {operation}; allowed: {', '.join(sorted(allowed_keys))}"
            )
        kind, allowed = allowed_keys[key]
        value = _coerce(key, kind, value, allowed)
        _apply(req, key, value, allowed, styles)
        req.given.add(key)
    if "roles" in req.given:
        if operation == "accompany" and "role" in req.given:
            raise BadRequest(f"accompany takes role (one part) or roles (several, each over the ones before), "
                             f"not both; got role {req.role!r} and roles {','.join(req.parts)!r}")
        if "role" in req.given and req.role != BAND:
            raise BadRequest(f"roles names the parts of a band; it goes with role \"band\" or no role, "
                             f"got role {req.role!r}")
        req.role = BAND
    if operation == "groove" and "role" not in req.given:
        req.role = GROOVE_DEFAULT_ROLE
    if req.pitch_low > req.pitch_high:
        raise BadRequest(f"pitch_low ({req.pitch_low}) must not be above pitch_high ({req.pitch_high})")
    if req.prompt:
        from bridge.music.prompt import apply_prompt

        apply_prompt(req, styles)
    if operation == "drumify":
        _as_drumify(req)
    return req


def _as_drumify(req: Request) -> None:
    """Drumify is restyle with role drums and preserve rhythm: a request naming another role or
    preserve is refused, saying so."""
    if "role" in req.given and req.role != "drums":
        raise BadRequest(f"drumify writes role drums, got role {req.role!r}; leave role out, or ask restyle for another role")
    if "preserve" in req.given and req.preserve != "rhythm":
        raise BadRequest(f"drumify preserves the clip's rhythm, got preserve {req.preserve!r}; leave preserve out, "
                         "or ask restyle for another")
    req.operation, req.role, req.preserve = "restyle", "drums", "rhythm"


def _apply(req: Request, key: str, value, allowed: str, styles) -> None:
    if key == "role":
        roles = ROLES + ((BAND,) if req.operation == "generate" else ())
        if value not in roles:
            raise BadRequest(f"role must be one of {', '.join(roles)}, got {value!r}")
    elif key == "roles":
        value = split_parts(value)
        key = "parts"
    elif key == "bars":
        top = MAX_INTERPOLATE_BARS if req.operation == "interpolate" else MAX_BARS
        _check_range(key, value, 1, top, f"an integer from 1 to {top}")
    elif key == "meter":
        value = parse_meter(value)
        if value.numerator > 16:
            raise BadRequest(f"meter numerator must be 1..16, got {value}")
    elif key == "tempo":
        _check_range(key, value, MIN_TEMPO, MAX_TEMPO, f"from {MIN_TEMPO} to {MAX_TEMPO} BPM")
    elif key == "key":
        value = parse_key(value)
    elif key == "style":
        value = value.strip().lower()
        if styles is not None and value not in styles:
            raise BadRequest(f"unknown style {value!r}; this model knows: {', '.join(styles)}")
    elif key == "mood":
        value = value.strip().lower()
        if value not in MOODS:
            raise BadRequest(f"mood must be one of {', '.join(MOODS)}, got {value!r}")
    elif key == "temperature":
        _check_range(key, value, 0.05, 3.0, "from 0.05 to 3.0")
    elif key == "top_p":
        _check_range(key, value, 0.05, 1.0, "from 0.05 to 1.0")
    elif key == "guidance":
        _check_range(key, value, 0.0, 5.0, "from 0 to 5 (1: plain conditioning)")
    elif key == "seed":
        _check_range(key, value, -(2**31), 2**31 - 1, "a 32-bit integer")
    elif key == "variations":
        _check_range(key, value, 1, MAX_VARIATIONS, f"an integer from 1 to {MAX_VARIATIONS}")
    elif key in ("pitch_low", "pitch_high"):
        _check_range(key, value, 0, 127, "an integer from 0 to 127")
    elif key == "density":
        _check_range(key, value, 0.0, 1.0, "from 0 (sparse) to 1 (dense)")
    elif key == "fit":
        _check_range(key, value, 0.0, 2.0, "from 0 (the model alone) to 2 (1: the model's harmony prior)")
    elif key == "scale_lock":
        _check_range(key, value, 0, 1, "0 or 1")
        value = bool(value)
    elif key == "reply_port":
        _check_range(key, value, 1, 65535, "a port from 1 to 65535")
    elif key == "timeout":
        _check_range(key, value, 0.01, 300, "from 0.01 to 300 seconds")
    elif key == "steps":
        _check_range(key, value, MIN_STEPS, MAX_STEPS, f"an integer from {MIN_STEPS} to {MAX_STEPS}")
    elif key == "amount":
        _check_range(key, value, 0.0, 1.0, "from 0 (the clip as sent) to 1 (the model's timing and velocity)")
    elif key == "swing":
        _check_range(key, value, 0.0, 1.0, "from 0 (straight) to 1 (triplet swing, 2:1)")
    elif key == "strength":
        _check_range(key, value, 0.0, 1.0, "from 0 (unchanged) to 1 (fully rewritten)")
    elif key == "preserve":
        if value not in PRESERVE:
            raise BadRequest(f"preserve must be one of {', '.join(PRESERVE)}, got {value!r}")
    setattr(req, key, value)


def split_parts(text: str) -> tuple:
    """`roles "drums,bass"` -> ("drums", "bass"): known roles, each once, at least one."""
    parts = tuple(p.strip().lower() for p in text.split(",") if p.strip())
    if not parts:
        raise BadRequest(f"roles must name at least one part, comma-separated, from {', '.join(ROLES)}; got {text!r}")
    unknown = [p for p in parts if p not in ROLES]
    if unknown:
        raise BadRequest(f"roles: unknown part {unknown[0]!r}; parts are {', '.join(ROLES)}")
    repeated = sorted({p for p in parts if parts.count(p) > 1})
    if repeated:
        raise BadRequest(f"roles names {repeated[0]!r} twice; name each part once (variations N asks for more takes)")
    return parts


def band_parts(req: Request, have: tuple) -> tuple:
    """The parts a band request writes, given the parts a model `have`s (in its answer order): the
    request's `roles`, each of which the model must have, else all of them; and the answer
    (variations x parts clips) must stay within MAX_BAND_CLIPS. Sets and returns `req.parts`."""
    parts = req.parts or tuple(have)
    missing = [p for p in parts if p not in have]
    if missing:
        raise BadRequest(f"this model's band has no {missing[0]} part; its parts are {', '.join(have)}")
    if req.variations * len(parts) > MAX_BAND_CLIPS:
        raise BadRequest(f"a band answer holds at most {MAX_BAND_CLIPS} clips (variations x parts); "
                         f"{req.variations} variations x {len(parts)} parts is {req.variations * len(parts)}: "
                         f"ask for at most {MAX_BAND_CLIPS // len(parts)} variations or fewer parts")
    req.parts = tuple(parts)
    return req.parts
