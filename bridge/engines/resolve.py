"""Request + uploaded clip + model info -> the conditions an engine generates under.

The rules both engine families share live here once. Where the families differ today, the
family keeps its own part (and says why there): the Markov engine draws a missing key from its
role's training data and infers a pitched role from the clip's texture, the Transformer leaves a
missing key to its tokens and reads density from the clip it continues.
"""

from __future__ import annotations

import secrets

from bridge.errors import BadRequest
from bridge.music.clip import Clip
from bridge.music.request import Request
from bridge.music.theory import Meter

DEFAULT_TEMPO = 120.0  # BPM when neither the request nor the clip says


def draw_seed(req: Request) -> int:
    """The request's seed, or a fresh 31-bit one: the same seed always reproduces the same notes."""
    return req.seed if req.seed is not None else secrets.randbits(31)


def drums_clip_role(req: Request, clip: Clip | None, role: str) -> str:
    """A clip flagged as drums makes the role drums when the request names no role."""
    if clip is not None and clip.drums and "role" not in req.given:
        return "drums"
    return role


def check_style(req: Request, styles: tuple) -> None:
    """A named style must be one the model was trained on (None: the model picks)."""
    if req.style is not None and req.style not in styles:
        raise BadRequest(f"unknown style {req.style!r}; this model knows: {', '.join(styles)}")


def meter_of(req: Request, clip: Clip | None) -> Meter:
    """The request's meter, else the clip's, else 4/4."""
    return req.meter or (clip.meter if clip is not None else None) or Meter()


def tempo_of(req: Request, clip: Clip | None) -> float | None:
    """The request's tempo, else the clip's; None when neither says (the engine's default)."""
    if req.tempo is not None:
        return req.tempo
    return clip.tempo if clip is not None else None
